"""Language mix for the report, from the same detector as DS501 (``linters.text.lang``).

Every kept example gets the detector's model-free stages (scripts, then function words); the
Latin texts those leave open are sampled and given the full detector later (see
``ReportBuilder._language_mix``).
"""

from __future__ import annotations

from tunespec.linters.text.lang import quick_language


def script_language(text: str) -> str:
    """The report's label for ``text``: a language code, ``cjk``, ``latin`` (open) or ``none``."""
    return quick_language(text) or "none"


# ASCII text takes the same path (the detector has its own fast path for it)
ascii_language = script_language
