"""KeepAlive = true with nothing that bounds the restarts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule

if TYPE_CHECKING:
    from compiler.service import Service


class UnboundedKeepalive(Rule):
    """A keepAlive that launchd would restart with nothing bounding it: a respawn loop.

    Anti-pattern: launchd restarts a KeepAlive job every time its condition
    holds, forever, at most throttled to once per ThrottleInterval. With
    `restart = "manual"` there is no breaker (and systemd would not restart it
    at all); with `successfulExit = true` every clean exit restarts it,
    including the wrapper's own fail-closed and breaker exits. A job that fails
    at once (missing Podman machine, bad credentials) becomes a loop.

        lifecycle = { keepAlive = true; restart = "manual"; };
        lifecycle = { keepAlive = { successfulExit = true; }; restart = "bounded"; };

    Better: restart only on failure, a bounded number of times:

        lifecycle = { keepAlive = { successfulExit = false; }; restart = "bounded";
                      maxRestartsPerHour = 3; };
    """

    code = "AG102"
    name = "unbounded-keepalive"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        lc = agent.lifecycle
        ka = lc.keep_alive
        dict_form = isinstance(ka, ir.KeepAlive)
        restarts = ka is True or (
            dict_form and (ka.successful_exit is not None or ka.crashed is True)
        )
        better = (
            'use restart = "bounded" with maxRestartsPerHour, and'
            " keepAlive = { successfulExit = false; }"
        )
        if dict_form and ka.successful_exit is True:
            yield Finding(
                ka.at("successfulExit"),
                f"`{agent.name}`: keepAlive.successfulExit = true makes launchd restart it after"
                " every clean exit, including the wrapper's fail-closed and breaker exits:"
                " nothing bounds the restarts",
                "use keepAlive = { successfulExit = false; } (restart after a failure)",
            )
        elif restarts and lc.restart == "manual":
            yield Finding(
                lc.at("keepAlive"),
                f'`{agent.name}`: keepAlive asks launchd to restart it, but restart = "manual"'
                " has no breaker (and systemd would not restart it): nothing bounds the restarts",
                better + ', or keepAlive = false to keep restart = "manual"',
            )
        elif ka is True and lc.max_restarts_per_hour is None:
            yield Finding(
                lc.at("keepAlive"),
                f'`{agent.name}` keeps itself alive with restart = "{lc.restart}" and'
                " maxRestartsPerHour = null: nothing bounds the restarts",
                better,
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
