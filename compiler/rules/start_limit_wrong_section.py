"""StartLimitBurst or StartLimitIntervalSec outside [Unit]."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule
from compiler.span import Span

if TYPE_CHECKING:
    from compiler.emit import Artifact

if TYPE_CHECKING:
    from compiler.host.service import Service

KEYS = ("StartLimitBurst", "StartLimitIntervalSec")
# The lines that may matter: section headers and start-limit settings (each checked below).
_LINES = re.compile(r"^[^\S\n]*(?:\[|StartLimit)[^\n]*", re.MULTILINE)


class StartLimitWrongSection(Rule):
    """Start limits written in [Service], where systemd ignores them.

    Anti-pattern: since systemd 230 the start limit settings belong to
    [Unit]; in [Service] they are ignored with only a warning, so the unit
    restarts without limit.

        [Service]
        StartLimitBurst=3

    Better:

        [Unit]
        StartLimitIntervalSec=3600
        StartLimitBurst=3
    """

    code = "AG106"
    name = "start-limit-wrong-section"
    waivable = False

    def check_artifacts(self, agent: ir.Agent, artifacts: list[Artifact]) -> Iterable[Finding]:
        for art in artifacts:
            if not art.path.startswith("systemd/"):
                continue
            text = art.data.decode()
            section, number, at = "", 1, 0
            for m in _LINES.finditer(text):
                number += text.count("\n", at, m.start())
                at = m.start()
                line = m.group(0).strip()
                if line.startswith("["):
                    section = line.strip("[]")
                    continue
                key = line.split("=", 1)[0]
                if key in KEYS and section != "Unit":
                    yield Finding(
                        Span(f"{agent.name}/{art.path}", number, 1, number, len(key) + 1),
                        f"{key} is in [{section}], where systemd ignores it",
                        "move it to [Unit]",
                    )

    def audit(self, service: Service) -> Iterable[Finding]:
        for key in KEYS:
            for section in service.sections.get(key, []):
                if section != "Unit":
                    yield Finding(
                        service.at(key),
                        f"{service.label}: {key} is in [{section}], where systemd ignores it",
                        "move it to [Unit]",
                    )
