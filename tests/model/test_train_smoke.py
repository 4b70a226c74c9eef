"""A whole training run on a tiny synthetic copy of the dataset, artifact to prediction."""

from __future__ import annotations

import dataclasses
import json

import pytest

from model import NEGATIVE, POSITIVE, load_predictor
from model.artifact import read_json
from model.training.train import TrainConfig, train
from tests.helpers.goemotions import write_tiny_goemotions
from tests.helpers.imdb import write_tiny_imdb
from tests.helpers.texts import ODD_INPUTS, vocabulary_texts
from tests.model.test_parity import check_parity

pytest.importorskip("tensorflow", reason="training needs the [train] extra")

SMALL = TrainConfig(
    max_words=200,
    min_df=1,
    max_ngrams=2_000,
    baseline_words=200,
    batch_size=16,
    learning_rate=0.05,
    epochs=2,
    workplace_train="",  # the tiny runs train without the hand-written lines (their own test)
)


def assert_same_net(first, second) -> None:
    """Two artifacts' ``feeling_net.npz`` hold the same arrays (the file's bytes may differ)."""
    import numpy as np

    with np.load(first / "feeling_net.npz") as a, np.load(second / "feeling_net.npz") as b:
        assert set(a.files) == set(b.files)
        for name in a.files:
            np.testing.assert_array_equal(a[name], b[name])


@pytest.fixture(scope="module", autouse=True)
def tiny_goemotions(tmp_path_factory):
    """Every run here (and the scripts it starts) trains the feeling head on a tiny GoEmotions."""
    folder = write_tiny_goemotions(tmp_path_factory.mktemp("goemotions"), n=30)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOEMOTIONS_DATA", str(folder))
        yield folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("smoke")
    data = write_tiny_imdb(root / "aclImdb_v1.tar.gz", n_per_class=40, seed=0)
    out = root / "artifact"
    metrics = train(out, data, SMALL)
    return out, metrics, data


def test_training_writes_a_complete_artifact(trained):
    out, metrics, data = trained
    names = {p.name for p in out.iterdir()}
    assert {
        "model.keras",
        "baseline.keras",
        "word_index.json",
        "ngrams.json",
        "lexicon.json",
        "weights.npy",
        "config.json",
        "metrics.json",
        "emoji.json",
        "feeling.keras",
        "feeling_net.npz",  # v4's head (amendment 5); v3's linear heads have their own test
    } <= names
    assert not {"feeling_weights.npy", "polar.keras", "polar_weights.npy"} & names
    assert read_json(out / "metrics.json") == json.loads(json.dumps(metrics))
    config = read_json(out / "config.json")
    assert len(config["data"]["sha256"]) == 64
    assert config["hyperparameters"]["max_words"] == 200
    assert config["data"]["validation_reviews"] == 8
    assert config["lexicon"]["licence"] == "MIT" and config["lexicon"]["entries"] > 7_000
    assert "self_training" not in config  # built, measured, not chosen: off by default
    assert set(config["data"]["goemotions"]) == {
        "group_train.tsv",
        "group_dev.tsv",
        "group_test.tsv",
    }
    assert "CC BY-SA 4.0" in config["lexicon"]["emoji"]["valences"]["data_licence"]
    assert set(metrics["goemotions"]) == {"dev", "dev_vader", "test", "test_vader"}
    assert set(metrics["dev"]["set_mean"]) >= {"short_texts", "short_texts_b"}
    assert metrics["selection"]["neutral_reacted"] == metrics["dev"]["reactions"]["neutral_reacted"]
    index = read_json(out / "word_index.json")
    assert index["<pad>"] == 0 and index["<start>"] == 1 and index["<unk>"] == 2
    assert sorted(index.values()) == list(range(len(index)))


def test_the_tiny_model_learned_the_synthetic_words(trained):
    out, metrics, _ = trained
    assert metrics["test"]["accuracy"] >= 0.9
    predictor = load_predictor(out)
    good, bad = predictor.predict(["a wonderful superb masterpiece", "awful boring terrible"])
    assert (good.label, bad.label) == (POSITIVE, NEGATIVE)
    calm = predictor.predict_one("the meeting is on tuesday in room four")
    assert calm.verdict == "neutral" and good.verdict == "positive"


