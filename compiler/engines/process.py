"""A local process pool: the map and shuffle stages on every core of this machine.

Stage functions are pure functions of their item that write their outputs to files (the same
property Ray relies on), so running them in worker processes gives the same artefact, byte for
byte, as running them in this process. Workers are forked when the pool starts, before any
progress thread exists, so they inherit this process's state (hash seed and imported modules
included) and start in milliseconds.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # imported when a pool starts: `--jobs 1` never loads multiprocessing
    import multiprocessing.context

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """CPUs this process may run on (affinity and cgroup-limited where the platform says)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        count = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return max(1, count or 1)


def _ready(_: int) -> int:
    return os.getpid()


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the parent alone handles it (it stops the pool,
    # then removes the temporary folder), so a worker never dies half-way through a file.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context() -> multiprocessing.context.BaseContext:
    # fork: workers share the parent's imports and hash seed; elsewhere (macOS, Windows) spawn,
    # and the stages do not depend on the hash seed (tested through Ray, which runs them in
    # processes of their own).
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class ProcessExecutor:
    """``map`` runs the items on ``jobs`` worker processes and returns results in item order."""

    def __init__(self, jobs: int) -> None:
        if jobs < 2:
            raise ValueError("ProcessExecutor needs at least 2 jobs; use LocalExecutor for 1")
        from concurrent.futures import ProcessPoolExecutor

        self.parallelism = jobs
        self._pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=_context(), initializer=_ignore_interrupts
        )
        # start every worker now, while this process has no other threads (fork safety)
        list(self._pool.map(_ready, range(jobs)))

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        try:
            return list(self._pool.map(fn, items))
        except BaseException:
            # a failed or interrupted stage: no task may still be writing into the scratch
            # folder when the caller cleans it up
            self.close()
            raise

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
