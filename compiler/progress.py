"""A progress display for long compiles: rich on a terminal, nothing otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


class Progress:
    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled and sys.stderr.isatty()

    def track(self, items: Iterable[T], label: str) -> Iterator[T]:
        if not self.enabled:
            yield from items
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as RichProgress

        with RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(f"reading {label}", total=None)
            for n, item in enumerate(items, start=1):
                if n % 2048 == 0:
                    bar.update(task, completed=n)
                yield item
