"""The shipped artifact is what its metrics.json says it is (needs the IMDB dataset)."""

from __future__ import annotations

import pytest

from model import load_predictor
from model.artifact import DEFAULT_ARTIFACT, METRICS_FILE, read_json
from model.training.evaluate import evaluate

pytestmark = pytest.mark.dataset


@pytest.fixture(scope="module")
def fresh_metrics(imdb_data):
    test = imdb_data["test"]
    return evaluate(load_predictor(DEFAULT_ARTIFACT), test.texts, test.labels)


def test_metrics_json_matches_a_fresh_evaluation_on_the_official_test_split(fresh_metrics):
    shipped = read_json(DEFAULT_ARTIFACT / METRICS_FILE)
    for section in ("test", "test_short"):
        assert fresh_metrics[section]["n"] == 25_000
        for key in ("accuracy", "precision", "recall", "f1", "ece", "confusion"):
            assert fresh_metrics[section][key] == pytest.approx(shipped[section][key], abs=2e-5), (
                section,
                key,
            )


def test_shipped_model_meets_the_bars(fresh_metrics):
    shipped = read_json(DEFAULT_ARTIFACT / METRICS_FILE)
    assert fresh_metrics["test"]["accuracy"] >= 0.915
    assert fresh_metrics["test"]["ece"] <= 0.02
    assert fresh_metrics["test"]["accuracy"] > shipped["baseline"]["test"]["accuracy"] + 0.02


def test_artifact_records_how_it_was_made(imdb_path):
    from model.data import fingerprint

    config = read_json(DEFAULT_ARTIFACT / "config.json")
    assert config["data"]["sha256"] == fingerprint(imdb_path)
    assert config["hyperparameters"]["seed"] == 1234
    assert {"tensorflow", "keras", "numpy", "python"} <= set(config["libraries"])
    assert config["training_seconds"]["default_model"] > 0
