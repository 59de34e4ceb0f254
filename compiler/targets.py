"""Render a canonical example as a row of the target format (the writer lives in
:mod:`tunespec.spec.targets`, next to its reader)."""

from __future__ import annotations

from tunespec.spec.targets import to_row

__all__ = ["to_row"]
