"""Run the map stages as plain Ray tasks (no Ray Data: its group-by measured 2-3x slower here).

Needs the optional extra ``tunespec[ray]``. Every worker must see the input files and the
artefact's scratch folder at the same paths (one machine, or shared storage on a cluster),
and have tunespec installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tunespec.spec.errors import UserError

T = TypeVar("T")
R = TypeVar("R")


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UserError("--engine ray needs Ray", hint="pip install 'tunespec[ray]'") from None
    return ray


class RayExecutor:
    """``map`` submits one task per item and gathers the results in order."""

    def __init__(self, max_in_flight: int | None = None) -> None:
        self.ray = _ray()
        if not self.ray.is_initialized():
            raise RuntimeError("RayExecutor needs ray.init() first (see ray_session)")
        self.max_in_flight = max_in_flight or max(
            2, 4 * int(self.ray.cluster_resources().get("CPU", 1))
        )
        self.parallelism = max(1, int(self.ray.cluster_resources().get("CPU", 1)))
        self._remote: dict[Callable[..., Any], Any] = {}

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        ray = self.ray
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = ray.remote(num_cpus=1, max_retries=2)(fn)
        refs: list[Any] = []
        for item in items:
            if len(refs) >= self.max_in_flight:
                ray.wait(refs, num_returns=len(refs) - self.max_in_flight + 1, fetch_local=False)
            refs.append(remote.remote(item))
        try:
            results: list[R] = ray.get(refs)
        except ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, BaseException):
                raise cause from None  # the stage's own error (e.g. a UserError), not Ray's wrapper
            raise
        return results


@contextmanager
def _token_auth() -> Iterator[None]:
    """Clusters started with ``ray start`` use token authentication; a driver only sends the
    token when RAY_AUTH_MODE=token is set when ``ray`` is first imported. Set it then, when a
    token exists and the user has not chosen a mode."""
    token_file = Path(os.environ.get("RAY_AUTH_TOKEN_PATH", Path.home() / ".ray" / "auth_token"))
    if "RAY_AUTH_MODE" in os.environ or not (
        os.environ.get("RAY_AUTH_TOKEN") or token_file.is_file()
    ):
        yield
        return
    os.environ["RAY_AUTH_MODE"] = "token"
    try:
        yield
    finally:
        os.environ.pop("RAY_AUTH_MODE", None)


@contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None) -> Iterator[None]:
    """Join ``address``, or start a local Ray bound to loopback; shut it down at the end.

    Started here (no address), the local Ray's processes all end with :func:`ray.shutdown`;
    joined, the cluster keeps running and only this driver disconnects.
    """
    with ExitStack() as stack:
        if address:
            stack.enter_context(_token_auth())  # read by Ray from import to shutdown
        ray = _ray()
        if ray.is_initialized():
            yield
            return
        common: dict[str, Any] = {
            "log_to_driver": False,
            "logging_level": "error",
            "configure_logging": True,
        }
        # workers import tunespec from the driver's environment
        env = {"env_vars": {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}}
        try:
            if address:
                _join(ray, address, env, common)
            else:
                ray.init(
                    address="local",  # always a new local Ray, never one found on the machine
                    num_cpus=num_cpus or os.cpu_count() or 1,
                    include_dashboard=False,
                    _node_ip_address="127.0.0.1",
                    runtime_env=env,
                    **common,
                )
            yield
        finally:
            ray.shutdown()


def _join(ray: Any, address: str, env: dict[str, Any], common: dict[str, Any]) -> None:
    host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    if host in ("127.0.0.1", "localhost", "::1"):
        common["_node_ip_address"] = "127.0.0.1"  # a head bound to loopback
    try:
        ray.init(address=address, runtime_env=env, **common)
    except ConnectionError as exc:
        raise UserError(
            f"cannot join the Ray cluster at {address}: {exc}",
            hint="check --address (host:port of the head's GCS, or ray://host:10001), and that the cluster is running",
        ) from None
