"""A tiny synthetic GoEmotions, in the shared (grouped) layout or the official one."""

from __future__ import annotations

import random
from pathlib import Path

from model.goemotions import EMOTIONS, SPLITS

_LINES = {
    # (group-layout labels, official-layout emotion names)
    "positive": ("3", ["joy"], "thanks so much, this is wonderful and I love it"),
    "negative": ("1", ["anger"], "this is awful, I hate it and it is terrible"),
    "neutral": ("2", ["neutral"], "the meeting is on tuesday in room four"),
    "mixed": ("1,3", ["joy", "sadness"], "I love the idea but the result is awful"),
    "ambiguous": ("0", ["curiosity"], "wait, what does this mean for the schedule"),
}


def write_tiny_goemotions(folder: Path, n: int = 30, seed: int = 0, official: bool = False) -> Path:
    """``n`` lines per class and split (fewer for mixed and ambiguous); returns ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        rows = []
        for kind, (groups, emotions, text) in _LINES.items():
            count = n if kind in ("positive", "negative", "neutral") else max(1, n // 10)
            for i in range(count):
                words = text.split()
                rng.shuffle(words)
                labels = ",".join(str(EMOTIONS.index(e)) for e in emotions) if official else groups
                rows.append(f"{' '.join(words)} {i}\t{labels}\tid{kind}{i}")
        rng.shuffle(rows)
        name = f"{split}.tsv" if official else f"group_{split}.tsv"
        (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    if official:
        (folder / "emotions.txt").write_text("\n".join(EMOTIONS) + "\n", encoding="utf-8")
    return folder
