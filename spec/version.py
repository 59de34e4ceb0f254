"""The installed tunespec version (one place to read it from)."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("tunespec")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"
