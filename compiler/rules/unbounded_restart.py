"""Automatic restarts with no limit."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule

if TYPE_CHECKING:
    from compiler.host.service import Service


class UnboundedRestart(Rule):
    """A restart policy without a burst and interval: it never gives up.

    Anti-pattern: restarting on failure with no start limit turns a missing
    dependency into a restart storm.

        lifecycle = { restart = "supervised"; maxRestartsPerHour = null; };

    Better: bound it; agentc writes StartLimitBurst/StartLimitIntervalSec for
    systemd and counts starts in the wrapper for launchd.

        lifecycle = { restart = "supervised"; maxRestartsPerHour = 3; };

    It cannot be waived: the breaker is the only bound launchd has, and spec
    section 4.2 requires a unit that restarts to carry a start limit. A waiver
    that removed them would emit something else than what was accepted.
    """

    code = "AG104"
    name = "unbounded-restart"
    waivable = False

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        lc = agent.lifecycle
        if (lc.restart != "manual" or lc.keeps_alive) and lc.max_restarts_per_hour is None:
            yield Finding(
                lc.at("maxRestartsPerHour"),
                f"`{agent.name}` restarts ({lc.restart}) with maxRestartsPerHour = null: no limit",
                "set lifecycle.maxRestartsPerHour to a small number, e.g. 3",
            )

    def audit(self, service: Service) -> Iterable[Finding]:
        if service.kind != "systemd" or service.restart in (None, "no"):
            return
        interval = service.start_limit_interval
        if service.start_limit_default and (not service.start_limit_burst or not interval):
            yield Finding(
                service.at("Restart"),
                f"{service.label}: Restart={service.restart}, and the manager's default start"
                f" limit is off ({service.start_limit_default})",
                "add StartLimitBurst and StartLimitIntervalSec to [Unit]",
            )
        elif service.start_limit_burst is None or interval is None:
            yield Finding(
                service.at("Restart"),
                f"{service.label}: Restart={service.restart} without StartLimitBurst and"
                " StartLimitIntervalSec",
                "add both to [Unit] so that the restarts stop",
            )
        elif interval == 0 or math.isinf(interval):
            yield Finding(
                service.at("StartLimitIntervalSec"),
                f"{service.label}: StartLimitIntervalSec={interval:g} disables the start limit",
                "use a finite, non-zero interval such as 1h",
            )
