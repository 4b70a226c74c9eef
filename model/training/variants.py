"""The variants table: every trained variant judged by the rule in eval/SELECTION.md.

    python scripts/variants.py /tmp/variants/*      # artifact directories made by train.py
    python scripts/variants.py --v3 DIR ...         # v3 variants, by amendment 2

Each directory's metrics.json (as ``scripts/train.py`` writes it) gives the IMDB figures; the
dev figures are measured again here, with today's code, for every variant and for v1 (the
reference the rule compares against), so that one table never mixes two measurements.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from model.artifact import METRICS_FILE, V1_ARTIFACT, read_json
from model.training.evaluate import DEV_SETS, dev_report, selection_figures
from model.training.metrics import expected_calibration_error

REFERENCE = V1_ARTIFACT
# The rule's threshold (eval/SELECTION.md): validation accuracy may be this much below v1's.
VAL_TOLERANCE = 0.002
# The ECE a perfectly calibrated model shows on a validation-sized sample (amendment 1), and
# the gate the rule had before it.
OLD_ECE_GATE = 0.015
NOISE_SAMPLE = 2_500
NOISE_TRIALS = 300
NOISE_SEED = 0


def figures(metrics: dict) -> dict:
    """One table row's numbers from a metrics.json (with its dev section)."""
    dev = metrics["dev"]
    return {
        "val": metrics["validation"]["accuracy"],
        "val_ece": metrics["validation"]["ece"],
        "val_short_ece": metrics["validation_short"]["ece"],
        **{name: dev["set_mean"].get(name) for name in DEV_SETS},
        **selection_figures(metrics["validation"]["accuracy"], dev),
        "test": metrics["test"]["accuracy"],
        "test_ece": metrics["test"]["ece"],
        "test_short_ece": metrics["test_short"]["ece"],
    }


def measured(path: Path, clean=None) -> dict:
    """A row: the artifact's metrics.json with its dev figures measured now (after ``clean``)."""
    from model import load_predictor

    dev = dev_report(load_predictor(path), clean=clean)
    return figures({**read_json(path / METRICS_FILE), "dev": dev})


def eligible(row: dict, reference: dict) -> bool:
    """The rule's gates (after amendment 1: no ECE gate on the small validation split)."""
    return (
        row["neutral_reacted"] <= reference["neutral_reacted"]
        and row["val"] >= reference["val"] - VAL_TOLERANCE
    )


