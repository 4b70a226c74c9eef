"""model.data: reading the IMDB tarball or folder, and the errors users see when it goes wrong."""

from __future__ import annotations

import gzip
import hashlib
import random
import tarfile
from pathlib import Path

import pytest

from model.data import DEFAULT_PATH, ENV_VAR, DataError, data_path, fingerprint, load_imdb
from tests.helpers.imdb import (
    review_files,
    synthetic_reviews,
    write_folder,
    write_imdb_folder,
    write_imdb_tarball,
    write_tarball,
    write_tiny_imdb,
)

REVIEWS = {
    "train": {
        "pos": [
            (10, 9, "Great fun.<br /><br />Loved it."),
            (2, 8, "A superb film."),
            (1, 10, "Best movie &amp; best cast!"),
        ],
        "neg": [(3, 1, "Awful.<br />Just awful."), (0, 2, "Boring and dull.")],
    },
    "test": {
        "pos": [(7, 7, "Wonderful story.")],
        "neg": [(5, 4, "A waste of time."), (11, 3, "Terrible acting.")],
    },
}
UNSUP = ["An unlabelled review that must not show up.", "Another one."]


def _load_all(path: Path) -> dict[str, tuple[list[str], list[int], list[str]]]:
    return {name: (s.texts, s.labels, s.ids) for name, s in load_imdb(path).items()}


def assert_actionable(error: pytest.ExceptionInfo[DataError], path: Path) -> str:
    """One line that names the path and tells the user what to do next."""
    message = str(error.value)
    assert "\n" not in message and "\r" not in message, f"not one line: {message!r}"
    assert str(path) in message, message
    assert "download_data.py" in message or "IMDB_DATA" in message or "check the path" in message
    return message


@pytest.fixture
def tarball(tmp_path: Path) -> Path:
    return write_imdb_tarball(tmp_path / "aclImdb_v1.tar.gz", REVIEWS, UNSUP, shuffle_seed=3)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_imdb_folder(tmp_path / "unpacked", REVIEWS, UNSUP)


# Reading ------------------------------------------------------------------------------------


def test_reads_labels_from_folders_in_a_fixed_order(tarball: Path) -> None:
    data = load_imdb(tarball)
    assert set(data) == {"train", "test"}
    train = data["train"]
    # neg before pos, then by numeric review id (2 before 10), whatever the archive order.
    assert train.ids == [
        "train/neg/0_2",
        "train/neg/3_1",
        "train/pos/1_10",
        "train/pos/2_8",
        "train/pos/10_9",
    ]
    assert train.labels == [0, 0, 1, 1, 1]
    assert train.texts == [
        "Boring and dull.",
        "Awful.<br />Just awful.",
        "Best movie &amp; best cast!",
        "A superb film.",
        "Great fun.<br /><br />Loved it.",
    ]
    assert len(train) == 5
    test = data["test"]
    assert test.ids == ["test/neg/5_4", "test/neg/11_3", "test/pos/7_7"]
    assert test.labels == [0, 0, 1]


def test_texts_are_raw(tarball: Path) -> None:
    """HTML breaks and entities stay in: normalizing is model.text's job."""
    texts = load_imdb(tarball)["train"].texts
    assert "Great fun.<br /><br />Loved it." in texts
    assert "Best movie &amp; best cast!" in texts


def test_unsup_and_other_files_are_ignored(tarball: Path, folder: Path) -> None:
    for path in (tarball, folder):
        data = load_imdb(path)
        everything = [t for split in data.values() for t in split.texts]
        assert not any("unlabelled" in t or t == "Another one." for t in everything)
        assert len(everything) == 8
        assert all(i.split("/")[1] in {"pos", "neg"} for s in data.values() for i in s.ids)


def test_tarball_and_folder_read_identically(tarball: Path, folder: Path) -> None:
    from_tar = _load_all(tarball)
    assert _load_all(folder) == from_tar  # the aclImdb folder itself
    assert _load_all(folder.parent) == from_tar  # or the folder holding it


def test_order_does_not_depend_on_archive_order(tmp_path: Path) -> None:
    reviews = synthetic_reviews(12, seed=5)
    loads = [
        _load_all(write_imdb_tarball(tmp_path / f"{seed}.tar.gz", reviews, shuffle_seed=seed))
        for seed in (None, 1, 2)
    ]
    assert loads[0] == loads[1] == loads[2]
    assert _load_all(tmp_path / "1.tar.gz") == loads[0]  # and reading twice gives the same


