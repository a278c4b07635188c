"""A credential helper that needs a person, in a noninteractive service."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule

if TYPE_CHECKING:
    from compiler.host.service import Service

INTERACTIVE_HELPERS = ("gcloud", "desktop", "osxkeychain", "wincred", "pass", "secretservice")


def _names_a_helper(value: str) -> bool:
    """A setting that calls a credential helper (gcloud's, or any `docker-credential-*`)."""
    return "gcloud" in value or "docker-credential-" in value


class InteractiveCredentialHelper(Rule):
    """The runtime may call a credential helper that needs an interactive login.

    Anti-pattern: a docker config with
    `"credHelpers": {"us-central1-docker.pkg.dev": "gcloud"}` makes every
    container start run `docker-credential-gcloud`, which fails without a
    `gcloud auth login` in a human's shell — and launchd restarts the job.

        auth.allowInteractiveCredentialHelper = true;

    Better: local images and an empty authfile; for remote pulls a
    service-account credential (spec section 6.2).
    """

    code = "AG110"
    name = "interactive-credential-helper"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if agent.auth.allow_interactive_credential_helper:
            yield Finding(
                agent.auth.at("allowInteractiveCredentialHelper"),
                f"`{agent.name}` allows an interactive credential helper in a background service",
                "set auth.allowInteractiveCredentialHelper = false",
            )
        # The same setting as `audit` finds in a plist's EnvironmentVariables, at compile time.
        for name, value in sorted(agent.environment.items()):
            if _names_a_helper(value):
                yield Finding(
                    agent.at(f"environment.{name}"),
                    f"`{agent.name}.environment.{name}` depends on an interactive credential"
                    f" helper ({value})",
                    "remove it: use a local image with an empty authfile, or a service-account"
                    ' credential (auth.mode = "service-account")',
                )

    def audit(self, service: Service) -> Iterable[Finding]:
        for key, value in service.strings:
            if _names_a_helper(value):
                yield Finding(
                    service.at(key.split(":")[-1]),
                    f"{service.label or service.path}: {key} depends on an interactive"
                    f" credential helper ({value})",
                    "use a local image with an empty authfile, or a service-account credential",
                )
        for var in ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE"):
            path = service.env.get(var)
            if not path:
                continue
            config = os.path.join(path, "config.json") if var == "DOCKER_CONFIG" else path
            helpers = _helpers(config)
            for registry, helper in helpers:
                if helper in INTERACTIVE_HELPERS:
                    yield Finding(
                        service.at(var),
                        f"{service.label or service.path}: {var} points at {config}, whose"
                        f" credential helper `{helper}` for {registry} needs an interactive login",
                        "give the service its own empty authfile instead",
                    )


def _helpers(config: str) -> list[tuple[str, str]]:
    try:
        with open(config, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return []
    if not isinstance(doc, dict):
        return []
    out = [(r, str(h)) for r, h in (doc.get("credHelpers") or {}).items()]
    if doc.get("credsStore"):
        out.append(("*", str(doc["credsStore"])))
    return out
