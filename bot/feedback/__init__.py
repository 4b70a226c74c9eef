"""Feedback on verdicts: 👍/👎 under each answer, kept as per-workspace counts only.

- ``buttons``: the Block Kit for the buttons and the "Thanks — noted" that replaces them, and
  the button value that carries everything a press needs (verdict, confidence bucket, agreed).
- ``calibration``: the Home tab's line, and whether the bot is over- or under-confident in a
  workspace (a Wilson interval around the agreement rate).
- ``guard``: a small in-memory record of replies already rated (double clicks).
- ``store``: the counts table (SQLAlchemy; imported on first use, not at start).

A press stores one count per workspace, verdict, confidence bucket and agreed/disagreed; never
text, a user id, a channel or a message timestamp.
"""