def test_without_lexicon_and_self_training_it_is_the_v1_recipe(trained, tmp_path):
    _, _, data = trained
    out = tmp_path / "v1-recipe"
    config = dataclasses.replace(SMALL, lexicon=False, self_training=False, baseline=False)
    metrics = train(out, data, config)
    assert not (out / "lexicon.json").exists() and "self_training" not in metrics
    predictor = load_predictor(out)
    assert predictor.lexicon is None
    check_parity(out, vocabulary_texts(predictor, 50, seed=5) + ODD_INPUTS)


def test_self_training_and_the_lexicon_calibration_variant(trained, tmp_path):
    """The two measured-but-not-chosen options still train, record themselves and keep parity."""
    _, _, data = trained
    out = tmp_path / "self-trained"
    config = dataclasses.replace(
        SMALL, self_training=True, lexicon_calibration=True, baseline=False
    )
    metrics = train(out, data, config)
    record = read_json(out / "config.json")
    assert record["self_training"]["unlabelled_reviews"] == 5  # the tiny set's train/unsup
    assert metrics["self_training"] == record["self_training"]
    assert record["serving"]["lexicon_weight"] == 0.0 and "lexicon_scale" in record["serving"]
    texts = vocabulary_texts(load_predictor(out), 100, seed=4) + ODD_INPUTS
    check_parity(out, texts, atol=2e-4)


# v3's heads
LINEAR = {"feeling_head": "linear", "feeling_epochs": 2, "feeling_l2": 1e-4, "feeling_members": 1}


@pytest.mark.parametrize("head", ["net", "linear"])
def test_the_workplace_train_option_joins_the_heads_lines_and_records_the_file(
    trained, tmp_path, head
):
    """On by default (the committed file): its lines join the head's fitting lines (the linear
    pair's: both heads') and config.json keeps the file's sha256; the weights differ from the
    run without it."""
    import hashlib

    import numpy as np

    out, _, data = trained
    chat = tmp_path / "chat.jsonl"
    rows = [
        {"text": "the staging env has been down all week", "label": "negative"},
        {"text": "the deploy is at 3pm", "label": "neutral"},
        {"text": "great release, thanks team", "label": "positive"},
    ] * 4
    chat.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert TrainConfig().workplace_train == "default"  # as shipped it trains with the file
    base = dataclasses.replace(SMALL, baseline=False, **(LINEAR if head == "linear" else {}))
    if head == "linear":
        out = tmp_path / "without"
        train(out, data, base)
    config = dataclasses.replace(base, workplace_train=str(chat), workplace_train_weight=3.0)
    train(tmp_path / "wp", data, config)
    record = read_json(tmp_path / "wp" / "config.json")
    assert record["data"]["workplace_train"] == {
        "path_name": "chat.jsonl",
        "sha256": hashlib.sha256(chat.read_bytes()).hexdigest(),
        "lines": 12,
        "positive": 4,
        "negative": 4,
        "neutral": 4,
    }
    lines = record["feeling"]["lines"]
    assert lines["workplace_train"] == 12
    assert "workplace_train" not in read_json(out / "config.json")["data"]
    if head == "linear":
        assert lines["workplace_train_polar"] == 8
        for name in ("feeling_weights.npy", "polar_weights.npy"):
            assert (tmp_path / "wp" / name).read_bytes() != (out / name).read_bytes()
    else:
        with (
            np.load(out / "feeling_net.npz") as a,
            np.load(tmp_path / "wp" / "feeling_net.npz") as b,
        ):
            assert np.abs(a["w1"] - b["w1"]).max() > 0
    check_parity(tmp_path / "wp", vocabulary_texts(load_predictor(out), 50, seed=6), atol=2e-4)


def test_the_committed_workplace_train_file_is_well_formed():
    from model.training.workplace_lines import DEFAULT_FILE, load_workplace_lines

    lines = load_workplace_lines(DEFAULT_FILE)
    assert len(lines.texts) > 1000
    assert len({t.lower() for t in lines.texts}) == len(lines.texts)


def test_the_tiny_model_passes_the_parity_check(trained):
    out, _, _ = trained
    # The tiny model's calibration fits temperatures in the thousands, which magnify the float32
    # rounding of Keras's feature sums to about 1e-4 near 0.5 (numpy sums in float64).
    texts = vocabulary_texts(load_predictor(out), 200, seed=3) + ODD_INPUTS
    check_parity(out, texts, atol=2e-4)


