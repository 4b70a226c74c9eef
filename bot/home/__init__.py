"""The bot's App Home tab: the viewer's channels' mood, their opt-out state, what is stored."""