def ece_noise(
    size: int = NOISE_SAMPLE, trials: int = NOISE_TRIALS, seed: int = NOISE_SEED
) -> np.ndarray:
    """The ECE of a perfectly calibrated model on ``size`` predictions, once per trial:
    confidences uniform, every label drawn with exactly the stated probability."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(trials):
        scores = rng.uniform(0.0, 1.0, size)
        labels = (rng.random(size) < scores).astype(int)
        values.append(expected_calibration_error(scores, labels))
    return np.array(values)


COLUMNS = (
    ("val", "val acc"),
    ("val_ece", "val ECE"),
    ("val_short_ece", "val-short ECE"),
    ("short_texts", "set A"),
    ("short_texts_b", "set B"),
    ("workplace_chat", "workplace"),
    ("short", "short"),
    ("neutral_reacted", "neutral reactions"),
    ("score", "score"),
)


def table(rows: dict[str, dict], reference: dict) -> str:
    """Markdown, one line per variant, best eligible score marked."""
    best = max(
        (name for name, row in rows.items() if eligible(row, reference)),
        key=lambda name: rows[name]["score"],
        default=None,
    )
    head = ["variant", *[title for _, title in COLUMNS], "eligible"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, row in {"v1 (reference)": reference, **rows}.items():
        cells = [name + (" **chosen**" if name == best else "")]
        for key, _ in COLUMNS:
            value = row[key]
            cells.append(str(value) if isinstance(value, int) else f"{value:.4f}")
        cells.append("yes" if eligible(row, reference) else "no")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# Amendment 2 (the v3 rule): gates and score.
V3_VAL_FLOOR = 0.918
V3_MAX_NEUTRAL_REACTIONS = 0.02
V3_MAX_WRONG_REACTIONS = 0.02
V3_MAX_CLASS_ECE = 0.05


def v3_row(path: Path, clean=None, goemotions_data=None) -> dict:
    """Amendment 2's figures for one artifact: IMDB validation from its metrics.json, GoEmotions
    dev and the workplace three-way file measured now."""
    from model import load_predictor
    from model.training.evaluate import three_way_dev
    from model.training.feeling import goemotions_report

    metrics = read_json(path / METRICS_FILE)
    predictor = load_predictor(path)
    ge = goemotions_report(predictor, goemotions_data, splits=("dev",), vader=False)["dev"]
    wp3 = three_way_dev(predictor, clean=clean) or {}
    row = {
        "val": metrics["validation"]["accuracy"],
        "val_ece": metrics["validation"]["ece"],
        "ge_f1": ge["macro_f1"],
        "ge_ece_max": max(ge["ece"].values()),
        "wp3_f1": wp3.get("macro_f1", float("nan")),
        "wp3_neutral": wp3.get("neutral_reaction_share", float("nan")),
        "wp3_wrong": wp3.get("wrong_reaction_share", float("nan")),
        "test": metrics["test"]["accuracy"],
        "test_ece": metrics["test"]["ece"],
    }
    row["score"] = round(0.5 * row["wp3_f1"] + 0.5 * row["ge_f1"], 5)
    row["eligible"] = (
        row["val"] >= V3_VAL_FLOOR
        and row["wp3_neutral"] <= V3_MAX_NEUTRAL_REACTIONS
        and row["wp3_wrong"] <= V3_MAX_WRONG_REACTIONS
        and row["ge_ece_max"] <= V3_MAX_CLASS_ECE
    )
    return row


V3_COLUMNS = (
    ("val", "val acc"),
    ("val_ece", "val ECE"),
    ("ge_f1", "GoEmotions dev F1"),
    ("ge_ece_max", "worst class ECE"),
    ("wp3_f1", "wp3 F1"),
    ("wp3_neutral", "wp3 neutral reactions"),
    ("wp3_wrong", "wp3 wrong reactions"),
    ("score", "score"),
)


def v3_table(rows: dict[str, dict]) -> str:
    """Markdown for amendment 2's rule, the best eligible score marked."""
    best = max(
        (name for name, row in rows.items() if row["eligible"]),
        key=lambda name: rows[name]["score"],
        default=None,
    )
    head = ["variant", *[title for _, title in V3_COLUMNS], "eligible"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, row in rows.items():
        cells = [name + (" **chosen**" if name == best else "")]
        cells += [f"{row[key]:.4f}" for key, _ in V3_COLUMNS]
        cells.append("yes" if row["eligible"] else "no")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None, clean=None) -> int:
    """Print the variants table for artifact directories made by scripts/train.py."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("runs", nargs="*", type=Path, help="artifact directories")
    parser.add_argument(
        "--v3", action="store_true", help="judge by amendment 2 (three-way verdicts)"
    )
    parser.add_argument(
        "--ece-noise",
        action="store_true",
        help="print the ECE a perfectly calibrated model shows on 2,500 predictions",
    )
    args = parser.parse_args(argv)
    if args.ece_noise:
        values = ece_noise()
        low, median, high = np.percentile(values, [10, 50, 90])
        print(
            f"perfectly calibrated, {NOISE_SAMPLE} predictions, {NOISE_TRIALS} trials: ECE "
            f"10th percentile {low:.4f}, median {median:.4f}, 90th percentile {high:.4f}; "
            f"above {OLD_ECE_GATE} in {(values > OLD_ECE_GATE).mean():.0%} of the trials"
        )
    if not args.runs:
        return 0
    if args.v3:
        print(v3_table({run.name: v3_row(run, clean) for run in args.runs}))
        return 0
    rows = {run.name: measured(run, clean) for run in args.runs}
    print(table(rows, measured(REFERENCE, clean)))
    return 0
