"""A read-only hash map from non-negative int64 keys to int64 values, looked up with numpy.

The batch path asks "which of these ~500 word pairs and triples per review are model
features?" for thousands of reviews at once. A binary search (``np.searchsorted``) into 300,000
sorted keys costs about 18 scattered reads per question; open addressing at most half full
answers most of them, misses included, with one.
"""

from __future__ import annotations

import numpy as np

EMPTY = -1
# Fibonacci hashing: multiply by 2**64 / golden ratio, keep the top bits.
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
# At most this share of the slots is used, so probe runs stay short.
MAX_LOAD = 0.5


class IntTable:
    """Keys to values; a key that is not in the table looks up as ``EMPTY``."""

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        keys = np.asarray(keys, dtype="int64")
        values = np.asarray(values, dtype="int64")
        if len(np.unique(keys)) != len(keys) or (len(keys) and keys.min() < 0):
            raise ValueError("keys must be distinct and non-negative")
        self.bits = max(1, int(np.ceil(np.log2(max(1, len(keys)) / MAX_LOAD))))
        self.mask = (1 << self.bits) - 1
        self.keys = np.full(1 << self.bits, EMPTY, dtype="int64")
        self.values = np.full(1 << self.bits, EMPTY, dtype="int64")
        # Insert in rounds: each pending key takes its current slot if the slot is free and no
        # earlier pending key wants it too; the rest move one slot on. Every key then sits after
        # an unbroken run of taken slots from its home slot, which is all lookups rely on.
        slots = self._home(keys)
        pending = np.arange(len(keys))
        while len(pending):
            free = self.keys[slots[pending]] == EMPTY
            wanting = pending[free]
            taken, first = np.unique(slots[wanting], return_index=True)
            winners = wanting[first]
            self.keys[taken] = keys[winners]
            self.values[taken] = values[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slots[pending] = (slots[pending] + 1) & self.mask

    def __len__(self) -> int:
        return int((self.keys != EMPTY).sum())

    def _home(self, keys: np.ndarray) -> np.ndarray:
        hashed = keys.astype("uint64") * _MULTIPLIER  # wraps modulo 2**64, as intended
        return (hashed >> np.uint64(64 - self.bits)).astype("int64")

    def lookup(self, queries: np.ndarray) -> np.ndarray:
        """The value of every query, ``EMPTY`` where the key is not in the table."""
        queries = np.asarray(queries, dtype="int64")
        out = np.full(len(queries), EMPTY, dtype="int64")
        slots = self._home(queries)
        active = np.arange(len(queries))
        while len(active):
            found = self.keys[slots[active]]
            hit = found == queries[active]
            out[active[hit]] = self.values[slots[active[hit]]]
            active = active[~hit & (found != EMPTY)]
            slots[active] = (slots[active] + 1) & self.mask
        return out
