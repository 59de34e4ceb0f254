"""Stable, hash-based split assignment with optional label stratification.

Without stratification each group's split is a pure function of (seed, key): adding examples
never moves existing ones. With stratification, groups of one label are ranked by the same
hash and cut at the label's quotas, so adding an example moves at most the groups next to a
cut point.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from tunespec.spec.artefact import SPLITS
from tunespec.spec.example import Example
from tunespec.spec.models import SplitSpec
from tunespec.spec.paths import MISSING, get_path

#: a split-key digest starting with these bytes is pinned to the split named by the next byte
#: (a source's `split:`); a blake2b digest starts so by chance once in 2**48
PIN_MARK = b"\x00pin\x00\xff"


def example_digest(example: Example, key: str, group_by: str | None, pin: str | None) -> bytes:
    """The 16-byte split key of an example: its ``group_by`` value, or ``key``; marked with its pin."""
    text: str | None = None
    if group_by is not None:
        value = get_path(example.meta, group_by)
        if value is not MISSING and value is not None:
            text = (
                value
                if isinstance(value, str)
                else json.dumps(value, sort_keys=True, ensure_ascii=False)
            )
    if text is None and key == "conversation":
        digest = bytes.fromhex(example.content_key())
    else:
        if text is None:
            text = example.id if key == "id" else _prompt_key(example)
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return digest if pin is None else PIN_MARK + bytes([SPLITS.index(pin)]) + digest[7:16]


def _prompt_key(example: Example) -> str:
    """The split key ``prompt``: system and user turns, without a shared ``context``."""
    if "context" not in example.meta:
        return example.prompt_text
    return "\n".join(
        [example.strip_context(m.content) for m in example.messages if m.role != "assistant"]
    )


def merge_key_groups(
    group: npt.NDArray[np.int64], digests: npt.NDArray[np.uint8]
) -> npt.NDArray[np.int64]:
    """Group ids (an example index per example) where examples sharing a split key are one group
    too: ``split.group_by`` groups joined with the dedup clusters, so neither straddles splits.
    Each group's id is its smallest example index."""
    n = len(group)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for i, g in enumerate(group.tolist()):
        union(i, g)
    first: dict[bytes, int] = {}
    for i in range(n):
        j = first.setdefault(digests[i].tobytes(), i)
        if j != i:
            union(i, j)
    return np.array([find(i) for i in range(n)], dtype=np.int64)


_PIN_HEX = PIN_MARK.hex()  # a pinned key starts so; the split's index follows
_PIN_END = len(_PIN_HEX)


def unit_hash(seed: int, key: str) -> float:
    digest = hashlib.blake2b(f"{seed}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _by_threshold(u: float, ratios: Sequence[float]) -> int:
    acc = 0.0
    for i, r in enumerate(ratios):
        acc += r
        if u < acc:
            return i
    return len(ratios) - 1 if ratios[-1] > 0 else max(i for i, r in enumerate(ratios) if r > 0)


def _quotas(n: int, ratios: Sequence[float]) -> list[int]:
    """Largest-remainder apportionment of n items to the ratios."""
    raw = [n * r for r in ratios]
    base = [int(x) for x in raw]
    rest = n - sum(base)
    order = sorted(range(len(ratios)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return base


def unit_hashes(
    seed: int, keys: Iterable[str]
) -> tuple[npt.NDArray[np.float64], list[tuple[int, int]]]:
    """:func:`unit_hash` of every key, the same floats (a uint64 becomes the nearest double, as
    Python's int division by 2**64 rounds it, and the scaling by 2**-64 is exact); and the
    (position, split index) of every pinned key."""
    prefix, blake2b = f"{seed}\x1f".encode(), hashlib.blake2b
    digests: list[bytes] = []
    pinned: list[tuple[int, int]] = []
    for i, k in enumerate(keys):
        digests.append(blake2b(prefix + k.encode(), digest_size=8).digest())
        if k.startswith(_PIN_HEX):
            pinned.append((i, int(k[_PIN_END : _PIN_END + 2], 16)))
    return units_of(b"".join(digests)), pinned


def units_of(digests: bytes) -> npt.NDArray[np.float64]:
    """``int.from_bytes(d, "big") / 2**64`` of each 8-byte digest ``d``."""
    return np.frombuffer(digests, dtype=">u8").astype(np.float64) / 2.0**64


def assign_splits(keys: Sequence[str], labels: Sequence[str | None], spec: SplitSpec) -> list[str]:
    """Split name for each group. ``keys`` are the groups' split keys (one per group)."""
    ratios = [spec.train, spec.validation, spec.test]
    units, pinned = unit_hashes(spec.seed, keys)
    # groups (`group_by`) share one key: only the plain hash keeps a group in one split
    use_labels = (
        spec.stratify and spec.group_by is None and any(label is not None for label in labels)
    )
    if not use_labels:
        # _by_threshold of each hash: the first cumulative share above it (the same sums)
        cums = np.array(list(itertools.accumulate(ratios)), dtype=np.float64)
        where = np.searchsorted(cums, units, side="right")
        where[where >= 3] = _by_threshold(2.0, ratios)  # a hash at or above every sum
        for i, pin in pinned:
            where[i] = pin
        return [SPLITS[i] for i in where.tolist()]
    hashes = units.tolist()
    pins: list[int | None] = [None] * len(keys)
    for i, pin in pinned:
        pins[i] = pin
    out = [""] * len(keys)
    members: dict[str | None, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        if pins[i] is not None:
            out[i] = SPLITS[pins[i]]  # type: ignore[index]
            continue
        members[label].append(i)
    for label in sorted(members, key=lambda x: (x is None, x or "")):
        idx = sorted(members[label], key=lambda i: (hashes[i], keys[i]))
        quotas = _quotas(len(idx), ratios)
        pos = 0
        for split_i, q in enumerate(quotas):
            for i in idx[pos : pos + q]:
                out[i] = SPLITS[split_i]
            pos += q
    return out
