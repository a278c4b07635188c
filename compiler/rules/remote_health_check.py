"""An http health check that reaches beyond this host."""

from __future__ import annotations

from collections.abc import Iterable

from compiler import ir
from compiler.rules.base import Finding, Rule


def local_host(host: str) -> bool:
    """Whether a URL's host is this host's loopback (localhost, 127.0.0.0/8, ::1)."""
    import ipaddress  # only for agents with an http check

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name another host's DNS answers for


class RemoteHealthCheck(Rule):
    """An http health check's URL is not on loopback.

    Anti-pattern: the check asks another host (or a name DNS resolves), so the
    agent is "healthy" when that host answers, activation waits on the network,
    and every check leaves this machine:

        health = { type = "http"; url = "http://dashboard.lan:8080/health"; };

    Better: check the agent itself, on the port it publishes on loopback:

        health = { type = "http"; url = "http://127.0.0.1:8080/health"; };

    Where the agent really is judged by a remote answer, say why:

        waivers.remote-health-check = "the agent is a tunnel; healthy = far end answers";
    """

    code = "AG122"
    name = "remote-health-check"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        from compiler.validate import health_url_host

        url = agent.health.url
        host = health_url_host(url) if url is not None else None
        if host is not None and not local_host(host):
            yield Finding(
                agent.health.at("url"),
                f"`{agent.name}`'s health check asks {host}, not this host's loopback",
                'check the agent on 127.0.0.1, or waivers.remote-health-check = "why";',
            )
