"""Evaluate a model artifact on the IMDB test split and the dev sets; see model/training/cli.py."""

import sys

from model.training.cli import evaluate_main

if __name__ == "__main__":
    sys.exit(evaluate_main())
