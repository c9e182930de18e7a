"""Suite-wide fixtures: an isolated user environment, and the sandbox fixtures every test
directory stands on (tests/sandbox_api.py says how to get another sandbox).

Every test runs as a user with no config file, no AWS profile and a private state dir,
so nothing on the developer's machine (or a real AWS account) can leak in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from amitui.journal import Journal
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox
from amitui.sandbox.proxy import FaultProxy

from . import head_start
from .sandbox_api import ec2_client, isolate_user_env, sandbox_fixture

ENGINE_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
TESTS = Path(__file__).parent
#: pytest-xdist (pyproject: ``-n 2 --dist loadgroup``) hands out whole groups: a test
#: directory, or a top-level module. A group's session and module fixtures (its sandbox, its
#: seeded fleet) start in one worker only, and its tests run in the order they do without
#: xdist. These groups go first, longest first, so neither worker is left with a long one at
#: the end (~100, 80, 80, 50, 40 and 20 s of the ~7 minutes run one after another).
LONGEST_GROUPS = (
    "reliability",
    "actions",
    "ui",
    "cleanup",
    "test_benchmarks_smoke",
    "test_engine",
)


def xdist_group(item: pytest.Item) -> str:
    parts = Path(item.path).relative_to(TESTS).parts
    if len(parts) > 1:
        return parts[0]
    return Path(parts[0]).stem


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test in its xdist group; under xdist, the longest groups first (a stable sort:
    within a group the order stays the collection's)."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group(item)))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        first = {group: rank for rank, group in enumerate(LONGEST_GROUPS)}
        items.sort(key=lambda item: first.get(xdist_group(item), len(first)))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the background work (head_start.py) of every test that is going to run.

    Not under pytest-xdist: every worker collects every test, so each one starts its own
    work when a test of its asks (head_start.started)."""
    if session.config.option.collectonly or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    head_start.start({name for item in session.items for name in getattr(item, "fixturenames", ())})


def pytest_sessionfinish(session: pytest.Session) -> None:
    head_start.stop_all()


@pytest.fixture(autouse=True)
def isolated_user_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_user_env(monkeypatch, tmp_path)
    return tmp_path


#: The suite's plain sandbox (no demo fleet; ENGINE_REGIONS enabled), one per module:
#: tests/test_ls.py lists whole regions, where tests/test_engine.py registers its own fleet.
#: A directory needing another sandbox overrides ``sandbox`` (tests/sandbox_api.py); the
#: fixtures below then stand on that one.
sandbox = sandbox_fixture("module", enabled_regions=ENGINE_REGIONS)


@pytest.fixture
def fault_proxy(sandbox: Sandbox) -> Iterator[FaultProxy]:
    """A fault/latency proxy in front of the sandbox, fresh for each test."""
    with FaultProxy(sandbox.endpoint_url) as running:
        yield running


@pytest.fixture
def ec2_in(sandbox: Sandbox) -> Callable[[str], Any]:
    """``ec2_in(region)``: a boto3 EC2 client straight to the sandbox (arranging a fleet and
    checking the account bypass any proxy)."""
    return lambda region: ec2_client(sandbox.endpoint_url, region)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    """A journal of the sandbox's account in this test's own directory."""
    opened = Journal(tmp_path / "journal.jsonl", account=SANDBOX_ACCOUNT_ID)
    yield opened
    opened.close()


# Old names, kept while other branches' tests still ask for them.


@pytest.fixture(scope="module")
def engine_sandbox(sandbox: Sandbox) -> Sandbox:
    return sandbox


@pytest.fixture
def proxy(fault_proxy: FaultProxy) -> FaultProxy:
    return fault_proxy
