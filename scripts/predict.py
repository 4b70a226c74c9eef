"""Predict the sentiment of texts with the shipped model (or --model DIR); see model/cli.py."""

import sys

from model.cli import main

if __name__ == "__main__":
    sys.exit(main())
