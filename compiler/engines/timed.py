"""Stage timings for benchmarks: ``TUNESPEC_TIMINGS=FILE tunespec compile ...`` writes, per
stage run through the executor, the calls, this process's CPU seconds and the wall seconds
spent in it, and the whole process's CPU and wall time (``benchmarks/bench_jobs.py`` reads it).

With ``--jobs 1`` every stage runs in this process, so its CPU inside the stages is the part a
pool spreads over cores and the rest (start-up, the driver steps) the serial part: the two
numbers of Amdahl's law, measured as CPU time, which a shared machine disturbs far less than
wall time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from tunespec.compiler.engines.base import Executor

T = TypeVar("T")
R = TypeVar("R")

ENV = "TUNESPEC_TIMINGS"


class TimedExecutor:
    """An executor that times every ``map`` call of the one it wraps, per stage function."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.parallelism = inner.parallelism
        self.stages: dict[str, dict[str, float]] = {}
        self.start_wall = time.perf_counter()

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return self.inner.map(fn, items)
        finally:
            got = self.stages.setdefault(
                getattr(fn, "__name__", "stage"), {"calls": 0, "cpu_s": 0.0, "wall_s": 0.0}
            )
            got["calls"] += 1
            got["cpu_s"] += time.process_time() - cpu
            got["wall_s"] += time.perf_counter() - wall

    def report(self) -> dict[str, Any]:
        """The timings: per stage, and the process's CPU (since it started) and wall (since
        this executor was made)."""
        stage_cpu = sum(s["cpu_s"] for s in self.stages.values())
        stage_wall = sum(s["wall_s"] for s in self.stages.values())
        process_cpu = time.process_time()
        wall = time.perf_counter() - self.start_wall
        return {
            "parallelism": self.parallelism,
            "stages": self.stages,
            "process_cpu_s": process_cpu,
            "compile_wall_s": wall,
            "driver_cpu_s": process_cpu - stage_cpu,  # outside the stages: the serial part
            "driver_wall_s": wall - stage_wall,
        }


def timed(executor: Executor) -> Executor:
    """``executor`` wrapped in a :class:`TimedExecutor` when $TUNESPEC_TIMINGS is set."""
    return TimedExecutor(executor) if os.environ.get(ENV) else executor


def write_timings(executor: Executor) -> None:
    if isinstance(executor, TimedExecutor):
        Path(os.environ[ENV]).write_bytes(
            orjson.dumps(executor.report(), option=orjson.OPT_INDENT_2)
        )
