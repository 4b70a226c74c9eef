"""Predict the sentiment of texts with the shipped model (or --model DIR).

    python scripts/predict.py "I loved it" "What a waste of time"
    printf 'great work\\nawful\\n' | python scripts/predict.py --jsonl

With --jsonl, every line of standard input is one text and every output line is one JSON object
(label, confidence, score, known_words, words, key_words), in input order. Any input is answered:
empty lines, emoji, other languages, invalid UTF-8 (decoded with replacement characters), and
very long lines (only the first 20,000 characters are read). TensorFlow is not needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def format_line(prediction, text: str) -> str:
    preview = " ".join(text.split())
    preview = preview if len(preview) <= 60 else preview[:57] + "..."
    why = f"  (because: {', '.join(prediction.key_words)})" if prediction.key_words else ""
    return f"{prediction.label:8s} {prediction.confidence:6.1%}  {preview}{why}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sentiment of texts, one line per text.")
    parser.add_argument("texts", nargs="*", help="texts to classify")
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help="read one text per stdin line, print one JSON object per line",
    )
    parser.add_argument("--model", help="artifact directory (default: the shipped model)")
    args = parser.parse_args(argv)
    if not args.jsonl and not args.texts:
        parser.error('give texts to classify, e.g. predict.py "great work", or use --jsonl')

    from model import load_predictor
    from model.artifact import ArtifactError

    try:
        predictor = load_predictor(args.model)
    except ArtifactError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = sys.stdout
    out.reconfigure(encoding="utf-8", errors="replace")
    if not args.jsonl:
        for text, prediction in zip(args.texts, predictor.predict(args.texts), strict=True):
            out.write(format_line(prediction, text) + "\n")
        return 0
    for raw in sys.stdin.buffer:
        text = raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")
        prediction = predictor.predict_one(text)
        out.write(json.dumps(prediction.to_dict(), ensure_ascii=False) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
