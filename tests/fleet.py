"""Old name of the fleet helpers, kept while other branches still import it: use
tests/sandbox_api.py."""

from __future__ import annotations

from .sandbox_api import ec2_client, first_zone, make_snapshot, register_image

__all__ = ["ec2_client", "first_zone", "make_snapshot", "register_image"]
