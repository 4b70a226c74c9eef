"""Weekly digests and mood-drop alerts: what to send, when, and sending each exactly once."""
