"""``amitui ls`` in pipelines and cron jobs: a reader that goes away, a region that never
answers, a large region that answers slowly. Whole processes against a sandbox over HTTP,
through the fault-injecting proxy where a region must misbehave."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from amitui.loader import PAGE_SIZE
from amitui.sandbox import Sandbox
from amitui.sandbox.extensions.read_cache import CACHE_ENV
from amitui.sandbox.proxy import FaultProxy, Hang

from .sandbox_api import ec2_client, make_snapshot, register_image
from .test_ls import amitui

#: A region with several DescribeImages pages (EC2 gives at most 1,000 images a page).
BIG_REGION = "ap-southeast-2"
BIG_IMAGES = 3 * PAGE_SIZE + 500
SILENT_REGION = "eu-west-1"
HEALTHY_REGION = "us-east-1"


def _seed_big_region(sandbox: Sandbox) -> None:
    """BIG_REGION holds BIG_IMAGES images (four pages), seeded in one request."""
    request = urllib.request.Request(
        f"{sandbox.endpoint_url}/_amitui/bulk/{BIG_REGION}",
        data=json.dumps({"Images": BIG_IMAGES, "NamePrefix": "big"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=300) as answer:
        assert json.loads(answer.read())["Images"] == BIG_IMAGES


@pytest.fixture(scope="module")
def big_region(sandbox: Sandbox) -> Iterator[str]:
    _seed_big_region(sandbox)
    yield BIG_REGION


@pytest.fixture(scope="module")
def replayed_sandbox() -> Iterator[Sandbox]:
    """A sandbox that answers a repeated read from its read cache: once a listing has filled
    it, a page costs the sandbox microseconds, not the second or more moto takes to render
    1,000 images, so only the proxy's latency decides how long a page takes."""
    with Sandbox(extra_env={CACHE_ENV: "1"}) as sandbox:
        _seed_big_region(sandbox)
        yield sandbox


def _env(endpoint: str, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AMITUI_CONFIG": str(home / "none.toml"),
        "NO_COLOR": "1",
    }


