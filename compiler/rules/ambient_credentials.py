"""Host registry credentials that can reach the runtime."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule
from compiler.rules.patterns import container_run_args

if TYPE_CHECKING:
    from compiler.host.service import Service


class AmbientCredentials(Rule):
    """The runtime may read the host's ~/.docker/config.json or containers/auth.json.

    Anti-pattern: Podman consults --authfile, DOCKER_CONFIG and
    $XDG_CONFIG_HOME/containers/auth.json. If the service inherits the
    user's, a credential helper configured for an interactive shell (gcloud)
    runs inside a noninteractive service and fails or hangs.

        auth.allowAmbientDockerConfig = true;

    Better: the default — an agent-owned empty authfile `{"auths":{}}`, with
    DOCKER_CONFIG and XDG_CONFIG_HOME pointed at agent-owned directories.

        auth = { mode = "empty-authfile"; allowAmbientDockerConfig = false; };
    """

    code = "AG109"
    name = "ambient-credentials"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if agent.runtime == "podman" and agent.auth.allow_ambient_docker_config:
            yield Finding(
                agent.auth.at("allowAmbientDockerConfig"),
                f"`{agent.name}` lets the host's Docker and containers credentials reach Podman",
                "set auth.allowAmbientDockerConfig = false",
            )

    def audit(self, service: Service) -> Iterable[Finding]:
        args = container_run_args(service.argv)
        isolated = args is not None and any(a.startswith("--authfile") for a in args)
        if args is not None and not (isolated and "DOCKER_CONFIG" in service.env):
            yield Finding(
                service.command_span,
                f"{service.label or service.path}: runs a container with the host's ambient"
                " registry credentials (no --authfile and DOCKER_CONFIG isolation)",
                "run it through an agentc wrapper, which isolates all three credential sources",
            )
