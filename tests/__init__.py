"""Test suite; helpers are imported as ``tests.helpers.<module>``."""
