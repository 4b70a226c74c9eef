"""Print the variants table judged by eval/SELECTION.md; see model/training/variants.py."""

import sys

from model.training.variants import main

if __name__ == "__main__":
    sys.exit(main())
