"""Shared helpers for the fidelity extensions (not an extension itself).

The style every extension module follows::

    \"\"\"<EC2 behaviour copied, quoting the API reference>.\"\"\"

    def install() -> None:
        wrap(SomeMotoClass, "method", _method)

    def _method(original: Callable[..., Any], self: Any, *args: Any) -> Any:
        ...  # call original(self, *args) where moto already does the right thing

:func:`wrap` chains: two extensions may wrap the same moto method, each sees the other's
version as ``original``. Anything added to a moto model is stored as a plain attribute named
as the botocore shape member in snake_case, because that is what moto's serializer reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.exceptions import EC2ClientError, InvalidAMIIdError, UnvailableAMIIdError

#: The ``(original, self, *args, **kwargs)`` signature of a wrapping replacement.
Replacement = Callable[..., Any]


def wrap(owner: type, name: str, replacement: Replacement) -> None:
    """Replace ``owner.name`` by ``replacement(original, self, *args, **kwargs)``."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return replacement(original, self, *args, **kwargs)

    setattr(owner, name, method)


def ec2_backend(region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> Any:
    """The moto EC2 backend of one region (created on first use, as moto does)."""
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def ec2_error(code: str, message: str) -> EC2ClientError:
    """An EC2 error moto serializes as ``<Response><Errors><Error>`` with HTTP 400."""
    return EC2ClientError(code, message)


def parse_time(value: str) -> datetime:
    """An ISO 8601 timestamp as moto stores it: naive, in UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def format_time(value: datetime) -> str:
    """The ``2026-01-02T03:04:05.000Z`` form EC2 uses for string-typed timestamps."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def requested_image(response: Any) -> Any:
    """The registered image a request's ``ImageId`` names, with EC2's errors for an id that
    was deregistered (``InvalidAMIID.Unavailable``) or never existed (``InvalidAMIID.NotFound``)."""
    image_id = response._get_param("ImageId")
    backend = response.ec2_backend
    if image_id in backend.amis:
        return backend.amis[image_id]
    if image_id in backend.deleted_amis:
        raise UnvailableAMIIdError(image_id)
    raise InvalidAMIIdError(image_id)
