"""Judge trained variants by eval/SELECTION.md; see model/training/variants.py. The bot's Slack
cleaning is passed in from here so that model/ imports nothing from bot/."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.slack.text import clean  # noqa: E402
from model.training.variants import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(clean=clean))