def test_training_is_reproducible(trained, tmp_path):
    out, metrics, data = trained
    again = train(tmp_path / "again", data, SMALL)
    for section in ("validation", "test", "test_short"):
        assert again[section] == metrics[section]
    for name in ("weights.npy", "emoji.json", "lexicon.json"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes()
    assert_same_net(out, tmp_path / "again")


def test_v3s_linear_heads_still_train_reproducibly(trained, tmp_path):
    """feeling_head=linear (v3's recipe): the pair of linear heads, their files, parity."""
    _, _, data = trained
    config = dataclasses.replace(SMALL, baseline=False, **LINEAR)
    runs = [tmp_path / "linear", tmp_path / "again"]
    for out in runs:
        train(out, data, config)
    names = {p.name for p in runs[0].iterdir()}
    assert {"feeling.keras", "feeling_weights.npy", "polar.keras", "polar_weights.npy"} <= names
    assert "feeling_net.npz" not in names
    assert read_json(runs[0] / "config.json")["feeling"]["polar_head"]
    for name in ("feeling_weights.npy", "polar_weights.npy"):
        assert (runs[1] / name).read_bytes() == (runs[0] / name).read_bytes()
    check_parity(
        runs[0], vocabulary_texts(load_predictor(runs[0]), 100, seed=8) + ODD_INPUTS, atol=2e-4
    )


def test_evaluate_script_prints_figures_and_writes_plots(trained, tmp_path):
    import subprocess
    import sys

    out, _, data = trained
    result = subprocess.run(
        [
            sys.executable,
            "scripts/evaluate.py",
            "--model",
            str(out),
            "--data",
            str(data),
            "--out",
            str(tmp_path),
            "--baseline",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for needle in (
        "official test reviews (n=80)",
        "3-30-word crops of them (n=80)",
        "ECE",
        "actually neg",
        "tutorial baseline, official test reviews (n=80)",
        "bot's default reaction rule",
    ):
        assert needle in text
    for name in ("reliability.png", "scores.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_script_reports_missing_data_in_one_line(trained, tmp_path):
    import subprocess
    import sys

    out, _, _ = trained
    result = subprocess.run(
        [
            sys.executable,
            "scripts/evaluate.py",
            "--model",
            str(out),
            "--data",
            str(tmp_path / "nope.tar.gz"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "download_data.py" in result.stderr


def test_arch_baseline_trains_only_the_tutorial_network(trained, tmp_path):
    import subprocess
    import sys

    _, _, data = trained
    out = tmp_path / "baseline-only"
    result = subprocess.run(
        [
            sys.executable,
            "scripts/train.py",
            "--arch",
            "baseline",
            "--data",
            str(data),
            "--out",
            str(out),
            "--quiet",
            "--set",
            "max_words=200",
            "--set",
            "min_df=1",
            "--set",
            "baseline_words=200",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    names = {p.name for p in out.iterdir()}
    assert {"baseline.keras", "word_index.json", "config.json", "metrics.json"} <= names
    assert "model.keras" not in names and "weights.npy" not in names
    metrics = read_json(out / "metrics.json")
    assert metrics["architecture"] == "baseline"
    assert metrics["test"] == metrics["baseline"]["test"]
    assert read_json(out / "config.json")["architecture"] == "baseline"


def test_train_script_rejects_unknown_settings(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "scripts/train.py", "--set", "nope=1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "unknown setting 'nope'" in result.stderr


def test_the_net_head_writes_its_arrays_matches_keras_and_is_reproducible(trained, tmp_path):
    """feeling_head=net (eval/SELECTION.md amendment 4): one three-way head with a hidden layer
    replaces the two linear heads; serving equals Keras, and a second run the same arrays."""
    from model.predictor import FeelingNet

    _, _, data = trained
    config = dataclasses.replace(
        SMALL, baseline=False, feeling_hidden=8, feeling_dim=3, feeling_members=1
    )
    runs = [tmp_path / "net", tmp_path / "again"]
    for out in runs:
        train(out, data, config)
    out = runs[0]
    names = {p.name for p in out.iterdir()}
    assert {"feeling_net.npz", "feeling.keras"} <= names
    assert not {"feeling_weights.npy", "polar_weights.npy", "polar.keras"} & names
    record = read_json(out / "config.json")["feeling"]
    assert record["kind"] == "net" and (record["dim"], record["hidden"]) == (3, 8)
    assert record["classes"] == ["positive", "negative", "neutral"]
    predictor = load_predictor(out)
    assert isinstance(predictor.feeling, FeelingNet)
    assert predictor.feeling.w1.shape == (3 + 9, 8) and predictor.feeling.w2.shape == (8, 3)
    texts = vocabulary_texts(predictor, 100, seed=5) + ODD_INPUTS
    check_parity(out, texts, atol=2e-4)
    for p in predictor.predict(texts):
        assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-9)
        assert p.verdict == max(p.probabilities, key=p.probabilities.__getitem__)
    assert_same_net(out, runs[1])


def test_an_unknown_feeling_head_is_refused_in_one_line(trained, tmp_path):
    _, _, data = trained
    with pytest.raises(ValueError, match="unknown feeling_head 'mlp': choose from linear, net"):
        train(tmp_path / "x", data, dataclasses.replace(SMALL, feeling_head="mlp"))


def test_averaged_nets_are_one_net_whose_logits_are_the_members_mean() -> None:
    """combine_nets (amendment 5): k nets side by side equal the mean of their logits, so
    serving and feeling.keras stay one net. Members with different weights everywhere."""
    import numpy as np

    from model.training.feeling import batch_logits, combine_nets
    from model.training.network import build_feeling_net

    rng = np.random.default_rng(3)
    members = []
    for _ in range(3):
        m = build_feeling_net(50, 4, dim=2, hidden=5, learning_rate=0.01, l2=0.0)
        for w in (m.bag.e, m.hidden.kernel, m.hidden.bias, m.out.kernel, m.out.bias):
            w.assign(rng.normal(size=w.shape).astype("float32"))
        members.append(m)
    ids = [list(rng.integers(1, 50, size=int(n))) for n in rng.integers(0, 7, size=40)]
    inputs = rng.normal(size=(40, 4)).astype("float32")
    combined = combine_nets(members, 0.01)
    assert combined.bag.e.shape == (50, 6) and combined.hidden.kernel.shape == (6 + 4, 15)
    expected = np.mean([batch_logits(m.train, ids, inputs) for m in members], axis=0)
    got = batch_logits(combined.train, ids, inputs)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # Not just any average: dropping a member changes it.
    two = batch_logits(combine_nets(members[:2], 0.01).train, ids, inputs)
    assert np.abs(got - two).max() > 0.1


def test_net_members_train_from_their_own_seeds_into_one_served_net(trained, tmp_path):
    import numpy as np

    from model.predictor import FeelingNet

    _, _, data = trained
    base = dict(baseline=False, feeling_hidden=8, feeling_dim=3, feeling_members=1)
    single, pair = tmp_path / "one", tmp_path / "two"
    train(single, data, dataclasses.replace(SMALL, **base))
    train(pair, data, dataclasses.replace(SMALL, **{**base, "feeling_members": 2}))
    record = read_json(pair / "config.json")["feeling"]
    assert record["members"] == 2 and len(record["history"]["loss_per_member"]) == 2
    predictor = load_predictor(pair)
    assert isinstance(predictor.feeling, FeelingNet)
    assert predictor.feeling.w1.shape == (2 * 3 + 9, 16) and predictor.feeling.w2.shape == (16, 3)
    check_parity(pair, vocabulary_texts(predictor, 60, seed=7) + ODD_INPUTS, atol=2e-4)
    with np.load(single / "feeling_net.npz") as a, np.load(pair / "feeling_net.npz") as b:
        # Member 0 is the single net; member 1 was trained from another seed.
        np.testing.assert_array_equal(b["embedding"][:, :3], a["embedding"])
        assert np.abs(b["embedding"][:, 3:] - a["embedding"]).max() > 0


def test_net_members_need_the_net_head(trained, tmp_path):
    _, _, data = trained
    with pytest.raises(ValueError, match="feeling_members=2 needs feeling_head=net"):
        train(tmp_path / "x", data, dataclasses.replace(SMALL, **{**LINEAR, "feeling_members": 2}))
