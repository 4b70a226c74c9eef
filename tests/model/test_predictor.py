"""The shipped model through the serving API: loads without TensorFlow, answers any input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import model
from model import NEGATIVE, POSITIVE, load_predictor
from model.artifact import ArtifactError
from tests.helpers.texts import ODD_INPUTS

OBVIOUS = {
    POSITIVE: [
        "I really loved this, great work team!",
        "What a wonderful, beautiful film. I enjoyed every minute.",
        "Excellent work, this is brilliant and I love it",
        "The food was amazing and the staff were so friendly",
        "Best purchase I have made all year, highly recommended",
        "This is fantastic news, congratulations!",
    ],
    NEGATIVE: [
        "This is terrible, I hate how broken it is.",
        "What a boring waste of time, the worst movie ever.",
        "Awful service, rude staff and cold food. Never again.",
        "I would not recommend this to anyone, it is garbage",
        "The update is a mess and completely useless",
        "Horrible experience, very disappointing",
    ],
}


@pytest.fixture(scope="module")
def predictor():
    return load_predictor()


@pytest.mark.parametrize("label", [POSITIVE, NEGATIVE])
def test_obvious_sentences_get_the_obvious_label(predictor, label):
    for text, prediction in zip(OBVIOUS[label], predictor.predict(OBVIOUS[label]), strict=True):
        assert prediction.label == label, (text, prediction)
        assert prediction.confidence > 0.7, (text, prediction)


def test_prediction_fields_are_consistent(predictor):
    texts = OBVIOUS[POSITIVE] + OBVIOUS[NEGATIVE] + ODD_INPUTS
    for text, p in zip(texts, predictor.predict(texts), strict=True):
        assert p.label in (POSITIVE, NEGATIVE)
        assert 0.0 <= p.score <= 1.0
        assert 0.5 <= p.confidence <= 1.0
        assert p.confidence == pytest.approx(p.score if p.label == POSITIVE else 1 - p.score)
        assert 0 <= p.known_words <= p.words
        assert len(p.key_words) <= 3
        # Emoji key words are shown as the emoji or shortcode, not as their tokens.
        tokens = " ".join(predictor._show(t) for t in model.text.tokenize(text))
        for term in p.key_words:
            assert term in tokens


def test_key_words_explain_the_decision(predictor):
    p = predictor.predict_one("The acting was wonderful but the plot was boring and awful")
    sign = 1 if p.label == POSITIVE else -1
    for term in p.key_words:
        assert sign * predictor.weights[predictor.vectorizer.feature_id(term)] > 0
    assert predictor.predict_one("awful terrible boring").key_words[0] in {
        "awful",
        "terrible",
        "boring",
        "awful terrible",
        "terrible boring",
        "awful terrible boring",
    }


def test_negation_flips_the_label(predictor):
    assert predictor.predict_one("this was good").label == POSITIVE
    assert predictor.predict_one("this was not good at all").label == NEGATIVE


def test_known_words_counts_vocabulary_words(predictor):
    p = predictor.predict_one("great zzxqv qqzzv movie")
    assert (p.words, p.known_words) == (4, 2)
    assert predictor.predict_one("").known_words == 0


def test_no_text_gives_an_unsure_answer(predictor):
    for text in ["", "\u2192", "12345", "!!!"]:
        p = predictor.predict_one(text)
        assert p.confidence < 0.65 and p.key_words == [] and p.known_words == 0


def test_batch_and_single_agree_and_order_is_kept(predictor):
    texts = OBVIOUS[POSITIVE][:3] + OBVIOUS[NEGATIVE][:3]
    assert predictor.predict(texts) == [predictor.predict_one(t) for t in texts]
    assert [p.label for p in predictor.predict(texts)] == [POSITIVE] * 3 + [NEGATIVE] * 3


def test_a_single_string_is_one_text_not_its_characters(predictor):
    text = "what a fantastic release, thanks team"
    assert predictor.predict(text) == predictor.predict([text])
    assert predictor.predict(text)[0].words == 6
    assert list(predictor.scores(text)) == list(predictor.scores([text]))


def test_rejects_non_strings(predictor):
    with pytest.raises(TypeError):
        predictor.predict([None])


def test_load_predictor_is_cached():
    assert load_predictor() is load_predictor()


def test_missing_artifact_says_what_to_do(tmp_path):
    with pytest.raises(ArtifactError, match="MODEL_PATH") as info:
        load_predictor(tmp_path / "nope")
    assert "\n" not in str(info.value)
    (tmp_path / "half").mkdir()
    with pytest.raises(ArtifactError, match="incomplete"):
        load_predictor(tmp_path / "half")


def test_serving_loads_neither_tensorflow_nor_the_training_code():
    """Predicting in a fresh process imports no TensorFlow, Keras or ``model.training``."""
    code = (
        "import json, sys, model\n"
        "model.load_predictor().predict(['great work team', 'awful'])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'keras', 'tf_keras') or m.startswith('model.training'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def run_cli(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/predict.py", *args], input=stdin, capture_output=True, check=False
    )


def test_cli_prints_one_line_per_text():
    out = run_cli(["I loved it", "What a waste of time"])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.decode().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("positive") and lines[1].startswith("negative")


def test_cli_jsonl_answers_any_input_in_order():
    lines = [
        b"great work",
        b"",
        "😀😀".encode(),
        b"\xff\xfe bad \xc3",
        "très mauvais".encode(),
        b"x" * 100_000,
        "素晴らしい".encode(),
        b"awful\r",
        b"\x00",
    ]
    out = run_cli(["--jsonl"], b"\n".join(lines) + b"\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
    assert len(rows) == len(lines)
    for row in rows:
        assert list(row) == [
            "label",
            "confidence",
            "score",
            "known_words",
            "words",
            "key_words",
            "verdict",
            "probabilities",
        ]
    assert rows[0]["label"] == POSITIVE and rows[7]["label"] == NEGATIVE
    assert rows[1]["known_words"] == 0


def test_cli_reports_a_missing_model_in_one_line(tmp_path):
    out = run_cli(["--model", str(tmp_path / "missing"), "hello"])
    assert out.returncode == 2
    assert out.stderr.decode().count("\n") == 1 and "error:" in out.stderr.decode()


CHAT = [
    "yay the deploy went smoothly, thanks everyone :)",
    "ugh the vpn is broken again, so frustrating",
    "lgtm, nice cleanup!",
    "this meeting was a total waste, nobody was prepared",
    "love the new dashboard, super helpful",
    "not bad at all for a first try",
]


def test_lexicon_words_that_drove_the_verdict_are_key_words(predictor):
    """A lexicon entry whose push towards the label beats every n-gram's is shown."""
    if predictor.lexicon is None:
        pytest.skip("the shipped artifact has no lexicon")
    shown = 0
    for text in CHAT + OBVIOUS[POSITIVE] + OBVIOUS[NEGATIVE]:
        tokens = model.text.tokenize(text)
        prediction = predictor.predict_one(text)
        sign = 1 if prediction.label == POSITIVE else -1
        _, matches = predictor.lexicon.feature(tokens)
        spans = predictor.vectorizer.analyze(tokens)[0]
        weight = predictor.lexicon_weight + predictor.lexicon_scale / predictor.temperature(
            len(spans)
        )
        per_word = weight / max(1, model.text.word_count(tokens))
        strongest_gram = max((sign * predictor.weights[i] for i in spans), default=0.0)
        for match in matches:
            if sign * per_word * match.valence > strongest_gram:
                term = " ".join(tokens[match.start : match.start + match.length])
                assert any(term in k for k in prediction.key_words), (text, term, prediction)
                shown += 1
    assert shown > 0  # the check was not vacuous


def test_the_batch_path_scores_like_predict(predictor):
    texts = CHAT + OBVIOUS[POSITIVE] + OBVIOUS[NEGATIVE] + ODD_INPUTS
    batch = predictor.scores(texts)
    single = [p.score for p in predictor.predict(texts)]
    assert batch.tolist() == pytest.approx(single, abs=1e-12)


def test_v1_is_kept_and_still_loads():
    from model.artifact import DEFAULT_ARTIFACT, V1_ARTIFACT

    v1 = load_predictor(V1_ARTIFACT)
    assert v1.lexicon is None and v1.lexicon_weight == 0.0
    assert v1.predict_one("what a great team").label == POSITIVE
    assert V1_ARTIFACT != DEFAULT_ARTIFACT or v1 is load_predictor()