# --- a reader that goes away --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_a_closed_pipe_ends_quietly_with_the_sigpipe_status(
    fmt: str, sandbox: Sandbox, big_region: str, tmp_path: Path
) -> None:
    """``amitui ls | head -1``: head reads one line and exits while amitui still has most of
    its output (megabytes, far beyond a pipe's buffer) to write. A well-mannered tool stops
    there without a word, with the status of a process stopped by SIGPIPE (128 + 13 = 141),
    which is what a shell reports for ``yes | head -1``."""
    command = (
        f"{sys.executable} -m amitui ls --region {big_region} --format {fmt} | head -1; "
        'echo "amitui-status=${PIPESTATUS[0]}" >&2'
    )
    result = subprocess.run(
        ["bash", "-c", command],
        env=_env(sandbox.endpoint_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    first = {"json": "[", "csv": "Region,ImageId,Name", "table": "REGION"}[fmt]
    assert result.stdout.startswith(first)
    assert len(result.stdout.splitlines()) == 1
    *said, status = result.stderr.strip().splitlines()
    assert said == [], "no traceback, no 'Exception ignored' from the exit-time flush"
    assert status == f"amitui-status={128 + signal.SIGPIPE}"


# --- a region that never answers ----------------------------------------------------------


def test_a_silent_region_is_given_up_after_timeout_and_the_others_still_print(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The region's requests hang (retries too); ``--timeout 2`` gives it up after two
    seconds of silence, long before botocore's own read timeouts (20 s a try) would. (The
    big region stays out: a 1,000-image page can take the sandbox 2 s on a loaded machine.)"""
    with FaultProxy(sandbox.endpoint_url) as proxy:
        proxy.add_fault(Hang(), region=SILENT_REGION)
        started = time.perf_counter()
        result = amitui(
            proxy.url,
            *("ls", "--region", HEALTHY_REGION, "--region", SILENT_REGION),
            *("--format", "json", "--timeout", "2"),
            home=tmp_path,
        )
        elapsed = time.perf_counter() - started
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"amitui: {SILENT_REGION}: Timeout: {SILENT_REGION} did not answer within 2 s"
        " (the region is slow or unreachable; run the command again)"
    ]
    records = json.loads(result.stdout)
    assert {r["Region"] for r in records} <= {HEALTHY_REGION}
    assert elapsed < 15, f"{elapsed:.1f} s: the silent region held ls beyond its timeout"


def test_csv_rows_of_healthy_regions_print_before_the_silent_region_is_given_up(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """A cron job reading csv gets each answering region's rows at once; only the silent
    region's verdict waits for its timeout."""
    ec2 = ec2_client(sandbox.endpoint_url, HEALTHY_REGION)
    images = {register_image(ec2, f"healthy-{n}", make_snapshot(ec2, 8)) for n in range(3)}
    regions = ["--region", HEALTHY_REGION, "--region", SILENT_REGION]
    with FaultProxy(sandbox.endpoint_url) as proxy:
        proxy.add_fault(Hang(), region=SILENT_REGION)
        process = subprocess.Popen(
            [sys.executable, "-m", "amitui", "ls", *regions, "--format", "csv", "--timeout", "12"],
            env=_env(proxy.url, tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None and process.stderr is not None
        started = time.perf_counter()
        header = process.stdout.readline()
        first_row = process.stdout.readline()
        row_after = time.perf_counter() - started
        # Through the same text buffers readline used (communicate() would skip what they hold).
        rest, stderr = process.stdout.read(), process.stderr.read()
        process.wait(timeout=120)
        exited_after = time.perf_counter() - started
    assert header.startswith("Region,ImageId")
    rows = [line.split(",") for line in (first_row + rest).splitlines()]
    assert {row[0] for row in rows} == {HEALTHY_REGION}
    assert images <= {row[1] for row in rows}
    assert process.returncode == 1
    assert f"amitui: {SILENT_REGION}: Timeout" in stderr
    assert exited_after >= 12 - 1  # the silent region had its full timeout
    assert row_after < exited_after - 5, (
        f"first row after {row_after:.1f} s, exit after {exited_after:.1f} s: "
        "the healthy region waited for the silent one"
    )


def test_a_large_region_that_keeps_answering_is_never_cut_off(
    replayed_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Four pages, each 3 s late: the region takes over 12 s in all, more than twice the 4 s
    timeout, but it is never silent for 4 s, so every image is listed."""
    big_region = BIG_REGION
    warm = amitui(replayed_sandbox.endpoint_url, "ls", "--region", big_region, home=tmp_path)
    assert warm.returncode == 0, warm.stderr
    with FaultProxy(replayed_sandbox.endpoint_url) as proxy:
        proxy.set_latency(big_region, 3000)
        started = time.perf_counter()
        result = amitui(
            proxy.url,
            "ls",
            "--region",
            big_region,
            "--format",
            "json",
            "--timeout",
            "4",
            home=tmp_path,
        )
        elapsed = time.perf_counter() - started
        pages = len(proxy.requests_for(region=big_region, action="DescribeImages"))
    assert result.returncode == 0, result.stderr
    assert pages == 4
    assert elapsed > 2 * 4, "the region took longer in total than the timeout"
    assert len(json.loads(result.stdout)) == BIG_IMAGES


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan", "inf"])
def test_a_timeout_that_is_not_a_positive_number_is_a_usage_error(
    value: str, tmp_path: Path
) -> None:
    result = amitui("http://127.0.0.1:9", "ls", "--timeout", value, home=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"amitui ls: error: argument --timeout: {value!r} is not a positive number of seconds"
        " (e.g. 30 or 2.5) (see amitui ls --help)"
    ]


def test_help_says_the_default_timeout_and_how_output_arrives(tmp_path: Path) -> None:
    result = amitui("http://127.0.0.1:9", "ls", "--help", home=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "give up a region that sends nothing for this long (default: 30)" in text
    assert "a large region whose pages keep arriving is never cut off" in text
    assert "csv streams" in text and "status 141" in text


def test_an_endpoint_nobody_listens_on_is_named_with_a_fix_ls_can_take(tmp_path: Path) -> None:
    """Nothing listens on the port: the first call (STS, who am I) fails to connect. The
    line names the endpoint botocore tried (not "the EC2 endpoint") and says how to retry
    from a shell; the explorer's "press r" has no meaning here."""
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    result = amitui(endpoint, "ls", "--region", HEALTHY_REGION, "--timeout", "5", home=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert f"the endpoint {endpoint}/ is unreachable" in result.stderr, result.stderr
    assert "run the command again" in result.stderr
    assert "press r" not in result.stderr
