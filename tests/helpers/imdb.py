"""Tiny copies of the Large Movie Review Dataset, in the official layout, for tests.

The official ``aclImdb_v1.tar.gz`` holds::

    aclImdb/README, aclImdb/imdb.vocab
    aclImdb/{train,test}/{pos,neg}/ID_RATING.txt
    aclImdb/train/unsup/ID_0.txt
    aclImdb/{train,test}/urls_{pos,neg}.txt

``write_tiny_imdb(path)`` writes a small synthetic copy (a tarball when ``path`` ends in
``.tar.gz``/``.tgz``, else an unpacked folder) whose reviews are clearly positive or negative, so a
model trained on it for a few steps learns something. ``write_imdb_tarball`` and
``write_imdb_folder`` take explicit reviews for loader tests.

Everything is deterministic: same arguments, same bytes (the gzip header carries no timestamp).
"""

from __future__ import annotations

import gzip
import io
import random
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

SPLITS = ("train", "test")
LABELS = ("neg", "pos")

# A review is either its text (id and rating are then assigned) or (id, rating, text).
Review = str | tuple[int, int, str]
Reviews = Mapping[str, Mapping[str, Sequence[Review]]]

POSITIVE_WORDS = (
    "wonderful",
    "superb",
    "brilliant",
    "delightful",
    "excellent",
    "moving",
    "beautiful",
    "masterpiece",
    "charming",
    "great",
    "loved",
    "enjoyed",
    "fantastic",
    "touching",
    "best",
)
NEGATIVE_WORDS = (
    "awful",
    "boring",
    "terrible",
    "dreadful",
    "waste",
    "dull",
    "horrible",
    "worst",
    "pointless",
    "bad",
    "hated",
    "stupid",
    "mess",
    "annoying",
    "lame",
)
NEUTRAL_WORDS = (
    "the",
    "movie",
    "film",
    "plot",
    "actors",
    "story",
    "director",
    "scenes",
    "ending",
    "music",
    "cast",
    "script",
    "camera",
    "characters",
    "dialogue",
)
_TEMPLATES = (
    "This {noun} was {a} and {b}.",
    "The {noun} is {a}, really {b}!",
    "I thought the {noun} was {a}.<br /><br />Honestly {b}.",
    "{A} {noun}, {b} {noun2}. Did I say {a}?",
    "What a {a} {noun} &amp; a {b} {noun2}.",
)


def synthetic_review(label: str, rng: random.Random) -> str:
    """One short review that is unmistakably ``label`` ("pos" or "neg")."""
    words = POSITIVE_WORDS if label == "pos" else NEGATIVE_WORDS
    sentences = []
    for _ in range(rng.randint(2, 4)):
        a, b = rng.sample(words, 2)
        noun, noun2 = rng.sample(NEUTRAL_WORDS, 2)
        template = rng.choice(_TEMPLATES)
        sentences.append(template.format(a=a, A=a.capitalize(), b=b, noun=noun, noun2=noun2))
    return " ".join(sentences)


def synthetic_reviews(
    n_per_class: int = 40, seed: int = 0, splits: Iterable[str] = SPLITS
) -> dict[str, dict[str, list[str]]]:
    """``n_per_class`` synthetic reviews per label per split."""
    rng = random.Random(seed)
    return {
        split: {
            label: [synthetic_review(label, rng) for _ in range(n_per_class)] for label in LABELS
        }
        for split in splits
    }


def _rating(label: str, review_id: int) -> int:
    return (7, 8, 9, 10)[review_id % 4] if label == "pos" else (1, 2, 3, 4)[review_id % 4]


