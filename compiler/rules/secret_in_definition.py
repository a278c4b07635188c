"""Credentials written into the declaration, and so into the plist and unit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule
from compiler.rules.patterns import SECRET_VALUE, looks_secret

if TYPE_CHECKING:
    from compiler.host.service import Service


class SecretInDefinition(Rule):
    """A likely secret (token, password, key) in `environment` or the command.

    Anti-pattern: `environment` is written into the plist and the unit, which
    any local user can read (`launchctl print`, `systemctl show`), and into
    the Nix store, which is world-readable.

        environment.GITHUB_TOKEN = "ghp_...";

    Better: keep secrets in a file only the agent's user can read, and name
    it:

        environmentFile = "$HOME/.config/node-commander/secrets.env";
    """

    code = "AG116"
    name = "secret-in-definition"
    waivable = False

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        for name, value in agent.environment.items():
            if looks_secret(name, value):
                yield Finding(
                    agent.at(f"environment.{name}"),
                    f"`{agent.name}.environment.{name}` looks like a secret; it would be readable"
                    " in the plist, the unit and the Nix store",
                    "move it to the file named by environmentFile",
                )
        for arg in agent.command or ():
            if SECRET_VALUE.search(arg):
                yield Finding(
                    agent.at("command"),
                    f"`{agent.name}.command` contains what looks like a credential",
                    "pass secrets through environmentFile, not argv",
                )

    def audit(self, service: Service) -> Iterable[Finding]:
        key = "EnvironmentVariables" if service.kind == "launchd" else "Environment"
        for name, value in service.env.items():
            if looks_secret(name, value):
                yield Finding(
                    service.keys.get(name, service.at(key)),
                    f"{service.label or service.path}: {key} {name} looks like a secret",
                    "move it to a file readable only by the service's user",
                )
