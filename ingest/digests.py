"""A compact table of 64-bit keys to 64-bit values: the validator's repeat digests.

Why: the validator (ingest/validate.py) keeps one digest of the values of every node id
and of every relationship identity it has seen, to flag a repeat given with other values.
As Python dicts that cost ~65 bytes an entry beyond the key (the table's slot and an int
object per hash and per digest): at 10^6 nodes and 5 x 10^6 relationships, most of the
loader's 1 GiB peak (BENCHMARKS.md, "peak loader memory at 10^6"). Here an entry is two
``uint64`` in two parallel numpy arrays (open addressing, linear probing, load factor at
most 0.7, doubled when full): 16 bytes a slot, 23-46 bytes an entry.

Keys are hashes (``key64``), so two different ids may share one. The validator only uses
the table to *flag* a repeat for the value-by-value comparison of the first copy (which
is keyed by the real id), so a shared key can make it compare two consistent copies or a
first copy with itself, never accept a conflicting one: every copy of an id is compared
with the digest stored first under its key, and all of them equal it only if they equal
each other.

A lookup reads the arrays through ``memoryview``s (Python ints, no numpy scalars: about
a third of the cost of indexing the arrays); growing re-inserts every entry with a few
vectorised steps (see ``_grow``).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import numpy.typing as npt

MASK64 = (1 << 64) - 1
#: slots used at most, out of every 10 (then the table doubles)
LOAD_TENTHS = 7
FIRST_SLOTS = 1 << 12


def key64(obj: Hashable) -> int:
    """``hash(obj)`` as an unsigned 64-bit key (valid for this process only)."""
    return hash(obj) & MASK64


class DigestTable:
    """``setdefault(key, value)`` and ``get(key)`` of a dict, for keys and values in
    ``[0, 2**64)``. Slot key 0 marks an empty slot; key 0 itself is kept aside."""

    def __init__(self, slots: int = FIRST_SLOTS) -> None:
        size = 2
        while size < slots:
            size <<= 1
        self._zero: int | None = None  # the value of key 0
        self._count = 0
        self._allocate(size)

    def _allocate(self, size: int) -> None:
        self.keys: npt.NDArray[np.uint64] = np.zeros(size, dtype=np.uint64)
        self.values: npt.NDArray[np.uint64] = np.zeros(size, dtype=np.uint64)
        self._key_at = self.keys.data
        self._value_at = self.values.data
        self._mask = size - 1
        self._limit = size * LOAD_TENTHS // 10

    def __len__(self) -> int:
        return self._count + (self._zero is not None)

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.values.nbytes

    def _slot(self, key: int) -> int:
        """The slot holding ``key`` (a non-zero key), or the empty slot it would go to."""
        key_at, mask = self._key_at, self._mask
        i = key & mask
        while True:
            k = key_at[i]
            if k == key or not k:
                return i
            i = (i + 1) & mask

    def get(self, key: int) -> int | None:
        if not key:
            return self._zero
        i = self._slot(key)
        return self._value_at[i] if self._key_at[i] else None

    def setdefault(self, key: int, value: int) -> int:
        """The value stored for ``key``; ``value`` (now stored) when there was none."""
        if not key:
            if self._zero is None:
                self._zero = value
            return self._zero
        i = self._slot(key)
        if self._key_at[i]:
            return self._value_at[i]
        self._key_at[i] = key
        self._value_at[i] = value
        self._count += 1
        if self._count > self._limit:
            self._grow()
        return value

    def _grow(self) -> None:
        """Double the arrays and put every entry back, vectorised: sorted by their new
        home slot, the i-th entry goes to ``max(home_i, slot_{i-1} + 1)`` (where linear
        probing would put it), i.e. ``i + max(home_j - j for j <= i)``; the few pushed
        past the end wrap around to the start one by one, as ``setdefault`` does. Peak
        memory: the new arrays and ~5 arrays of 8 bytes per entry."""
        used = np.flatnonzero(self.keys)
        keys, values = self.keys[used], self.values[used]
        del used
        self._key_at.release()
        self._value_at.release()
        self._allocate(len(self.keys) * 2)  # the old arrays are freed here
        home = (keys & np.uint64(self._mask)).view(np.int64)
        order = np.argsort(home, kind="stable")
        keys, values, home = keys[order], values[order], home[order]
        del order
        rank = np.arange(len(keys))
        home -= rank
        np.maximum.accumulate(home, out=home)
        home += rank
        del rank
        inside = int(np.searchsorted(home, self._mask, side="right"))
        self.keys[home[:inside]] = keys[:inside]
        self.values[home[:inside]] = values[:inside]
        self._count = inside
        for key, value in zip(keys[inside:].tolist(), values[inside:].tolist(), strict=True):
            self.setdefault(key, value)
