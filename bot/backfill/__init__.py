"""Backfill: read a channel's recent history into the mood record, politely and resumably."""
