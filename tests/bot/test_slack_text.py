"""Slack markup is removed before the model sees a message; the command's flags are parsed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.text import clean, mentions_user, parse_command, unescape


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<@U123ABC> great job", "great job"),
        ("<@U123ABC|alice> great job", "great job"),
        ("see <#C01|general> now", "see now"),
        ("read <https://example.com|the release notes> today", "read the release notes today"),
        ("read <https://example.com> today", "read today"),
        ("<mailto:a@b.c|write to us> please", "write to us please"),
        ("<!here> lunch is ready", "lunch is ready"),
        ("<!channel> <!everyone> <!subteam^S1|@devs> ship it", "ship it"),
        ("due <!date^1392734382^{date}|Feb 18, 2014> ok", "due Feb 18, 2014 ok"),
        ("fish &amp; chips &lt;3 a &gt; b", "fish & chips heart a b"),  # no "<" for the model
        ("I &lt;3 this movie, best ever &gt; the rest", "I heart this movie, best ever the rest"),
        ("&amp;lt; stays", "&lt; stays"),
        ("run `rm -rf /` carefully", "run carefully"),
        ("before ```def f():\n    return 'awful'``` after", "before after"),
        ("unclosed ```code awful", "unclosed"),
        ("&gt; the build is broken\nno it is fine", "no it is fine"),
        ("> quoted raw\nmine", "mine"),
        ("mine\n&gt;&gt;&gt; everything\nafter is quoted", "mine"),
        ("so happy :tada: :+1::skin-tone-2: :smile:", "so happy :tada: :+1: :smile:"),
        ("meh :slightly_frowning_face: :-1:", "meh :slightly_frowning_face: :-1:"),
        (":raised_hands: :raised_hands:", ":raised_hands: :raised_hands:"),
        ("this launch is :fire::fire:", "this launch is :fire: :fire:"),
        ("*great* :party-parrot: :this-is-fine:", "great :party-parrot: :this-is-fine:"),
        ("standup at 10:30:45", "standup at 10:30:45"),
        ("*bold* _italic_ ~strike~ snake_case", "bold italic strike snake_case"),
        ("  lots\n\tof   space  ", "lots of space"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_removes_slack_markup(raw, expected):
    assert clean(raw) == expected


def test_unescape_order():
    assert unescape("&amp;amp; &lt;b&gt;") == "&amp; <b>"


@given(st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), max_size=200))
def test_plain_words_pass_through_unchanged_apart_from_spacing(text):
    assert clean(text) == " ".join(text.split())


@given(st.text(max_size=300))
def test_clean_never_leaves_mentions_or_links(text):
    out = clean(text)
    # No Slack token and no angle bracket survives (the model would read "<..." as an HTML
    # tag), and the result is trimmed with single spaces.
    assert "<" not in out and ">" not in out
    assert out == out.strip() and "  " not in out and "\n" not in out


@given(st.text(max_size=200))
def test_clean_is_idempotent_on_its_own_output_modulo_entities(text):
    once = clean(text)
    if "&" not in once:
        assert clean(once) == once


def test_mentions_user():
    assert mentions_user("hey <@UBOT> there", "UBOT")
    assert mentions_user("hey <@UBOT|sentiment> there", "UBOT")
    assert not mentions_user("hey <@UBOTX> there", "UBOT")
    assert not mentions_user("hey there", "UBOT")
    assert not mentions_user("hey <@UBOT>", None)


@pytest.mark.parametrize(
    ("text", "help_", "public", "rest"),
    [
        ("", True, False, ""),
        ("   ", True, False, ""),
        ("help", True, False, ""),
        ("HELP", True, False, ""),
        ("--help", True, False, ""),
        ("this is great", False, False, "this is great"),
        ("--public this is great", False, True, "this is great"),
        ("this is great --public", False, True, "this is great"),
        ("\u2014public autocorrected dash", False, True, "autocorrected dash"),
        ("--publicity matters", False, False, "--publicity matters"),
        ("help me understand this", False, False, "help me understand this"),
    ],
)
def test_parse_command(text, help_, public, rest):
    args = parse_command(text)
    assert (args.help, args.public, args.text) == (help_, public, rest)
