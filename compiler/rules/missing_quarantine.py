"""No way to quarantine or uninstall the agent with its evidence."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule
from compiler.rules.patterns import runs_container

if TYPE_CHECKING:
    from compiler.host.service import Service

REQUIRED = ("capture_service_definition", "capture_logs")
PODMAN = ("capture_runtime_state", "capture_image_metadata", "capture_redacted_auth_config")


class MissingQuarantine(Rule):
    """Quarantine capture turned off, or a service with no uninstall/quarantine path.

    Anti-pattern: an agent that cannot be quarantined leaves an operator to
    delete files by hand, losing the evidence of what went wrong (spec
    section 9).

        quarantine.captureLogs = false;

    Better: keep every capture on (the default); agentc generates
    `agentctl quarantine` and `agentctl uninstall` for each agent.
    """

    code = "AG113"
    name = "missing-quarantine"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        q = agent.quarantine
        fields = REQUIRED + (PODMAN if agent.runtime == "podman" else ())
        for attr in fields:
            if not getattr(q, attr):
                key = next(f.metadata["key"] for f in ir.schema(ir.Quarantine) if f.name == attr)
                yield Finding(
                    q.at(key),
                    f"`{agent.name}` turns off quarantine capture `{key}`",
                    f"remove quarantine.{key} = false",
                )

    def audit(self, service: Service) -> Iterable[Finding]:
        argv0 = service.argv[0] if service.argv else ""
        # agentc's own units run the wrapper through /bin/sh: it is their second word.
        managed = any("/sourceos-agent-" in a or "@SOURCEOS_" in a for a in service.argv[:2])
        # Only agent-like services (a container or a Nix-built program), not every
        # third-party agent on the host.
        agent_like = runs_container(service.argv) or argv0.startswith("/nix/store/")
        if agent_like and not managed:
            yield Finding(
                service.command_span,
                f"{service.label or service.path}: not managed by SourceOS tooling, so it has no"
                " preflight, quarantine or uninstall path",
                "declare it as a local agent and install it with bin/activate",
            )
