"""The validator's digest table (ingest/digests.py) against a plain dict."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.digests import MASK64, DigestTable, key64

U64 = st.integers(min_value=0, max_value=MASK64)
#: keys that aim at the same few slots of any table up to 2**40 slots (their low bits are
#: equal), so they probe past each other: the first slots, or the last ones (probing
#: wraps around to the first); and 0, the empty-slot marker
COLLIDING = st.builds(lambda high, low, last: (high << 40) | (((1 << 40) - 1 - low) if last
                                                               else low),
                      st.integers(min_value=0, max_value=(1 << 24) - 1),
                      st.integers(min_value=0, max_value=3), st.booleans())
KEYS = st.one_of(U64, COLLIDING, st.just(0), st.just(MASK64))
OPS = st.lists(st.tuples(st.booleans(), KEYS, U64), max_size=400)


def check(table: DigestTable, ops: list[tuple[bool, int, int]]) -> None:
    plain: dict[int, int] = {}
    for insert, key, value in ops:
        if insert:
            assert table.setdefault(key, value) == plain.setdefault(key, value)
        else:
            assert table.get(key) == plain.get(key)
        assert len(table) == len(plain)
    for key, value in plain.items():
        assert table.get(key) == value


@settings(max_examples=300, deadline=None)
@given(OPS, st.sampled_from([2, 4, 16, 4096]))
def test_like_a_dict(ops: list[tuple[bool, int, int]], slots: int) -> None:
    """Inserts and lookups in any order, growing from as few as 2 slots."""
    check(DigestTable(slots), ops)


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_growth_keeps_every_entry(seed: int) -> None:
    """Many entries (many doublings, one vectorised re-insert each), every fourth one
    aiming at the same slot as the one before (only its top bit differs), a third given
    again with other values."""
    rng = random.Random(seed)
    ops: list[tuple[bool, int, int]] = []
    for i in range(20_000):
        key = ops[-1][1] ^ (1 << 63) if i % 4 == 3 else rng.getrandbits(64)
        ops.append((True, key, rng.getrandbits(64)))
    ops += [(True, key, value ^ 1) for _, key, value in ops[::3]]
    ops += [(False, rng.getrandbits(64), 0) for _ in range(1000)]
    table = DigestTable(2)
    check(table, ops)
    assert table.nbytes >= 16 * len(table) / 0.7


def test_key64_is_unsigned_and_stable() -> None:
    assert all(0 <= key64(x) <= MASK64 for x in ("firm:a", -1, (1, "b"), ""))
    assert key64("firm:a") == key64("firm:" + "a")
