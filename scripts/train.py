"""Train the sentiment model; see model/training/cli.py.

Dev-set reactions are measured after the bot's own Slack cleaning, passed in from here so that
model/ imports nothing from bot/.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.slack.text import clean  # noqa: E402
from model.training.cli import train_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(train_main(clean=clean))
