"""A container runtime started directly by launchd or systemd."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler.rules.base import Finding, Rule
from compiler.rules.patterns import runs_container

if TYPE_CHECKING:
    from compiler.host.service import Service


class UnguardedRuntime(Rule):
    """`podman run` (or `docker run`) launched by the service manager without a preflight wrapper.

    Anti-pattern (spec section 11): the service manager runs the container
    runtime itself, so nothing checks that the Podman machine, socket, image
    and credentials are ready, and every failure is a restart.

        <key>ProgramArguments</key>
        <array><string>/opt/homebrew/bin/podman</string><string>run</string>...

    Better: declare the agent; its generated wrapper checks dependencies,
    fails closed, and only then execs `podman run`.
    """

    code = "AG118"
    name = "unguarded-runtime"

    def audit(self, service: Service) -> Iterable[Finding]:
        if runs_container(service.argv):
            yield Finding(
                service.command_span,
                f"{service.label or service.path}: the service manager starts the container"
                " runtime directly, with no preflight wrapper",
                "declare it as a local agent; its wrapper checks the machine, socket, image and"
                " credentials before `podman run`",
            )
