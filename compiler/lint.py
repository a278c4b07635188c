"""Lint passes: policy rules over the IR and the artifacts, waivers, and the artifact schema."""

from __future__ import annotations

import plistlib
from collections.abc import Iterable

from compiler import checks, ir
from compiler.diagnostics import Diagnostic, Severity
from compiler.emit import Artifact
from compiler.lower import did_you_mean
from compiler.rules import BY_NAME, REGISTRY, Finding, Rule
from compiler.span import Span


def policy(agent: ir.Agent, artifacts: list[Artifact] | None) -> list[Diagnostic]:
    """Every rule over one agent (and its artifacts when emitted), waivers applied."""
    found: list[tuple[Rule, Finding]] = []
    for rule in REGISTRY:
        found += [(rule, f) for f in rule.check(agent)]
        if artifacts is not None:
            found += [(rule, f) for f in rule.check_artifacts(agent, artifacts)]
    out = [_diagnostic(agent, rule, f) for rule, f in found]
    out += _waiver_problems(agent, {rule.name for rule, _ in found}, artifacts is not None)
    if artifacts is not None:
        out += plist_schema(agent, artifacts)
    return out


def _diagnostic(agent: ir.Agent, rule: Rule, finding: Finding) -> Diagnostic:
    reason = agent.waivers.get(rule.name)
    if reason is not None and rule.waivable:
        return Diagnostic(
            rule.code,
            rule.name,
            Severity.NOTE,
            f"{finding.message} (waived: {reason})",
            finding.span,
            finding.help,
        )
    return Diagnostic(
        rule.code, rule.name, rule.severity, finding.message, finding.span, finding.help
    )


def _waiver_problems(agent: ir.Agent, fired: set[str], complete: bool) -> Iterable[Diagnostic]:
    for name in agent.waivers:
        span = agent.spans.get(f"waivers.{name}:key", agent.at("waivers"))
        rule = BY_NAME.get(name)
        if rule is None:
            hint = did_you_mean(name, list(BY_NAME))
            yield checks.BAD_WAIVER.at(
                span, f"`{name}` is not a rule; nothing to waive", hint or "see `agentc explain`"
            )
        elif not rule.waivable:
            yield checks.BAD_WAIVER.at(
                span, f"`{name}` cannot be waived", f"fix what it reports: agentc explain {name}"
            )
        elif complete and name not in fired:
            yield checks.UNUSED_WAIVER.at(
                span, f"the waiver of `{name}` is unused: the rule did not fire", "remove it"
            )


PLIST_TYPES: dict[str, tuple[type, ...]] = {
    "Label": (str,),
    "ProgramArguments": (list,),
    "RunAtLoad": (bool,),
    "KeepAlive": (bool, dict),
    "ThrottleInterval": (int,),
    "ExitTimeOut": (int,),
    "ProcessType": (str,),
    "LimitLoadToSessionType": (str, list),
    "StandardOutPath": (str,),
    "StandardErrorPath": (str,),
    "EnvironmentVariables": (dict,),
    "SoftResourceLimits": (dict,),
    "HardResourceLimits": (dict,),
}
KEEPALIVE_KEYS = {"SuccessfulExit", "Crashed", "NetworkState", "PathState", "OtherJobEnabled"}


def plist_schema(agent: ir.Agent, artifacts: list[Artifact]) -> list[Diagnostic]:
    """The launchd job schema: known keys, types, KeepAlive forms, absolute paths."""
    out: list[Diagnostic] = []
    for art in artifacts:
        if not art.path.startswith("launchd/"):
            continue
        where = Span.point(f"{agent.name}/{art.path}")
        job = art.document
        if job is None:
            try:
                job = plistlib.loads(art.data)
            except Exception as err:  # plistlib raises several types
                return [checks.PLIST_SCHEMA.at(where, f"the plist does not load: {err}")]
        problems = [f"unknown key {k}" for k in job if k not in PLIST_TYPES]
        problems += [
            f"{k} is a {type(v).__name__}"
            for k, v in job.items()
            if k in PLIST_TYPES and not isinstance(v, PLIST_TYPES[k])
        ]
        ka = job.get("KeepAlive")
        if ka is True and "unbounded-keepalive" not in agent.waivers:
            problems.append("KeepAlive is a bare true")  # only as a waived row declares it
        if isinstance(ka, dict) and (set(ka) - KEEPALIVE_KEYS or not ka):
            problems.append(f"KeepAlive has unknown keys {sorted(set(ka) - KEEPALIVE_KEYS)}")
        for key in ("StandardOutPath", "StandardErrorPath"):
            value = job.get(key, "/")
            if not value.startswith(("/", "@SOURCEOS_HOME@/")):
                problems.append(f"{key} is not absolute: {value}")
        args = job.get("ProgramArguments") or [""]
        if not all(isinstance(a, str) for a in args) or not args[0].startswith(("/", "@SOURCEOS_")):
            problems.append("ProgramArguments does not start with an absolute program path")
        out += [checks.PLIST_SCHEMA.at(where, p) for p in problems]
    return out
