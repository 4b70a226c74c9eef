"""Team language: the emoji, slang and jargon that mean something else at work.

General-purpose sentiment sources were built on tweets and reviews. At work "🔥" and "killing
it" are praise, "kill -9 the worker" is an instruction, and "fixed the bug that was killing
performance" is good news. Each entry here says why it exists; tests/model/test_workplace.py
checks every phrase the issue names. Pure data and one pure function: serving never needs it
at run time except ``rewrite_jargon`` (the tokenizer's last step); the valences below are merged
into the artifact's lexicon when it is trained.
"""

from __future__ import annotations

# Emoji valences on VADER's scale (-4..4), by Slack shortcode name. They override the Emoji
# Sentiment Ranking (tweets, 2015) where work use differs, and cover Slack's own custom names.
EMOJI_OVERRIDES: dict[str, float] = {
    "fire": 2.5,  # "this launch is 🔥": praise at work (the ranking has it near neutral)
    "tada": 3.0,  # a celebration
    "raised_hands": 2.5,  # "hooray"
    "clap": 2.5,
    "rocket": 2.5,  # a launch went well
    "100": 2.5,  # "completely agree"
    "muscle": 2.0,
    "star-struck": 2.5,
    "white_check_mark": 1.0,  # done, approved: mildly positive
    "heavy_check_mark": 1.0,
    "+1": 2.0,  # approval
    "-1": -2.0,  # disapproval
    "thumbsup": 2.0,
    "thumbsdown": -2.0,
    "rage": -3.0,
    "angry": -2.5,
    "face_with_symbols_on_mouth": -3.0,
    "sob": -2.5,  # at work: dismay, not tears of joy
    "cry": -2.0,
    "disappointed": -2.0,
    "facepalm": -2.0,
    "face_palm": -2.0,
    "skull": -1.0,  # "I'm dead": mostly exasperation in team chat
    "x": -1.5,  # failed check
    "red_circle": -1.0,  # a red build
    "rotating_light": -1.5,  # an alert
    "boom": -1.0,  # something blew up
    "sweat_smile": 0.5,
    "eyes": 0.0,  # "looking at it": not a feeling
    "thinking_face": 0.0,
    "joy": 1.5,  # laughing along
    "party-parrot": 3.0,  # Slack's classic custom celebration emoji
    "partyparrot": 3.0,
    "party_parrot": 3.0,
    "this-is-fine": -2.5,  # the dog in the burning room: things are not fine
    "thisisfine": -2.5,
    "this_is_fine": -2.5,
    "shipit": 2.0,  # GitHub's squirrel: "ship it"
    "lgtm": 2.0,
    "sadparrot": -2.0,
    "sad_parrot": -2.0,
}

# Phrases (as project tokens) and their valences. A phrase wins over the words inside it, so
# "killing it" (+3) replaces VADER's "killing" (-3.4) and "dead code" (0) replaces "dead".
PHRASES: dict[str, float] = {
    # Slang praise.
    "crushed it": 3.0,
    "crushing it": 3.0,
    "crush it": 2.5,
    "killing it": 3.0,
    "killed it": 3.0,
    "nailed it": 3.0,
    "nailing it": 3.0,
    "smashed it": 3.0,
    "rocked it": 3.0,
    "sick demo": 2.5,
    "ship it": 1.5,
    "shout out": 2.0,
    "shoutout": 2.0,
    "props to": 2.0,
    "kudos": 2.5,
    "lgtm": 2.0,
    "fixed": 1.0,  # "the build is fixed": good news (also a remedy word, see REMEDIES)
    # Trouble at work that general lexicons do not rate.
    "outage": -2.0,
    "outages": -2.0,
    "downtime": -1.5,
    "flaky": -1.5,
    "regression": -1.5,
    "broke prod": -3.0,
    # Engineering words that are not feelings.
    "dead code": 0.0,
    "attack surface": 0.0,
    "fire drill": 0.0,
    "force push": 0.0,
    "hard reset": 0.0,
    "kill switch": 0.0,
    "cut the release": 0.0,
    "execute": 0.0,
}

# Sarcasm we can explain: praise right before a word for an incident ("another great outage") is
# not praise, and "yeah right" means "no". The praise word (or "yeah") becomes SARCASM_TOKEN in
# the tokenizer, so no model (the IMDB bag, the GoEmotions heads) reads it as praise; the lexicon
# rates that token SARCASM_VALENCE.
SARCASTIC_PRAISE = frozenset(
    "great wonderful fantastic awesome amazing lovely perfect nice fun".split()
)
INCIDENT_WORDS = frozenset("outage outages downtime meltdown regression crash".split())
SARCASM_TOKEN = "sarcasticpraise"
SARCASM_VALENCE = -2.5
SARCASM_SHOWN = "sarcastic"  # how a key word shows the token

# "Fixed the bug that was killing performance": a remedy word turns the trouble after it, in the
# same clause, into good news. Negative valences within REMEDY_SCOPE tokens are multiplied by
# REMEDY_FACTOR (negative: they count as mildly positive).
REMEDIES = frozenset(
    "fixed fixes fixing resolved resolves solved solves patched squashed mitigated".split()
)
REMEDY_SCOPE = 6
REMEDY_FACTOR = -0.5

# "kill -9 the worker", "kills the stale cron jobs": kill as a command on a process. A kill verb
# with one of these objects within KILL_SCOPE tokens after it becomes the token KILL_COMMAND,
# which neither the word index nor the lexicon knows, so it weighs nothing.
KILL_VERBS = frozenset({"kill", "kills", "killed", "killing"})
TECH_OBJECTS = frozenset(
    """
    process processes proc procs pid worker workers job jobs pod pods container containers
    server servers task tasks thread threads query queries cron crons session sessions daemon
    daemons instance instances service services connection connections branch branches build
    builds tab tabs script scripts node nodes vm vms cluster port tunnel shell terminal request
    requests pipeline pipelines queue queues consumer consumers replica replicas lambda lambdas
    flag flags test tests run runs backend frontend app sidekiq celery
    """.split()
)
KILL_SCOPE = 4
KILL_COMMAND = "killcmd"


_TRIGGERS = KILL_VERBS | INCIDENT_WORDS | {"right"}


def rewrite_jargon(tokens: list[str]) -> list[str]:
    """Tokens with kill-as-a-command replaced by ``KILL_COMMAND`` and sarcastic praise by
    ``SARCASM_TOKEN``; one token for one, so that token positions (key phrases, clause breaks)
    stay aligned."""
    if _TRIGGERS.isdisjoint(tokens):
        return tokens
    out = list(tokens)
    for i, token in enumerate(tokens):
        if token in KILL_VERBS:
            window = tokens[i + 1 : i + 1 + KILL_SCOPE]
            if any(t in TECH_OBJECTS for t in window) and window[:1] != ["it"]:
                out[i] = KILL_COMMAND
        elif i and token in INCIDENT_WORDS and tokens[i - 1] in SARCASTIC_PRAISE:
            out[i - 1] = SARCASM_TOKEN
        elif i and token == "right" and tokens[i - 1] == "yeah":
            if tokens[i + 1 : i + 2] not in (["now"], ["away"], ["here"], ["there"], ["back"]):
                out[i - 1] = SARCASM_TOKEN
    return out


def lexicon_entries() -> dict[tuple[str, ...], float]:
    """The phrase and sarcasm entries as lexicon keys (tuples of tokens)."""
    entries = {tuple(phrase.split()): value for phrase, value in PHRASES.items()}
    entries[(SARCASM_TOKEN,)] = SARCASM_VALENCE
    return entries