def test_tiny_synthetic_dataset_has_the_promised_shape(tmp_path: Path) -> None:
    tar = write_tiny_imdb(tmp_path / "tiny.tar.gz", n_per_class=40, seed=0)
    tree = write_tiny_imdb(tmp_path / "tree", n_per_class=40, seed=0)
    assert tree == tmp_path / "tree" / "aclImdb"
    data = load_imdb(tar)
    for split in ("train", "test"):
        assert len(data[split]) == 80
        assert data[split].labels == [0] * 40 + [1] * 40
    assert _load_all(tree) == _load_all(tar)
    assert (tree / "imdb.vocab").is_file() and any((tree / "train" / "unsup").iterdir())
    # Deterministic: the same arguments write the same bytes; another seed, other reviews.
    assert write_tiny_imdb(tmp_path / "again.tar.gz").read_bytes() == tar.read_bytes()
    other = load_imdb(write_tiny_imdb(tmp_path / "other.tar.gz", n_per_class=40, seed=1))
    assert other["train"].texts != data["train"].texts


def test_only_the_requested_splits_are_read(tmp_path: Path) -> None:
    train_only = write_imdb_tarball(tmp_path / "train.tar.gz", {"train": REVIEWS["train"]})
    data = load_imdb(train_only, splits=("train",))
    assert list(data) == ["train"] and len(data["train"]) == 5
    with pytest.raises(ValueError, match="unknown split"):
        load_imdb(train_only, splits=("dev",))


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    files = review_files(REVIEWS)
    files["aclImdb/train/pos/99_9.txt"] = b"Caf\xe9 scenes were great"
    texts = load_imdb(write_tarball(tmp_path / "latin1.tar.gz", files))["train"].texts
    assert "Caf\ufffd scenes were great" in texts


def test_plain_uncompressed_tar_is_read_too(tmp_path: Path) -> None:
    plain = write_tarball(tmp_path / "aclImdb_v1.tar", review_files(REVIEWS), compress=False)
    assert _load_all(plain) == _load_all(write_imdb_tarball(tmp_path / "gz.tar.gz", REVIEWS))


# Where the data is --------------------------------------------------------------------------


def test_imdb_data_env_var_is_honoured(tarball: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tarball))
    assert data_path() == tarball
    assert _load_all(tarball) == {n: (s.texts, s.labels, s.ids) for n, s in load_imdb().items()}
    assert fingerprint() == fingerprint(tarball)


def test_explicit_path_beats_env_var(
    tarball: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "elsewhere.tar.gz"))
    assert data_path(tarball) == tarball
    assert len(load_imdb(tarball)["train"]) == 5


def test_default_path_when_env_var_unset_or_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert data_path() == DEFAULT_PATH
    assert DEFAULT_PATH.name == "aclImdb_v1.tar.gz" and DEFAULT_PATH.parent.name == "data"
    monkeypatch.setenv(ENV_VAR, "")
    assert data_path() == DEFAULT_PATH


def test_home_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_path("~/aclImdb_v1.tar.gz") == tmp_path / "aclImdb_v1.tar.gz"


# Errors: one line, naming the path and what to do -------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "aclImdb_v1.tar.gz"
    with pytest.raises(DataError) as error:
        load_imdb(missing)
    message = assert_actionable(error, missing)
    assert "not found" in message and "download_data.py" in message and ENV_VAR in message


def test_missing_file_named_by_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "typo.tar.gz"
    monkeypatch.setenv(ENV_VAR, str(missing))
    with pytest.raises(DataError) as error:
        load_imdb()
    assert_actionable(error, missing)


def test_truncated_archive(tmp_path: Path) -> None:
    whole = write_tiny_imdb(tmp_path / "whole.tar.gz", n_per_class=20).read_bytes()
    cut = tmp_path / "aclImdb_v1.tar.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError) as error:
        load_imdb(cut)
    message = assert_actionable(error, cut)
    assert "truncated or corrupt" in message and "delete it" in message


