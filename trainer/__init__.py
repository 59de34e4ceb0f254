"""``tunespec train`` / ``tunespec generate``: fine-tuning on a compiled artefact."""

from __future__ import annotations

import logging


class _NoKernelsHubNotice(logging.Filter):
    """bitsandbytes' CPU backend logs "No module named 'kernels'" on every import when the optional
    ``kernels`` package (a Hub kernel download) is absent; its own fallback is used — not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "kernels-community" not in record.getMessage()


logging.getLogger("bitsandbytes.backends.cpu.ops").addFilter(_NoKernelsHubNotice())
