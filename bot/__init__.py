"""Slack app for the sentiment model: /sentiment, @-mentions and reactions.

Importing ``bot`` is cheap: the model and the Slack SDK load only when the app is built.
"""
