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
    assert agent["logs"] == {  # out of /tmp
        "app": None, "stdout": None, "stderr": None, "maxSizeMB": 10, "keep": 5
    }  # fmt: skip
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
    assert f"{unit}:2:1: warning[A406/untranslated]: `podman run --privileged` has no field" in err
    decl = tmp_path / "legacy.agent"
    agent = json.loads(agentc("dump", str(decl)).stdout)["sourceos"]["localAgents"]["legacy"]
    assert agent["environment"] == {"MODE": "prod"} and agent["command"] == ["--serve"]
    assert agent["sourceImage"] == "ghcr.io/example/legacy:2"  # after --privileged, kept
    assert agent["podman"]["volumes"] == [{"source": "/srv", "target": "/data", "readOnly": False}]
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


_RUN = (
    "/usr/bin/podman run --rm --name web -p 127.0.0.1:8080:80 -p 5353:53/udp"
    " -v /srv/web:/data:ro -v web-cache:/cache -v /etc/web/api-token:/run/secrets/token:ro"
    " --network=bridge --memory 512m --cpus 1.5 --pids-limit 100 --ulimit nofile=4096:4096"
    " --cap-drop ALL --cap-add NET_BIND_SERVICE --read-only --user 1000:1000 --workdir /app"
    " --secret db_pass docker.io/library/nginx:1.25 nginx -g daemon-off"
)


def _expected_web(agent: dict) -> None:
    podman = agent["podman"]
    assert podman["ports"] == [
        {"address": "127.0.0.1", "container": 80, "host": 8080, "protocol": "tcp"},
        {"address": "127.0.0.1", "container": 53, "host": 5353, "protocol": "udp"},
    ]
    assert podman["volumes"] == [
        {"source": "/srv/web", "target": "/data", "readOnly": True},
        {"source": "web-cache", "target": "/cache", "readOnly": False},
    ]
    assert agent["secrets"] == {
        "API_TOKEN": {"source": "/etc/web/api-token", "target": "/run/secrets/token"}
    }
    assert podman["network"] == "bridge" and podman["readOnlyRootfs"] is True
    assert (podman["user"], podman["workingDir"]) == ("1000:1000", "/app")
    assert podman["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
    assert agent["resources"] == {"memoryMB": 512, "cpus": "1.5", "pids": 100, "openFiles": 4096}
    assert agent["command"] == ["nginx", "-g", "daemon-off"]


@pytest.mark.parametrize("kind", ["unit", "plist"])
def test_a_podman_run_lines_ports_volumes_limits_and_secret_files_are_carried(
    tmp_path: Path, kind: str
) -> None:
    """From an ExecStart and from ProgramArguments alike; `--secret` (content in Podman's
    store) is reported, never dropped silently."""
    if kind == "unit":
        source = tmp_path / "web.service"
        source.write_text(f"[Unit]\nDescription=web\n\n[Service]\nExecStart={_RUN}\n")
    else:
        import plistlib

        source = tmp_path / "com.example.web.plist"
        source.write_bytes(plistlib.dumps({"Label": "com.example.web",
                                           "ProgramArguments": _RUN.split()}))  # fmt: skip
    result = agentc("import", str(source), "-o", str(tmp_path / "web.agent"))
    assert result.returncode == 0, result.stderr.decode()
    assert b"--secret db_pass` keeps the secret's content in Podman's store" in result.stderr
    assert agentc("check", "--no-tools", str(tmp_path / "web.agent")).returncode == 0
    agent = json.loads(agentc("dump", str(tmp_path / "web.agent")).stdout)
    _expected_web(agent["sourceos"]["localAgents"]["web"])


def test_a_podman_run_command_line_becomes_a_declaration(tmp_path: Path) -> None:
    result = agentc("import", "--podman-run", "-o", str(tmp_path / "web.agent"), "--",
                    *_RUN.split())  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    agent = json.loads(agentc("dump", str(tmp_path / "web.agent")).stdout)
    _expected_web(agent["sourceos"]["localAgents"]["web"])
    bad = agentc("import", "--podman-run", "--", "ls", "-l")
    assert bad.returncode == 1 and b"podman run [OPTIONS] IMAGE" in bad.stderr


def test_an_imported_public_port_or_docker_socket_is_named_by_its_rule(tmp_path: Path) -> None:
    result = agentc("import", "--podman-run", "-o", str(tmp_path / "x.agent"), "--", "podman",
                    "run", "-p", "0.0.0.0:80:80", "-v", "/var/run/docker.sock:/var/run/docker.sock",
                    "localhost/x:1")  # fmt: skip
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "error[AG119/public-port]" in err and "error[AG120/dangerous-mount]" in err


@pytest.mark.parametrize(
    ("cmd", "argv"),
    [
        ("curl -fs http://localhost:8080/health",
         ["/bin/sh", "-c", "curl -fs http://localhost:8080/health"]),
        ('["CMD", "/bin/check", "--quiet"]', ["/bin/check", "--quiet"]),
        ('["CMD-SHELL", "test -f /ready"]', ["/bin/sh", "-c", "test -f /ready"]),
    ],
)  # fmt: skip
def test_a_podman_health_check_becomes_a_command_check_in_the_container(
    tmp_path: Path, cmd: str, argv: list[str]
) -> None:
    """--health-cmd (what a unit Quadlet generated from HealthCmd= runs, too) is run in the
    container through podman exec; its interval, timeout, start period and retries carry."""
    unit = tmp_path / "api.service"
    run = [
        "/usr/bin/podman", "run", "--rm", "--name", "api", "--health-cmd", cmd,
        "--health-interval", "1m30s", "--health-timeout", "500ms", "--health-retries", "4",
        "--health-start-period", "20s", "--health-on-failure", "kill", "localhost/api:1",
    ]  # fmt: skip
    import shlex

    unit.write_text(f"[Service]\nExecStart={shlex.join(run)}\n")
    result = agentc("import", str(unit), "-o", str(tmp_path / "api.agent"))
    assert result.returncode == 0, result.stderr.decode()
    assert agentc("check", "--no-tools", str(tmp_path / "api.agent")).returncode == 0
    agent = json.loads(agentc("dump", str(tmp_path / "api.agent")).stdout)
    health = agent["sourceos"]["localAgents"]["api"]["health"]
    assert health["type"] == "command"
    assert health["command"] == ["podman", "exec", "api", *argv]
    assert (health["intervalSeconds"], health["timeoutSeconds"]) == (90, 1)
    assert (health["startPeriodSeconds"], health["retries"]) == (20, 4)
