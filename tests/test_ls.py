"""``amitui ls`` as users script it: whole processes against a sandbox over HTTP."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import AwsError, FaultProxy

from .conftest import ENGINE_REGIONS
from .sandbox_api import ec2_client, make_snapshot, register_image


@pytest.fixture(scope="module")
def listed(sandbox: Sandbox) -> dict[str, dict[str, list[str]]]:
    """Images registered for this module: region -> image id -> its snapshot ids."""
    registered: dict[str, dict[str, list[str]]] = {}
    for region in ("eu-west-1", "ap-southeast-2"):
        ec2 = ec2_client(sandbox.endpoint_url, region)
        root, data = make_snapshot(ec2, 8), make_snapshot(ec2, 50)
        image = register_image(ec2, f"ls-[bold]web-{region}", root, data)
        registered[region] = {image: [root, data]}
    return registered


def amitui(endpoint: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AMITUI_CONFIG": str(home / "none.toml"),
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "amitui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def images_in(records: list[dict[str, Any]], region: str) -> dict[str, list[str]]:
    """``amitui ls --format json``'s records of ``region``: image id -> its snapshot ids."""
    return {
        str(r["ImageId"]): [m["Ebs"]["SnapshotId"] for m in r["BlockDeviceMappings"]]
        for r in records
        if r["Region"] == region
    }


def test_json_is_aws_image_records_plus_region(
    sandbox: Sandbox, listed: dict[str, dict[str, list[str]]], tmp_path: Path
) -> None:
    result = amitui(sandbox.endpoint_url, "ls", "--format", "json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert {r["Region"] for r in records} <= set(ENGINE_REGIONS)
    for region, images in listed.items():
        found = images_in(records, region)
        for image_id, snapshots in images.items():
            assert found[image_id] == snapshots  # the right snapshot per device, in order
    record = next(r for r in records if r["ImageId"] in listed["eu-west-1"])
    # PascalCase keys exactly as DescribeImages returns them.
    assert {"ImageId", "Name", "CreationDate", "State", "BlockDeviceMappings"} <= set(record)
    assert record["Name"] == "ls-[bold]web-eu-west-1"


def test_region_flag_narrows_and_csv_has_a_header(
    sandbox: Sandbox, listed: dict[str, dict[str, list[str]]], tmp_path: Path
) -> None:
    result = amitui(
        sandbox.endpoint_url,
        "ls",
        "--region",
        "ap-southeast-2",
        "--format",
        "csv",
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {row["Region"] for row in rows} == {"ap-southeast-2"}
    (image_id, snapshots), *_ = listed["ap-southeast-2"].items()
    row = next(row for row in rows if row["ImageId"] == image_id)
    assert row["SnapshotIds"].split() == snapshots
    assert row["SizeGiB"] == "58"


def test_table_prints_names_literally(
    sandbox: Sandbox, listed: dict[str, dict[str, list[str]]], tmp_path: Path
) -> None:
    result = amitui(sandbox.endpoint_url, "ls", "--region", "eu-west-1", home=tmp_path)
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header[:3] == ["REGION", "IMAGE", "ID"]
    assert "ls-[bold]web-eu-west-1" in result.stdout  # markup is text, not style
    assert "\x1b" not in result.stdout


def test_a_failed_region_is_named_on_stderr_and_the_rest_still_print(
    sandbox: Sandbox, listed: dict[str, dict[str, list[str]]], tmp_path: Path
) -> None:
    with FaultProxy(sandbox.endpoint_url) as proxy:
        proxy.add_fault(
            AwsError("UnauthorizedOperation", "You are not authorized to perform this operation."),
            region="eu-west-1",
        )
        result = amitui(proxy.url, "ls", "--format", "json", home=tmp_path)
    assert result.returncode == 1
    assert "eu-west-1: UnauthorizedOperation: You are not authorized" in result.stderr
    assert "Traceback" not in result.stderr
    records = json.loads(result.stdout)
    assert set(listed["ap-southeast-2"]) <= set(images_in(records, "ap-southeast-2"))
    assert images_in(records, "eu-west-1") == {}


def test_ls_lists_images_only(
    sandbox: Sandbox, listed: dict[str, dict[str, list[str]]], tmp_path: Path
) -> None:
    """What ls prints comes from DescribeImages alone (snapshot ids and sizes are in the block
    device mappings), so it sends DescribeRegions and DescribeImages, and asks whose account
    it lists (GetCallerIdentity, ListAccountAliases: each record's "Account"), nothing else."""
    with FaultProxy(sandbox.endpoint_url) as proxy:
        result = amitui(proxy.url, "ls", "--format", "json", home=tmp_path)
        actions = {r.action for r in proxy.requests}
    assert result.returncode == 0, result.stderr
    assert actions == {
        "DescribeRegions",
        "DescribeImages",
        "GetCallerIdentity",
        "ListAccountAliases",
    }
    records = json.loads(result.stdout)
    for region, images in listed.items():
        assert images.items() <= images_in(records, region).items()  # with their snapshots


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "eu-nowhere-1"], "'eu-nowhere-1' is not a known EC2 region"),
        (["--region", "west"], "'west' is not a region name"),
        (["--owner", "bob"], "invalid owner 'bob'"),
        (["--owner", "12345"], "invalid owner '12345'"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--region", "eu-west-1", "--all-regions"], "contradict"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = amitui("http://127.0.0.1:9", "ls", *args, home=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    # Every ls usage error, found by argparse or after it, points to the ls help.
    assert lines[0].startswith("amitui ls: error: ")
    assert lines[0].endswith("(see amitui ls --help)")
    assert result.stdout == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_csv_on_a_terminal_neutralises_escapes_but_keeps_data_exact_when_redirected() -> None:
    from amitui.listing import write_csv
    from amitui.model import Image

    hostile = Image.from_aws(
        "eu-west-1", {"ImageId": "ami-0123456789abcdef0", "Name": "x\x1b]8;;https://evil\x07y"}
    )
    redirected, terminal = io.StringIO(), _Terminal()
    write_csv([hostile], redirected)
    write_csv([hostile], terminal)
    assert "x\x1b]8;;https://evil\x07y" in redirected.getvalue()
    assert "\x1b" not in terminal.getvalue() and "\\x1b" in terminal.getvalue()
