"""Reply wording and Block Kit shape: label, confidence, key words, or a plain "I can't tell"."""

from __future__ import annotations

import pytest

from bot import replies
from bot.settings import Settings
from model.prediction import Prediction

SETTINGS = Settings()


def pred(label="positive", confidence=0.93, known=10, words=12, key_words=("great", "loved")):
    score = confidence if label == "positive" else 1 - confidence
    return Prediction(label, confidence, score, known, words, list(key_words))


def block_texts(message):
    texts = []
    for block in message["blocks"]:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts.extend(el["text"] for el in block["elements"])
    return texts


def test_confident_result_has_section_context_and_fallback():
    message = replies.result_message(pred(), SETTINGS)
    assert [b["type"] for b in message["blocks"]] == ["section", "context", "context_actions"]
    section, context = block_texts(message)
    assert "*Positive*" in section and "93% confident" in section
    assert ":slightly_smiling_face:" in section
    assert "*great*" in context and "*loved*" in context and "10 of 12 words known" in context
    assert message["text"] == "Positive, 93% confident. Key words: great, loved."


def test_negative_uses_negative_emoji():
    message = replies.result_message(pred("negative", 0.88, key_words=["awful"]), SETTINGS)
    assert ":slightly_frowning_face: *Negative*" in block_texts(message)[0]
    assert message["text"].startswith("Negative, 88% confident.")


def test_unconfident_result_is_only_leaning():
    message = replies.result_message(pred(confidence=0.62), SETTINGS)
    assert message["text"].startswith("Leaning positive, 62% confident.")


def test_too_few_known_words_says_so_instead_of_a_guess():
    message = replies.result_message(pred(confidence=0.97, known=1, words=6), SETTINGS)
    assert "I can't tell" in message["text"] and "1 of the 6 words" in message["text"]
    assert "97%" not in message["text"] and "Positive" not in message["text"]


def test_no_words_at_all():
    message = replies.result_message(pred(known=0, words=0), SETTINGS)
    assert "no words" in message["text"]


def test_quote_is_shown_escaped_and_truncated():
    long_text = "<b> & " + "word " * 200
    message = replies.result_message(pred(), SETTINGS, quote=long_text, quote_intro="<@U1> asked")
    first = block_texts(message)[0]
    assert first.startswith("<@U1> asked: \u201c&lt;b&gt; &amp; word")
    assert len(first) < replies.MAX_QUOTE_CHARS + 60 and first.endswith("\u2026\u201d")


def test_key_words_are_escaped_and_capped():
    words = ["<script>", "a&b"] + [f"w{i}" for i in range(10)]
    message = replies.result_message(pred(key_words=words), SETTINGS)
    context = block_texts(message)[1]
    assert "*&lt;script&gt;*" in context and "*a&amp;b*" in context
    assert context.count("*") == 2 * replies.MAX_KEY_WORDS


@pytest.mark.parametrize(
    ("confidence", "shown"), [(0.5, "50%"), (0.804, "80%"), (0.996, "99%"), (1.0, "100%")]
)
def test_percent(confidence, shown):
    assert replies.percent(confidence) == shown


def test_below_the_threshold_is_only_leaning():
    message = replies.result_message(pred(confidence=0.79), SETTINGS)
    assert message["text"].startswith("Leaning positive, 79% confident")


def test_settings_thresholds_drive_the_wording():
    strict = Settings(reaction_threshold=0.95)
    assert replies.result_message(pred(confidence=0.9), strict)["text"].startswith("Leaning")
    assert replies.result_message(pred(confidence=0.96), strict)["text"].startswith("Positive")


def test_help_mentions_public_flag_and_command_name():
    message = replies.help_message(Settings(sentiment_command="/mood"))
    assert "/mood --public TEXT" in message["text"]
    assert "/mood TEXT" in block_texts(message)[0]


def test_one_number_format_and_one_unit_word_across_replies_digests_and_home():
    """ "1418 messages" vs "1,515 messages" and "pts" vs "points" (issue 16): one of each."""
    import json
    from datetime import date, timedelta

    from bot.digests.messages import digest_message
    from bot.home.view import ChannelMood, home_view
    from bot.mood import replies as mood_replies
    from bot.mood.estimate import ShareSums
    from bot.mood.store import DayCounts
    from bot.mood.summary import summarize

    def day(when: date, messages: int, positive: int, negative: int) -> DayCounts:
        neutral = messages - positive - negative
        sums = ShareSums.of(
            [(1.0, 0.0, 0.0)] * positive + [(0.0, 1.0, 0.0)] * negative + [(0, 0, 1.0)] * neutral
        )
        return DayCounts(when, messages, positive, negative, 9, sums)

    last = date(2026, 3, 29)
    rows = [day(last, 1418, 700, 200), day(last - timedelta(days=7), 1515, 600, 400)]
    summary = summarize(rows, last=last, period_days=7, min_authors=3, min_messages=5)
    reply = mood_replies.summary_text(summary, "C0FORMAT1")
    digest = json.dumps(digest_message(summary, "C0FORMAT1", "digest:x"))
    home = json.dumps(
        home_view([ChannelMood("C0FORMAT1", summary)], opted_out=False, stored_statement="x")
    )
    assert "1,418 messages" in reply and "1,418 messages" in digest and "1,418 messages" in home
    for text in (reply, digest, home):
        assert "1418 messages" not in text and "pts" not in text  # chart values stay numbers
        assert " points" in text
