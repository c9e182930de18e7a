"""The sandbox handles one request at a time (amitui/sandbox/extensions/one_at_a_time.py).

moto keeps EC2's state in plain Python objects without locks of its own, and werkzeug serves
every request in its own thread; the extension gives each request the server to itself. The
wrapper is exercised directly with threads, since over HTTP the interleaving cannot be seen.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, cast

import pytest

from amitui.sandbox.extensions import one_at_a_time

if TYPE_CHECKING:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

#: Stands in for the server the wrapper is installed on (the wrapper only hands it on to the
#: handler): importing moto's server here would cost seconds of collection.
SERVER = cast("DomainDispatcherApplication", object())


def test_concurrent_requests_never_overlap_and_all_are_answered() -> None:
    inside = 0
    most_inside = 0
    counting = threading.Lock()

    def handler(app: object, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        nonlocal inside, most_inside
        with counting:
            inside += 1
            most_inside = max(most_inside, inside)
        time.sleep(0.01)  # long enough for the other threads to try to get in
        with counting:
            inside -= 1
        start_response("200 OK", [])
        return [environ["body"]]

    answers: dict[int, list[bytes]] = {}

    def request(number: int) -> None:
        environ = {"body": f"answer {number}".encode()}
        answers[number] = list(one_at_a_time._call(handler, SERVER, environ, lambda *a: None))

    threads = [threading.Thread(target=request, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert most_inside == 1
    assert answers == {n: [f"answer {n}".encode()] for n in range(8)}


def test_a_failing_request_does_not_keep_the_turn() -> None:
    def failing(app: object, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("moto raised")

    with pytest.raises(RuntimeError):
        one_at_a_time._call(failing, SERVER, {}, lambda *a: None)
    assert one_at_a_time._turn.acquire(timeout=1)
    one_at_a_time._turn.release()
