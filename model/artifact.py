"""Where a model artifact lives and what files it holds.

An artifact is a versioned directory: the Keras models, the IMDB word index and n-gram list
they were trained with, the serving weights exported from the Keras model, and its config and
measured metrics. This module is the one place that names the shipped artifact; callers with
a setting of their own (the bot's ``MODEL_PATH``) pass its value in. Nothing here imports
TensorFlow.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
DEFAULT_NAME = "imdb-sentiment-v4"
DEFAULT_ARTIFACT = ARTIFACTS_DIR / DEFAULT_NAME
# The first shipped model, kept beside the default for comparison (benchmarks, variants table).
V1_ARTIFACT = ARTIFACTS_DIR / "imdb-sentiment-v1"
V2_ARTIFACT = ARTIFACTS_DIR / "imdb-sentiment-v2"
V3_ARTIFACT = ARTIFACTS_DIR / "imdb-sentiment-v3"  # v4's polarity model; linear three-way heads

MODEL_FILE = "model.keras"
BASELINE_FILE = "baseline.keras"
WORD_INDEX_FILE = "word_index.json"
NGRAMS_FILE = "ngrams.json"
LEXICON_FILE = "lexicon.json"  # from v2 on: the sentiment lexicon, as project tokens
WEIGHTS_FILE = "weights.npy"
# From v3 on: the emoji table, and the "expresses a feeling" head (Keras and serving weights).
EMOJI_FILE = "emoji.json"
FEELING_MODEL_FILE = "feeling.keras"
FEELING_WEIGHTS_FILE = "feeling_weights.npy"
POLAR_MODEL_FILE = "polar.keras"  # only with the "polar head" variant
POLAR_WEIGHTS_FILE = "polar_weights.npy"
# From v4 on: the three-way "net" head's serving arrays (instead of FEELING_WEIGHTS_FILE).
FEELING_NET_FILE = "feeling_net.npz"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
SERVING_FILES = (WORD_INDEX_FILE, NGRAMS_FILE, WEIGHTS_FILE, CONFIG_FILE)


class ArtifactError(Exception):
    """The model artifact is missing or incomplete."""


def artifact_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The argument, or the shipped artifact when it is None or empty."""
    if path is None or str(path) == "":
        return DEFAULT_ARTIFACT
    return Path(path).expanduser()


def check_artifact(path: Path) -> None:
    """Raise an ArtifactError naming what is missing and how to get it."""
    if not path.is_dir():
        raise ArtifactError(
            f"model artifact not found at {path}: point MODEL_PATH (or --model) at a directory "
            f"made by `python scripts/train.py`, or leave it unset to use the shipped model"
        )
    missing = [name for name in SERVING_FILES if not (path / name).is_file()]
    if missing:
        raise ArtifactError(
            f"model artifact {path} is incomplete (missing {', '.join(missing)}): "
            f"re-run `python scripts/train.py --out {path}`"
        )


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
