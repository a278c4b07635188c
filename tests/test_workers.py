"""A large batch uses every core: forked workers give the results a single process gives."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from compiler import workers
from compiler.compile import build

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "node-commander.agent"


def _children() -> set[int]:
    """This process's live children (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def test_results_in_input_order_from_more_than_one_process() -> None:
    def fn(x: int) -> tuple[int, int]:
        time.sleep(0.002)  # long enough that every process takes chunks
        return x * x, os.getpid()

    items = list(range(400))
    results = workers.fork_map(fn, items, processes=4)
    assert [r[0] for r in results] == [x * x for x in items]
    assert len({r[1] for r in results}) == 4
    assert os.getpid() in {r[1] for r in results}  # this process takes chunks too


def test_a_slower_process_takes_fewer_chunks() -> None:
    here = os.getpid()

    def fn(x: int) -> int:
        time.sleep(0.02 if os.getpid() == here else 0.002)  # this process ten times slower
        return os.getpid()

    results = workers.fork_map(fn, list(range(300)), processes=2)
    # Halves fixed in advance would take 150 x 20 ms here: 3 s, where sharing takes ~0.6 s.
    assert 0 < results.count(here) < 60


def test_a_small_batch_or_one_job_forks_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    small = workers.fork_map(lambda x: os.getpid(), list(range(workers.MIN_PER_JOB)), 8)
    assert set(small) == {os.getpid()}
    monkeypatch.setenv("AGENTC_JOBS", "1")
    assert workers.jobs() == 1
    assert set(workers.fork_map(lambda x: os.getpid(), list(range(500)))) == {os.getpid()}


