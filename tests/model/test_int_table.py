"""model.int_table: the numpy hash map behind the batch path's n-gram lookups."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.int_table import EMPTY, IntTable

KEYS = st.lists(st.integers(0, 2**62), unique=True, max_size=300)


@settings(deadline=None, max_examples=100)
@given(KEYS, st.lists(st.integers(0, 2**62), max_size=300))
def test_lookup_is_a_dict_lookup(keys: list[int], others: list[int]) -> None:
    values = list(range(len(keys)))
    table = IntTable(np.array(keys, dtype="int64"), np.array(values, dtype="int64"))
    assert len(table) == len(keys)
    expected = dict(zip(keys, values, strict=True))
    queries = keys + others
    got = table.lookup(np.array(queries, dtype="int64")).tolist()
    assert got == [expected.get(q, EMPTY) for q in queries]


def test_colliding_keys_all_found() -> None:
    """Keys that share home slots (multiples of a large power of two) still all come back."""
    keys = np.arange(1, 2_000, dtype="int64") << 40
    table = IntTable(keys, keys // 7)
    assert table.lookup(keys).tolist() == (keys // 7).tolist()
    assert table.lookup(keys + 1).tolist() == [EMPTY] * len(keys)


def test_empty_and_invalid_tables() -> None:
    empty = IntTable(np.array([], dtype="int64"), np.array([], dtype="int64"))
    assert empty.lookup(np.array([0, 5])).tolist() == [EMPTY, EMPTY]
    with pytest.raises(ValueError):
        IntTable(np.array([3, 3]), np.array([1, 2]))
    with pytest.raises(ValueError):
        IntTable(np.array([-1]), np.array([1]))
