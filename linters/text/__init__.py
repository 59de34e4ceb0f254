"""Text helpers shared by the style, language and length rules (no heavy imports here)."""

from __future__ import annotations
