"""The policy rules, one per module, in one ordered registry."""

from __future__ import annotations

from compiler.rules.ambient_credentials import AmbientCredentials
from compiler.rules.base import Finding, Rule
from compiler.rules.dangerous_mount import DangerousMount
from compiler.rules.gnu_only_syntax import GnuOnlySyntax
from compiler.rules.host_network import HostNetwork
from compiler.rules.interactive_credential_helper import InteractiveCredentialHelper
from compiler.rules.keepalive_crashed_false import KeepaliveCrashedFalse
from compiler.rules.log_in_tmp import LogInTmp
from compiler.rules.missing_quarantine import MissingQuarantine
from compiler.rules.opaque_store_command import OpaqueStoreCommand
from compiler.rules.public_port import PublicPort
from compiler.rules.raw_shell_launch import RawShellLaunch
from compiler.rules.remote_health_check import RemoteHealthCheck
from compiler.rules.remote_runtime_image import RemoteRuntimeImage
from compiler.rules.secret_in_definition import SecretInDefinition
from compiler.rules.start_limit_never_trips import StartLimitNeverTrips
from compiler.rules.start_limit_wrong_section import StartLimitWrongSection
from compiler.rules.unbounded_keepalive import UnboundedKeepalive
from compiler.rules.unbounded_restart import UnboundedRestart
from compiler.rules.unguarded_runtime import UnguardedRuntime
from compiler.rules.unjustified_system_scope import UnjustifiedSystemScope
from compiler.rules.unresolved_home_path import UnresolvedHomePath
from compiler.rules.user_agent_in_system_dir import UserAgentInSystemDir


def _registry(*rules: Rule) -> tuple[Rule, ...]:
    """The rules in order, refusing a duplicate code or name."""
    seen: set[str] = set()
    for rule in rules:
        for key in (rule.code, rule.name):
            if key in seen:
                raise ValueError(f"duplicate rule code or name: {key}")
            seen.add(key)
    return rules


REGISTRY: tuple[Rule, ...] = _registry(
    UserAgentInSystemDir(),
    UnboundedKeepalive(),
    LogInTmp(),
    UnboundedRestart(),
    StartLimitNeverTrips(),
    StartLimitWrongSection(),
    KeepaliveCrashedFalse(),
    RemoteRuntimeImage(),
    AmbientCredentials(),
    InteractiveCredentialHelper(),
    RawShellLaunch(),
    UnjustifiedSystemScope(),
    MissingQuarantine(),
    OpaqueStoreCommand(),
    GnuOnlySyntax(),
    SecretInDefinition(),
    UnresolvedHomePath(),
    UnguardedRuntime(),
    PublicPort(),
    DangerousMount(),
    HostNetwork(),
    RemoteHealthCheck(),
)
BY_NAME: dict[str, Rule] = {r.name: r for r in REGISTRY}

__all__ = ["BY_NAME", "REGISTRY", "Finding", "Rule"]