@pytest.mark.parametrize("value", ["", "0", "-2", "many"])
def test_a_jobs_setting_that_is_no_count_means_the_cores(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("AGENTC_JOBS", value)
    assert workers.jobs() == len(os.sched_getaffinity(0))


def test_a_failure_in_a_worker_is_raised_here_and_no_worker_is_left() -> None:
    before, here = _children(), os.getpid()

    def fn(x: int) -> int:
        if x == 350:  # almost surely met by a worker first: this process is the slow one
            raise ValueError(f"item {x}")
        time.sleep(0.01 if os.getpid() == here else 0.001)
        return x

    with pytest.raises(ValueError, match="item 350"):
        workers.fork_map(fn, list(range(400)), processes=4)
    assert _children() == before


def test_a_failure_here_leaves_no_worker_behind() -> None:
    before, here = _children(), os.getpid()

    def fn(x: int) -> int:
        if os.getpid() == here:
            raise KeyError("here")
        time.sleep(0.001)
        return x

    with pytest.raises(KeyError):
        workers.fork_map(fn, list(range(400)), processes=4)
    assert _children() == before


def test_the_processes_there_are_take_the_chunks_of_one_that_could_not_be_forked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_fork, calls = os.fork, []

    def fork() -> int:
        calls.append(1)
        if len(calls) == 2:  # the third process: none to be had
            raise BlockingIOError("fork: Resource temporarily unavailable")
        return real_fork()

    def fn(x: int) -> tuple[int, int]:
        time.sleep(0.001)
        return x, os.getpid()

    monkeypatch.setattr(os, "fork", fork)
    results = workers.fork_map(fn, list(range(300)), processes=3)
    assert [r[0] for r in results] == list(range(300))
    assert len({r[1] for r in results}) == 2  # this process and the one worker forked
    assert len(calls) == 2


def test_the_chunks_of_a_worker_that_died_are_done_here() -> None:
    here = os.getpid()

    def fn(x: int) -> tuple[int, int]:
        if os.getpid() != here:
            os._exit(7)  # a worker killed before it sends anything back
        time.sleep(0.001)
        return x, os.getpid()

    results = workers.fork_map(fn, list(range(300)), processes=3)
    assert results == [(x, here) for x in range(300)]


def _batch(tmp_path: Path) -> Path:
    """150 agents: clean ones, one that fails validation, one that fails a policy rule."""
    text = EXAMPLE.read_text()
    blocks = [text.replace("node-commander", f"agent-{i:03d}") for i in range(148)]
    blocks.append(text.replace("node-commander", "bad-scope").replace('"user"', '"galaxy"'))
    blocks.append(
        text.replace("node-commander", "bad-logs").replace(
            "$HOME/Library/Logs/SourceOS/bad-logs.log", "/tmp/bad-logs.log"
        )
    )
    path = tmp_path / "batch.agent"
    path.write_text("\n".join(blocks))
    return path


def _build(paths: list[Path], jobs: str) -> tuple[dict, list, bool]:
    """Every file's bytes and mode per agent, the diagnostics, and whether the batch was
    compiled piece by piece (no whole-file analysis made)."""
    os.environ["AGENTC_JOBS"] = jobs
    trees, result = build([str(p) for p in paths])
    files = {name: [(a.path, a.mode, a.data) for a in arts] for name, arts in trees.items()}
    return files, [d.to_json() for d in result.diagnostics], result.analysis is None


def test_build_with_workers_is_byte_for_byte_a_single_process_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _batch(tmp_path)
    monkeypatch.setenv("AGENTC_JOBS", "1")

    def run(jobs: str) -> tuple[dict, list]:
        files, diagnostics, _ = _build([path], jobs)
        return files, diagnostics

    one, three = run("1"), run("3")
    assert one == three
    files, diagnostics = one
    assert list(files) == [f"agent-{i:03d}" for i in range(148)]
    # Both broken agents reported (validation here, a policy rule in a worker), in order.
    assert [(d["name"], d["severity"]) for d in diagnostics] == [
        ("bad-enum-value", "error"),
        ("log-in-tmp", "error"),
    ]


# One file of many agents is cut at the lines that start `sourceos.localAgents.<name>` and each
# piece compiled on its own, on every core. Where the cut would not give the whole file's
# answer, the batch is compiled whole: each case below must come out as a single process
# compiles it, and be compiled the way it is marked (piece by piece, or whole).
_CLEAN = "clean"
_WHOLE = "whole"
_PREFIX = "# a fleet\n\n"


def _agents(n: int, first: int = 0) -> list[str]:
    text = EXAMPLE.read_text()
    return [text.replace("node-commander", f"agent-{i:03d}") for i in range(first, first + n)]


def _cases() -> dict[str, tuple[str, list[str]]]:
    agents = _agents(6)
    unknown = agents[2].replace("enable = true;", "enable = true; futureField = 1;")
    lowered_badly = agents[3].replace('scope = "user";', "scope = 7;")
    same_label = [a.replace("  enable = true;", '  label = "org.example.same";\n  enable = true;')
                  for a in agents[:2]]  # fmt: skip
    in_parts = 'sourceos.localAgents.agent-001.description = "again";\n'
    in_string = agents[4].replace(
        '"SocioProphet agent-004', '"two\nsourceos.localAgents.zz = {};\nlines'
    )
    assert in_string != agents[4]
    one_line = [" ".join(x.strip() for x in a.splitlines() if not x.startswith("#"))
                for a in agents[:2]]  # fmt: skip
    return {
        "clean, with comments before the first agent": (_CLEAN, [_PREFIX, *agents]),
        "errors in agents": (_CLEAN, [unknown, lowered_badly, *agents[4:]]),
        "an agent that cannot be lowered at all": (
            _CLEAN, ["sourceos.localAgents.x_bad = 1;\n", *agents[:3]],
        ),
        "two agents with one label": (_WHOLE, [*same_label, *agents[2:]]),
        "an agent declared in two bindings": (_WHOLE, [*agents[:3], in_parts]),
        "a string holding a line that starts an agent": (_WHOLE, [*agents[:4], in_string]),
        "another binding before the first agent": (_WHOLE, ["foo = 1;\n", *agents]),
        "a syntax error in one agent": (_WHOLE, [*agents[:3], agents[3].replace(";", "", 1)]),
        "a braced document": (_WHOLE, ["{\n", *agents, "}\n"]),
        "two agents on one line": (_WHOLE, [" ".join(one_line), *agents[2:]]),
    }  # fmt: skip


@pytest.mark.parametrize("case", list(_cases()))
def test_a_file_cut_into_agents_compiles_as_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    way, blocks = _cases()[case]
    monkeypatch.setattr(workers, "MIN_PER_JOB", 1)
    monkeypatch.setenv("AGENTC_JOBS", "1")
    path = tmp_path / "fleet.agent"
    path.write_text("".join(b if b.endswith("\n") else b + "\n" for b in blocks))
    other = tmp_path / "more.agent"
    other.write_text("".join(_agents(2, first=50)))
    one = _build([path, other], "1")
    assert not one[2]
    three = _build([path, other], "3")
    assert three[:2] == one[:2]
    assert three[2] == (way == _CLEAN)
    assert "agent-051" in one[0]  # the other file's agents compiled either way


def test_one_agent_in_two_files_is_compiled_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "MIN_PER_JOB", 1)
    monkeypatch.setenv("AGENTC_JOBS", "1")
    first, second = tmp_path / "a.agent", tmp_path / "b.agent"
    first.write_text("".join(_agents(4)))
    second.write_text("".join(_agents(2, first=3)))
    one, three = _build([first, second], "1"), _build([first, second], "3")
    assert three == one
    assert [d["name"] for d in one[1]] == ["duplicate-agent"]


def test_artifacts_cross_back_from_a_worker_whole() -> None:
    """Artifacts pickle as their fields (`Artifact.__reduce__`): every field comes back."""
    import pickle

    import attrs

    from compiler.emit import Artifact

    trees, _ = build([str(EXAMPLE)])
    for art in trees["node-commander"]:
        back = pickle.loads(pickle.dumps(art, pickle.HIGHEST_PROTOCOL))
        for field in attrs.fields(Artifact):
            assert getattr(back, field.name) == getattr(art, field.name), field.name
        assert back.data == art.data
