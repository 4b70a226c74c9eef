"""The predict command (``scripts/predict.py``): sentiment of texts with the shipped model.

    python scripts/predict.py "I loved it" "What a waste of time"
    printf 'great work\\nawful\\n' | python scripts/predict.py --jsonl

With --jsonl, every line of standard input is one text and every output line is one JSON object
(label, confidence, score, known_words, words, key_words, verdict, probabilities), in input
order. Any input is answered:
empty lines, emoji, other languages, invalid UTF-8 (decoded with replacement characters), and
very long lines (only the first 20,000 characters are read). TensorFlow is not needed.
"""

from __future__ import annotations

import argparse
import json
import sys

from model.prediction import Prediction

PREVIEW_CHARS = 60


def format_line(prediction: Prediction, text: str) -> str:
    """Label, confidence, the three-way verdict, the start of the text and its key words."""
    preview = " ".join(text.split())
    if len(preview) > PREVIEW_CHARS:
        preview = preview[: PREVIEW_CHARS - 3] + "..."
    why = f"  (because: {', '.join(prediction.key_words)})" if prediction.key_words else ""
    p = prediction.probabilities
    three = (
        f"  [{prediction.verdict} {p.get('positive', 0):.0%}+ {p.get('negative', 0):.0%}- "
        f"{p.get('neutral', 0):.0%}=]"
        if p
        else ""
    )
    return f"{prediction.label:8s} {prediction.confidence:6.1%}{three}  {preview}{why}"


def main(argv: list[str] | None = None) -> int:
    """Sentiment of texts, one line per text."""
    parser = argparse.ArgumentParser(description=main.__doc__)
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
