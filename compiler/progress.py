"""A progress display for long compiles: rich on a terminal, nothing otherwise.

One live display (started on first use, removed by :meth:`Progress.close`) shows a line per
stage: scan, map (chunks done of all, records, rate), merge (files), dedup, write. It is off
when stderr is not a terminal (CI logs, pipes, pre-commit) or ``--no-progress`` is given;
``NO_COLOR`` and ``TERM=dumb`` are honoured by rich's console (no colour, no animation).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _ignore(n: int = 1) -> None:
    """``advance`` when the display is off."""


class Progress:
    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled and sys.stderr.isatty()
        self._live: Any = None

    def _bar(self) -> Any:
        if self._live is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            self._live = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                _count_column(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._live.start()
        return self._live

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    @contextmanager
    def stage(self, label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
        """A stage line; yields ``advance(n)``. Without a total it is a spinner with the time."""
        if not self.enabled:
            yield _ignore
            return
        bar = self._bar()
        task = bar.add_task(label, total=total, rate="")

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        try:
            yield advance
        finally:
            bar.remove_task(task)

    def wrap(
        self, fn: Callable[[T], R], label: str, total: int, count: Callable[[R], int] | None = None
    ) -> Callable[[T], R]:
        """``fn`` advancing a stage line after each call (in-process executors only); ``count``
        gives the records a result holds, shown with their rate."""
        if not self.enabled:
            return fn
        import time

        bar = self._bar()
        task = bar.add_task(label, total=total, rate="")
        state = {"records": 0, "start": time.perf_counter(), "done": 0}

        def run(item: T) -> R:
            result = fn(item)
            state["done"] += 1
            rate = ""
            if count is not None:
                state["records"] += count(result)
                elapsed = max(time.perf_counter() - state["start"], 1e-6)
                rate = f"{state['records']:,} records · {state['records'] / elapsed:,.0f}/s"
            bar.update(task, advance=1, rate=rate)
            bar.refresh()  # one chunk is megabytes: show its count now, not at the next tick
            if state["done"] == total:
                bar.remove_task(task)
            return result

        return run

    def map(
        self,
        executor: Any,
        fn: Callable[[T], R],
        items: list[T],
        label: str,
        count: Callable[[R], int] | None = None,
    ) -> list[R]:
        """``executor.map(fn, items)`` with a stage line: per chunk with records and rate
        in-process; a spinner with the elapsed time on worker processes or Ray (the function
        travels to other processes, the display cannot)."""
        from tunespec.compiler.engines.base import LocalExecutor

        if not self.enabled:
            return list(executor.map(fn, items))
        if isinstance(executor, LocalExecutor):
            return executor.map(self.wrap(fn, label, len(items), count), items)
        workers = getattr(executor, "parallelism", 1)
        with self.stage(f"{label} {len(items):,} chunks on {workers} workers"):
            return list(executor.map(fn, items))

    def track(self, items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
        if not self.enabled:
            yield from items
            return
        if total is None and isinstance(items, Sized):
            total = len(items)
        with self.stage(label, total) as advance:
            for item in items:
                yield item
                advance(1)


def _count_column() -> Any:
    """``done/total`` for stages that know their total; nothing (not ``0/?``) for the others."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class CountColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            if task.total is None:
                return Text("")
            return Text(f"{int(task.completed):,}/{int(task.total):,}")

    return CountColumn()
