"""Sandbox control endpoint: set what no EC2 API call can, so a seeded fleet looks lived-in.

Usage (plain HTTP POST of a JSON object to the sandbox's endpoint URL)::

    POST {endpoint_url}/_amitui/images/{region}/{image_id}
        {"CreationDate": "2025-03-01T10:00:00Z",     # ISO 8601; DescribeImages CreationDate
         "LastLaunchedTime": "2026-01-10T08:00:00Z",  # or null to clear; DescribeImages and
                                                      #   DescribeImageAttribute lastLaunchedTime
         "OwnerId": "210987654321",                   # e.g. an image shared by another account
         "ImageOwnerAlias": "amazon"}                 # or null to clear
    POST {endpoint_url}/_amitui/snapshots/{region}/{snapshot_id}
        {"StartTime": "2025-03-01T09:58:00Z",        # DescribeSnapshots StartTime
         "OwnerId": "210987654321"}

Every key is optional; unknown keys are refused. Answers ``200 {"ImageId"|"SnapshotId": id,
"Updated": [keys]}``, ``400 {"Error": why}`` for a bad body, ``404 {"Error": why}`` for an
unknown id. The account is moto's default one (123456789012), or the one a ``?account=<id>``
query names. From Python::

    urllib.request.urlopen(urllib.request.Request(
        f"{endpoint_url}/_amitui/images/eu-west-1/{image_id}",
        data=json.dumps({"CreationDate": "2025-03-01T10:00:00Z"}).encode(), method="POST"))

EC2 sets these fields itself (CreationDate "The date and time the image was created",
LastLaunchedTime "The date and time, in ISO 8601 date-time format, when the AMI was last used
to launch an EC2 instance", a snapshot's StartTime "The time stamp when the snapshot was
initiated"); boto3 has no way to pass them, hence a path outside the AWS API. The path
prefix ``/_amitui/`` can never be an EC2 request (those are POSTs to ``/``).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from moto.ec2.models.amis import Ami
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from ._moto import ec2_backend, format_time, parse_time, wrap

PREFIX = "/_amitui/"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def install() -> None:
    # Class-level defaults, so images never touched here answer "no value" rather than fail.
    Ami.lld = None  # type: ignore[attr-defined]
    Ami.last_launched_time = None  # type: ignore[attr-defined]
    wrap(DomainDispatcherApplication, "__call__", _call)


def _call(
    original: Callable[..., Iterable[bytes]],
    self: DomainDispatcherApplication,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    path: str = environ.get("PATH_INFO", "")
    if not path.startswith(PREFIX):
        return original(self, environ, start_response)
    status, body = _handle(environ.get("REQUEST_METHOD", "GET"), path[len(PREFIX) :], environ)
    payload = json.dumps(body).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def _handle(method: str, route: str, environ: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    parts = route.strip("/").split("/")
    if method != "POST" or len(parts) != 3 or parts[0] not in _SETTERS:
        return "404 Not Found", {"Error": f"no such control route: {method} {PREFIX}{route}"}
    kind, region, resource_id = parts
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        fields = json.loads(environ["wsgi.input"].read(length) or b"{}")
        if not isinstance(fields, dict):
            raise ValueError("the body must be a JSON object")
    except ValueError as exc:
        return "400 Bad Request", {"Error": f"bad JSON body: {exc}"}
    id_key, collection, _ = _SETTERS[kind]
    try:
        # ``?account=<id>``: a resource of another sandbox account (default: moto's own).
        account = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("account")
        backend = ec2_backend(region, account[0]) if account else ec2_backend(region)
        resource = getattr(backend, collection).get(resource_id)
    except KeyError:
        resource = None
    if resource is None:
        return "404 Not Found", {"Error": f"{resource_id} does not exist in {region}"}
    try:
        set_fields(kind, resource, fields)
    except (TypeError, ValueError) as exc:
        return "400 Bad Request", {"Error": str(exc)}
    return "200 OK", {id_key: resource_id, "Updated": sorted(fields)}


def set_fields(kind: str, resource: Any, fields: Mapping[str, Any]) -> None:
    """What ``POST /_amitui/{kind}/…`` does to ``resource`` (an Ami for ``images``, a Snapshot
    for ``snapshots``), for in-process callers such as the demo seeder. Raises ValueError
    (or TypeError) for an unknown field or a bad value, before or while setting."""
    setters = _SETTERS[kind][2]
    unknown = sorted(set(fields) - set(setters))
    if unknown:
        raise ValueError(f"unknown fields {unknown}; known: {sorted(setters)}")
    for key, value in fields.items():
        setters[key](resource, value)


def _set_creation_date(image: Any, value: str) -> None:
    image.creation_date = parse_time(value)


def _set_last_launched(image: Any, value: str | None) -> None:
    # DescribeImages reads the shape name; moto's DescribeImageAttribute reads ``lld``.
    image.last_launched_time = image.lld = format_time(parse_time(value)) if value else None


def _set_owner(resource: Any, value: str) -> None:
    if not (isinstance(value, str) and len(value) == 12 and value.isdigit()):
        raise ValueError(f"OwnerId must be a 12-digit account id, not {value!r}")
    resource.owner_id = value


def _set_owner_alias(image: Any, value: str | None) -> None:
    image.owner_alias = value


def _set_start_time(snapshot: Any, value: str) -> None:
    snapshot.start_time = parse_time(value)


Setter = Callable[[Any, Any], None]


def add_image_field(name: str, setter: Setter) -> None:
    """Let another extension accept ``name`` in POST /_amitui/images/… (e.g. DeprecationTime)."""
    _SETTERS["images"][2][name] = setter


#: route kind -> (id key in the answer, backend collection, field -> setter)
_SETTERS: dict[str, tuple[str, str, dict[str, Setter]]] = {
    "images": (
        "ImageId",
        "amis",
        {
            "CreationDate": _set_creation_date,
            "LastLaunchedTime": _set_last_launched,
            "OwnerId": _set_owner,
            "ImageOwnerAlias": _set_owner_alias,
        },
    ),
    "snapshots": (
        "SnapshotId",
        "snapshots",
        {"StartTime": _set_start_time, "OwnerId": _set_owner},
    ),
}
