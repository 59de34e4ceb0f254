"""Densification of one-permutation MinHash signatures: empty bins borrow a filled bin's value.

Both schemes keep the probability that two signatures agree in a bin equal to the Jaccard
similarity of the two shingle sets (:mod:`.shingle` computes the signatures).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
I16 = npt.NDArray[np.int16]

_OFFSET = np.uint8(0xB1)
PROBES = 2  # probe rounds of :func:`densify` (a bin still empty after them: rotation)
_probe_tables: dict[int, npt.NDArray[np.intp]] = {}


#: ``_probes(128)`` as computed below (the default ``num_perm``): numpy.random, ~10 ms to import,
#: stays unloaded for it (tests/test_dedup_charhash.py checks the two agree)
_PROBES_128 = (
    "3d7b360a4b3758010066205e4e60761d6242674c4f3c524318247a696f23413a"
    "39402f497f255128323e344a63454d140b734626781e2a741f5a1c5b71382935"
    "707919216e64562d13125d6c75090d2b1a0e307e046b571b7772610844485f55"
    "105c3b7d68110c5931156d2250270653030716654754172e2c056a3f0f33027c"
    "04415b6f4f192864182c75393c53443350790529596e652e2f3273074912371e"
    "764c4e1a35236b7143746a2a137b695c566672252611581d47084024273e0b16"
    "06554a54452d7e46107c612b217a686757386c7f3b0a00094b3617223a4d4260"
    "14523d0c70770f5f0e301f0162511b637d3f201c036d5d15785a48020d5e3431"
)


def _probes(k: int) -> npt.NDArray[np.intp]:
    """``PROBES`` fixed pseudo-random permutations of the ``k`` bins (the same in every process)."""
    table = _probe_tables.get(k)
    if table is None and k == 128:
        raw = np.frombuffer(bytes.fromhex(_PROBES_128), dtype=np.uint8)
        table = _probe_tables[k] = raw.reshape(PROBES, k).astype(np.intp)
    if table is None:
        rng = np.random.default_rng(0x5EED)
        table = np.stack([rng.permutation(k) for _ in range(PROBES)]).astype(np.intp)
        _probe_tables[k] = table
    return table


def densify(sig: U8, filled: npt.NDArray[np.bool_], k: int) -> None:
    """Densification by random probing (Shrivastava, "Optimal densification for fast and
    accurate minwise hashing", ICML 2017), vectorised over the batch.

    An empty bin ``j`` takes the value of bin ``probe[a][j]`` for the first round ``a`` whose
    probed bin is filled, plus an offset per round. Every text probes the same bins, so two texts
    agree in a bin with probability equal to their Jaccard similarity, and the bins of a sparse
    signature borrow from scattered bins. Rotation alone (the nearest filled bin to the right)
    fills a run of empty bins from one source, so the bands holding them fail together: a
    50-character pair at Jaccard 0.8 was an LSH candidate 95% of the time (now 99.8%; see
    ``benchmarks/bench_dedup_lengths.py``). The low 8 bits of ``value + offset × round`` depend
    only on the value's low 8 bits, so the pass runs on the b-bit bytes. A bin still empty after
    ``PROBES`` rounds (mostly texts of a few shingles) falls back to :func:`rotate`.
    """
    st, ft = sig.T, filled.T  # bins on axis 0: a probe gathers whole rows of the batch
    done = ft.copy()
    blank = ~ft.any(axis=0)
    done[:, blank] = True  # blank texts stay zero
    if done.all():
        return
    for a, probe in enumerate(_probes(k)):
        take = np.take(ft, probe, axis=0)  # empty so far, and its probed bin is filled
        take &= ~done
        # uint8 arithmetic on the masks (np.where is slower on arrays this small)
        st += (np.take(st, probe, axis=0) + np.uint8((a + 1) * int(_OFFSET) & 0xFF)) * take
        done |= take
        if done.all():
            break
    else:  # a text of a few shingles: rotation for what probing left empty
        if st.flags.c_contiguous:  # (as batch_features passes it) only the bins left empty
            _rotate_cells(st, ft, ~done, k)
        else:  # filled bins are read: probing left them as they were
            st += _borrowed(st, ft, k) * ~done


def rotate(sig: U8, filled: npt.NDArray[np.bool_], k: int) -> None:
    """Densification by rotation (Shrivastava & Li, ICML 2014), vectorised over the batch.

    An empty bin takes the value of the nearest non-empty bin to its right (circularly) plus
    an offset times the distance, so the collision probability of every bin stays the Jaccard
    similarity. The low 8 bits of ``value + offset × distance`` depend only on the low 8 bits
    of the value, so the pass runs on the b-bit bytes: one cumulative minimum and a gather.
    """
    rows = np.flatnonzero(~filled.all(axis=1) & filled.any(axis=1))  # blank rows stay zero
    if len(rows) == 0:
        return
    f = filled[rows].T  # bins on axis 0: the cumulative pass runs across all rows at once
    sub = sig[rows].T
    borrowed = _borrowed(sub, f, k)
    sig[rows] = (borrowed + (sub - borrowed) * f).T  # uint8 arithmetic wraps: sub where filled


def _suffix_min(x: I16) -> I16:
    """``np.minimum.accumulate(x[::-1], axis=0)[::-1]`` (per column, the minimum of rows
    ``i..``) in log2(rows) vector passes: accumulate is a scalar loop, ~3x slower here."""
    y, z = x.copy(), np.empty_like(x)
    step, n = 1, len(x)
    while step < n:
        np.minimum(y[:-step], y[step:], out=z[:-step])
        z[-step:] = y[-step:]
        y, z = z, y
        step *= 2
    return y


def _next_filled(ft: npt.NDArray[np.bool_], k: int) -> I16:
    """Bins on axis 0: every bin's nearest filled bin at or after it, not wrapping around
    (``2k`` past the last filled bin)."""
    # the bin itself where filled, else 2k: arithmetic on the mask (np.where is several times
    # slower on arrays this small)
    big = np.int16(2 * k)
    x = ft.astype(np.int16)
    x *= np.arange(k, dtype=np.int16)[:, None] - big
    x += big
    return _suffix_min(x)


def _borrowed(st: U8, ft: npt.NDArray[np.bool_], k: int) -> U8:
    """Every bin's rotation value, bins on axis 0: the nearest filled bin at or after it
    (circularly), plus the offset times the distance (anything for a text with no filled bin)."""
    cols = np.arange(k, dtype=np.int16)[:, None]
    big = np.int16(2 * k)
    nxt = _next_filled(ft, k)
    nxt = nxt + (nxt == big) * (nxt[0] + np.int16(k) - big)  # past the last: wrap around
    src = nxt - (nxt >= k) * np.int16(k)
    np.minimum(src, np.int16(k - 1), out=src)  # a text with no filled bin: any bin
    width = st.shape[1]
    flat = src.astype(np.intp) * width + np.arange(width, dtype=np.intp)  # in the (bin, text) ravel
    out: U8 = np.ascontiguousarray(st).ravel()[flat] + (nxt - cols).astype(np.uint8) * _OFFSET
    return out


def _rotate_cells(st: U8, ft: npt.NDArray[np.bool_], empty: npt.NDArray[np.bool_], k: int) -> None:
    """``st += _borrowed(st, ft, k) * empty`` for a C-contiguous ``st`` (bins on axis 0),
    computed for the ``empty`` cells only (after probing, about a quarter)."""
    width = st.shape[1]
    cells = np.flatnonzero(empty)  # in the (bin, text) ravel
    after = _next_filled(ft, k)
    nxt = after.ravel()[cells].astype(np.intp)
    row = cells // width
    col = cells - row * width
    nxt += (nxt == 2 * k) * (after[0][col] + (k - 2 * k))  # past the last: wrap around
    src = nxt - (nxt >= k) * k
    np.minimum(src, k - 1, out=src)  # a text with no filled bin: any bin
    src *= width
    src += col
    flat = st.reshape(-1)  # a view: st is C-contiguous
    flat[cells] += flat[src] + (nxt - row).astype(np.uint8) * _OFFSET
