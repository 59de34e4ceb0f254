"""tunespec.spec: the dataset spec, the canonical example and the artefact format.

This is the bottom layer: it never imports the compiler, the linters or the trainer.
"""

from __future__ import annotations

from tunespec.spec.errors import EXIT_CLEAN, EXIT_CRASH, EXIT_FINDINGS, EXIT_USAGE, UserError
from tunespec.spec.example import Example, Message, Origin


def __getattr__(name: str) -> str:
    if name == "__version__":  # read lazily (importlib.metadata is slow to import)
        from tunespec.spec.version import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EXIT_CLEAN",
    "EXIT_CRASH",
    "EXIT_FINDINGS",
    "EXIT_USAGE",
    "Example",
    "Message",
    "Origin",
    "UserError",
    "__version__",
]
