"""billbot: a responsible-borrowing bill assistant."""

__version__ = "0.1.0"
