"""The numpy serving path gives the Keras model's scores, to 1e-5."""

from __future__ import annotations

import numpy as np
import pytest

from model import load_predictor
from model.artifact import (
    DEFAULT_ARTIFACT,
    FEELING_MODEL_FILE,
    MODEL_FILE,
    POLAR_MODEL_FILE,
    V3_ARTIFACT,
)
from model.feeling import BASE_DENSE
from model.predictor import FeelingNet
from model.text import tokenize
from model.training.feeling import CLASSES
from tests.helpers.texts import ODD_INPUTS, vocabulary_texts

keras = pytest.importorskip("keras", reason="the parity check needs the [train] extra")


def keras_scores(model, predictor, texts: list[str]) -> np.ndarray:
    """The Keras model's scores, fed the serving vectorizer's ids (and lexicon input, if any)."""
    from model.training.network import pad

    tokens = [tokenize(t) for t in texts]
    features = [predictor.vectorizer.features_of_tokens(t)[0] for t in tokens]
    lexicon = np.array([predictor.lexicon_input(t)[0] for t in tokens], dtype="float32")
    out = np.zeros(len(texts))
    for start in range(0, len(texts), 256):
        ids = pad(features[start : start + 256])
        inputs = [ids, lexicon[start : start + 256, None]] if len(model.inputs) == 2 else ids
        out[start : start + 256] = model.predict_on_batch(inputs)[:, 0]
    return out


def check_parity(artifact_dir, texts: list[str], atol: float = 1e-5) -> None:
    from model.training.network import NBBag

    assert NBBag  # importing the module registers the custom layers with Keras
    predictor = load_predictor(artifact_dir)
    keras_model = keras.saving.load_model(artifact_dir / MODEL_FILE)
    expected = keras_scores(keras_model, predictor, texts)
    got = predictor.scores(texts)
    np.testing.assert_allclose(got, expected, atol=atol, rtol=0)
    # The per-text API agrees with the batch one.
    assert [p.score for p in predictor.predict(texts[:50])] == pytest.approx(got[:50], abs=1e-12)
    if (artifact_dir / FEELING_MODEL_FILE).is_file():
        check_feeling_parity(artifact_dir, predictor, texts, atol)


def check_feeling_parity(artifact_dir, predictor, texts: list[str], atol: float) -> None:
    """The feeling head's P(neutral): Keras (feeling.keras) against serving."""
    from model.training.network import pad

    head = keras.saving.load_model(artifact_dir / FEELING_MODEL_FILE)
    parts = [predictor.parts(t) for t in texts]
    if isinstance(predictor.feeling, FeelingNet):
        check_net_parity(head, predictor, texts, parts, atol)
        return
    num_dense = len(predictor.feeling.dense)
    expected = np.zeros(len(texts))
    for start in range(0, len(texts), 256):
        chunk = parts[start : start + 256]
        ids = pad([list(p.spans) for p in chunk])
        dense = np.array([p.dense[:num_dense] for p in chunk], dtype="float32")
        expected[start : start + 256] = head.predict_on_batch([ids, dense])[:, 0]
    got = np.array([predictor.predict_one(t).probabilities["neutral"] for t in texts])
    np.testing.assert_allclose(got, expected, atol=max(atol, 2e-6), rtol=0)
    if (artifact_dir / POLAR_MODEL_FILE).is_file():
        polar = keras.saving.load_model(artifact_dir / POLAR_MODEL_FILE)
        inputs = [
            pad([list(p.spans) for p in parts]),
            np.array([[p.z, p.lexicon] for p in parts], dtype="float32"),
        ]
        expected = polar.predict_on_batch(inputs)[:, 0]
        probabilities = [predictor.predict_one(t).probabilities for t in texts]
        keep = [i for i, q in enumerate(probabilities) if q["neutral"] < 0.9]
        got = np.array(
            [probabilities[i]["positive"] / (1 - probabilities[i]["neutral"]) for i in keep]
        )
        np.testing.assert_allclose(got, expected[keep], atol=max(atol, 2e-5), rtol=0)


def check_net_parity(head, predictor, texts: list[str], parts, atol: float) -> None:
    """The three-way net's (positive, negative, neutral): Keras against serving."""
    from model.training.network import pad

    expected = np.zeros((len(texts), 3))
    for start in range(0, len(texts), 256):
        chunk = parts[start : start + 256]
        ids = pad([list(p.spans) for p in chunk])
        inputs = np.array([[*p.dense[:BASE_DENSE], p.z, p.lexicon] for p in chunk], dtype="float32")
        expected[start : start + 256] = head.predict_on_batch([ids, inputs])
    got = np.array([[predictor.predict_one(t).probabilities[c] for c in CLASSES] for t in texts])
    np.testing.assert_allclose(got, expected, atol=max(atol, 2e-5), rtol=0)


def test_shipped_model_parity_on_a_thousand_texts():
    predictor = load_predictor(DEFAULT_ARTIFACT)
    texts = vocabulary_texts(predictor, 1000, seed=7) + ODD_INPUTS
    check_parity(DEFAULT_ARTIFACT, texts)


def test_parity_check_would_catch_a_changed_weight(tmp_path):
    """Guard against a parity test that cannot fail: perturb one weight and expect a mismatch."""
    import shutil

    copy = tmp_path / "artifact"
    shutil.copytree(DEFAULT_ARTIFACT, copy)
    predictor = load_predictor(DEFAULT_ARTIFACT)
    text = "I really loved this, great work team!"
    ids = predictor.vectorizer.features(text)[0]
    weights = np.load(copy / "weights.npy")
    weights[ids[0]] += 0.5
    np.save(copy / "weights.npy", weights)
    with pytest.raises(AssertionError):
        check_parity(copy, [text])


@pytest.mark.parametrize("artifact", [DEFAULT_ARTIFACT, V3_ARTIFACT], ids=["v4-net", "v3-linear"])
def test_parity_check_covers_the_feeling_head(tmp_path, artifact):
    """Perturb one weight of the three-way head and expect a mismatch."""
    import shutil

    copy = tmp_path / "artifact"
    shutil.copytree(artifact, copy)
    predictor = load_predictor(artifact)
    text = "the deploy is at three"
    ids = list(predictor.parts(text).spans)
    if isinstance(predictor.feeling, FeelingNet):
        net = FeelingNet.load(copy / "feeling_net.npz")
        net.embedding[ids[0]] += 0.5
        net.save(copy / "feeling_net.npz")
    else:
        weights = np.load(copy / "feeling_weights.npy")
        weights[ids[0]] += 0.5
        np.save(copy / "feeling_weights.npy", weights)
    with pytest.raises(AssertionError):
        check_parity(copy, [text])
