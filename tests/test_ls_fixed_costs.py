"""What ``amitui ls`` pays before its first request: the region-name check, and its imports.

No timing here (benchmarks/ measures); each test checks a cost is not paid at all: the check
reads no endpoint data, and a listing never imports the TUI, Rich (except for the table it
draws) or the sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from amitui.aws import known_regions
from amitui.sandbox import Sandbox

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
