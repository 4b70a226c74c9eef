"""Hand-written workplace chat for training (``model/training/data/workplace_train.jsonl``).

An input of ``scripts/train.py`` (``--set workplace_train=PATH``; ``default``, the committed
file, since v3 as shipped; empty turns it off): the lines
join the feeling head's fitting lines (neutral vs a feeling) and, the positive and negative
ones, the polar head's, each weighted ``workplace_train_weight`` like a GoEmotions line's 1.
They never reach a calibration slice. The file is written by hand for training, never from the
dev sets in eval/ (see model/training/data/README.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from model.goemotions import NEGATIVE, NEUTRAL, POSITIVE

LABELS = (POSITIVE, NEGATIVE, NEUTRAL)
DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "workplace_train.jsonl"


class WorkplaceLinesError(ValueError):
    """The file is missing or a line is not {"text": str, "label": one of LABELS}."""


@dataclass(frozen=True)
class WorkplaceLines:
    texts: list[str]
    classes: list[str]
    path_name: str
    sha256: str

    def record(self) -> dict:
        """What config.json keeps about the file."""
        return {
            "path_name": self.path_name,
            "sha256": self.sha256,
            "lines": len(self.texts),
            **{c: self.classes.count(c) for c in LABELS},
        }


def load_workplace_lines(path: str | os.PathLike[str]) -> WorkplaceLines:
    """The lines at ``path``; ``"default"`` is the committed file, wherever training runs."""
    where = DEFAULT_FILE if str(path) == "default" else Path(path)
    if not where.is_file():
        raise WorkplaceLinesError(f"workplace training file not found: {where}")
    raw = where.read_bytes()
    texts, classes = [], []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        text, label = row.get("text"), row.get("label")
        if not isinstance(text, str) or not text.strip() or label not in LABELS:
            raise WorkplaceLinesError(f"{where.name} line {number}: need text and a label")
        texts.append(text)
        classes.append(label)
    return WorkplaceLines(texts, classes, where.name, hashlib.sha256(raw).hexdigest())
