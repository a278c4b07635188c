"""KeepAlive { Crashed = false }: restart every time the job exits cleanly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule

if TYPE_CHECKING:
    from compiler.host.service import Service


class KeepaliveCrashedFalse(Rule):
    """`keepAlive = { crashed = false; }` restarts the job whenever it did not crash.

    Anti-pattern: launchd reads Crashed = false as "keep it alive unless it
    crashed", so a job that exits normally (including a wrapper failing
    closed) is started again and again.

        lifecycle.keepAlive = { crashed = false; };

    Better: restart only after an unsuccessful exit, with a bounded policy.

        lifecycle.keepAlive = { successfulExit = false; };
    """

    code = "AG107"
    name = "keepalive-crashed-false"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        ka = agent.lifecycle.keep_alive
        if isinstance(ka, ir.KeepAlive) and ka.crashed is False:
            yield Finding(
                ka.at("crashed"),
                f"`{agent.name}`: keepAlive.crashed = false restarts it after every clean exit",
                "use keepAlive = { successfulExit = false; }",
            )

    def audit(self, service: Service) -> Iterable[Finding]:
        ka = service.keep_alive
        if service.kind == "launchd" and isinstance(ka, dict) and ka.get("Crashed") is False:
            yield Finding(
                service.at("KeepAlive"),
                f"{service.label}: KeepAlive Crashed = false restarts it after every clean exit",
                "use KeepAlive = {SuccessfulExit = false}",
            )
