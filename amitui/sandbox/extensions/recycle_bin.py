"""Recycle Bin retention rules: CreateRule, GetRule, ListRules (minimal, per region).

moto has no Recycle Bin (``rbin``) at all: its server answers HTTP 500 to every call, which
botocore retries for seconds. amitui only reads the rules, to tell the user what stays
restorable after a cleanup. What Recycle Bin does (API reference, CreateRule / GetRule /
ListRules; rest-json, signing name ``rbin``):

- ``CreateRule`` (POST /rules): ``ResourceType`` ``EBS_SNAPSHOT`` or ``EC2_IMAGE``;
  ``RetentionPeriod`` ``{RetentionPeriodValue, RetentionPeriodUnit: "DAYS"}``; optional
  ``ResourceTags`` ``[{ResourceTagKey, ResourceTagValue}]`` (a tag-level rule: it retains
  resources with one of these tags) or none (a Region-level rule: it retains every resource of
  the type, except those with one of the ``ExcludeResourceTags``). Answers 201 with the rule,
  ``Identifier`` and ``Status`` ``available``.
- ``GetRule`` (GET /rules/{identifier}): the rule; unknown: ``ResourceNotFoundException`` 404.
- ``ListRules`` (POST /list-rules): ``ResourceType`` is required; answers
  ``Rules: [{Identifier, Description, RetentionPeriod, LockState, RuleArn}]``.

Lock configuration, UpdateRule, DeleteRule and restoring are not modelled.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from ._moto import wrap

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")
_RULES: dict[str, dict[str, dict[str, Any]]] = {}  # region -> identifier -> rule
_lock = threading.Lock()
RESOURCE_TYPES = ("EBS_SNAPSHOT", "EC2_IMAGE")


def install() -> None:
    wrap(DomainDispatcherApplication, "__call__", _call)


def _call(
    original: Callable[..., Iterable[bytes]],
    self: DomainDispatcherApplication,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match is None or match.group(2) != "rbin":
        return original(self, environ, start_response)
    region = match.group(1)
    status, body = _handle(
        region, environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", ""), environ
    )
    payload = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    if status.startswith("4"):
        headers.append(("x-amzn-ErrorType", str(body.get("__type", ""))))
    start_response(status, headers)
    return [payload]


def _error(status: str, kind: str, message: str) -> tuple[str, dict[str, Any]]:
    return status, {"__type": kind, "message": message, "Message": message}


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    parsed = json.loads(raw or b"{}")
    return parsed if isinstance(parsed, dict) else {}


def _handle(
    region: str, method: str, path: str, environ: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    try:
        body = _body(environ)
    except ValueError:
        return _error("400 Bad Request", "ValidationException", "The request body is not JSON.")
    with _lock:
        rules = _RULES.setdefault(region, {})
        if method == "POST" and path == "/rules":
            return _create(region, rules, body)
        if method == "POST" and path == "/list-rules":
            kind = body.get("ResourceType")
            if kind not in RESOURCE_TYPES:
                return _error("400 Bad Request", "ValidationException", "ResourceType is required.")
            return "200 OK", {
                "Rules": [
                    {
                        k: rule[k]
                        for k in (
                            "Identifier",
                            "Description",
                            "RetentionPeriod",
                            "LockState",
                            "RuleArn",
                        )
                        if k in rule
                    }
                    for rule in rules.values()
                    if rule["ResourceType"] == kind
                ]
            }
        if method == "GET" and path.startswith("/rules/"):
            rule = rules.get(path.removeprefix("/rules/"))
            if rule is None:
                return _error("404 Not Found", "ResourceNotFoundException", "Rule not found.")
            return "200 OK", rule
    return _error("400 Bad Request", "ValidationException", f"Not supported: {method} {path}")


def _create(
    region: str, rules: dict[str, dict[str, Any]], body: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    kind = body.get("ResourceType")
    period = body.get("RetentionPeriod") or {}
    if kind not in RESOURCE_TYPES or not period.get("RetentionPeriodValue"):
        return _error(
            "400 Bad Request",
            "ValidationException",
            "ResourceType and RetentionPeriod are required.",
        )
    identifier = uuid.uuid4().hex[:11]
    rule = {
        "Identifier": identifier,
        "Description": body.get("Description", ""),
        "ResourceType": kind,
        "RetentionPeriod": period,
        "ResourceTags": body.get("ResourceTags", []),
        "ExcludeResourceTags": body.get("ExcludeResourceTags", []),
        "Status": "available",
        "LockState": "unlocked",
        "RuleArn": f"arn:aws:rbin:{region}:{DEFAULT_ACCOUNT_ID}:rule/{identifier}",
    }
    rules[identifier] = rule
    return "201 Created", rule
