"""Map a function over a large batch on every core: forked workers, results in input order.

Each worker is a fork of this process, so the function and its inputs are simply there (a
closure is fine); only results cross back, pickled, through a pipe. A worker that fails has
its share done again here, so an exception is raised here, with its traceback, as in a run
without workers. `AGENTC_JOBS` sets the number of processes (1: none forked).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Fewer items than this per process and a fork (a few ms, with the copy-on-write it brings)
# costs more than it saves.
MIN_PER_JOB = 50


def jobs() -> int:
    """Processes to use: AGENTC_JOBS where set to a positive number, else the usable cores."""
    wanted = os.environ.get("AGENTC_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS: no affinity call
        return os.cpu_count() or 1


def processes_for(count: int, wanted: int | None = None) -> int:
    """How many processes `fork_map` uses for `count` items, at most `wanted` (else `jobs()`);
    1: none forked."""
    if not hasattr(os, "fork"):
        return 1
    return max(1, min(wanted or jobs(), count // MIN_PER_JOB))


def fork_map(fn: Callable[[T], R], items: Sequence[T], processes: int | None = None) -> list[R]:
    """`[fn(x) for x in items]`, the items split into contiguous shares, one per process."""
    n = processes_for(len(items), processes)
    if n <= 1:
        return [fn(x) for x in items]
    bounds = [len(items) * i // n for i in range(n + 1)]
    shares = [items[bounds[i] : bounds[i + 1]] for i in range(n)]
    # Per share after the first: its worker's process ID and pipe, or -1 where no process
    # could be had (that share is done here, in its place).
    children: list[tuple[int, int, Sequence[T]]] = []
    try:
        for share in shares[1:]:
            read, write = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                os.close(read)
                os.close(write)
                children.append((-1, -1, share))
                continue
            if pid == 0:  # the worker: its share, pickled to the pipe, and out
                status = 1
                try:
                    os.close(read)
                    for _, other, _ in children:
                        if other >= 0:
                            os.close(other)
                    data = pickle.dumps([fn(x) for x in share], pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(write, "wb") as out:
                        out.write(data)
                    status = 0
                finally:
                    os._exit(status)  # no atexit handlers, no second flush of our buffers
            os.close(write)
            children.append((pid, read, share))
        results = [fn(x) for x in shares[0]]
        while children:
            pid, read, share = children.pop(0)
            if pid < 0:
                results += [fn(x) for x in share]
                continue
            with os.fdopen(read, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            results += pickle.loads(data) if status == 0 else [fn(x) for x in share]
        return results
    finally:
        for pid, read, _ in children:  # only after an exception here: let the rest go
            if pid >= 0:
                os.close(read)
                os.waitpid(pid, 0)
