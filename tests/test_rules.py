"""Policy rules, driven by one case file per rule under tests/rules/ (no Python per case)."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from compiler.emit import Artifact
from compiler.host import service
from compiler.pipeline import build
from compiler.rules import BY_NAME, REGISTRY
from compiler.rules.gnu_only_syntax import findings_in_script
from tests.conftest import ROOT, agentc

CASE_DIR = ROOT / "tests" / "rules"
CASES = [
    (path.stem, case)
    for path in sorted(CASE_DIR.glob("*.toml"))
    for case in tomllib.loads(path.read_text())["case"]
]


def _findings(rule_name: str, case: dict, tmp: Path) -> list[tuple[int, int, str]]:
    """(line, column, severity) of the rule's findings for one case."""
    rule = BY_NAME[rule_name]
    if "declaration" in case:
        decl = tmp / "case.agent"
        decl.write_text(case["declaration"].lstrip("\n"))
        _, result = build([str(decl)])
        return [
            (d.span.line, d.span.column, d.severity.value)
            for d in result.diagnostics
            if d.name == rule_name
        ]
    if "script" in case:
        return sorted(
            (f.span.line, f.span.column, rule.severity.value)
            for f in findings_in_script("s", case["script"].lstrip("\n"))
        )
    text = case.get("plist", case.get("unit", "")).lstrip("\n")
    if "docker_config" in case:
        cfg = tmp / "docker"
        cfg.mkdir()
        (cfg / "config.json").write_text(case["docker_config"])
        text = text.replace("@DOCKER_CONFIG@", str(cfg))
    directory = tmp / case.get("root_owned_in", "defs")
    directory.mkdir(parents=True)
    path = directory / ("x.plist" if "plist" in case else "x.service")
    path.write_text(text)
    os.environ["SOURCEOS_AGENT_ROOT"] = str(tmp)
    try:
        svc = service.read(str(path))
        found = list(rule.audit(svc))
        if "unit" in case:
            found += list(
                rule.check_artifacts(_unit_agent(), [Artifact("systemd/x", text.encode(), 0)])
            )
    finally:
        del os.environ["SOURCEOS_AGENT_ROOT"]
    return sorted((f.span.line, f.span.column, rule.severity.value) for f in found)


class _UnitOwner:
    """Stands in for the agent whose generated unit an artifact rule reads (only its name)."""

    name = "x"


def _unit_agent() -> _UnitOwner:
    return _UnitOwner()


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[f"{r}:{c['id']}" for r, c in CASES])
def test_rule_case(tmp_path: Path, rule: str, case: dict) -> None:
    found = _findings(rule, case, tmp_path)
    if not case["fires"]:
        assert found == []
        return
    assert found, f"{rule} did not fire"
    line, column, severity = found[0]
    assert (line, column) == (case["line"], case["column"])
    assert severity == case.get("severity", "error")


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    for rule in REGISTRY:
        outcomes = {c["fires"] for r, c in CASES if r == rule.name}
        assert outcomes == {True, False}, rule.name


def test_registry_rejects_duplicates_and_matches_design_names() -> None:
    from compiler.rules import _registry

    with pytest.raises(ValueError, match="duplicate"):
        _registry(REGISTRY[0], REGISTRY[0])
    design = {
        "user-agent-in-system-dir", "unbounded-keepalive", "log-in-tmp", "unbounded-restart",
        "start-limit-never-trips", "start-limit-wrong-section", "keepalive-crashed-false",
        "remote-runtime-image", "ambient-credentials", "interactive-credential-helper",
        "raw-shell-launch", "unjustified-system-scope", "missing-quarantine",
        "opaque-store-command", "gnu-only-syntax", "secret-in-definition", "unresolved-home-path",
        "public-port", "dangerous-mount", "host-network",
    }  # fmt: skip
    assert design <= set(BY_NAME)
    not_waivable = {r.name for r in REGISTRY if not r.waivable}
    assert not_waivable == {
        "secret-in-definition", "unresolved-home-path", "gnu-only-syntax",
        "start-limit-wrong-section", "unbounded-restart",
    }  # fmt: skip
    assert {r.name for r in REGISTRY if r.severity.value == "warning"} == {"opaque-store-command"}


