"""A persistent local agent that runs, or pulls, a remote registry image."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule
from compiler.rules.patterns import container_run_args, registry

if TYPE_CHECKING:
    from compiler.host.service import Service


class RemoteRuntimeImage(Rule):
    """The runtime image names a remote registry, or is pulled at run time.

    Anti-pattern: the service runs
    `us-central1-docker.pkg.dev/.../node-commander:dev-boot` directly, so
    every start needs the network and registry credentials, and a stale
    login becomes a restart loop.

        image = "us-central1-docker.pkg.dev/proj/repo/node-commander:dev-boot";

    Better: pull and tag once, interactively or with a service account, and
    run the local tag; record where it came from in `sourceImage`.

        image = "localhost/socioprophet/node-commander:dev-boot";
        sourceImage = "us-central1-docker.pkg.dev/proj/repo/node-commander:dev-boot";
    """

    code = "AG108"
    name = "remote-runtime-image"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if agent.runtime != "podman" or agent.image is None:
            return
        host = registry(agent.image)
        if host is not None:
            yield Finding(
                agent.at("image"),
                f"`{agent.name}` runs the remote image {agent.image} (registry {host})",
                f'tag it locally and run that: image = "localhost/{agent.image.split("/")[-1]}";'
                " keep the remote name in sourceImage",
            )
        if agent.podman.pull == "always":
            yield Finding(
                agent.podman.at("pull"),
                f'`{agent.name}` pulls its image at every start (pull = "always")',
                'use pull = "never" and pull explicitly when updating',
            )

    def audit(self, service: Service) -> Iterable[Finding]:
        after = container_run_args(service.argv)
        if after is None:
            return
        image = next((a for a in after if _remote_reference(a)), None)
        if image:
            yield Finding(
                service.command_span,
                f"{service.label or service.path}: runs the remote image {image}",
                "run a localhost/ tag through a preflight wrapper instead",
            )


def _remote_reference(arg: str) -> bool:
    """An argument that names an image on a registry host (`host.tld/...`)."""
    if arg.startswith(("-", "/", ".")) or "/" not in arg:
        return False
    first = arg.split("/", 1)[0]
    return ("." in first or ":" in first) and registry(arg) is not None
