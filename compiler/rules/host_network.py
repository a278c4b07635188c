"""A container that shares the host's network stack."""

from __future__ import annotations

from collections.abc import Iterable

from compiler import ir
from compiler.rules.base import Finding, Rule


class HostNetwork(Rule):
    """`podman.network = "host"`: the container shares the host's network.

    Anti-pattern: every port the agent opens is opened on the host, on every
    interface, and it sees every local service (databases bound to loopback,
    the Podman machine's API):

        podman.network = "host";

    Better: publish exactly the ports it serves (loopback by default), or no
    network at all for an agent that needs none:

        podman.ports = [ { container = 4317; } ];
        podman.network = "none";

    Where it must share the host's network, say why:

        waivers.host-network = "mDNS discovery needs the host's multicast";
    """

    code = "AG121"
    name = "host-network"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if agent.runtime == "podman" and agent.podman.network == "host":
            yield Finding(
                agent.podman.at("network"),
                f"`{agent.name}` shares the host's network: every port it opens is the host's",
                'publish ports instead, or waivers.host-network = "why";',
            )
