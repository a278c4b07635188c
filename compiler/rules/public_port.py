"""A container port published on an address other hosts can reach."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule
from compiler.rules.patterns import container_run_args, run_option_values

if TYPE_CHECKING:
    from compiler.host.service import Service


def loopback(address: str) -> bool:
    """Whether an address is reachable only from this host (127.0.0.0/8, ::1)."""
    import ipaddress  # only for agents that publish ports

    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return True  # not an address at all: validation reports it


class PublicPort(Rule):
    """A published port listens on every interface or a non-loopback address.

    Anti-pattern: a local agent's port open to the network it happens to be on
    (a café's Wi-Fi, a shared office LAN); `0.0.0.0` and `::` are every
    interface:

        podman.ports = [ { container = 4317; address = "0.0.0.0"; } ];

    Better: publish on loopback (the default), and put whatever must reach it
    from elsewhere behind an authenticated proxy:

        podman.ports = [ { container = 4317; } ];   # 127.0.0.1:4317

    Where the port must be public, say why:

        waivers.public-port = "LAN dashboard behind the office firewall";
    """

    code = "AG119"
    name = "public-port"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if agent.runtime != "podman":
            return
        for port in agent.podman.ports:
            if not loopback(port.address):
                yield Finding(
                    port.at("address"),
                    f"`{agent.name}` publishes port {port.host}/{port.protocol} on"
                    f" {port.address}, reachable from other hosts",
                    'publish on loopback (remove address, or address = "127.0.0.1";), or'
                    ' waivers.public-port = "why";',
                )

    def audit(self, service: Service) -> Iterable[Finding]:
        args = container_run_args(service.argv)
        for value in run_option_values(args or [], "-p", "--publish"):
            spec = value.rsplit("/", 1)[0]
            if spec.startswith("["):
                address = spec[1:].partition("]")[0]
            else:
                parts = spec.split(":")
                address = parts[0] if len(parts) == 3 else "0.0.0.0"  # Podman's default
            if not loopback(address or "0.0.0.0"):
                yield Finding(
                    service.command_span,
                    f"{service.label or service.path}: publishes {value} on {address or '0.0.0.0'},"
                    " reachable from other hosts",
                    "publish on 127.0.0.1: -p 127.0.0.1:HOST:CONTAINER",
                )
