"""`agentc import`: the section 14 migration of an existing plist or unit into a declaration
that checks clean, compiles and is canonical; agentc's own artifacts round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, agentc

INCIDENT = (
    ROOT / "tests" / "fixtures" / "incident" / "Library" / "LaunchAgents"
    / "com.socioprophet.node-commander.plist"
)  # fmt: skip


def _import(path: Path, out: Path) -> Path:
    result = agentc("import", str(path), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    return out


def test_the_incident_plist_becomes_a_clean_section_14_declaration(tmp_path: Path) -> None:
    decl = _import(INCIDENT, tmp_path / "nc.agent")
    check = agentc("check", "--no-tools", str(decl))
    assert check.returncode == 0 and b"0 error(s), 0 warning(s)" not in check.stderr
    assert b"warning" not in check.stderr and b"error" not in check.stderr, check.stderr
    assert agentc("fmt", "--check", str(decl)).returncode == 0
    assert agentc("compile", "--no-tools", str(decl), "-o", str(tmp_path / "out")).returncode == 0
    agent = json.loads(agentc("dump", str(decl)).stdout)["sourceos"]["localAgents"][
        "node-commander"
    ]
    source = "us-central1-docker.pkg.dev/socioprophet-web/node-commander/node-commander:dev-boot"
    assert agent["scope"] == "user" and agent["runtime"] == "podman"
    assert agent["image"].startswith("localhost/") and agent["sourceImage"] == source
    assert agent["containerName"] == "node-commander"
    assert agent["auth"]["mode"] == "empty-authfile"
    assert agent["environment"] == {}  # DOCKER_CONFIG and the gcloud helper variable dropped
    lc = agent["lifecycle"]
    assert (lc["restart"], lc["keepAlive"]["successfulExit"]) == ("bounded", False)
    assert agent["logs"] == {"app": None, "stdout": None, "stderr": None}  # out of /tmp
    text = decl.read_text()
    for change in ("was system-wide", "a local runtime image", "dropped CLOUDSDK_AUTH",
                   "bounded restarts (was KeepAlive = true)", "was /tmp/node-commander.out.log",
                   "was label com.socioprophet.node-commander"):  # fmt: skip
        assert change in text, change


def test_what_cannot_be_translated_is_said_not_dropped(tmp_path: Path) -> None:
    unit = tmp_path / "legacy.service"
    unit.write_text(
        "[Service]\nExecStart=/usr/bin/podman run --rm -v /srv:/data --name legacy"
        " -e MODE=prod --privileged ghcr.io/example/legacy:2 --serve\nRestart=always\n"
        "StartLimitBurst=6\nRestartSec=5\n"
    )
    result = agentc("import", str(unit), "-o", str(tmp_path / "legacy.agent"))
    assert result.returncode == 0
    err = result.stderr.decode()
    assert f"{unit}:2:1: warning[A406/untranslated]: `podman run -v` has no field" in err
    assert "`podman run --privileged` has no field" in err  # and the image after it is kept
    decl = tmp_path / "legacy.agent"
    agent = json.loads(agentc("dump", str(decl)).stdout)["sourceos"]["localAgents"]["legacy"]
    assert agent["environment"] == {"MODE": "prod"} and agent["command"] == ["--serve"]
    assert agent["sourceImage"] == "ghcr.io/example/legacy:2"
    assert agent["lifecycle"]["maxRestartsPerHour"] == 5  # StartLimitBurst 6 = 1 + 5 restarts
    assert agent["lifecycle"]["restartDelaySeconds"] == 5
    assert agentc("check", "--no-tools", str(decl)).returncode == 0


def test_a_malformed_definition_is_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.plist"
    bad.write_text("<plist><dict><key>Label</key>")
    result = agentc("import", str(bad))
    assert result.returncode == 1 and result.stdout == b""
    assert f"{bad}:1:1: error[A404/unreadable-service-definition]: malformed plist" in (
        result.stderr.decode()
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_agentcs_own_plist_and_unit_round_trip(example: Path, tmp_path: Path) -> None:
    """A generated definition carries its declaration in the manifest beside it."""
    out = tmp_path / "out"
    assert agentc("compile", "--no-tools", str(example), "-o", str(out)).returncode == 0
    want = json.loads(agentc("dump", str(example)).stdout)["sourceos"]
    for tree in out.iterdir():
        for definition in [*tree.glob("launchd/*.plist"), *tree.glob("systemd/*.service")]:
            decl = _import(definition, tmp_path / f"{definition.name}.agent")
            got = json.loads(agentc("dump", str(decl)).stdout)["sourceos"]
            assert got["localAgents"][tree.name] == want["localAgents"][tree.name], definition


def test_every_setting_is_carried_or_reported_and_no_secret_is_copied(tmp_path: Path) -> None:
    unit = tmp_path / "worker.service"
    unit.write_text(
        "[Unit]\nDescription=The nightly worker\nAfter=network-online.target\n"
        "[Service]\nExecStartPre=/usr/bin/mkdir -p /srv/worker\n"
        "ExecStart=/usr/local/bin/worker --serve\nEnvironmentFile=-/etc/worker/env\n"
        "Environment=MODE=prod API_TOKEN=tok-8f3e9a1b2c3d4e5f\nUser=worker\n"
        "WorkingDirectory=/srv/worker\nTimeoutStopSec=30s\nRestart=on-failure\n"
        "[Install]\nWantedBy=multi-user.target\n"
    )
    decl = tmp_path / "worker.agent"
    result = agentc("import", str(unit), "-o", str(decl))
    err = result.stderr.decode()
    assert result.returncode == 0, err
    for key in ("ExecStartPre", "User", "WorkingDirectory", "After"):
        assert f"warning[A406/untranslated]: `{key}` is not carried" in err, key
    assert "`API_TOKEN` looks like a secret: not copied" in err
    text = decl.read_text()
    assert "tok-8f3e9a1b2c3d4e5f" not in text
    agent = json.loads(agentc("dump", str(decl)).stdout)["sourceos"]["localAgents"]["worker"]
    assert agent["environmentFile"] == "/etc/worker/env"
    assert agent["environment"] == {"MODE": "prod"}
    assert agent["description"] == "The nightly worker"
    assert agent["lifecycle"]["shutdownTimeoutSeconds"] == 30
    assert agentc("check", "--no-tools", str(decl)).returncode == 0


def test_a_calendar_job_and_a_shell_string_are_reported_and_fail_the_import(
    tmp_path: Path,
) -> None:
    """What is written would not pass `check` (a `sh -c` command): exit 1, and why."""
    plist = tmp_path / "com.example.backup.plist"
    plist.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
        "<key>Label</key><string>com.example.backup</string>"
        "<key>ProgramArguments</key><array><string>/bin/sh</string><string>-c</string>"
        "<string>rsync -a ~/Documents /Volumes/backup</string></array>"
        "<key>StartCalendarInterval</key><dict><key>Hour</key><integer>3</integer></dict>"
        "</dict></plist>\n"
    )
    result = agentc("import", str(plist), "-o", str(tmp_path / "backup.agent"))
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "`StartCalendarInterval` is not carried" in err and "scheduled" in err
    assert "raw-shell-launch" in err
    assert "does not pass `agentc check`" in err
    assert (tmp_path / "backup.agent").exists()  # written, for the person to finish
