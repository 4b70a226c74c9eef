"""Download the IMDB Large Movie Review Dataset v1.0; see model/download.py."""

import sys

from model.download import main

if __name__ == "__main__":
    sys.exit(main())
