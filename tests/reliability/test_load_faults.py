"""Loading faults: the engine and ``amitui ls`` keep every healthy region usable and say
precisely what failed and what to do.

Each case of :data:`reliability_cases.LOAD_FAULTS` is injected by the FaultProxy into a
region of its own; two regions stay healthy. One load of every region (per surface) runs the
whole matrix at once, which is also the point: faults in twelve regions do not disturb the
healthy two. The tests then check each case against that one load.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from amitui import backend, cli
from amitui.aws import AwsSession
from amitui.aws_errors import for_command_line
from amitui.backend import sandbox_session
from amitui.loader import stream_regions
from amitui.model import RegionLoad, RegionStatus
from amitui.sandbox.proxy import FaultProxy, Hang

from ..sandbox_api import isolate_user_env
from .conftest import ReliabilityFleet
from .reliability_cases import (
    ATTEMPTS,
    FAULT_REGION,
    HEALTHY_REGIONS,
    LOAD_FAULTS,
    REGIONS,
    LoadFault,
    inject_every_fault,
    load_fault_id,
)

#: Short read timeouts so the hung region costs seconds, not the 90 s default; the region
#: timeout is generous so healthy regions never meet it on a loaded CI machine (the explorer's
#: test, tests/reliability/test_tui.py, lets the region timeout fire instead).
SESSION_OPTIONS: dict[str, Any] = {
    "max_attempts": ATTEMPTS,
    "read_timeout": 1.0,
    "connect_timeout": 1.0,
}
REGION_TIMEOUT = 20.0


def assert_user_is_told(case: LoadFault, text: str, *, command_line: bool = False) -> None:
    """``case.says`` is what the explorer says; ``amitui ls`` says it its own way."""
    for fragment in case.says:
        if command_line:
            fragment = for_command_line(fragment)
        assert fragment in text, f"{case.name}: {fragment!r} missing from {text!r}"


@dataclass(frozen=True)
class EngineRun:
    loads: dict[str, RegionLoad]
    order: list[str]
    seconds: float
    faults_fired: dict[str, int]  # region -> faults the proxy injected there


@pytest.fixture(scope="module")
def engine_run(module_proxy: FaultProxy) -> Iterator[EngineRun]:
    inject_every_fault(module_proxy)

    async def load_all() -> tuple[list[RegionLoad], float]:
        started = time.perf_counter()
        async with sandbox_session(module_proxy.url, **SESSION_OPTIONS) as aws:
            loads = [
                load async for load in stream_regions(aws, REGIONS, region_timeout=REGION_TIMEOUT)
            ]
        return loads, time.perf_counter() - started

    loads, seconds = asyncio.run(load_all())
    fired = {
        region: sum(1 for r in module_proxy.requests_for(region=region) if r.fault is not None)
        for region in REGIONS
    }
    order = [load.region for load in loads]
    yield EngineRun({load.region: load for load in loads}, order, seconds, fired)
    module_proxy.reset()


def test_engine_loads_every_healthy_region_despite_twelve_failing_ones(
    engine_run: EngineRun, reliability_fleet: ReliabilityFleet
) -> None:
    assert set(engine_run.loads) == set(REGIONS)
    for region in HEALTHY_REGIONS:
        load = engine_run.loads[region]
        assert load.status is RegionStatus.LOADED and load.error is None
        assert {reliability_fleet.images[region], reliability_fleet.hostile[region]} <= {
            i.image_id for i in load.images
        }
    # The hung region is bounded by the read timeouts (3 attempts of 1 s), well inside the
    # region timeout, and held nobody back (the healthy regions above loaded in the same run).
    hung = FAULT_REGION[next(c.name for c in LOAD_FAULTS if isinstance(c.fault, Hang))]
    assert engine_run.loads[hung].status is RegionStatus.FAILED
    assert engine_run.seconds < REGION_TIMEOUT


@pytest.mark.parametrize("case", LOAD_FAULTS, ids=load_fault_id)
def test_engine_reports_each_fault_precisely(
    case: LoadFault, engine_run: EngineRun, reliability_fleet: ReliabilityFleet
) -> None:
    region = FAULT_REGION[case.name]
    load = engine_run.loads[region]
    assert engine_run.faults_fired[region] >= 1, "the proxy injected the fault"
    assert load.status is case.status, load.error
    if case.recovers:
        assert load.error is None
        assert reliability_fleet.images[region] in {i.image_id for i in load.images}
    else:
        assert load.error is not None and load.images == ()
        assert case.shows_code(load.error.code), load.error
        if isinstance(case.fault, Hang):
            assert "timed out" in load.error.describe()
        assert load.error.hint, "every failure says what to do"
        assert_user_is_told(case, load.error.describe())


@dataclass(frozen=True)
class LsRun:
    exit_code: int
    records: list[dict[str, Any]]
    stderr_lines: list[str]


@pytest.fixture(scope="module")
def ls_run(module_proxy: FaultProxy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LsRun]:
    """``amitui ls --format json`` over every region, in-process (for the short timeouts)."""
    inject_every_fault(module_proxy)
    regions = [arg for region in REGIONS for arg in ("--region", region)]
    with pytest.MonkeyPatch.context() as patch:
        isolate_user_env(patch, tmp_path_factory.mktemp("ls-user"))
        patch.setenv("AWS_ENDPOINT_URL", module_proxy.url)
        patch.setattr(backend, "AwsSession", functools.partial(AwsSession, **SESSION_OPTIONS))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["ls", *regions, "--format", "json", "--timeout", str(REGION_TIMEOUT)])
    yield LsRun(code, json.loads(out.getvalue()), err.getvalue().strip().splitlines())
    module_proxy.reset()


def test_ls_prints_every_healthy_region_and_exits_1(
    ls_run: LsRun, reliability_fleet: ReliabilityFleet
) -> None:
    assert ls_run.exit_code == 1
    listed = {(r["Region"], r["ImageId"]) for r in ls_run.records}
    for region in HEALTHY_REGIONS:
        assert (region, reliability_fleet.images[region]) in listed
    failing = [case for case in LOAD_FAULTS if not case.recovers]
    assert len(ls_run.stderr_lines) == len(failing), "one stderr line per failed region"
    assert not any("Traceback" in line for line in ls_run.stderr_lines)


@pytest.mark.parametrize("case", LOAD_FAULTS, ids=load_fault_id)
def test_ls_names_each_failed_region_on_stderr(
    case: LoadFault, ls_run: LsRun, reliability_fleet: ReliabilityFleet
) -> None:
    region = FAULT_REGION[case.name]
    lines = [line for line in ls_run.stderr_lines if line.startswith(f"amitui: {region}: ")]
    listed = {r["ImageId"] for r in ls_run.records if r["Region"] == region}
    if case.recovers:
        assert lines == []
        assert reliability_fleet.images[region] in listed
    else:
        assert len(lines) == 1
        code = lines[0].split(": ")[2]
        assert case.shows_code(code), lines[0]
        assert_user_is_told(case, lines[0], command_line=True)
        assert "press r" not in lines[0]
        assert listed == set(), "nothing half-listed from a failed region"
