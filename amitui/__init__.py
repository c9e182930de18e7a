"""amitui: a terminal explorer for Amazon Machine Images."""

__version__ = "0.1.0"
