"""Train the sentiment model and write a versioned artifact; see model/training/cli.py."""

import sys

from model.training.cli import train_main

if __name__ == "__main__":
    sys.exit(train_main())
