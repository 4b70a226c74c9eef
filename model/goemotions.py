"""Reading GoEmotions (Demszky et al. 2020; Apache 2.0) as three-way sentiment lines.

The polarity model learns positive vs negative from IMDB; what IMDB cannot teach is whether a
message expresses a feeling at all. GoEmotions (58k Reddit comments, chat-length, 27 emotions
or neutral) can. Two layouts are read from the folder named by ``GOEMOTIONS_DATA`` (default
``data/goemotions``):

- the sentiment-grouped redistribution (monologg/GoEmotions-pytorch): ``group_{split}.tsv``
  with labels 0 ambiguous, 1 negative, 2 neutral, 3 positive (the shared copy);
- the official files (google-research/goemotions ``data/{split}.tsv`` with the 28 label ids
  of ``emotions.txt``, or ``original_{split}.tsv``), grouped here with the paper's sentiment
  mapping (``SENTIMENT_GROUPS``).

Per line, with P its labels among {negative, positive} (eval/SELECTION.md, amendment 2):
P = {positive} -> positive, {negative} -> negative (a neutral label beside it is ignored),
both -> mixed (a feeling without one polarity), none and exactly {neutral} -> neutral, anything
else (ambiguous: surprise, confusion, curiosity, realization) -> None, left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ENV_VAR = "GOEMOTIONS_DATA"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = REPO_ROOT / "data" / "goemotions"
SPLITS = ("train", "dev", "test")
POSITIVE, NEGATIVE, NEUTRAL, MIXED = "positive", "negative", "neutral", "mixed"
GROUPS = ("ambiguous", "negative", "neutral", "positive")  # group_labels.txt, in order
EMOTIONS = (
    "admiration amusement anger annoyance approval caring confusion curiosity desire "
    "disappointment disapproval disgust embarrassment excitement fear gratitude grief joy love "
    "nervousness optimism pride realization relief remorse sadness surprise neutral"
).split()
# The paper's sentiment grouping (goemotions/data/sentiment_mapping.json).
SENTIMENT_GROUPS = {
    "positive": "admiration amusement approval caring desire excitement gratitude joy love "
    "optimism pride relief".split(),
    "negative": "anger annoyance disappointment disapproval disgust embarrassment fear grief "
    "nervousness remorse sadness".split(),
    "ambiguous": "confusion curiosity realization surprise".split(),
    "neutral": ["neutral"],
}
_GROUP_OF = {e: g for g, emotions in SENTIMENT_GROUPS.items() for e in emotions}
HOW_TO_GET = (
    "get GoEmotions with `python scripts/download_data.py --dataset goemotions` (the official "
    "train/dev/test.tsv from github.com/google-research/goemotions) and set "
    f"{ENV_VAR}=/path/to/that/folder"
)


class GoEmotionsError(Exception):
    """The GoEmotions files are missing or malformed."""


@dataclass(frozen=True)
class Lines:
    """One split: texts and their classes (positive/negative/neutral/mixed, or None)."""

    texts: list[str]
    classes: list[str | None]
    # Each line's sentiment groups (ambiguous/negative/neutral/positive), in either taxonomy.
    groups: list[frozenset[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def data_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The argument, else $GOEMOTIONS_DATA, else data/goemotions."""
    return Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH).expanduser()


def three_way(groups: set[str]) -> str | None:
    """A line's class from its sentiment groups (see the module docstring)."""
    polar = groups & {POSITIVE, NEGATIVE}
    if polar == {POSITIVE}:
        return POSITIVE
    if polar == {NEGATIVE}:
        return NEGATIVE
    if polar:
        return MIXED
    return NEUTRAL if groups == {NEUTRAL} else None


def files(folder: Path, split: str) -> tuple[Path, str]:
    """The file of a split and its taxonomy ("group" or "emotion")."""
    for name, kind in ((f"group_{split}.tsv", "group"), (f"original_{split}.tsv", "emotion")):
        if (folder / name).is_file():
            return folder / name, kind
    for candidate in (folder / f"{split}.tsv", folder / "data" / f"{split}.tsv"):
        if candidate.is_file():
            return candidate, "emotion"
    raise GoEmotionsError(f"GoEmotions {split} split not found in {folder}: {HOW_TO_GET}")


def load_split(split: str, path: str | os.PathLike[str] | None = None) -> Lines:
    """One split's texts and three-way classes, in file order."""
    folder = data_path(path)
    where, kind = files(folder, split)
    names = GROUPS if kind == "group" else EMOTIONS
    texts, classes, all_groups = [], [], []
    for number, line in enumerate(where.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise GoEmotionsError(f"{where}:{number}: expected text<TAB>labels<TAB>id")
        try:
            labels = {names[int(i)] for i in fields[1].split(",")}
        except (ValueError, IndexError) as exc:
            raise GoEmotionsError(f"{where}:{number}: bad labels {fields[1]!r}") from exc
        groups = labels if kind == "group" else {_GROUP_OF[e] for e in labels}
        texts.append(fields[0])
        classes.append(three_way(groups))
        all_groups.append(frozenset(groups))
    return Lines(texts, classes, all_groups)


def source_files(path: str | os.PathLike[str] | None = None) -> list[Path]:
    """The files a training run reads, for their fingerprints."""
    folder = data_path(path)
    return [files(folder, split)[0] for split in SPLITS]