@pytest.mark.parametrize("rule", REGISTRY, ids=[r.name for r in REGISTRY])
def test_explain_every_rule(rule) -> None:
    by_name, by_code = agentc("explain", rule.name), agentc("explain", rule.code)
    assert by_name.returncode == 0 and by_name.stdout == by_code.stdout
    text = by_name.stdout.decode()
    assert text.startswith(f"{rule.code} {rule.name} ({rule.severity.value})")
    assert f"waivable: {'yes' if rule.waivable else 'no'}" in text
    assert "Anti-pattern" in text and "Better" in text


INCIDENT_DECL = """sourceos.localAgents.node-commander = {
  image = "localhost/socioprophet/node-commander:dev-boot";
  install.launchdDir = "/Library/LaunchAgents";
  lifecycle = { keepAlive = true; restart = "manual"; };
  logs = { app = "/tmp/nc.log"; stdout = "/tmp/nc.out.log"; stderr = "/tmp/nc.err.log"; };
%s};
"""


def test_incident_declaration_fails_and_names_the_three_rules(tmp_path: Path) -> None:
    decl = tmp_path / "incident.agent"
    decl.write_text(INCIDENT_DECL % "")
    result = agentc("check", "--format", "json", str(decl))
    assert result.returncode == 1
    names = {
        d["name"] for d in json.loads(result.stdout)["diagnostics"] if d["severity"] == "error"
    }
    assert {"log-in-tmp", "unbounded-keepalive", "user-agent-in-system-dir"} <= names


def test_incident_declaration_with_waivers_passes_and_prints_notes(tmp_path: Path) -> None:
    waivers = (
        '  waivers.log-in-tmp = "throwaway lab machine";\n'
        '  waivers.unbounded-keepalive = "watched by a human during the demo";\n'
        '  waivers.user-agent-in-system-dir = "kiosk with one user";\n'
    )
    decl = tmp_path / "waived.agent"
    decl.write_text(INCIDENT_DECL % waivers)
    result = agentc("check", str(decl))
    assert result.returncode == 0, result.stderr.decode()
    err = result.stderr.decode()
    for name in ("log-in-tmp", "unbounded-keepalive", "user-agent-in-system-dir"):
        assert "note[" in err and f"/{name}]" in err
    assert "(waived: throwaway lab machine)" in err
    out = tmp_path / "out"
    assert agentc("compile", str(decl), "-o", str(out)).returncode == 0
    manifest = json.loads((out / "node-commander" / "manifest.json").read_text())
    notes = {d["name"] for d in manifest["lint"] if d["severity"] == "note"}
    assert {"log-in-tmp", "unbounded-keepalive", "user-agent-in-system-dir"} <= notes


@pytest.mark.parametrize(
    ("waiver", "name", "severity"),
    [
        ('waivers.log-in-tmp = "";', "bad-waiver", "error"),
        ('waivers.secret-in-definition = "it is fine";', "bad-waiver", "error"),
        ('waivers.log-in-tpm = "typo";', "bad-waiver", "error"),
        ('waivers.raw-shell-launch = "never fires";', "unused-waiver", "warning"),
    ],
)
def test_bad_waivers_are_diagnostics(tmp_path: Path, waiver: str, name: str, severity: str) -> None:
    decl = tmp_path / "w.agent"
    decl.write_text(f'sourceos.localAgents.w = {{\n  image = "localhost/w:1";\n  {waiver}\n}};\n')
    result = agentc("check", "--format", "json", str(decl))
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["name"] == name]
    assert found and found[0]["severity"] == severity and found[0]["line"] == 3
    assert result.returncode == (1 if severity == "error" else 0)


def test_sarif_carries_every_rule_that_fired(tmp_path: Path) -> None:
    decl = tmp_path / "incident.agent"
    decl.write_text(INCIDENT_DECL % "")
    log = json.loads(agentc("check", "--format", "sarif", str(decl)).stdout)
    driver = log["runs"][0]["tool"]["driver"]
    fired = {r["ruleId"] for r in log["runs"][0]["results"]}
    rules = {r["id"]: r for r in driver["rules"]}
    assert fired == set(rules)
    for code in fired:
        if code.startswith("AG"):
            assert "Anti-pattern" in rules[code]["help"]["text"]


