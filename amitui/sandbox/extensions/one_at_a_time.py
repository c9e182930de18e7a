"""The sandbox answers one request at a time, in about the order they arrive.

Not an EC2 behaviour but a property of the stand-in: moto's backends are plain Python objects
with no locking of their own, and werkzeug serves each request in its own thread. Under one
interpreter lock, concurrent requests also share the CPU in 5 ms slices, so when a client
asks seven regions at once every answer is ready only when all of them are (measured on the
demo: the first region's rows came ~0.6 s later than with one request at a time). Real EC2
answers each region from its own endpoint; handling one request at a time is the closer
imitation, and keeps moto's state consistent when a copy and a listing meet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from ._moto import wrap

StartResponse = Callable[..., Any]

_turn = threading.Lock()


def install() -> None:
    wrap(DomainDispatcherApplication, "__call__", _call)


def _call(
    original: Callable[..., Iterable[bytes]],
    self: DomainDispatcherApplication,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    with _turn:
        # moto builds the whole body before returning it; materialised here all the same, so
        # no part of a request is handled outside its turn.
        return list(original(self, environ, start_response))
