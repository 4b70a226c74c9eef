"""The training and evaluation commands (``scripts/train.py``, ``scripts/evaluate.py``).

    python scripts/train.py [--data PATH] [--out DIR] [--arch nbbag|baseline] [--set name=value ...]
    python scripts/evaluate.py [--model DIR] [--data PATH] [--out reports/] [--baseline]

Training defaults: the dataset named by IMDB_DATA, the shipped artifact directory, the shipped
hyper-parameters (``model.training.train.TrainConfig``); it prints the measured metrics.
Evaluation prints accuracy, precision, recall, F1, confusion matrix and expected calibration
error (10 bins) on the official test split and short crops of it, accuracy on each hand-written
dev file in eval/, and what the bot's reaction rule does on them; it writes reliability.png and
scores.png to --out.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from pathlib import Path

# Before anything imports TensorFlow: its C++ start-up chatter is not for the user.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
TRUE_WORDS = ("1", "true", "yes")


def parse_overrides(pairs: list[str]) -> dict:
    """``NAME=VALUE`` pairs as TrainConfig fields, each value parsed as its default's type."""
    from model.training.train import TrainConfig

    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    out = {}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"error: unknown setting {name!r}; choose from {', '.join(fields)}")
        default = getattr(TrainConfig(), name)
        if isinstance(default, bool):
            out[name] = raw.lower() in TRUE_WORDS
        elif isinstance(default, str):
            out[name] = raw
        elif raw.lower() == "none":
            out[name] = None
        elif isinstance(default, float):
            out[name] = float(raw)
        else:
            out[name] = int(raw)
    return out


def train_main(argv: list[str] | None = None, clean=None) -> int:
    """Train the sentiment model and write a versioned artifact.

    ``clean``: the text cleaning dev-set reactions are measured after (scripts/train.py passes
    the bot's Slack cleaning).
    """
    from model.artifact import DEFAULT_ARTIFACT
    from model.data import DataError
    from model.goemotions import GoEmotionsError
    from model.training.train import ARCHITECTURES, NBBAG
    from model.training.workplace_lines import WorkplaceLinesError

    parser = argparse.ArgumentParser(description=train_main.__doc__)
    parser.add_argument("--data", help="aclImdb_v1.tar.gz or aclImdb/ (default: $IMDB_DATA)")
    parser.add_argument("--out", default=str(DEFAULT_ARTIFACT), help="artifact directory")
    parser.add_argument(
        "--goemotions", help="GoEmotions folder (default: $GOEMOTIONS_DATA, else data/goemotions)"
    )
    parser.add_argument(
        "--arch",
        choices=ARCHITECTURES,
        default=NBBAG,
        help="nbbag: the default network (with the tutorial baseline beside it); "
        "baseline: only the Keras tutorial network",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a hyper-parameter, e.g. --set epochs=2",
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO, format="%(asctime)s %(message)s"
    )
    from model.training.train import TrainConfig, train

    config = TrainConfig(**{"arch": args.arch, **parse_overrides(args.set)})
    try:
        metrics = train(args.out, args.data, config, args.goemotions, clean)
    except (DataError, GoEmotionsError, WorkplaceLinesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(metrics, indent=2))
    return 0


def print_report(name: str, report: dict) -> None:
    """One classification report as a few aligned lines."""
    c = report["confusion"]
    print(f"{name} (n={report['n']})")
    print(
        f"  accuracy {report['accuracy']:.4f}  precision {report['precision']:.4f}  "
        f"recall {report['recall']:.4f}  F1 {report['f1']:.4f}  ECE {report['ece']:.4f}"
    )
    print("  confusion      predicted neg  predicted pos")
    print(f"  actually neg   {c['tn']:>13}  {c['fp']:>13}")
    print(f"  actually pos   {c['fn']:>13}  {c['tp']:>13}")


def print_dev_accuracy(title: str, accuracy: dict[str, float]) -> None:
    """Accuracy per dev file and their mean."""
    print(title)
    for name, value in accuracy.items():
        print(f"  {name:32s} {value:.3f}")
    print(f"  {'mean of the files':32s} {sum(accuracy.values()) / len(accuracy):.3f}")


