"""Train the sentiment model and write a versioned artifact.

    python scripts/train.py [--data PATH] [--out DIR] [--arch nbbag|baseline] [--set name=value ...]

Defaults: the dataset named by IMDB_DATA, the shipped artifact directory, the shipped
hyper-parameters (model.train.TrainConfig). Prints the measured metrics.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_overrides(pairs: list[str]) -> dict:
    from model.train import TrainConfig

    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    out = {}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"error: unknown setting {name!r}; choose from {', '.join(fields)}")
        default = getattr(TrainConfig(), name)
        if isinstance(default, bool):
            out[name] = raw.lower() in ("1", "true", "yes")
        elif isinstance(default, str):
            out[name] = raw
        elif raw.lower() == "none":
            out[name] = None
        elif isinstance(default, float):
            out[name] = float(raw)
        else:
            out[name] = int(raw)
    return out


def main(argv: list[str] | None = None) -> int:
    from model.artifact import DEFAULT_ARTIFACT
    from model.data import DataError
    from model.train import ARCHITECTURES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="aclImdb_v1.tar.gz or aclImdb/ (default: $IMDB_DATA)")
    parser.add_argument("--out", default=str(DEFAULT_ARTIFACT), help="artifact directory")
    parser.add_argument(
        "--arch",
        choices=ARCHITECTURES,
        default="nbbag",
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
    from model.train import TrainConfig, train

    config = TrainConfig(**{"arch": args.arch, **parse_overrides(args.set)})
    try:
        metrics = train(args.out, args.data, config)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
