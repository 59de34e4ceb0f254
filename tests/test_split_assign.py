"""Split assignment: each group's split is the threshold of its unit hash, or its pin."""

from __future__ import annotations

import random

import pytest

from tunespec.compiler.split import PIN_MARK, _by_threshold, assign_splits, unit_hash
from tunespec.spec.artefact import SPLITS
from tunespec.spec.models import SplitSpec


@pytest.mark.parametrize(
    "ratios",
    [(0.9, 0.05, 0.05), (0.8, 0.1, 0.1), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.5, 0.5, 0.0)],
)
def test_split_assignment_is_the_threshold_of_each_unit_hash(ratios: tuple[float, ...]) -> None:
    rng = random.Random(3)
    keys = [rng.randbytes(16).hex() for _ in range(3000)]
    keys += [(PIN_MARK + bytes([p]) + rng.randbytes(9)).hex() for p in (0, 1, 2)]
    spec = SplitSpec(train=ratios[0], validation=ratios[1], test=ratios[2], seed=11)
    got = assign_splits(keys, [None] * len(keys), spec)
    mark = PIN_MARK.hex()
    want = [
        SPLITS[int(k[len(mark) : len(mark) + 2], 16)]
        if k.startswith(mark)
        else SPLITS[_by_threshold(unit_hash(11, k), list(ratios))]
        for k in keys
    ]
    assert got == want
    assert got[-3:] == list(SPLITS)


def test_unit_hashes_are_pythons_int_division() -> None:
    from tunespec.compiler.split import units_of

    rng = random.Random(8)
    values = [0, 1, 2**53 - 1, 2**53, 2**53 + 1, 2**53 + 3, 2**63 - 1, 2**63, 2**63 + 1]
    values += [2**64 - 1, 2**64 - 2**10, 2**64 - 2**11 + 1, 2**64 - 2**11 - 1]
    values += [(2**k) + rng.getrandbits(k) for k in range(54, 64) for _ in range(50)]
    values += [rng.getrandbits(64) for _ in range(5000)]
    digests = b"".join(v.to_bytes(8, "big") for v in values)
    assert units_of(digests).tolist() == [v / 2**64 for v in values]
