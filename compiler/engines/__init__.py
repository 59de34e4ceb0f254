"""Executors: where the map stages run. One method, ``map(fn, items) -> list``.

``LocalExecutor`` (the default) runs every item in this process, in order. ``RayExecutor``
runs each item as a plain Ray task (``ray.remote``), on a local Ray or a cluster. Stage
functions are pure functions of their item and write their outputs to files, so both give the
same results, in item order; the driver merges them in that order.
"""

from __future__ import annotations

from tunespec.compiler.engines.base import Executor, LocalExecutor
from tunespec.compiler.engines.rayexec import RayExecutor, ray_session

__all__ = ["Executor", "LocalExecutor", "RayExecutor", "ray_session"]
