"""A mount that hands the container the host: its root, a whole home, a container socket."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule
from compiler.rules.patterns import container_run_args, run_option_values

if TYPE_CHECKING:
    from compiler.host.service import Service

# Sockets that let a container start other containers as the host's user (or root).
SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock",
           "/var/run/podman/podman.sock")  # fmt: skip


def danger(source: str) -> str:
    """Why mounting `source` gives the host away (empty: it does not)."""
    path = os.path.normpath(source) if source.startswith("/") else source
    if path == "/":
        return "the host's whole file system"
    if path == ir.HOME:
        return "the user's whole home (credentials, SSH keys, every other agent's state)"
    if path in ("/home", "/Users", "/root"):
        return "every user's home"
    if path in SOCKETS or path.endswith(("/docker.sock", "/podman.sock")):
        return "a container runtime's socket: root on the host, or the user's every container"
    if path.startswith(("/run/user/", "/var/run/user/")) and path.rstrip("/").endswith(
        ("/podman", "/docker")
    ):
        return "a container runtime's socket directory"
    return ""


class DangerousMount(Rule):
    """A volume mounts `/`, a whole home, or a container runtime's socket.

    Anti-pattern: the container can read every credential in the home, or start
    containers as the host's user (the Docker or Podman socket is root on the
    host, or the user's whole runtime):

        podman.volumes = [ { source = "/var/run/docker.sock"; target = "/var/run/docker.sock"; } ];
        podman.volumes = [ { source = "$HOME"; target = "/home/me"; } ];

    Better: mount only the directory the agent owns, read-only where it only reads:

        podman.volumes = [ { source = "$HOME/.local/share/agent"; target = "/data"; } ];

    Where the agent really manages containers, say why:

        waivers.dangerous-mount = "the CI runner starts build containers";
    """

    code = "AG120"
    name = "dangerous-mount"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if agent.runtime != "podman":
            return
        for volume in agent.podman.volumes:
            why = danger(volume.source) if volume.source else ""
            if why:
                yield Finding(
                    volume.at("source"),
                    f"`{agent.name}` mounts {volume.source} into its container: {why}",
                    "mount only the directory the agent needs, or"
                    ' waivers.dangerous-mount = "why";',
                )

    def audit(self, service: Service) -> Iterable[Finding]:
        args = container_run_args(service.argv)
        volumes = run_option_values(args or [], "-v", "--volume")
        mounts = run_option_values(args or [], "--mount")
        sources = [v.split(":")[0] for v in volumes]
        for mount in mounts:
            opts = dict(o.partition("=")[::2] for o in mount.split(","))
            sources.append(opts.get("source") or opts.get("src") or "")
        home = os.path.expanduser("~")
        for source in sources:
            why = danger(ir.HOME if source in (home, "~", "$HOME") else source)
            if why:
                yield Finding(
                    service.command_span,
                    f"{service.label or service.path}: mounts {source} into a container: {why}",
                    "mount only the directory the service needs",
                )
