"""Reading the Large Movie Review Dataset v1.0 as users get it.

Either the official ``aclImdb_v1.tar.gz`` (read straight from the archive) or an unpacked
``aclImdb/`` folder. Every failure is a ``DataError`` whose message says what to do.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "IMDB_DATA"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO_ROOT / "data" / "aclImdb_v1.tar.gz"
SPLITS = ("train", "test")
LABELS = {"neg": 0, "pos": 1}
# aclImdb/train/unsup/: 50,000 reviews without a label, for self-training.
UNLABELLED = "unsup"
GET_IT = "run `python scripts/download_data.py` or set IMDB_DATA to the aclImdb_v1.tar.gz path"


class DataError(Exception):
    """The dataset is missing, damaged or not laid out like the official tarball."""


@dataclass(frozen=True)
class Split:
    """One labelled split, in a fixed order (by label, then by review id)."""

    texts: list[str]
    labels: list[int]
    ids: list[str]

    def __len__(self) -> int:
        return len(self.texts)


def data_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The dataset location: the argument, else $IMDB_DATA, else the git-ignored default."""
    if path is None:
        path = os.environ.get(ENV_VAR) or DEFAULT_PATH
    return Path(path).expanduser()


def load_imdb(
    path: str | os.PathLike[str] | None = None, splits: tuple[str, ...] = SPLITS
) -> dict[str, Split]:
    """Read the labelled reviews of ``splits`` in one pass over the archive or folder."""
    for split in splits:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}: choose from {SPLITS}")
    where = data_path(path)
    if not where.exists():
        raise DataError(f"IMDB data not found at {where}: {GET_IT}")
    found: dict[str, dict[str, list[tuple[str, str]]]] = {
        s: {lab: [] for lab in LABELS} for s in splits
    }
    _read(where, found)
    if not any(found[s][lab] for s in splits for lab in LABELS):
        raise DataError(
            f"{where} does not look like the Large Movie Review Dataset: expected "
            f"aclImdb/{{train,test}}/{{pos,neg}}/*.txt inside; {GET_IT}"
        )
    result = {}
    for split in splits:
        for lab in LABELS:
            if not found[split][lab]:
                raise DataError(
                    f"{where} has no reviews in aclImdb/{split}/{lab}/: the copy is incomplete; "
                    f"{GET_IT}"
                )
        texts, labels, ids = [], [], []
        for lab, value in LABELS.items():
            for review_id, text in sorted(found[split][lab], key=lambda item: _id_key(item[0])):
                texts.append(text)
                labels.append(value)
                ids.append(f"{split}/{lab}/{review_id}")
        result[split] = Split(texts, labels, ids)
    return result


def load_unlabelled(path: str | os.PathLike[str] | None = None) -> list[str]:
    """The unlabelled training reviews (aclImdb/train/unsup/), in review-id order."""
    where = data_path(path)
    if not where.exists():
        raise DataError(f"IMDB data not found at {where}: {GET_IT}")
    found: dict[str, dict[str, list[tuple[str, str]]]] = {"train": {UNLABELLED: []}}
    _read(where, found)
    if not found["train"][UNLABELLED]:
        raise DataError(
            f"{where} has no reviews in aclImdb/train/{UNLABELLED}/: the copy is incomplete; "
            f"{GET_IT}"
        )
    return [text for _, text in sorted(found["train"][UNLABELLED], key=lambda i: _id_key(i[0]))]


def _read(where: Path, found: dict[str, dict[str, list[tuple[str, str]]]]) -> None:
    if where.is_dir():
        _read_folder(where, found)
    else:
        _read_tarball(where, found)


def _id_key(name: str) -> tuple[int, str]:
    head = name.split("_", 1)[0]
    return (int(head), name) if head.isdigit() else (-1, name)


def _classify(parts: list[str]) -> tuple[str, str, str] | None:
    """(split, label, filename) for a labelled review path, None for anything else."""
    if len(parts) < 4 or not parts[-1].endswith(".txt"):
        return None
    split, label, name = parts[-3], parts[-2], parts[-1]
    if parts[-4] != "aclImdb" or split not in SPLITS or label not in (*LABELS, UNLABELLED):
        return None
    return split, label, name[:-4]


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _read_tarball(where: Path, found: dict[str, dict[str, list[tuple[str, str]]]]) -> None:
    try:
        with tarfile.open(where, mode="r:*") as archive:
            for member in archive:
                if not member.isfile():
                    continue
                key = _classify(member.name.split("/"))
                if key is None or key[1] not in found.get(key[0], {}):
                    continue
                handle = archive.extractfile(member)
                if handle is not None:
                    found[key[0]][key[1]].append((key[2], _decode(handle.read())))
            plain = isinstance(archive.fileobj, io.BufferedReader)
            if plain and where.stat().st_size < archive.offset + 2 * tarfile.BLOCKSIZE:
                raise tarfile.ReadError("the archive ends before its end-of-archive marker")
    except (tarfile.ReadError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise DataError(f"cannot read {where} ({exc.strerror}): check the path") from exc
        detail = " ".join(str(exc).split()) or "no details"
        if isinstance(exc, tarfile.ReadError) and detail.startswith("file could not be opened"):
            detail = "not a gzip-compressed tar archive"  # tarfile lists every method it tried
        raise DataError(
            f"{where} is truncated or corrupt ({type(exc).__name__}: {detail}); delete it and "
            f"{GET_IT}"
        ) from exc


def _read_folder(where: Path, found: dict[str, dict[str, list[tuple[str, str]]]]) -> None:
    root = where if where.name == "aclImdb" else where / "aclImdb"
    for split in found:
        for label in found[split]:
            folder = root / split / label
            if not folder.is_dir():
                continue
            for file in folder.glob("*.txt"):
                found[split][label].append((file.stem, _decode(file.read_bytes())))


def fingerprint(path: str | os.PathLike[str] | None = None) -> str:
    """sha256 of the tarball, or of the labelled review files of an unpacked folder."""
    where = data_path(path)
    if not where.exists():
        raise DataError(f"IMDB data not found at {where}: {GET_IT}")
    digest = hashlib.sha256()
    if where.is_dir():
        root = where if where.name == "aclImdb" else where / "aclImdb"
        for file in sorted(root.glob("*/*/*.txt")):
            if file.parent.name in LABELS and file.parent.parent.name in SPLITS:
                digest.update(file.relative_to(root).as_posix().encode())
                digest.update(file.read_bytes())
        return "tree-sha256:" + digest.hexdigest()
    with open(where, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
