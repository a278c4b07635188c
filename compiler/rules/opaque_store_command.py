"""A bare /nix/store path as the only command an operator sees."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.diagnostics import Severity
from compiler.rules.base import Finding, Rule

if TYPE_CHECKING:
    from compiler.host.service import Service


class OpaqueStoreCommand(Rule):
    """The command is a /nix/store/<hash>-... path, opaque to an operator.

    Anti-pattern: `/nix/store/8kq...-node-commander-wrapper/bin/run` tells
    nobody what runs, breaks when garbage-collected, and changes every
    generation (spec section 13: explainable without store paths).

        command = [ "/nix/store/8kq2...-indexer/bin/indexer" ];

    Better: a stable profile path that points into the store.

        command = [ "$HOME/.nix-profile/bin/sourceos-indexer" ];
    """

    code = "AG114"
    name = "opaque-store-command"
    severity = Severity.WARNING

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if (
            agent.command
            and agent.runtime != "podman"
            and agent.command[0].startswith("/nix/store/")
        ):
            yield Finding(
                agent.at("command"),
                f"`{agent.name}` runs an opaque Nix store path: {agent.command[0]}",
                "run it through a profile path such as $HOME/.nix-profile/bin/<program>",
            )

    def audit(self, service: Service) -> Iterable[Finding]:
        if service.argv and service.argv[0].startswith("/nix/store/"):
            yield Finding(
                service.command_span,
                f"{service.label or service.path}: the only command is an opaque Nix store path"
                f" {service.argv[0]}",
                "use a stable, operator-visible wrapper path",
            )
