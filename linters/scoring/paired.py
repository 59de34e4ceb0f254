"""Paired significance of the differences between two prediction files on the same examples.

``tunespec score --compare`` scores two files (say a fine-tuned model and its base) on the same
references. Their per-example outcomes are paired by id, so the right test looks at the examples
where they disagree: McNemar's exact test (two-sided binomial test on the discordant pairs) for
the p-value, and a paired bootstrap (resampling examples, fixed seed) for the 95% confidence
interval of the difference. Unpaired standard errors overstate the noise of a paired comparison.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from tunespec.linters.scoring.metrics import ExampleScore
from tunespec.linters.validators import PARSED, VALID

BOOTSTRAP_SAMPLES = 2000
SEED = 0

OUTCOMES: dict[str, Callable[[ExampleScore], bool | None]] = {
    "schema_compliance": lambda r: r.status in VALID,
    "parse_validity": lambda r: r.status in PARSED,
    "exact_match_canonical": lambda r: r.exact_canonical,
    "execution_match": lambda r: r.execution_match,
}


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / (1 << n)
    return min(1.0, 2 * tail)


def bootstrap_ci(
    pairs: list[tuple[int, int]], samples: int = BOOTSTRAP_SAMPLES
) -> tuple[float, float]:
    """95% percentile interval of mean(a) - mean(b), resampling the pairs (seeded)."""
    rng = random.Random(SEED)
    n = len(pairs)
    diffs = [a - b for a, b in pairs]
    stats = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(samples))
    return stats[int(0.025 * samples)], stats[min(samples - 1, int(0.975 * samples))]


def paired_tests(a: list[ExampleScore], b: list[ExampleScore]) -> dict[str, dict[str, Any]]:
    """Per metric: the paired difference of ``a`` minus ``b``, its 95% CI and McNemar's p-value."""
    by_id = {r.id: r for r in b}
    out: dict[str, dict[str, Any]] = {}
    for name, outcome in OUTCOMES.items():
        pairs = []
        for r in a:
            other = by_id.get(r.id)
            if other is None:
                continue
            x, y = outcome(r), outcome(other)
            if x is None or y is None:
                continue
            pairs.append((int(x), int(y)))
        if not pairs:
            continue
        n = len(pairs)
        only_a = sum(1 for x, y in pairs if x and not y)
        only_b = sum(1 for x, y in pairs if y and not x)
        low, high = bootstrap_ci(pairs)
        out[name] = {
            "n_pairs": n,
            "predictions": sum(x for x, _ in pairs) / n,
            "compare": sum(y for _, y in pairs) / n,
            "delta": (only_a - only_b) / n,
            "ci95": [low, high],
            "only_predictions": only_a,
            "only_compare": only_b,
            "mcnemar_p": mcnemar_exact(only_a, only_b),
        }
    return out


def paired_lines(tests: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        f"  paired (same examples): {'metric':<22} {'delta':>8} {'95% CI':>17} {'McNemar p':>10}"
    ]
    for name, t in tests.items():
        ci = f"[{100 * t['ci95'][0]:+.1f}, {100 * t['ci95'][1]:+.1f}]"
        lines.append(
            f"  {'':<24}{name:<22} {100 * t['delta']:>+7.1f} {ci:>17} {t['mcnemar_p']:>10.4f}"
            f"  ({t['only_predictions']} vs {t['only_compare']} discordant of {t['n_pairs']})"
        )
    return lines
