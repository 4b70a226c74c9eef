"""Slack itself: Web API calls, Slack text markup, and which events a person wrote."""
