"""agentc switch benchmark: what a switch costs a person with 1, 5 or 20 Podman agents.

    .venv/bin/python bench/switch.py                      # 1, 5 and 20 agents
    .venv/bin/python bench/switch.py --baseline SRC       # and an older tree, in the same run
    .venv/bin/python bench/switch.py --quick --json out.json

As users run it: a normal user (`agentc-user`, made by scripts/setup.sh) with rootless Podman
under that user's own real `systemd --user`; needs root to set that up, as the tests do. Each
size is switched three times: a first switch (every agent installed and started), a switch
in which every agent changed (its command), and one in which nothing changed. This tree's
switch is what the Nix modules run (nix/lib/activate-agents.sh over each bin/activate); the
baseline's is one activation after another, as its modules ran them. Budgets (issue 33): an
unchanged Podman agent <= 0.25 s, 20 unchanged agents <= 3 s, 5 changed agents <= 1.5 x one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hosts import IMAGE, LinuxHost, PodmanStore  # noqa: E402
from tests.users import LINUX_USER, reachable, user  # noqa: E402

RUNNER = ROOT / "nix" / "lib" / "activate-agents.sh"


def declarations(path: Path, n: int, seconds: int) -> Path:
    """n Podman agents running `sleep seconds` in the test image (a change of `seconds` is a
    change of every agent)."""
    body = "".join(
        f'sourceos.localAgents.a{i:02d} = {{ image = "{IMAGE}";'
        f' command = [ "/bin/sleep" "{seconds}" ]; podman.requireMachine = false; }};\n'
        for i in range(n)
    )
    path.write_text(body)
    return path


def compile_tree(source: Path, decl: Path, out: Path) -> list[Path]:
    """Compile with the agentc of `source`; the agents' directories, in order."""
    subprocess.run([sys.executable, "-m", "compiler", "compile", str(decl), "-o", str(out)],
                   cwd=source, check=True, capture_output=True)  # fmt: skip
    return sorted(p for p in out.iterdir() if (p / "bin" / "activate").exists())


def switch_script(path: Path, agents: list[Path], together: bool) -> Path:
    """The activation lines of a switch: through the runner, or one after another."""
    lines = [
        f'"{a}/bin/activate" --json >"{path}.{a.name}.json" || echo "{a.name} not activated" >&2'
        for a in agents
    ]
    if together:
        funcs = "".join(f"_sourceos_agent_{i}() {{\n  {line}\n}}\n" for i, line in enumerate(lines))
        call = " ".join(f"_sourceos_agent_{i}" for i in range(len(lines)))
        text = f"{RUNNER.read_text()}\n{funcs}sourceos_activate_agents {call}\n"
    else:
        text = "\n".join(lines) + "\n"
    path.write_text(text)
    return path


def timed_switch(host: LinuxHost, script: Path, env: dict) -> float:
    start = time.perf_counter()
    result = host.run(["sh", str(script)], env=env, timeout=900)
    elapsed = time.perf_counter() - start
    if result.returncode != 0 or result.stderr.strip():
        reports = "".join(p.read_text() for p in sorted(script.parent.glob(f"{script.name}.*")))
        logs = "".join(f"== {p}\n{p.read_text()}" for p in sorted(host.home.rglob("*.err.log")))
        raise RuntimeError(f"switch failed: {result.stdout}{result.stderr}{reports}{logs}")
    return elapsed


def measure(host: LinuxHost, source: Path, n: int, together: bool, tag: str, env: dict) -> dict:
    """A first, a changed and an unchanged switch of n agents compiled by `source`."""
    work = host.tmp / f"{tag}-{n}"
    work.mkdir()
    first = compile_tree(source, declarations(work / "v1.agent", n, 300), work / "v1")
    second = compile_tree(source, declarations(work / "v2.agent", n, 301), work / "v2")
    host.user.own(work, *work.rglob("*"))
    figures = {
        "first_s": timed_switch(host, switch_script(work / "s1.sh", first, together), env),
        "changed_s": timed_switch(host, switch_script(work / "s2.sh", second, together), env),
        "unchanged_s": timed_switch(host, switch_script(work / "s3.sh", second, together), env),
    }
    for agent in second:
        host.agentctl(agent, "uninstall")
    host.store.cleanup()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 2 agents (CI)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="SRC",
        help="also measure this source tree (a worktree of an older commit)",
    )
    parser.add_argument(
        "--sizes",
        type=lambda v: [int(n) for n in v.split(",")],
        help="agents per switch, e.g. 1,5 (default 1,5,20)",
    )
    parser.add_argument("--jobs", type=int, help="SOURCEOS_AGENT_JOBS for this tree's switch")
    args = parser.parse_args()
    sizes = args.sizes or ([1, 2] if args.quick else [1, 5, 20])
    env = {"SOURCEOS_AGENT_JOBS": str(args.jobs)} if args.jobs else {}
    tmp = Path(tempfile.mkdtemp(prefix="agentc-switch-"))
    reachable(tmp)
    owner = user(LINUX_USER)
    reachable(ROOT)
    store = PodmanStore(tmp / "podman", owner)
    host = None
    results: dict = {"sizes": sizes, "after": {}, "before": {}}
    try:
        store.load_image(IMAGE)
        host = LinuxHost(tmp / "host", store)
        for n in sizes:
            results["after"][str(n)] = measure(host, ROOT, n, True, "after", env)
            if args.baseline is not None:
                base = args.baseline.resolve()
                results["before"][str(n)] = measure(host, base, n, False, "before", {})
    finally:
        if host is not None:
            host.cleanup()
        store.cleanup(final=True)
        owner.kill_all()
        if not os.environ.get("AGENTC_BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
    one = results["after"].get("1")
    rows = []
    for n in sizes:
        for variant in ("before", "after"):
            if str(n) not in results[variant]:
                continue
            r = results[variant][str(n)]
            rows.append((variant, n, r["first_s"], r["changed_s"], r["unchanged_s"]))
    print(f"{'tree':<8}{'agents':>7}{'first':>9}{'changed':>9}{'unchanged':>11}")
    for variant, n, a, b, c in rows:
        print(f"{variant:<8}{n:>7}{a:>8.2f}s{b:>8.2f}s{c:>10.2f}s")
    budgets = {}
    if one is not None:
        budgets["unchanged podman agent <= 0.25 s"] = one["unchanged_s"] <= 0.25
    if "20" in results["after"]:
        budgets["20 unchanged agents <= 3 s"] = results["after"]["20"]["unchanged_s"] <= 3
    if "5" in results["after"] and one is not None:
        five = results["after"]["5"]["changed_s"]
        budgets["5 changed agents <= 1.5 x one"] = five <= 1.5 * one["changed_s"]
    for name, ok in budgets.items():
        print(f"{'within' if ok else 'OVER'}: {name}")
    results["budgets"] = budgets
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
