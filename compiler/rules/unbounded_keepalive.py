"""KeepAlive = true with nothing that bounds the restarts."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule

if TYPE_CHECKING:
    from compiler.host.service import Service


def _breaker_wrapped(service: Service) -> bool:
    """Whether the job runs agentc's wrapper, whose breaker bounds the restarts."""
    program = os.path.basename(service.argv[0]) if service.argv else ""
    return program.startswith("sourceos-agent-") and "SOURCEOS_AGENT_STATE_DIR" in service.env


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
        elif lc.keeps_alive and lc.restart == "manual":
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
        name = service.label or service.path
        ka = service.keep_alive
        if service.kind == "launchd" and ka is True:
            yield Finding(
                service.at("KeepAlive"),
                f"{name}: KeepAlive = true respawns it forever",
                "use KeepAlive = {SuccessfulExit = false} behind a wrapper that stops"
                " after a bounded number of starts",
            )
        elif service.kind == "launchd" and isinstance(ka, dict):
            if ka.get("SuccessfulExit") is True:
                yield Finding(
                    service.at("KeepAlive"),
                    f"{name}: KeepAlive SuccessfulExit = true respawns it after every clean exit:"
                    " nothing bounds it",
                    "use KeepAlive = {SuccessfulExit = false} behind a wrapper that stops"
                    " after a bounded number of starts",
                )
            elif (ka.get("SuccessfulExit") is False or ka.get("Crashed") is True) and not (
                _breaker_wrapped(service)
            ):
                program = service.argv[0] if service.argv else "its program"
                yield Finding(
                    service.at("KeepAlive"),
                    f"{name}: KeepAlive respawns a failing job every ThrottleInterval, forever:"
                    f" launchd has no start limit, and no breaker wraps {program}",
                    "run it behind a wrapper that counts its starts (agentc compiles one:"
                    " `agentc import` the plist)",
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
