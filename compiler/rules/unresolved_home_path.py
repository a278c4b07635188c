"""A home-relative path where no home exists to resolve it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule
from compiler.rules.patterns import home_relative

if TYPE_CHECKING:
    from compiler.host.service import Service


class UnresolvedHomePath(Rule):
    """`$HOME/` or `~/` in a system daemon, or `~`/`$HOME` left in an installed plist.

    Anti-pattern: launchd expands neither `~` nor `$HOME`, and a system
    daemon has no user home, so the path is taken literally and the log or
    program is not found.

        scope = "system";
        logs.app = "$HOME/Library/Logs/SourceOS/x.log";

    Better: absolute paths for system daemons (`/var/log/sourceos/x.log`);
    for user agents, agentc resolves `$HOME/` when activation installs the
    plist.
    """

    code = "AG117"
    name = "unresolved-home-path"
    waivable = False

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if agent.scope != "system":
            return
        candidates = [
            (agent.logs, "app", agent.logs.app),
            (agent.logs, "stdout", agent.logs.stdout),
            (agent.logs, "stderr", agent.logs.stderr),
            (agent.auth, "authfile", agent.auth.authfile),
            (agent, "environmentFile", agent.environment_file),
        ]
        candidates += [(agent, "command", arg) for arg in agent.command or ()]
        for node, key, value in candidates:
            if value and home_relative(value):
                yield Finding(
                    node.at(key),
                    f"system daemon `{agent.name}` uses a home-relative path: {value}",
                    "use an absolute path (e.g. /var/log/sourceos/...)",
                )

    def audit(self, service: Service) -> Iterable[Finding]:
        if service.kind != "launchd":
            return
        for key, value in service.strings:
            if home_relative(value) or "/~/" in value:
                yield Finding(
                    service.at(key.split(":")[-1]),
                    f"{service.label or service.path}: {key} = {value!r}; launchd expands"
                    " neither `~` nor `$HOME`",
                    "write the absolute path",
                )
