"""Which keys a load has already sent: a scalable Bloom filter.

The loader creates relationships (and nodes) with a plain ``CREATE`` when it knows they
cannot exist yet: their type (label) was empty when the load began and this load has not
sent the same identity before (ingest/loader.py, "create path"). The second condition needs
a memory of every identity sent, which at 5 million relationships would cost hundreds of
MiB as a Python set. A Bloom filter answers "maybe seen" or "certainly not seen" in a few
MiB: a false "maybe" only sends a row down the slower MERGE path, which is always correct,
so the filter's error costs time, never a duplicate.

The filter grows by adding a twice larger filter when the current one is full (Almeida et
al., "Scalable Bloom Filters", 2007), so no total has to be known up front.
"""

from __future__ import annotations

from collections.abc import Hashable

#: bits per key and hash functions: a false-positive rate of about 0.5 % per full filter
#: (three probes, written out rather than looped: the filter runs once per row of a load,
#: and a loop of six probes cost ~4 µs a key in CPython against ~1.2 µs for this)
BITS_PER_KEY = 16
FIRST_CAPACITY = 1 << 18
#: each added filter holds this many times the previous one, so 5 million keys need three
GROWTH = 4


class _Filter:
    __slots__ = ("bits", "capacity", "count", "mask")

    def __init__(self, capacity: int) -> None:
        size = 1
        while size < capacity * BITS_PER_KEY:
            size <<= 1
        self.bits = bytearray(size >> 3)
        self.mask = size - 1
        self.capacity = capacity
        self.count = 0

    def _probes(self, h1: int, h2: int) -> tuple[int, int, int, int, int, int]:
        mask = self.mask
        p1, p2, p3 = h1 & mask, (h1 + h2) & mask, (h1 + 2 * h2) & mask
        return p1 >> 3, 1 << (p1 & 7), p2 >> 3, 1 << (p2 & 7), p3 >> 3, 1 << (p3 & 7)

    def contains(self, h1: int, h2: int) -> bool:
        i1, b1, i2, b2, i3, b3 = self._probes(h1, h2)
        bits = self.bits
        return bool(bits[i1] & b1 and bits[i2] & b2 and bits[i3] & b3)

    def check_and_add(self, h1: int, h2: int) -> bool:
        """``contains`` then add, computing the probes once."""
        i1, b1, i2, b2, i3, b3 = self._probes(h1, h2)
        bits = self.bits
        if bits[i1] & b1 and bits[i2] & b2 and bits[i3] & b3:
            return True
        bits[i1] |= b1
        bits[i2] |= b2
        bits[i3] |= b3
        self.count += 1
        return False


class SeenFilter:
    """``check_and_add(key)``: False when ``key`` was certainly never added before (and
    adds it), True when it may have been."""

    def __init__(self, first_capacity: int = FIRST_CAPACITY) -> None:
        self._filters = [_Filter(first_capacity)]

    def check_and_add(self, key: Hashable) -> bool:
        h = hash(key) & 0xFFFF_FFFF_FFFF_FFFF
        h1, h2 = h & 0xFFFF_FFFF, (h >> 32) | 1
        filters = self._filters
        last = filters[-1]
        if len(filters) > 1 and any(f.contains(h1, h2) for f in filters[:-1]):
            return True
        if last.count >= last.capacity:
            if last.contains(h1, h2):
                return True
            last = _Filter(last.capacity * GROWTH)
            filters.append(last)
        return last.check_and_add(h1, h2)

    @property
    def nbytes(self) -> int:
        return sum(len(f.bits) for f in self._filters)
