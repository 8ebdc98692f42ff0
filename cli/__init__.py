"""The command groups of `precedent` (the entry point and the top group live in precedent.py)."""
