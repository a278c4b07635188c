"""A user agent installed where root owns it: /Library/LaunchAgents or another system directory."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule

if TYPE_CHECKING:
    from compiler.host.service import Service

SYSTEM_LAUNCHD = ("/Library/LaunchAgents", "/Library/LaunchDaemons", "/System/Library")
SYSTEM_SYSTEMD = ("/etc/systemd", "/usr/lib/systemd", "/lib/systemd", "/run/systemd")


class UserAgentInSystemDir(Rule):
    """A user-session agent placed in a root-owned, system-wide directory.

    Anti-pattern (the node-commander incident): a LaunchAgent for one user's
    session installed as root into /Library/LaunchAgents, where it loads for
    every user, survives the user's uninstall and looks like malware
    persistence.

        install.launchdDir = "/Library/LaunchAgents";   # scope = "user"

    The same pattern at system scope: a system agent pointed at the
    per-user-session directories (/Library/LaunchAgents, /etc/systemd/user)
    is a root-owned job loaded into every user's session.

        scope = "system"; install.launchdDir = "/Library/LaunchAgents";

    Better: leave `install` alone. A user agent goes to
    ~/Library/LaunchAgents/<label>.plist (domain gui/<uid>) and
    ~/.config/systemd/user/; a real system service says `scope = "system"`,
    justifies it, and goes to /Library/LaunchDaemons and /etc/systemd/system.
    """

    code = "AG101"
    name = "user-agent-in-system-dir"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if agent.scope != "user":
            yield from self._system_in_session_dirs(agent)
            return
        for key, value, system in (
            ("launchdDir", agent.install.launchd_dir, SYSTEM_LAUNCHD),
            ("systemdDir", agent.install.systemd_dir, SYSTEM_SYSTEMD),
        ):
            if value and not value.startswith(ir.HOME + "/"):
                where = "a root-owned system directory"
                if any(value == d or value.startswith(d + "/") for d in system):
                    where = value
                yield Finding(
                    agent.install.at(key),
                    f"user agent `{agent.name}` would be installed into {where} ({value})",
                    "remove `install." + key + "`; user agents live under $HOME",
                )

    def _system_in_session_dirs(self, agent: ir.Agent) -> Iterable[Finding]:
        for key, value, session, home in (
            ("launchdDir", agent.install.launchd_dir, "/Library/LaunchAgents",
             "/Library/LaunchDaemons"),
            ("systemdDir", agent.install.systemd_dir, "/etc/systemd/user", "/etc/systemd/system"),
        ):  # fmt: skip
            if value and (value == session or value.startswith(session + "/")):
                yield Finding(
                    agent.install.at(key),
                    f"system agent `{agent.name}` would be installed into {value}: a root-owned"
                    " job loaded into every user's session (the incident's pattern)",
                    f"remove `install.{key}`; a system agent goes to {home}",
                )

    def audit(self, service: Service) -> Iterable[Finding]:
        if service.kind != "launchd" or service.label.startswith("com.apple."):
            return
        root = os.environ.get("SOURCEOS_AGENT_ROOT", "/")
        system_dir = os.path.join(root, "Library", "LaunchAgents")
        here = os.path.dirname(os.path.abspath(service.path))
        if here == os.path.normpath(system_dir) and service.owner_uid == 0:
            yield Finding(
                service.at("Label"),
                f"root-owned user agent {service.label or service.path} in /Library/LaunchAgents",
                "move it to ~/Library/LaunchAgents of the user it serves (spec section 14),"
                " owned by that user",
            )
