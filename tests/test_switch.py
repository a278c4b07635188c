"""A switch costs the slowest agent, not the sum: an unchanged agent is verified in a few looks
(no wait, no preflight, no container), and the modules' runner overlaps the agents'
activations while printing each report whole, in order."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_tool
from tests.hosts import IMAGE, DarwinHost, Host, LinuxHost, compile_agent, sleeper_agent
from tests.test_shell_library import SHELLS, shell

pytestmark = pytest.mark.real

RUNNER = ROOT / "nix" / "lib" / "activate-agents.sh"


def logging_shims(host: Host, bin_dir: Path, *tools: str) -> Path:
    """Put logging stand-ins for `tools` first on the host's PATH, each running the real one:
    the log names every call."""
    log = host.write(host.tmp / "calls.log", "")
    for tool in tools:
        real = require_tool(tool)
        host.write(
            bin_dir / tool,
            f'#!/bin/sh\nprintf "%s\\n" "{tool} $*" >>"{log}"\nexec "{real}" "$@"\n',
            0o755,
        )
    return log


def report(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout.startswith("{"), result.stdout + result.stderr
    return json.loads(result.stdout)


def steps(result: dict) -> dict[str, str]:
    return {s["step"]: s["status"] for s in result["steps"]}


def test_an_unchanged_podman_agent_is_verified_without_a_wait_a_preflight_or_a_container(
    linux: LinuxHost,
) -> None:
    agent = sleeper_agent(linux)
    first = report(linux.activate(agent, "--json"))
    assert (first["state"], first["unchanged"]) == ("running", False), first
    log = logging_shims(linux, linux.bin, "sleep", "podman")
    main = linux.manager.show("sourceos-agent@demo.service", "MainPID")["MainPID"]
    # What the activation saw healthy: this generation, conmon, the container it runs.
    recorded = (linux.state_dir("demo") / "healthy").read_text().split()
    container = (linux.state_dir("demo") / "container.id").read_text().strip()
    assert recorded == [first["declarationSha256"], main, container], recorded

    start = time.perf_counter()
    again = report(linux.activate(agent, "--json"))
    elapsed = time.perf_counter() - start
    assert (again["state"], again["unchanged"]) == ("running", True), again
    assert again["preflight"] == []
    assert steps(again) == {
        "evaluate": "pass", "lint-wrapper": "skip", "lint-service-definition": "skip",
        "preflight": "skip", "install": "skip", "enable": "skip", "start": "skip",
        "health": "pass", "status": "pass",
    }  # fmt: skip
    assert log.read_text() == "", "no sleep, no podman: nothing created, started or waited for"
    assert linux.manager.show("sourceos-agent@demo.service", "MainPID")["MainPID"] == main
    assert elapsed < 2, elapsed  # the bench holds the budget (0.25 s); this only the order

    # A text report says so too.
    text = linux.activate(agent)
    assert "- persistence: installed, enabled and running (unchanged)" in text.stdout, text.stdout

    # Restarted outside activation (another main process): the next activation looks again
    # in full, and the one after that is quick again.
    linux.manager.systemctl("restart", "sourceos-agent@demo.service")
    log.write_text("")
    looked = report(linux.activate(agent, "--json"))
    assert looked["state"] == "running" and looked["preflight"] != [], looked
    assert "sleep 1" in log.read_text().splitlines()
    log.write_text("")
    assert report(linux.activate(agent, "--json"))["unchanged"] is True
    assert log.read_text() == ""

    # Stopped by hand: the next activation starts it again.
    linux.manager.systemctl("stop", "sourceos-agent@demo.service")
    repaired = report(linux.activate(agent, "--json"))
    assert (repaired["state"], repaired["unchanged"]) == ("running", False), repaired
    assert steps(repaired)["start"] == "pass"
    assert linux.store.container_state("demo") == "running"


def test_a_changed_agent_is_never_taken_for_unchanged(linux: LinuxHost) -> None:
    agent = sleeper_agent(linux)
    assert report(linux.activate(agent, "--json"))["state"] == "running"
    changed = sleeper_agent(linux, extra='description = "another generation";')
    result = report(linux.activate(changed, "--json"))
    assert (result["state"], result["unchanged"]) == ("running", False), result
    assert steps(result)["install"] == "pass" and steps(result)["preflight"] == "pass"
    # The manager runs the new unit (an enabled unit's links do not change: enable alone
    # would not have reloaded it).
    unit = linux.manager.show("sourceos-agent@demo.service", "Description", "NeedDaemonReload")
    assert unit == {"Description": "another generation", "NeedDaemonReload": "no"}, unit


def test_an_unchanged_native_agent_on_the_simulated_mac_takes_no_wait(darwin: DarwinHost) -> None:
    agent = compile_agent(
        darwin.out, "nat", 'runtime = "native"; command = [ "/bin/sleep" "300" ];'
    )
    assert report(darwin.activate(agent, "--json"))["state"] == "running"
    log = logging_shims(darwin, darwin.bin, "sleep")
    before = len(darwin.launchctl_calls())
    result = report(darwin.activate(agent, "--json"))
    assert (result["state"], result["unchanged"]) == ("running", True), result
    assert log.read_text() == ""
    # launchd was only asked about the job: never told to boot it out or in.
    assert {c[0] for c in darwin.launchctl_calls()[before:]} == {"print"}


# --- the runner the Nix modules use -------------------------------------------------------

RUNNER_CASE = """
. "{runner}"
job() {{ # name, seconds: log its start and end (the log's order is time's), say something on
    # each stream, fail for "bad"
    echo "start $1" >>"{events}"
    sleep "$2"
    echo "$1 out"; echo "$1 more"
    echo "$1 err" >&2
    echo "end $1" >>"{events}"
    [ "$1" != bad ]
}}
a() {{ job a 1; }}
b() {{ job bad 1 || echo "bad not activated" >&2; }}
c() {{ job c 0; }}
d() {{ job d 1; }}
SOURCEOS_AGENT_JOBS=2
sourceos_activate_agents a b c d
echo "after $?"
"""


@pytest.mark.parametrize("name", list(SHELLS))
def test_the_runner_overlaps_activations_and_prints_each_whole_in_order(
    name: str, tmp_path: Path
) -> None:
    argv = shell(name)
    events = tmp_path / "events"
    script = tmp_path / "switch.sh"
    script.write_text(RUNNER_CASE.format(runner=RUNNER, events=events))
    start = time.perf_counter()
    # -eu as home-manager's activation runs: the runner neither trips on a failing agent nor
    # reads an unset variable.
    flags = ["-eu"] if name != "zsh" else ["-e", "-u"]
    result = subprocess.run([*argv, *flags, str(script)], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    elapsed = time.perf_counter() - start
    assert result.stdout.splitlines() == [
        "a out", "a more", "bad out", "bad more", "c out", "c more", "d out", "d more", "after 0",
    ], result.stdout + result.stderr  # fmt: skip
    assert result.stderr.splitlines() == ["a err", "bad err", "bad not activated", "c err", "d err"]
    # Never more than SOURCEOS_AGENT_JOBS at once, and overlapping: a and bad start together.
    running, most = 0, 0
    lines = [line.split() for line in events.read_text().splitlines()]
    for kind, _job in lines:
        running += 1 if kind == "start" else -1
        most = max(most, running)
    assert most == 2, lines
    assert elapsed < 3.5, elapsed  # one after another: 3 s of sleep and more
    assert not list(tmp_path.glob("sourceos-agents.*"))


def test_the_runner_leaves_no_report_directory(tmp_path: Path) -> None:
    script = tmp_path / "s.sh"
    script.write_text(f'. "{RUNNER}"\nx() {{ echo x; }}\nsourceos_activate_agents x x\n')
    result = subprocess.run(["dash", str(script)], capture_output=True, text=True, timeout=30,
                            env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)})  # fmt: skip
    assert result.stdout == "x\nx\n"
    assert list(tmp_path.iterdir()) == [script]


def test_the_runner_is_shellcheck_clean() -> None:
    result = subprocess.run([require_tool("shellcheck"), "-s", "sh", str(RUNNER)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_a_home_manager_switch_reports_every_agent_whole_and_in_order(
    linux: LinuxHost, tmp_path: Path
) -> None:
    """A home-manager generation of four Podman agents (one whose image is missing), built by
    Nix and run as home-manager runs it (bash -eu, as the user): each agent's report is
    printed whole, in the configuration's order; the agent that cannot start is staged and
    named on stderr, the others run; the next switch finds them all unchanged."""
    from tests.test_nix_modules import _generation

    def agent(name: str, image: str = IMAGE) -> str:
        return (f'{name} = {{ image = "{image}"; command = [ "/bin/sleep" "300" ];'
                f' podman = {{ connection = null; requireMachine = false; }};'
                f' description = "{tmp_path}"; }};')  # fmt: skip

    names = ["alpha", "bravo", "charlie", "delta"]
    script = _generation(
        tmp_path, "g", "{ " + "".join(agent(n) for n in names if n != "bravo")
        + agent("bravo", "localhost/sourceos/missing:1") + " }",
    )  # fmt: skip

    def switch() -> tuple[dict[str, list[str]], str]:
        result = linux.run(["bash", "-eu", str(script)], timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        blocks: dict[str, list[str]] = {}
        order = []
        for line in result.stdout.splitlines():
            if line.startswith("- "):
                blocks[order[-1]].append(line)
            else:
                name, _, rest = line.partition(" ")
                assert rest.startswith("preflight: ") or not rest, result.stdout
                order.append(name)
                blocks[name] = [line]
        assert order == names, result.stdout
        for name, lines in blocks.items():  # whole: each ends with its persistence line
            assert lines[-1].startswith("- persistence: "), (name, lines)
        return blocks, result.stderr

    blocks, errors = switch()
    for name in ("alpha", "charlie", "delta"):
        assert blocks[name][-1] == "- persistence: installed, enabled and running", blocks[name]
        assert linux.store.container_state(name) == "running"
    assert blocks["bravo"][0] == "bravo preflight: failed"
    assert blocks["bravo"][-1].startswith("- persistence: staged but not enabled")
    assert errors.splitlines() == [
        "sourceos: agent bravo not activated (exit 3); see: sourceos-agent status bravo"
    ]

    blocks, _ = switch()
    for name in ("alpha", "charlie", "delta"):
        assert blocks[name] == [
            f"{name} preflight: skipped, unchanged",
            "- persistence: installed, enabled and running (unchanged)",
        ]
    assert blocks["bravo"][0] == "bravo preflight: failed"


def test_sourceos_agent_activates_several_agents_side_by_side(darwin: DarwinHost) -> None:
    """`sourceos-agent activate A B` runs both agents' activations together and prints their
    reports in the order named; the exit status is the worst."""
    body = 'runtime = "native"; command = [ "/bin/sleep" "300" ];'
    for name in ("one", "two"):
        agent = compile_agent(darwin.out, name, body)
        assert report(darwin.activate(agent, "--json"))["state"] == "running"
    result = darwin.sourceos_agent("activate", "two", "one", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    docs = json.loads(result.stdout)
    assert [(d["agent"], d["state"], d["unchanged"]) for d in docs] == [
        ("two", "running", True), ("one", "running", True)
    ]  # fmt: skip
    text = darwin.sourceos_agent("activate", "one", "two")
    assert [line.split()[0] for line in text.stdout.splitlines() if "preflight:" in line] == [
        "one", "two"
    ]  # fmt: skip
    missing = darwin.sourceos_agent("activate", "one", "nobody")
    assert missing.returncode == 2 and "nobody" in missing.stderr
