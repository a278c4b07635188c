"""KeepAlive = true with nothing that bounds the restarts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule

if TYPE_CHECKING:
    from compiler.service import Service


class UnboundedKeepalive(Rule):
    """`keepAlive = true` without a bounded restart policy: a respawn loop.

    Anti-pattern: launchd restarts a KeepAlive=true job every time it exits,
    forever, at most throttled to once per ThrottleInterval. A job that fails
    at once (missing Podman machine, bad credentials) becomes a loop.

        lifecycle = { keepAlive = true; restart = "manual"; };

    Better: restart only on failure, a bounded number of times:

        lifecycle = { keepAlive = { successfulExit = false; }; restart = "bounded";
                      maxRestartsPerHour = 3; };
    """

    code = "AG102"
    name = "unbounded-keepalive"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        lc = agent.lifecycle
        if lc.keep_alive is True and (lc.restart == "manual" or lc.max_restarts_per_hour is None):
            yield Finding(
                lc.at("keepAlive"),
                f'`{agent.name}` keeps itself alive with restart = "{lc.restart}" and'
                f" maxRestartsPerHour = {lc.max_restarts_per_hour}: nothing bounds the restarts",
                'use restart = "bounded" with maxRestartsPerHour, and'
                " keepAlive = { successfulExit = false; }",
            )

    def audit(self, service: Service) -> Iterable[Finding]:
        if service.kind == "launchd" and service.keep_alive is True:
            yield Finding(
                service.at("KeepAlive"),
                f"{service.label or service.path}: KeepAlive = true respawns it forever",
                "use KeepAlive = {SuccessfulExit = false} behind a wrapper that stops"
                " after a bounded number of starts",
            )
        if service.kind == "systemd" and service.restart == "always":
            bound = (
                f"; only the manager's default start limit stops it ({service.start_limit_default})"
                if service.start_limit_default
                else ""
            )
            yield Finding(
                service.at("Restart"),
                f"{service.label}: Restart=always restarts even after a clean exit{bound}",
                "use Restart=on-failure with StartLimitBurst and StartLimitIntervalSec in [Unit]",
            )
