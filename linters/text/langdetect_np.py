"""langdetect's detection loop with numpy vectors, the same floats in the same order.

``Detector._detect_block`` runs up to seven trials of ~1000 steps, each multiplying 55
language probabilities by an n-gram's row in a Python loop: ~9 ms per text, most of what the
report's language sample costs the compile's driver. This runs the same steps on numpy
vectors: the same random draws from the detector's own generator (``choice`` of an n-gram,
spelled out), element by element the same products (``prob * (weight + row)``), the
same sequential sum for each normalisation (Python's ``sum``), so the probabilities are the
very same floats (tests/test_fast_paths.py compares them with langdetect's on varied texts).

numpy is used only when the process has loaded it already (a compile has; a ``dslint``
start-up must not pay for it): :func:`probabilities` returns None otherwise.
"""

from __future__ import annotations

import random
import sys
from typing import Any


def probabilities(detector: Any) -> list[Any] | None:
    """``detector.get_probabilities()`` (a fresh detector, text appended), or None: numpy is
    not loaded, or the detector is set up in a way this does not follow (a prior map)."""
    np = sys.modules.get("numpy")
    plain = type(detector.random) is random.Random and not detector.verbose
    if np is None or detector.prior_map is not None or not plain:
        return None
    detector.cleaning_text()
    ngrams = detector._extract_ngrams()
    if not ngrams:
        from langdetect.lang_detect_exception import ErrorCode, LangDetectException

        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    table = detector.word_lang_prob_map
    slot: dict[str, int] = {}
    picks = [slot.setdefault(w, len(slot)) for w in ngrams]
    rows = np.array([table[w] for w in slot], dtype=np.float64)
    n_langs, n_trial = len(detector.langlist), detector.n_trial
    langprob = np.zeros(n_langs, dtype=np.float64)
    rnd = detector.random
    rnd.seed(detector.seed)
    # random.choice(ngrams), spelled out: Random._randbelow_with_getrandbits of len(ngrams)
    getrandbits, n, limit = rnd.getrandbits, len(picks), detector.ITERATION_LIMIT
    bits, conv, fmax = n.bit_length(), detector.CONV_THRESHOLD, np.fmax.reduce
    for _ in range(n_trial):
        prob = np.full(n_langs, 1.0 / n_langs, dtype=np.float64)
        alpha = detector.alpha + rnd.gauss(0.0, 1.0) * detector.ALPHA_WIDTH
        factors = (alpha / detector.BASE_FREQ) + rows  # weight + row, each n-gram's once
        i = 0
        while True:
            r = getrandbits(bits)
            while r >= n:
                r = getrandbits(bits)
            prob *= factors[picks[r]]
            if i % 5 == 0:
                prob /= sum(prob.tolist())  # Python's sum: the loop's sequential sum
                if fmax(prob) > conv or i >= limit:  # NaNs skipped, as the loop's max
                    break
            i += 1
        langprob += prob / n_trial
    detector.langprob = langprob.tolist()
    result: list[Any] = detector._sort_probability(detector.langprob)
    return result
