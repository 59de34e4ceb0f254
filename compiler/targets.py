"""Render a canonical example as a row of the target format (moved to :mod:`tunespec.spec.targets`,
next to its reader)."""

from __future__ import annotations

from tunespec.spec.targets import apply_system_prompt, to_row

__all__ = ["apply_system_prompt", "to_row"]
