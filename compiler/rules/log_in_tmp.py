"""Logs written to /tmp, /private/tmp or /var/tmp."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir
from compiler.rules.base import Finding, Rule
from compiler.rules.patterns import in_tmp

if TYPE_CHECKING:
    from compiler.host.service import Service


class LogInTmp(Rule):
    """A log file under a temporary directory (or a symlink into one).

    Anti-pattern: logs in /tmp are world-visible, are deleted at reboot or by
    tmp cleaners, and are where an operator looks last. Logs are product
    artifacts (spec principle 6).

        logs.stdout = "/tmp/node-commander.out.log";

    Better: per-user logs under ~/Library/Logs/SourceOS (macOS) or
    ~/.local/state (Linux); system logs under /var/log.

        logs.stdout = "$HOME/Library/Logs/SourceOS/node-commander.launchd.out.log";
    """

    code = "AG103"
    name = "log-in-tmp"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        for key, value in (
            ("app", agent.logs.app),
            ("stdout", agent.logs.stdout),
            ("stderr", agent.logs.stderr),
        ):
            if value is not None and in_tmp(value):
                yield Finding(
                    agent.logs.at(key),
                    f"`{agent.name}.logs.{key}` is in a temporary directory: {value}",
                    "remove the setting for the platform's place (`agentc dump` shows it under"
                    " `effective`), or write under /var/log/",
                )

    def audit(self, service: Service) -> Iterable[Finding]:
        for key, value in service.logs.items():
            if in_tmp(value):
                yield Finding(
                    service.at(key),
                    f"{service.label or service.path}: {key} is in a temporary directory: {value}",
                    "log under ~/Library/Logs or /var/log instead",
                )
