"""Shared test helpers: the Slack-driven app, tiny IMDB archives, odd texts."""