def evaluate_main(argv: list[str] | None = None, clean=None) -> int:
    """Evaluate a model artifact on the official IMDB test split and on short crops of it,
    the dev sets and GoEmotions (three-way, beside VADER)."""
    parser = argparse.ArgumentParser(description=evaluate_main.__doc__)
    parser.add_argument("--model", help="artifact directory (default: the shipped model)")
    parser.add_argument("--data", help="aclImdb_v1.tar.gz or aclImdb/ (default: $IMDB_DATA)")
    parser.add_argument("--out", default=str(REPORTS_DIR), help="folder for the PNG files")
    parser.add_argument(
        "--goemotions", help="GoEmotions folder (default: $GOEMOTIONS_DATA, else data/goemotions)"
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also measure the artifact's tutorial baseline (needs TensorFlow)",
    )
    args = parser.parse_args(argv)

    from model import load_predictor
    from model.artifact import ArtifactError
    from model.data import DataError, load_imdb
    from model.training.evaluate import (
        dev_accuracy,
        reaction_counts,
        scores_and_labels,
        short_crops,
        three_way_dev,
    )
    from model.training.metrics import classification_report

    try:
        predictor = load_predictor(args.model)
        test = load_imdb(args.data, splits=("test",))["test"]
    except (ArtifactError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    series = scores_and_labels(predictor, test.texts, test.labels)
    names = {"test": "official test reviews", "test_short": "3-30-word crops of them"}
    for key, (scores, labels) in series.items():
        print_report(names[key], classification_report(scores, labels))
    dev = dev_accuracy(predictor)
    if dev:
        print_dev_accuracy("hand-written short texts (accuracy):", dev)
        rule = reaction_counts(predictor, clean=clean)
        print(
            f"bot's default reaction rule: reacts to {rule['reacted']} of {rule['labelled']} "
            f"labelled short texts, {rule['reacted_right']} of them correctly; reacts to "
            f"{rule['neutral_reacted']} of {rule['neutral']} neutral chat messages"
        )
    three = three_way_dev(predictor, clean=clean)
    if three:
        print(
            f"workplace three-way ({three['n']} lines): macro F1 {three['macro_f1']:.4f}; "
            f"reactions on {three['neutral_reacted']} of {three['neutral_lines']} neutral lines "
            f"({three['neutral_reaction_share']:.1%}); wrong-polarity reactions on "
            f"{three['polar_reacted_wrong']} of {three['polar_lines']} polar lines "
            f"({three['wrong_reaction_share']:.1%})"
        )
    if getattr(predictor, "feeling", None) is not None:
        from model.goemotions import GoEmotionsError
        from model.training.feeling import goemotions_report

        try:
            report = goemotions_report(predictor, args.goemotions)
        except GoEmotionsError as exc:
            print(f"GoEmotions skipped: {exc}")
        else:
            for split in ("dev", "test"):
                r, v = report[split], report[f"{split}_vader"]
                print(
                    f"GoEmotions {split} three-class ({r['n']} lines): macro F1 "
                    f"{r['macro_f1']:.4f} (VADER, compound +-{v['threshold']}: "
                    f"{v['macro_f1']:.4f}); ECE per class {r['ece']}"
                )

    if args.baseline:
        from model.training.baseline import BaselinePredictor

        baseline = BaselinePredictor(args.model)
        for key, (_, labels) in series.items():
            texts = test.texts if key == "test" else short_crops(test.texts, test.labels)[0]
            print_report(
                f"tutorial baseline, {names[key]}",
                classification_report(baseline.scores(texts), labels),
            )
        print_dev_accuracy(
            "tutorial baseline, hand-written short texts (accuracy):", dev_accuracy(baseline)
        )

    from model.training.plots import reliability_diagram, score_histogram

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    labelled = {names[k]: v for k, v in series.items()}
    reliability_diagram(labelled, out / "reliability.png")
    score_histogram(labelled, out / "scores.png")
    print(f"wrote {out / 'reliability.png'} and {out / 'scores.png'}")
    return 0
