"""The executor interface and the in-process executor."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``fn`` over ``items``; returns the results in the items' order. ``parallelism``
    is how many items it runs at once (the dedup shuffles size their partitions by it)."""

    parallelism: int

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]: ...


class LocalExecutor:
    """In-process and sequential: the default, no server, no extra dependency."""

    parallelism = 1

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        return [fn(item) for item in items]
