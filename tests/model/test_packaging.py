"""The serving wheel: the predictor's artifact files are in it, the Keras files are not."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Build the wheel from a copy of the sources, so no build/ folder lands in the repo."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for package in ("bot", "model"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["--disable-pip-version-check", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_wheel_carries_no_keras_files(wheel_names: list[str]) -> None:
    assert not [name for name in wheel_names if name.endswith(".keras")]


def test_wheel_carries_what_serving_loads(wheel_names: list[str]) -> None:
    from model.artifact import DEFAULT_ARTIFACT, SERVING_FILES

    shipped = f"model/artifacts/{DEFAULT_ARTIFACT.name}"
    for name in SERVING_FILES:
        assert f"{shipped}/{name}" in wheel_names
    assert "model/predictor.py" in wheel_names and "model/training/train.py" in wheel_names
