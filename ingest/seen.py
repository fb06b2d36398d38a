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

#: bits per key and hash functions: a false-positive rate of about 0.6 % per filter
BITS_PER_KEY = 12
HASHES = 6
FIRST_CAPACITY = 1 << 17


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

    def contains(self, h1: int, h2: int) -> bool:
        bits, mask = self.bits, self.mask
        for i in range(HASHES):
            pos = (h1 + i * h2) & mask
            if not bits[pos >> 3] & (1 << (pos & 7)):
                return False
        return True

    def add(self, h1: int, h2: int) -> None:
        bits, mask = self.bits, self.mask
        for i in range(HASHES):
            pos = (h1 + i * h2) & mask
            bits[pos >> 3] |= 1 << (pos & 7)
        self.count += 1


class SeenFilter:
    """``check_and_add(key)``: False when ``key`` was certainly never added before (and
    adds it), True when it may have been."""

    def __init__(self, first_capacity: int = FIRST_CAPACITY) -> None:
        self._filters = [_Filter(first_capacity)]

    def check_and_add(self, key: Hashable) -> bool:
        h = hash(key) & 0xFFFF_FFFF_FFFF_FFFF
        h1, h2 = h & 0xFFFF_FFFF, (h >> 32) | 1
        if any(f.contains(h1, h2) for f in self._filters):
            return True
        last = self._filters[-1]
        if last.count >= last.capacity:
            last = _Filter(last.capacity * 2)
            self._filters.append(last)
        last.add(h1, h2)
        return False

    @property
    def nbytes(self) -> int:
        return sum(len(f.bits) for f in self._filters)