def test_audit_finds_every_incident_pattern(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "host"
    shutil.copytree(ROOT / "tests" / "fixtures" / "incident", root)
    result = agentc(
        "audit", "--format", "json", str(root / "Library" / "LaunchAgents"),
        env={"SOURCEOS_AGENT_ROOT": str(root)},
    )  # fmt: skip
    assert result.returncode == 1
    found = {d["name"] for d in json.loads(result.stdout)["diagnostics"]}
    assert {
        "user-agent-in-system-dir", "log-in-tmp", "unbounded-keepalive", "unguarded-runtime",
        "interactive-credential-helper", "remote-runtime-image", "opaque-store-command",
    } <= found  # fmt: skip


def test_audit_of_the_fixed_node_commander_finds_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        agentc(
            "compile", str(ROOT / "examples" / "node-commander.agent"), "-o", str(out)
        ).returncode
        == 0
    )
    check = agentc("check", "--format", "json", str(ROOT / "examples" / "node-commander.agent"))
    assert json.loads(check.stdout)["diagnostics"] == []
    result = agentc(
        "audit", str(out / "node-commander" / "launchd"), str(out / "node-commander" / "systemd")
    )
    assert result.returncode == 0, result.stderr.decode()


def test_audit_reports_malformed_and_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "broken.plist").write_text("<plist><dict><key>Label</key>")
    (tmp_path / "binary.plist").write_bytes(b"bplist00\xff\xff")
    (tmp_path / "bad.service").write_text("[Service]\nthis is not a setting\n")
    result = agentc("audit", "--format", "json", str(tmp_path))
    assert result.returncode == 1
    found = json.loads(result.stdout)["diagnostics"]
    assert sorted((Path(d["file"]).name, d["name"]) for d in found) == [
        ("bad.service", "unreadable-service-definition"),
        ("binary.plist", "unreadable-service-definition"),
        ("broken.plist", "unreadable-service-definition"),
    ]
    assert b"Traceback" not in result.stderr
    assert agentc("audit", str(tmp_path / "nope")).returncode == 2


def test_audit_reads_binary_plists(tmp_path: Path) -> None:
    import plistlib

    job = {"Label": "x", "KeepAlive": True, "StandardOutPath": "/tmp/x.log"}
    (tmp_path / "x.plist").write_bytes(plistlib.dumps(job, fmt=plistlib.FMT_BINARY))
    found = json.loads(agentc("audit", "--format", "json", str(tmp_path)).stdout)["diagnostics"]
    assert {d["name"] for d in found} >= {"unbounded-keepalive", "log-in-tmp"}


GNU_SAMPLES = [
    "sed -i 's/a/b/' f", "x=$(readlink -f \"$0\")", "d=$(date -d yesterday)", "stat -c %s f",
    "grep -P '\\d' f", "echo -e 'a'", "if [[ -n $x ]]; then :; fi", "arr=(a b)", "x=$'a'",
    "cat <<< x", "function f { :; }", "  source ./lib.sh", "cmd &> log", "a |& b",
    "echo ${x:1}", "echo ${x,,}", "declare -a x",
]  # fmt: skip


@pytest.mark.parametrize(
    ("sample", "entry"), list(zip(GNU_SAMPLES, range(len(GNU_SAMPLES)), strict=True))
)
def test_gnu_patterns_agree_between_python_and_grep(sample: str, entry: int) -> None:
    """The compiler's check and the one bin/activate runs with grep -E flag the same lines."""
    from compiler.portable import PATTERNS

    what, ere = PATTERNS[entry]
    (finding,) = findings_in_script("s", sample + "\n")
    assert finding.message.startswith(what)
    grep = subprocess.run(
        ["grep", "-E", "--", ere], input=sample + "\n", capture_output=True, text=True
    )
    assert grep.returncode == 0, (ere, sample)
    clean = subprocess.run(
        ["grep", "-E", "--", ere], input="printf '%s\\n' portable\n", capture_output=True, text=True
    )
    assert clean.returncode == 1
