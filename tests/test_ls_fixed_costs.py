"""What ``amitui ls`` pays before its first request: the region-name check, its imports, and
the round trip asking whose account it lists.

No timing here (benchmarks/ measures); each test checks a cost is not paid at all: the check
reads no endpoint data, a listing never imports the TUI, Rich (except for the table it
draws) or the sandbox, and the one account's listing never waits for its identity.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from amitui.accounts import DEFAULT_SOURCE
from amitui.aws import known_regions
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox
from amitui.sandbox.proxy import AwsError, FaultProxy, Hold

from .sandbox_api import make_snapshot, register_image

#: Runs ``amitui ARGV`` in-process, then prints to stderr, as its last line, which of the
#: watched modules it imported.
REPORT_IMPORTS = """\
import json, sys
from amitui.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
watched = ("textual", "rich", "moto", "flask", "amitui.sandbox", "amitui.app", "amitui.widgets",
           "amitui.screens", "botocore.session")
inside = tuple(w + "." for w in watched)
loaded = sorted(m for m in sys.modules if m in watched or m.startswith(inside))
print(json.dumps(loaded), file=sys.stderr)
sys.exit(code)
"""


def run_reporting_imports(
    argv: list[str], home: Path, endpoint: str | None = None
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {**os.environ, "AMITUI_CONFIG": str(home / "none.toml"), "NO_COLOR": "1"}
    if endpoint is not None:
        env["AWS_ENDPOINT_URL"] = endpoint
    result = subprocess.run(
        [sys.executable, "-c", REPORT_IMPORTS, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    *_, last = result.stderr.splitlines() or [""]
    return result, set(json.loads(last))


def test_known_regions_are_botocores_ec2_regions_in_every_partition() -> None:
    """The cheap source (partitions.json) names exactly the regions botocore's endpoint data
    gives EC2, the check's former source; its pseudo-regions (aws-global...) are left out."""
    import botocore.session

    session = botocore.session.get_session()
    expected: set[str] = set()
    for partition in session.get_available_partitions():
        expected.update(session.get_available_regions("ec2", partition_name=partition))
    assert known_regions() == expected
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= known_regions()
    assert not any(region.endswith("-global") for region in known_regions())


def test_checking_region_names_loads_no_endpoint_data(tmp_path: Path) -> None:
    """``--region eu-west-1 --region bogus-1`` is refused before any session exists: no
    botocore session (which would parse the 1.2 MB endpoints.json) is made for the check."""
    result, loaded = run_reporting_imports(
        ["ls", "--region", "eu-west-1", "--region", "eu-nowhere-1"], tmp_path
    )
    assert result.returncode == 2
    assert "botocore.session" not in loaded


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("eu-nowhere-1", "'eu-nowhere-1' is not a known EC2 region; did you mean eu-north-1"),
        ("EU_WEST_1", "'EU_WEST_1' is not a region name (regions look like eu-west-1)"),
    ],
)
def test_an_unknown_region_is_a_one_line_usage_error(
    region: str, message: str, tmp_path: Path
) -> None:
    result, _ = run_reporting_imports(["ls", "--region", region], tmp_path)
    assert result.returncode == 2
    error, _report = result.stderr.splitlines()
    assert error.startswith("amitui ls: error: ") and message in error
    assert error.endswith("(see amitui ls --help)")


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_amitui_ls_imports_neither_the_tui_nor_the_sandbox(
    fmt: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Textual and the sandbox (moto, its server) are never needed to list images; Rich only
    draws the table format."""
    result, loaded = run_reporting_imports(
        ["ls", "--region", "eu-west-1", "--format", fmt], tmp_path, sandbox.endpoint_url
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout  # it listed (a header at least)
    expected = {"rich"} if fmt == "table" else set()
    assert {name.split(".")[0] for name in loaded if not name.startswith("amitui.")} <= {
        *expected,
        "botocore",  # botocore.session: the sessions themselves
    }
    assert not {name for name in loaded if name.startswith("amitui.")}
    if fmt != "table":
        assert "rich" not in loaded


# --- the one account of the default credentials --------------------------------------------


def _ls_through(proxy: FaultProxy, home: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": proxy.url,
        "AMITUI_CONFIG": str(home / "none.toml"),
        "NO_COLOR": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "amitui", "ls", "--format", "json", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(proxy: FaultProxy, action: str, process: subprocess.Popen[str]) -> bool:
    """Whether ``action`` reached the proxy before ``process`` ended (or a minute passed)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if action in proxy.actions():
            return True
        time.sleep(0.05)
    return action in proxy.actions()


IDENTITY = ("GetCallerIdentity", "ListAccountAliases")


def test_the_listing_does_not_wait_for_the_accounts_identity(
    fault_proxy: FaultProxy, ec2_in: Callable[[str], Any], tmp_path: Path
) -> None:
    """With the default credentials' one account, DescribeImages goes out while STS
    GetCallerIdentity and IAM ListAccountAliases (each record's "Account") are still
    unanswered: the identity is a round trip beside the listing, not before it. The records
    still say their account once it answers."""
    ec2 = ec2_in("eu-west-1")
    image = register_image(ec2, "listed-beside-its-identity", make_snapshot(ec2, 8))
    held = Hold()
    fault_proxy.add_fault(held, action=IDENTITY)
    process = _ls_through(fault_proxy, tmp_path, "--region", "eu-west-1")
    try:
        listed_while_held = _wait_for(fault_proxy, "DescribeImages", process)
    finally:
        held.release()
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert listed_while_held, "DescribeImages waited for the account's identity"
    records = json.loads(stdout)
    assert image in {r["ImageId"] for r in records}
    assert {(r["Region"], r["Account"]) for r in records} == {("eu-west-1", SANDBOX_ACCOUNT_ID)}


def test_an_identity_refused_is_the_accounts_problem_even_when_the_listing_answered(
    fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    """STS (us-east-1, the default region) answers two seconds late, and refuses the
    credentials, long after eu-west-1's listing answered: the account's one problem line
    and exit status 2, as when the identity was asked first; no images of an account amitui
    could not name, no region error beside it. AWS's Common Errors reference:
    "ExpiredTokenException: The security token included in the request is expired. HTTP
    status code: 403"."""
    fault_proxy.set_latency("us-east-1", 2000)
    fault_proxy.add_fault(
        AwsError(
            "ExpiredTokenException", "The security token included in the request is expired", 403
        ),
        action="GetCallerIdentity",
    )
    process = _ls_through(fault_proxy, tmp_path, "--region", "eu-west-1")
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    assert stdout == ""
    [line] = stderr.splitlines()
    assert line.startswith(f"amitui: {DEFAULT_SOURCE}: ") and "ExpiredTokenException" in line


def test_a_default_profile_that_does_not_exist_is_one_line_not_a_traceback(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """``AWS_PROFILE=typo``: parsing the models ahead (off the event loop) reads no profile,
    and the account's first call reports the profile, exit status 2. botocore raises
    ProfileNotFound for a profile the config files do not define."""
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": sandbox.endpoint_url,
        "AWS_PROFILE": "no-such-profile",
        "AMITUI_CONFIG": str(tmp_path / "none.toml"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "amitui", "ls", "--region", "eu-west-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"amitui: {DEFAULT_SOURCE}: ProfileNotFound: ")
    assert "no-such-profile" in line
