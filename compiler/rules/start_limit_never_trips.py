"""A start limit that restarts cannot reach."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule

if TYPE_CHECKING:
    from compiler.host.service import Service

INTERVAL = 3600


class StartLimitNeverTrips(Rule):
    """RestartSec × StartLimitBurst ≥ StartLimitIntervalSec: the limit can never trip.

    Anti-pattern: with a restart delay of 30 minutes and 3 restarts an hour
    (StartLimitBurst = 4 starts), the attempt the limit would refuse comes two
    hours after the first start, outside the one-hour window, so the limit is
    never reached and the agent restarts forever.

        lifecycle = { restartDelaySeconds = 1800; maxRestartsPerHour = 3; };

    Better: keep the delay well below interval / burst.

        lifecycle = { restartDelaySeconds = 30; maxRestartsPerHour = 3; };
    """

    code = "AG105"
    name = "start-limit-never-trips"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        lc = agent.lifecycle
        restarts = lc.max_restarts_per_hour
        if lc.restart == "manual" or restarts is None:
            return
        # The limit refuses start restarts + 2, which comes (restarts + 1) delays after the first.
        span = lc.restart_delay_seconds * (restarts + 1)
        if span >= INTERVAL:
            yield Finding(
                lc.at("restartDelaySeconds"),
                f"`{agent.name}`: the first start and {restarts} restarts"
                f" {lc.restart_delay_seconds} s apart, and the next attempt, take {span} s, so the"
                " one-hour start limit never trips",
                f"use restartDelaySeconds < {INTERVAL // (restarts + 1)}",
            )

    def audit(self, service: Service) -> Iterable[Finding]:
        if service.kind != "systemd" or service.restart in (None, "no"):
            return
        burst, interval = service.start_limit_burst, service.start_limit_interval
        delay = service.restart_sec if service.restart_sec is not None else 0.1
        if burst and interval and delay * burst >= interval:
            which = f" ({service.start_limit_default})" if service.start_limit_default else ""
            yield Finding(
                service.at("RestartSec"),
                f"{service.label}: RestartSec × StartLimitBurst = {delay * burst:g} s ≥"
                f" StartLimitIntervalSec = {interval:g} s{which}; the limit never trips",
                "shorten RestartSec or lengthen the interval",
            )
