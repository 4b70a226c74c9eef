"""GoEmotions: reading both layouts, the three-way mapping, and the download (file:// URLs)."""

from __future__ import annotations

import io
import os
from collections import Counter
from pathlib import Path

import pytest

from model import download as dl
from model import goemotions
from tests.helpers.goemotions import write_tiny_goemotions


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ({"positive"}, "positive"),
        ({"negative", "neutral"}, "negative"),
        ({"positive", "negative"}, "mixed"),
        ({"neutral"}, "neutral"),
        ({"ambiguous"}, None),
        ({"ambiguous", "neutral"}, None),
        ({"ambiguous", "positive"}, "positive"),
    ],
)
def test_three_way_mapping(groups, expected):
    assert goemotions.three_way(groups) == expected


@pytest.mark.parametrize("official", [False, True])
def test_both_layouts_read_alike(tmp_path: Path, official: bool) -> None:
    folder = write_tiny_goemotions(tmp_path / "ge", n=10, official=official)
    lines = goemotions.load_split("dev", folder)
    counts = Counter(lines.classes)
    assert counts == {"positive": 10, "negative": 10, "neutral": 10, "mixed": 1, None: 1}


def test_missing_data_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(goemotions.GoEmotionsError, match="download_data.py --dataset goemotions"):
        goemotions.load_split("train", tmp_path)


def test_env_var_names_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(goemotions.ENV_VAR, str(tmp_path))
    assert goemotions.data_path() == tmp_path
    monkeypatch.delenv(goemotions.ENV_VAR)
    assert goemotions.data_path() == goemotions.DEFAULT_PATH


def test_download_from_file_urls(tmp_path: Path) -> None:
    source = write_tiny_goemotions(tmp_path / "src", n=5, official=True)
    dest = tmp_path / "data" / "goemotions"
    log = io.StringIO()
    assert dl.download_goemotions(source.as_uri() + "/", dest, stream=log) == dest
    assert sorted(os.listdir(dest)) == sorted(dl.GOEMOTIONS_FILES)
    assert len(goemotions.load_split("test", dest)) == 17
    # A second run keeps what is there.
    dl.download_goemotions(source.as_uri(), dest, stream=log, progress=False)
    assert "already exists" in log.getvalue()


def test_download_command_for_goemotions(tmp_path: Path) -> None:
    source = write_tiny_goemotions(tmp_path / "src", n=3, official=True)
    dest = tmp_path / "ge"
    code = dl.main(["--dataset", "goemotions", "--url", source.as_uri(), "--dest", str(dest)])
    assert code == 0 and (dest / "train.tsv").is_file()
    assert (
        dl.main(
            [
                "--dataset",
                "goemotions",
                "--url",
                "file:///nonexistent/",
                "--dest",
                str(tmp_path / "x"),
            ]
        )
        == 1
    )


def test_official_url_is_the_google_research_repository() -> None:
    assert dl.GOEMOTIONS_URL.startswith(
        "https://raw.githubusercontent.com/google-research/goemotions/"
    )


@pytest.fixture(scope="module")
def shared() -> Path:
    path = os.environ.get(goemotions.ENV_VAR)
    if not path:
        pytest.skip(f"GoEmotions not configured: {goemotions.HOW_TO_GET}")
    return Path(path)


def test_the_real_splits_have_the_papers_sizes(shared: Path) -> None:
    sizes = {split: len(goemotions.load_split(split, shared)) for split in goemotions.SPLITS}
    assert sizes == {"train": 43410, "dev": 5426, "test": 5427}
