"""What amitui changes in how botocore and aiobotocore run: the same results, less CPU.

Each item was found by profiling (benchmarks/README.md): botocore re-parses its data files
for every session, builds a TLS context for every client and parses timestamps with dateutil.
"""

from __future__ import annotations

import functools
import gc
import ssl
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any


def parse_aws_timestamp(value: str | float) -> datetime:
    """botocore's timestamp parser, with a fast path for EC2's ``2026-11-20T12:00:00.000Z``.

    botocore parses every timestamp with dateutil, about 60 us each; DescribeSnapshots has one
    per snapshot and that was a third of all response parsing (measured by benchmarks/).
    Anything not in that exact shape goes to botocore's own parser.
    """
    # JSON-protocol services (KMS) send epoch seconds as numbers: botocore's parser takes those.
    if (
        isinstance(value, str)
        and len(value) >= 20
        and value[4] == "-"
        and value[10] == "T"
        and value[-1] == "Z"
    ):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    from botocore.utils import parse_timestamp

    return parse_timestamp(value)  # type: ignore[no-any-return]


@functools.cache
def shared_tls_http_session() -> type:
    """aiobotocore's HTTP session, with one verifying TLS context for every region's client.

    aiobotocore builds a context per client, parsing the whole CA bundle each time: about
    40 ms of CPU holding the GIL, 17 times over when every region starts at once (measured by
    benchmarks/). The context is identical for every region, so it is built once per process.
    Client certificates and proxies keep aiobotocore's own per-client path. (A function, so
    that aiobotocore is imported with the first session, not with this module.)
    """
    from aiobotocore.httpsession import AIOHTTPSession

    lock = threading.Lock()
    contexts: dict[object, ssl.SSLContext] = {}

    class SharedTlsHttpSession(AIOHTTPSession):
        def _build_ssl_contexts(self, proxy_url: str | None) -> tuple[Any, Any]:
            if proxy_url or self._cert_file:
                return super()._build_ssl_contexts(proxy_url)  # type: ignore[no-any-return]
            key = self._verify  # True, False or a CA bundle path
            with lock:
                context = contexts.get(key)
                if context is None:
                    context = contexts[key] = self._build_verify_context()
            return context, None

    return SharedTlsHttpSession


@functools.cache
def shared_data_loader(data_path: str | None) -> Any:
    """One botocore data loader per process (per ``AWS_DATA_PATH``) for every session.

    Each botocore session makes its own loader, and each loader parses the 5 MB EC2 model
    and the endpoint files again (~0.15 s of CPU a session, more when other work competes).
    The loader caches what it parsed and never changes it, so sharing it changes nothing else.
    """
    from botocore.loaders import create_loader

    return create_loader(data_path)


def use_shared_data_loader(session: Any) -> Any:
    """Give the botocore ``session`` the process's loader for its data path; return it, or
    None when the session's profile does not exist."""
    try:
        data_path = session.get_config_variable("data_path")
    except Exception:
        # A profile that does not exist (AWS_PROFILE=typo): the session is left as it is
        # (making its own loader would raise here too), and its first call reports the
        # profile error as data.
        return None
    loader = shared_data_loader(data_path)
    session.register_component("data_loader", loader)
    return loader


def preload_service_models(profile: str | None = None, services: Iterable[str] = ("ec2",)) -> None:
    """Import the AWS stack and parse what creating each service's clients reads (its model,
    endpoint rules, paginators, endpoints), so that later on the event loop a client costs
    ~10 ms instead of ~0.2 s. Blocking, ~0.6 s: run it in a thread (``asyncio.to_thread``)."""
    # The AWS stack's modules and the parsed models are ~1 million objects that live as long
    # as the process: the cyclic collector would traverse them again and again as they are
    # made (~0.1 s of CPU, measured by benchmarks/), and in every full collection after.
    # Paused while they are made, then frozen (moved out of the collector's generations;
    # still freed normally).
    collecting = gc.isenabled()
    gc.disable()
    try:
        import aiobotocore.session  # noqa: F401 - for its side effect: imported off the loop
        import botocore.session

        # A profile that does not exist reads no data path of its own: the default one.
        loader = use_shared_data_loader(
            botocore.session.Session(profile=profile)
        ) or shared_data_loader(None)
        loader.load_data("endpoints")
        for service in services:
            for type_name in ("service-2", "endpoint-rule-set-1", "paginators-1"):
                loader.load_service_model(service, type_name)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()


@functools.cache
def reuse_client_classes() -> None:
    """Build each service's client class once per process, not once per client.

    aiobotocore builds a fresh class for every client: ~760 EC2 operations become methods,
    each with its own docstring object, about 30 ms of CPU a client (a third of all CPU when
    an organization's 200 accounts x 17 regions each get a client; measured by benchmarks/).
    The class depends only on the service model (the shared loader hands every session the
    same one) and on the ``creating-client-class`` handlers, which are botocore's built-in
    ones in every session amitui makes; a session with another model (its own loader, e.g.
    a profile that does not exist) gets its own class. ``tests/test_botocore_tuning.py``
    fails if aiobotocore stops building classes this way.
    """
    from aiobotocore.client import AioClientCreator

    original = AioClientCreator._create_client_class
    # Keyed by the model's identity; the model is kept, so its id is never reused.
    classes: dict[tuple[str, int], tuple[object, type]] = {}

    @functools.wraps(original)
    async def create_client_class(self: Any, service_name: str, service_model: Any) -> type:
        description = service_model._service_description
        key = (service_name, id(description))
        cached = classes.get(key)
        if cached is None:
            cached = classes[key] = (
                description,
                await original(self, service_name, service_model),
            )
        return cached[1]

    AioClientCreator._create_client_class = create_client_class


@functools.cache
def share_service_models() -> None:
    """One botocore ``ServiceModel`` per service model, not one per client.

    botocore wraps the (shared, cached) model description in a new ``ServiceModel`` for every
    client, and each one builds its operation models again: aiobotocore's endpoint-discovery
    check alone walks all ~760 EC2 operations, ~5-10 ms a client (17 regions: ~0.15 s, more
    than boto3 spends; measured by benchmarks/). A ``ServiceModel`` only caches what it
    derives from the description, which never changes, so clients of the same description
    can share one. ``tests/test_botocore_tuning.py`` fails if botocore stops loading models
    this way.
    """
    from aiobotocore.client import AioClientCreator

    original = AioClientCreator._load_service_model
    # Keyed by the description's identity; the description is kept, so its id is never reused.
    models: dict[tuple[str, int], tuple[object, Any]] = {}

    @functools.wraps(original)
    def load_service_model(self: Any, service_name: str, api_version: str | None = None) -> Any:
        model = original(self, service_name, api_version)
        description = model._service_description
        key = (service_name, id(description))
        cached = models.get(key)
        if cached is None:
            cached = models[key] = (description, model)
        return cached[1]

    AioClientCreator._load_service_model = load_service_model
