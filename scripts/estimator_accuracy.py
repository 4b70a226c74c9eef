"""Weekly error and interval coverage of the mood share estimator on labelled synthetic channels.

    python scripts/estimator_accuracy.py                          # the shipped model
    python scripts/estimator_accuracy.py --probabilities-from v2  # DRY RUN from today's model
    python scripts/estimator_accuracy.py --dev-score SHIPPED DIR ...  # eval/SELECTION.md amend. 3
    python scripts/estimator_accuracy.py --dev-score SHIPPED DIR ... --rule amendment4
    python scripts/estimator_accuracy.py --dev-score SHIPPED DIR ... --rule amendment5

See benchmarks/estimator_accuracy.py for the method and docs/estimates.md for the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.estimator_accuracy import (
    changed_settings,
    choose,
    choose_net,
    dev_score,
    dev_score_table,
    format_report,
    net_size,
    run,
)


def dev_scores(
    artifacts: list[Path], weeks: int, seed: int, out: Path | None, rule: str = "amendment3"
) -> None:
    """Amendment 3 (or 4, 5): each artifact's dev-only score and amendment 2's gates; the first
    artifact is the shipped model the others must beat."""
    from bot.slack.text import clean
    from model.training.variants import v3_row

    shipped = artifacts[0]
    rows = {}
    for path in artifacts:
        gates = v3_row(path, clean)
        gates["amendment2_score"] = gates.pop("score")  # not amendment 3's score
        row = {**gates, **dev_score(str(path.resolve()), weeks=weeks, seed=seed)}
        row["changes"] = changed_settings(path, shipped)
        row["size"] = net_size(path)
        rows[path.name] = row
        print(
            f"{path.name}: dev score {row['score']:.3f}, GE-dev section {row['ge_section']:.3f}",
            file=sys.stderr,
            flush=True,
        )
    winner, why = (choose if rule == "amendment3" else choose_net)(rows, shipped.name)
    print(dev_score_table(rows, winner))
    print(f"\nrule: {why}; chosen: {winner}")
    if out is not None:
        out.write_text(json.dumps(rows, indent=2, default=str) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--probabilities-from",
        choices=("v3", "v2"),
        default="v3",
        help="v3: the artifact's three-way prediction.probabilities (models from v3 on; "
        "default the shipped model); v2: a dry run deriving three-way "
        "probabilities from the binary model (not a measurement of the real estimator)",
    )
    parser.add_argument("--artifact", help="model artifact folder (default: the version's)")
    parser.add_argument(
        "--clean-module",
        type=Path,
        help="bot/slack/text.py of the model's tree, when it cleans Slack text differently",
    )
    parser.add_argument("--weeks", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--calibration-out", type=Path, help="write the fitted Calibration JSON")
    parser.add_argument("--json", type=Path, help="also write the full report as JSON")
    parser.add_argument(
        "--dev-score",
        nargs="+",
        type=Path,
        metavar="ARTIFACT",
        help="eval/SELECTION.md amendment 3: score v3 artifacts on dev data only (the first is "
        "the shipped model) and apply the rule; reads neither GoEmotions test nor "
        "workplace_three_way.jsonl for the score (the gates read the latter, as in amendment 2)",
    )
    parser.add_argument(
        "--rule",
        choices=("amendment3", "amendment4", "amendment5"),
        default="amendment3",
        help="with --dev-score: which eval/SELECTION.md rule chooses (amendment4: the "
        "GoEmotions-dev section, for the three-way net candidates; amendment5: the same rule, "
        "for averaged nets)",
    )
    args = parser.parse_args(argv)
    if args.dev_score:
        dev_scores(args.dev_score, args.weeks, args.seed, args.json, args.rule)
        return 0
    if args.probabilities_from == "v2":
        print("DRY RUN: three-way probabilities derived from v2's binary score\n", file=sys.stderr)
    report = run(
        args.probabilities_from,
        args.artifact,
        weeks=args.weeks,
        seed=args.seed,
        calibration_out=args.calibration_out,
        clean_module=args.clean_module,
    )
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
