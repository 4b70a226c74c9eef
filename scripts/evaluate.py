"""Evaluate a model artifact on the official IMDB test split and on short crops of it.

    python scripts/evaluate.py [--model DIR] [--data PATH] [--out reports/]

Prints accuracy, precision, recall, F1, confusion matrix and expected calibration error
(10 bins); writes reliability.png and scores.png to --out. With the hand-written short texts
in eval/short_texts*/ present, also prints accuracy on each of those files.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO / "eval"


def print_report(name: str, report: dict) -> None:
    c = report["confusion"]
    print(f"{name} (n={report['n']})")
    print(
        f"  accuracy {report['accuracy']:.4f}  precision {report['precision']:.4f}  "
        f"recall {report['recall']:.4f}  F1 {report['f1']:.4f}  ECE {report['ece']:.4f}"
    )
    print("  confusion      predicted neg  predicted pos")
    print(f"  actually neg   {c['tn']:>13}  {c['fp']:>13}")
    print(f"  actually pos   {c['fn']:>13}  {c['tp']:>13}")


def print_short_texts(title: str, accuracy: dict[str, float]) -> None:
    print(title)
    for name, value in accuracy.items():
        print(f"  {name:32s} {value:.3f}")
    print(f"  {'mean of the files':32s} {sum(accuracy.values()) / len(accuracy):.3f}")


def short_text_files(folder: Path = EVAL) -> dict[str, list[dict]]:
    """The hand-written short texts (eval/short_texts*/*.jsonl), by "folder/file" name."""
    return {
        f"{path.parent.name}/{path.stem}": [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        for path in sorted(folder.glob("short_texts*/*.jsonl"))
    }


def short_text_accuracy(predictor, folder: Path = EVAL) -> dict[str, float]:
    """Accuracy on each file of labelled (positive/negative) short texts."""
    out = {}
    for name, rows in short_text_files(folder).items():
        rows = [r for r in rows if r["label"] in ("positive", "negative")]
        if rows:
            predictions = predictor.predict([r["text"] for r in rows])
            out[name] = sum(
                p.label == r["label"] for p, r in zip(predictions, rows, strict=True)
            ) / len(rows)
    return out


def reaction_rule(predictor, folder: Path = EVAL) -> dict[str, int]:
    """What the bot's default reaction rule does on the short texts: how often, how right.

    Texts go through the bot's own Slack cleaning and its reaction rule (``model.verdict``), with
    the default settings.
    """
    from bot.slack.text import clean
    from model.verdict import Verdict, VerdictRule

    rule = VerdictRule()

    def is_confident(prediction) -> bool:
        return rule.decide(prediction) is Verdict.REACT

    rows = [row for rows in short_text_files(folder).values() for row in rows]
    predictions = predictor.predict([clean(r["text"]) for r in rows])
    labelled = [(p, r) for p, r in zip(predictions, rows, strict=True) if r["label"] != "neutral"]
    neutral = [p for p, r in zip(predictions, rows, strict=True) if r["label"] == "neutral"]
    reacted = [(p, r) for p, r in labelled if is_confident(p)]
    return {
        "labelled": len(labelled),
        "reacted": len(reacted),
        "reacted_right": sum(p.label == r["label"] for p, r in reacted),
        "neutral": len(neutral),
        "neutral_reacted": sum(is_confident(p) for p in neutral),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory (default: the shipped model)")
    parser.add_argument("--data", help="aclImdb_v1.tar.gz or aclImdb/ (default: $IMDB_DATA)")
    parser.add_argument("--out", default=str(REPO / "reports"), help="folder for the PNG files")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also measure the artifact's tutorial baseline (needs TensorFlow)",
    )
    args = parser.parse_args(argv)

    from model import load_predictor
    from model.artifact import ArtifactError
    from model.data import DataError, load_imdb
    from model.evaluate import scores_and_labels, short_crops
    from model.metrics import classification_report

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
    short = short_text_accuracy(predictor)
    if short:
        print_short_texts("hand-written short texts (accuracy):", short)
        rule = reaction_rule(predictor)
        print(
            f"bot's default reaction rule: reacts to {rule['reacted']} of {rule['labelled']} "
            f"labelled short texts, {rule['reacted_right']} of them correctly; reacts to "
            f"{rule['neutral_reacted']} of {rule['neutral']} neutral chat messages"
        )

    if args.baseline:
        from model.baseline import BaselinePredictor

        baseline = BaselinePredictor(args.model)
        for key, (_, labels) in series.items():
            texts = test.texts if key == "test" else short_crops(test.texts, test.labels)[0]
            print_report(
                f"tutorial baseline, {names[key]}",
                classification_report(baseline.scores(texts), labels),
            )
        short = short_text_accuracy(baseline)
        print_short_texts("tutorial baseline, hand-written short texts (accuracy):", short)

    from model.plots import reliability_diagram, score_histogram

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    labelled = {names[k]: v for k, v in series.items()}
    reliability_diagram(labelled, out / "reliability.png")
    score_histogram(labelled, out / "scores.png")
    print(f"wrote {out / 'reliability.png'} and {out / 'scores.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
