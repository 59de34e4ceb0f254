"""tunespec.spec: the dataset spec, the canonical example and the artefact format.

This is the bottom layer: it never imports the compiler, the linters or the trainer.
"""

from __future__ import annotations

from tunespec.spec.errors import EXIT_CLEAN, EXIT_CRASH, EXIT_FINDINGS, EXIT_USAGE, UserError
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.version import __version__

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
