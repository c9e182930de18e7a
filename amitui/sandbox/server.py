"""Subprocess entry point of the sandbox: ``python -m amitui.sandbox.server``.

Installs the fidelity extensions into moto, optionally seeds the demo fleet, then
serves on loopback and prints one ``AMITUI-SANDBOX-READY <url>`` line to stdout.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="amitui-sandbox-server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--demo", action="store_true", help="seed the demo fleet before serving")
    parser.add_argument(
        "--enabled-regions",
        default="",
        help="comma-separated regions DescribeRegions reports as enabled (others: not-opted-in)",
    )
    parser.add_argument(
        "--announce", action="store_true", help="print how to point clients at the sandbox"
    )
    args = parser.parse_args(argv)

    # moto's default catalogue of public Amazon AMIs costs seconds per region; the sandbox
    # is about the account's own images.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    if args.enabled_regions:
        os.environ["AMITUI_SANDBOX_ENABLED_REGIONS"] = args.enabled_regions

    import logging

    _parse_each_service_model_once()
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    # One log line per request would cost more than the request itself; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from amitui.sandbox import READY_PREFIX, extensions
    from amitui.sandbox.extensions.copy_image import COPY_DELAY_ENV

    extensions.install()
    if args.demo:
        from amitui.sandbox import demo

        # Straight into moto's backends, before serving: ~1 s, where the same fleet through
        # HTTP took ~12 s.
        # The demo fleet's copies finished long ago: seed them available, whatever delay the
        # sandbox gives the copies a user makes later.
        copy_delay = os.environ.pop(COPY_DELAY_ENV, None)
        demo.seed_in_process()
        if copy_delay is not None:
            os.environ[COPY_DELAY_ENV] = copy_delay

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint_url = f"http://{host}:{port}"

    if args.announce:
        print(endpoint_url)
        print(
            "amitui sandbox is running (Ctrl-C stops it). Point clients at it with:\n"
            f"  export AWS_ENDPOINT_URL={endpoint_url} AWS_ACCESS_KEY_ID=testing "
            "AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1",
            flush=True,
        )
    else:
        print(f"{READY_PREFIX}{endpoint_url}", flush=True)

    stopped = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stopped.wait()
    # Everything the sandbox holds is in memory and disposable: exit without the server's
    # shutdown poll (0.5 s) or the interpreter's teardown of moto's objects (~2 s).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _parse_each_service_model_once() -> None:
    """Share botocore's parsed service models and data files across the process's sessions.

    moto makes a new boto3 Session to list regions (three times at import, once per account
    backend), and each Session's loader parses the 5 MB EC2 model again: ~0.2-0.5 s a time,
    most of the server's start-up. botocore already shares one parsed model per loader, so
    sharing it per loader configuration changes nothing else. Call before importing moto.
    """
    import functools

    from botocore.loaders import Loader

    parse = Loader.load_service_model
    parsed: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(parse)
    def load_service_model(
        self: Loader, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        key = (
            type(self),
            tuple(self.search_paths),
            tuple(self.extras_types),
            service_name,
            type_name,
            api_version,
        )
        if key not in parsed:
            parsed[key] = parse(self, service_name, type_name, api_version)
        return parsed[key]

    Loader.load_service_model = load_service_model

    # The same for the data files each Session's loader reads again (endpoints.json: ~0.05 s
    # a time, five times before serving). Service models are left to the cache above: botocore
    # merges their sdk-extras into the loaded dict, so those are not shared raw.
    load_data = Loader.load_data_with_path
    loaded: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(load_data)
    def load_data_with_path(self: Loader, name: str) -> Any:
        if "/" in name:
            return load_data(self, name)
        key = (type(self), tuple(self.search_paths), name)
        if key not in loaded:
            loaded[key] = load_data(self, name)
        return loaded[key]

    Loader.load_data_with_path = load_data_with_path

    # botocore parses its JSON into OrderedDicts, which takes json's C parser twice as long
    # (EC2's model: ~0.1 s instead of ~0.04 s, parsed twice before the first answer). Plain
    # dicts keep the same order, and neither moto nor botocore relies on OrderedDict's extras.
    import json

    from botocore.loaders import JSONFileLoader

    def load_file(self: JSONFileLoader, full_path: str, open_method: Any) -> Any:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as file:
            return json.loads(file.read().decode("utf-8"))

    JSONFileLoader._load_file = load_file


if __name__ == "__main__":
    sys.exit(main())
