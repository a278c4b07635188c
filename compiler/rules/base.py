"""The rule interface: one subclass per module, documented by its docstring."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

import attrs

from compiler.diagnostics import Severity
from compiler.span import Span

if TYPE_CHECKING:
    from compiler import ir
    from compiler.emit import Artifact
    from compiler.host.service import Service


@attrs.frozen(slots=True)
class Finding:
    """One place where a rule's anti-pattern occurs."""

    span: Span
    message: str
    help: str = ""


class Rule:
    """A policy rule. The docstring's first line is the summary; the rest is the
    anti-pattern and the better pattern that `agentc explain` prints."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    waivable: ClassVar[bool] = True

    @property
    def summary(self) -> str:
        """The first line of the docstring."""
        return inspect.getdoc(self).splitlines()[0]

    @property
    def doc(self) -> str:
        """The docstring after its first line."""
        return "\n".join(inspect.getdoc(self).splitlines()[1:]).strip()

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        """Findings in a declaration."""
        return ()

    def check_artifacts(self, agent: ir.Agent, artifacts: list[Artifact]) -> Iterable[Finding]:
        """Findings in the artifacts generated for a declaration."""
        return ()

    def audit(self, service: Service) -> Iterable[Finding]:
        """Findings in an existing service definition on a host."""
        return ()
