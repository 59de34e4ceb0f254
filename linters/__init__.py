"""tunespec.linters: lint rules, the engine that runs them, output-schema validators, scoring."""

from __future__ import annotations