def test_plain_tar_cut_at_a_member_boundary(tmp_path: Path) -> None:
    files = review_files(synthetic_reviews(10))
    whole = write_tarball(tmp_path / "whole.tar", files, shuffle_seed=1, compress=False)
    with tarfile.open(whole) as archive:
        members = archive.getmembers()
    cut = tmp_path / "aclImdb_v1.tar"
    cut.write_bytes(whole.read_bytes()[: members[len(members) // 2].offset])
    with pytest.raises(DataError) as error:
        load_imdb(cut)
    assert "truncated" in assert_actionable(error, cut)


CORRUPT = [
    pytest.param(random.Random(0).randbytes(4096), id="random-bytes"),
    pytest.param(b"<html>404 Not Found</html>\n" * 20, id="html-error-page"),
    pytest.param(b"", id="empty-file"),
    pytest.param(gzip.compress(b"not a tar archive " * 100, mtime=0), id="gzip-but-not-tar"),
]


@pytest.mark.parametrize("content", CORRUPT)
def test_corrupt_archive_is_a_one_line_data_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "aclImdb_v1.tar.gz"
    bad.write_bytes(content)
    with pytest.raises(DataError) as error:
        load_imdb(bad)
    assert "truncated or corrupt" in assert_actionable(error, bad)


@pytest.mark.parametrize("top", ["imdb", "", "aclImdb_v1"])
def test_tarball_without_aclimdb_folder(tmp_path: Path, top: str) -> None:
    wrong = write_imdb_tarball(tmp_path / "wrong.tar.gz", REVIEWS, top=top)
    with pytest.raises(DataError) as error:
        load_imdb(wrong)
    message = assert_actionable(error, wrong)
    assert "does not look like" in message and "aclImdb/" in message


def test_folder_without_aclimdb(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError) as error:
        load_imdb(empty)
    assert "does not look like" in assert_actionable(error, empty)


def test_empty_split_in_tarball(tmp_path: Path) -> None:
    reviews = {"train": REVIEWS["train"], "test": {"pos": REVIEWS["test"]["pos"], "neg": []}}
    incomplete = write_imdb_tarball(tmp_path / "aclImdb_v1.tar.gz", reviews)
    with pytest.raises(DataError) as error:
        load_imdb(incomplete)
    message = assert_actionable(error, incomplete)
    assert "aclImdb/test/neg/" in message and "incomplete" in message
    # Asking only for the complete split is fine.
    assert len(load_imdb(incomplete, splits=("train",))["train"]) == 5


def test_empty_split_in_folder(tmp_path: Path) -> None:
    files = {
        name: data
        for name, data in review_files(REVIEWS).items()
        if not name.startswith("aclImdb/test/neg/")
    }
    root = write_folder(tmp_path / "unpacked", files)
    (root / "test" / "neg").mkdir()  # present but empty
    with pytest.raises(DataError) as error:
        load_imdb(root)
    assert "aclImdb/test/neg/" in assert_actionable(error, root)


# Fingerprint --------------------------------------------------------------------------------


def test_fingerprint_of_tarball_is_its_sha256(tarball: Path) -> None:
    expected = hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert fingerprint(tarball) == expected == fingerprint(tarball)


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    first = write_imdb_tarball(tmp_path / "a.tar.gz", REVIEWS)
    same = write_imdb_tarball(tmp_path / "b.tar.gz", REVIEWS)
    changed_reviews = {**REVIEWS, "test": {**REVIEWS["test"], "pos": [(7, 7, "Wonderful tale.")]}}
    changed = write_imdb_tarball(tmp_path / "c.tar.gz", changed_reviews)
    assert fingerprint(first) == fingerprint(same)
    assert fingerprint(changed) != fingerprint(first)


def test_fingerprint_of_folder(tmp_path: Path) -> None:
    one = write_imdb_folder(tmp_path / "one", REVIEWS, UNSUP)
    two = write_imdb_folder(tmp_path / "two", REVIEWS)  # elsewhere, and without unsup files
    value = fingerprint(one)
    assert value.startswith("tree-sha256:")
    assert fingerprint(one.parent) == value == fingerprint(two) == fingerprint(one)
    (one / "test" / "pos" / "7_7.txt").write_text("Wonderful tale.")
    assert fingerprint(one) != value
    # Moving a review to the other label changes it too, even with identical bytes.
    (two / "test" / "neg" / "11_3.txt").rename(two / "test" / "pos" / "11_3.txt")
    assert fingerprint(two) != value


# The real dataset ---------------------------------------------------------------------------


@pytest.mark.dataset
def test_real_dataset_sizes(imdb_data) -> None:
    for split in ("train", "test"):
        data = imdb_data[split]
        assert len(data) == 25_000
        assert data.labels.count(0) == 12_500 and data.labels.count(1) == 12_500
        assert len(set(data.ids)) == 25_000
        assert all(data.texts)


# Unlabelled reviews -------------------------------------------------------------------------


def test_unlabelled_reviews_are_read_in_id_order(tarball: Path, folder: Path) -> None:
    from model.data import load_unlabelled

    assert load_unlabelled(tarball) == UNSUP == load_unlabelled(folder)


def test_no_unlabelled_reviews_is_a_one_line_data_error(tmp_path: Path) -> None:
    from model.data import load_unlabelled

    without = write_imdb_tarball(tmp_path / "aclImdb_v1.tar.gz", REVIEWS)
    with pytest.raises(DataError) as error:
        load_unlabelled(without)
    assert "aclImdb/train/unsup/" in assert_actionable(error, without)
    with pytest.raises(DataError):
        load_unlabelled(tmp_path / "missing.tar.gz")
