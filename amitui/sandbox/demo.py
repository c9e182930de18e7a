"""The demo fleet (placeholder until the demo fleet lands)."""


def seed(endpoint_url: str) -> None:
    """Seed the demo fleet into the sandbox at ``endpoint_url``."""
