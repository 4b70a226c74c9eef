"""Measuring a predictor: labelled reviews, short crops of them, and the hand-written dev sets.

Training writes these figures into ``metrics.json``; ``scripts/evaluate.py`` and the dataset
test recompute them the same way, so a shipped number can always be checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from model.prediction import NEGATIVE, POSITIVE
from model.text import tokenize
from model.training import crops
from model.training.metrics import classification_report
from model.verdict import Verdict, VerdictRule

EVAL_CROP_SEED = 4321
EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
# The hand-written dev files: eval/<set>/<file>.jsonl, one {"text", "label"} object per line.
DEV_FILES = "*/*.jsonl"
NEUTRAL = "neutral"
# The three-way workplace dev file (amendment 2): scored by verdict, not in the v2 figures.
THREE_WAY_FILE = "workplace_chat/workplace_three_way"
Clean = Callable[[str], str]


def _identity(text: str) -> str:
    return text


def short_crops(
    texts: Sequence[str], labels: Sequence[int], seed: int = EVAL_CROP_SEED
) -> tuple[list[str], list[int]]:
    """One 3-30-word crop of every review, as text, labelled with its review's label."""
    token_lists = [tokenize(t) for t in texts]
    crop_tokens, crop_labels = crops.crops(token_lists, list(labels), 1, seed)
    return [" ".join(t) for t in crop_tokens], crop_labels


def scores_and_labels(
    predictor, texts: Sequence[str], labels: Sequence[int], seed: int = EVAL_CROP_SEED
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """P(positive) and labels for the full reviews ("test") and their crops ("test_short")."""
    short_texts, short_labels = short_crops(texts, labels, seed)
    return {
        "test": (predictor.scores(list(texts)), np.asarray(labels)),
        "test_short": (predictor.scores(short_texts), np.asarray(short_labels)),
    }


def evaluate(
    predictor, texts: Sequence[str], labels: Sequence[int], seed: int = EVAL_CROP_SEED
) -> dict[str, dict]:
    """The ``test`` and ``test_short`` sections of metrics.json."""
    return {
        name: classification_report(scores, truth)
        for name, (scores, truth) in scores_and_labels(predictor, texts, labels, seed).items()
    }


def dev_files(folder: Path = EVAL_DIR) -> dict[str, list[dict]]:
    """The hand-written dev texts (eval/*/*.jsonl), by "folder/file" name, sorted."""
    return {
        f"{path.parent.name}/{path.stem}": [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        for path in sorted(folder.glob(DEV_FILES))
        if f"{path.parent.name}/{path.stem}" != THREE_WAY_FILE
    }


def dev_accuracy(predictor, folder: Path = EVAL_DIR) -> dict[str, float]:
    """Accuracy on each dev file's labelled (positive/negative) texts."""
    out = {}
    for name, rows in dev_files(folder).items():
        rows = [r for r in rows if r["label"] in (POSITIVE, NEGATIVE)]
        if rows:
            predictions = predictor.predict([r["text"] for r in rows])
            right = sum(p.label == r["label"] for p, r in zip(predictions, rows, strict=True))
            out[name] = right / len(rows)
    return out


def reaction_counts(
    predictor,
    folder: Path = EVAL_DIR,
    rule: VerdictRule | None = None,
    clean: Clean | None = None,
) -> dict[str, int]:
    """What the bot's reaction rule does on the dev texts: how often it reacts, how rightly.

    Texts go through ``clean`` (the caller passes the bot's Slack cleaning: model/ imports
    nothing from bot/) and ``model.verdict``, the rule the bot reacts by.
    """
    clean = clean or _identity
    rule = rule or VerdictRule()
    rows = [row for rows in dev_files(folder).values() for row in rows]
    predictions = predictor.predict([clean(r["text"]) for r in rows])
    reacts = [rule.decide(p) is Verdict.REACT for p in predictions]
    labelled = [
        (p, r, react)
        for p, r, react in zip(predictions, rows, reacts, strict=True)
        if r["label"] != NEUTRAL
    ]
    neutral = [react for r, react in zip(rows, reacts, strict=True) if r["label"] == NEUTRAL]
    return {
        "labelled": len(labelled),
        "reacted": sum(react for _, _, react in labelled),
        "reacted_right": sum(react and p.label == r["label"] for p, r, react in labelled),
        "neutral": len(neutral),
        "neutral_reacted": sum(neutral),
    }


# The selection rule of eval/SELECTION.md: these folders' means weigh equally in "short".
DEV_SETS = ("short_texts", "short_texts_b", "workplace_chat")
VALIDATION_WEIGHT = 0.5


def three_way_dev(
    predictor, folder: Path = EVAL_DIR, clean: Clean | None = None, rule: VerdictRule | None = None
) -> dict | None:
    """Amendment 2's workplace figures: macro F1 of the verdict, reactions on neutral lines and
    wrong-polarity reactions on polar lines, after ``clean``; None without the file."""
    from model.training.feeling import three_class_report

    path = folder / f"{THREE_WAY_FILE}.jsonl"
    if not path.is_file():
        return None
    clean = clean or _identity
    rule = rule or VerdictRule()
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    texts = [clean(r["text"]) for r in rows]
    report = three_class_report(predictor, texts, [r["label"] for r in rows])
    predictions = predictor.predict(texts)
    reacts = [rule.decide(p) is Verdict.REACT for p in predictions]
    neutral = [x for x, r in zip(reacts, rows, strict=True) if r["label"] == NEUTRAL]
    polar = [
        (x, p, r)
        for x, p, r in zip(reacts, predictions, rows, strict=True)
        if r["label"] != NEUTRAL
    ]
    wrong = sum(x and p.verdict != r["label"] for x, p, r in polar)
    right = sum(x and p.verdict == r["label"] for x, p, r in polar)
    return {
        **report,
        "neutral_lines": len(neutral),
        "neutral_reacted": sum(neutral),
        "neutral_reaction_share": round(sum(neutral) / max(1, len(neutral)), 5),
        "polar_lines": len(polar),
        "polar_reacted_right": right,
        "polar_reacted_wrong": wrong,
        "wrong_reaction_share": round(wrong / max(1, len(polar)), 5),
    }


def dev_report(predictor, folder: Path = EVAL_DIR, clean: Clean | None = None) -> dict:
    """The dev-set section of metrics.json: accuracy per file and per set, reactions."""
    accuracy = dev_accuracy(predictor, folder)
    if not accuracy:
        return {}
    sets = {
        name: float(np.mean([v for k, v in accuracy.items() if k.split("/")[0] == name]))
        for name in DEV_SETS
        if any(k.split("/")[0] == name for k in accuracy)
    }
    return {
        "accuracy": {name: round(value, 5) for name, value in accuracy.items()},
        "set_mean": {name: round(value, 5) for name, value in sets.items()},
        "file_mean": round(float(np.mean(list(accuracy.values()))), 5),
        "reactions": reaction_counts(predictor, folder, clean=clean),
        "three_way": three_way_dev(predictor, folder, clean),
    }


def selection_figures(validation_accuracy: float, dev: dict) -> dict:
    """val, short (the mean of the dev sets' means) and their weighted score (SELECTION.md)."""
    short = float(np.mean(list(dev["set_mean"].values())))
    score = VALIDATION_WEIGHT * validation_accuracy + (1 - VALIDATION_WEIGHT) * short
    return {
        "val": validation_accuracy,
        "short": round(short, 5),
        "score": round(score, 5),
        "neutral_reacted": dev["reactions"]["neutral_reacted"],
    }
