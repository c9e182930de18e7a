"""Benchmarks only: answer a repeated read-only request from a cache of its first answer.

Not an EC2 behaviour. moto renders XML at about 2 ms per image on a small machine and
serialises every request on one interpreter lock, so at fleet scale the sandbox, not the
client, would dominate any timing of ``amitui ls`` or of its peers. With this extension
enabled, the first answer to each read-only request is kept and replayed byte for byte, so a
benchmark that warms the cache first measures the clients and the (proxy-added) network.

Enabled only when ``AMITUI_SANDBOX_CACHE_READS=1`` is in the server's environment. The key is
the account the request's access key belongs to, its SigV4 region and service, path and form
parameters (Action, parameters, NextToken; sorted, since clients order them differently) --
the same request of the same account always gets the same answer, and no account ever gets
another's. Any request that is not a ``Describe*``/``Get*``/
``List*`` action, and any ``/_amitui/`` control request, empties the cache first, so a
benchmark that changes the fleet never reads stale data; STS AssumeRole, which hands out
keys and changes no resource, is passed through uncached and keeps the cache. Error answers
are not cached.
"""

from __future__ import annotations

import io
import os
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from moto.iam.models import get_account_id_from
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from ._moto import wrap

CACHE_ENV = "AMITUI_SANDBOX_CACHE_READS"
_READ_PREFIXES = ("Describe", "Get", "List")
_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
#: Calls that change no resource but must not be replayed (each answer is new keys).
_PASS_THROUGH = frozenset({"AssumeRole"})

StartResponse = Callable[..., Any]
_Answer = tuple[str, list[tuple[str, str]], bytes]

_lock = threading.Lock()
_cache: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], _Answer] = {}


def install() -> None:
    if os.environ.get(CACHE_ENV) == "1":
        wrap(DomainDispatcherApplication, "__call__", _call)


def _call(
    original: Callable[..., Iterable[bytes]],
    self: DomainDispatcherApplication,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)  # downstream reads it again
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    # botocore serialises parameters in the order the caller passed them: the same request
    # from boto3 and from amitui differs only in order, so the key is the sorted form.
    form = tuple(sorted(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)))
    action = dict(form).get("Action", "")
    path = environ.get("PATH_INFO", "")
    if action in _PASS_THROUGH:
        return original(self, environ, start_response)
    if scope is None or not action.startswith(_READ_PREFIXES) or path.startswith("/_amitui/"):
        with _lock:
            _cache.clear()
        return original(self, environ, start_response)

    key = (get_account_id_from(scope[1]), f"{scope[2]}/{scope[3]}", path, form)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        status, headers, payload = cached
        start_response(status, headers)
        return [payload]

    answered: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        answered["status"], answered["headers"] = status, list(headers)
        return start_response(status, headers, *exc_info)

    payload = b"".join(original(self, environ, capture))
    if str(answered.get("status", "")).startswith("200"):
        with _lock:
            _cache[key] = (answered["status"], answered["headers"], payload)
    return [payload]
