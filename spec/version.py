"""The installed tunespec version (one place to read it from).

Read on first use (``from tunespec.spec.version import __version__`` calls the module
``__getattr__``): importlib.metadata costs tens of milliseconds that dslint's start-up does
not need unless it prints the version.
"""

from __future__ import annotations

from functools import cache


@cache
def version() -> str:
    from importlib import metadata

    try:
        return metadata.version("tunespec")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