def review_files(reviews: Reviews, unsup: Sequence[str] = ()) -> dict[str, bytes]:
    """Archive-relative path (``aclImdb/...``) to file content for ``reviews`` plus extras."""
    files: dict[str, bytes] = {
        "aclImdb/README": b"Large Movie Review Dataset v1.0 (tiny synthetic test copy)\n",
    }
    vocab: set[str] = set()
    for split, by_label in reviews.items():
        for label, items in by_label.items():
            urls = []
            for position, item in enumerate(items):
                if isinstance(item, str):
                    review_id, rating, text = position, _rating(label, position), item
                else:
                    review_id, rating, text = item
                files[f"aclImdb/{split}/{label}/{review_id}_{rating}.txt"] = text.encode("utf-8")
                urls.append(f"http://www.imdb.com/title/tt{review_id:07d}/usercomments")
                vocab.update(text.lower().split())
            files[f"aclImdb/{split}/urls_{label}.txt"] = "\n".join(urls).encode() + b"\n"
    for review_id, text in enumerate(unsup):
        files[f"aclImdb/train/unsup/{review_id}_0.txt"] = text.encode("utf-8")
    files["aclImdb/imdb.vocab"] = "\n".join(sorted(vocab)).encode("utf-8") + b"\n"
    return files


def _directories(paths: Iterable[str]) -> list[str]:
    found = set()
    for path in paths:
        parts = path.split("/")[:-1]
        for end in range(1, len(parts) + 1):
            found.add("/".join(parts[:end]))
    return sorted(found)


def write_tarball(
    path: Path,
    files: Mapping[str, bytes],
    *,
    top: str = "aclImdb",
    shuffle_seed: int | None = None,
    compress: bool = True,
) -> Path:
    """A (gzip) tarball of ``files``; ``top`` renames the leading ``aclImdb`` folder.

    Members are written directories first, then files in sorted order, or in a shuffled order when
    ``shuffle_seed`` is given (the official tarball's order is the packer's filesystem order).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    renamed = {_retop(name, top): data for name, data in files.items()}
    names = sorted(renamed)
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(names)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for directory in _directories(renamed):
            info = tarfile.TarInfo(directory)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            archive.addfile(info)
        for name in names:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(renamed[name]), 0o644, 0
            archive.addfile(info, io.BytesIO(renamed[name]))
    raw = buffer.getvalue()
    if compress:
        with (
            open(path, "wb") as handle,
            gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, filename="") as gz,
        ):
            gz.write(raw)
    else:
        path.write_bytes(raw)
    return path


def _retop(name: str, top: str) -> str:
    head, _, rest = name.partition("/")
    assert head == "aclImdb", name
    return f"{top}/{rest}" if top else rest


def write_folder(root: Path, files: Mapping[str, bytes]) -> Path:
    """Unpack ``files`` under ``root``; returns ``root / "aclImdb"``."""
    root = Path(root)
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root / "aclImdb"


def write_imdb_tarball(
    path: Path,
    reviews: Reviews,
    unsup: Sequence[str] = (),
    *,
    top: str = "aclImdb",
    shuffle_seed: int | None = None,
) -> Path:
    """An ``aclImdb_v1.tar.gz`` look-alike holding ``reviews``; returns ``path``."""
    return write_tarball(path, review_files(reviews, unsup), top=top, shuffle_seed=shuffle_seed)


def write_imdb_folder(root: Path, reviews: Reviews, unsup: Sequence[str] = ()) -> Path:
    """The same, unpacked under ``root``; returns ``root / "aclImdb"``."""
    return write_folder(root, review_files(reviews, unsup))


def write_tiny_imdb(
    path: str | Path, n_per_class: int = 40, seed: int = 0, n_unsup: int = 5
) -> Path:
    """A tiny synthetic dataset that ``model.data.load_imdb`` reads like the real one.

    ``path`` ending in ``.tar.gz`` or ``.tgz``: writes that tarball and returns it. Otherwise
    unpacks into the folder ``path`` and returns ``path / "aclImdb"``. Each split holds
    ``n_per_class`` clearly positive and ``n_per_class`` clearly negative reviews.
    """
    path = Path(path)
    rng = random.Random(seed + 1)
    unsup = [synthetic_review(rng.choice(LABELS), rng) for _ in range(n_unsup)]
    reviews = synthetic_reviews(n_per_class, seed)
    if path.name.endswith((".tar.gz", ".tgz")):
        return write_imdb_tarball(path, reviews, unsup, shuffle_seed=seed)
    return write_imdb_folder(path, reviews, unsup)
