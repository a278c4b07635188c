"""Map a function over a large batch on every core: forked workers, results in input order.

Each worker is a fork of this process, so the function and its inputs are simply there (a
closure is fine); only results cross back, pickled, through a pipe. The batch is cut into
small chunks that every process, this one too, takes from one queue as it finishes the last:
a process that runs slower (a busy core, the copy-on-write faults a fork brings, the pickling
a worker does) takes fewer, and all end together. A chunk a worker took but did not send back
is done again here, so an exception is raised here, with its traceback, as in a run without
workers. `AGENTC_JOBS` sets the number of processes (1: none forked).
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
# The most chunks a batch is cut into. The queue is a pipe holding one byte per chunk, written
# before any process reads it (far under any pipe's capacity): a one-byte read is one chunk.
MAX_CHUNKS = 256


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
    """`[fn(x) for x in items]`, the items in contiguous chunks that each process takes from a
    shared queue until it is empty."""
    n = processes_for(len(items), processes)
    if n <= 1:
        return [fn(x) for x in items]
    count = min(MAX_CHUNKS, len(items))
    bounds = [len(items) * i // count for i in range(count + 1)]

    def run(chunk: int) -> list[R]:
        return [fn(x) for x in items[bounds[chunk] : bounds[chunk + 1]]]

    queue, fill = os.pipe()
    os.write(fill, bytes(range(count)))
    os.close(fill)

    def take() -> int | None:
        """The next chunk nobody has taken; None once the queue is empty."""
        got = os.read(queue, 1)
        return got[0] if got else None

    done: dict[int, list[R]] = {}
    workers: list[tuple[int, int]] = []  # each worker's process ID and results pipe
    try:
        for _ in range(n - 1):
            read, write = os.pipe()
            try:
                pid = os.fork()
            except OSError:  # no process to be had: the others take its chunks
                os.close(read)
                os.close(write)
                break
            if pid == 0:  # a worker: chunks until the queue is empty, pickled to the pipe
                status = 1
                try:
                    os.close(read)
                    for _, other in workers:
                        os.close(other)
                    sent = []  # pickled chunk by chunk: the pickling is shared out too
                    while (chunk := take()) is not None:
                        sent.append((chunk, pickle.dumps(run(chunk), pickle.HIGHEST_PROTOCOL)))
                    with os.fdopen(write, "wb") as out:
                        pickle.dump(sent, out, pickle.HIGHEST_PROTOCOL)
                    status = 0
                finally:
                    os._exit(status)  # no atexit handlers, no second flush of our buffers
            os.close(write)
            workers.append((pid, read))
        while (chunk := take()) is not None:
            done[chunk] = run(chunk)
        while workers:
            pid, read = workers.pop(0)
            try:
                with os.fdopen(read, "rb") as pipe:
                    data = pipe.read()
            finally:
                _, status = os.waitpid(pid, 0)
            if status == 0:
                done.update((chunk, pickle.loads(result)) for chunk, result in pickle.loads(data))
        results: list[R] = []
        for chunk in range(count):  # a chunk a failed worker took is done here
            results += done[chunk] if chunk in done else run(chunk)
        return results
    finally:
        # Only after an exception here are workers left: empty the queue, so that each stops
        # after its chunk in hand, and let them go.
        while os.read(queue, MAX_CHUNKS):
            pass
        os.close(queue)
        for pid, read in workers:
            os.close(read)
            os.waitpid(pid, 0)
