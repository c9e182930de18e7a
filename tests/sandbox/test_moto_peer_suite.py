"""A peer suite: moto's own AMI and EBS test modules, run against ``amitui sandbox``.

moto's sdist ships ``tests/test_ec2/test_amis.py`` and
``tests/test_ec2/test_elastic_block_store.py``. Their tests run in moto's server mode
(``TEST_SERVER_MODE=true``: every boto3 client they make points at
``TEST_SERVER_MODE_ENDPOINT``, and each test resets the server with ``POST /moto-api/reset``),
here against a real ``amitui sandbox`` process with moto's catalogue
of Amazon AMIs loaded, as the suite expects. The modules come from the sdist of the installed
moto version (``pip download``, cached in ``~/.cache/amitui/peer-suite``; a failed download
fails this test, it never skips).

Every test passes, is skipped by moto itself in server mode, or is listed in
``moto_peer_deviations.txt`` with the EC2 reference that makes the sandbox's answer the faithful
one. The list is exact both ways: a listed test that passes fails this test too, so the list
cannot go stale. Costs ~95 s on a loaded 2-core machine (moto reloads its AMI catalogue
after every reset), the first run ~40 s more for the download.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import pytest

from amitui.sandbox import SANDBOX_CREDENTIALS

MODULES = ("tests/test_ec2/test_amis.py", "tests/test_ec2/test_elastic_block_store.py")
#: What the two modules import or configure from moto's test tree.
SUPPORT = (
    "setup.cfg", "tests/__init__.py", "tests/conftest.py", "tests/markers.py",
    "tests/test_ec2/__init__.py", "tests/test_ec2/conftest.py", "tests/test_ec2/helpers.py",
)  # fmt: skip
DEVIATIONS = Path(__file__).with_name("moto_peer_deviations.txt")
SUITE_TIMEOUT = 900  # seconds; a hung run fails rather than holding CI


def cache_dir() -> Path:
    configured = os.environ.get("AMITUI_PEER_SUITE_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "amitui" / "peer-suite"


def moto_test_tree(version: str) -> Path:
    """moto's test files of ``version``, extracted from its sdist (downloaded once)."""
    tree = cache_dir() / f"moto-{version}"
    if all((tree / name).is_file() for name in (*MODULES, *SUPPORT)):
        return tree
    downloads = cache_dir() / "sdist"
    downloads.mkdir(parents=True, exist_ok=True)
    sdist = downloads / f"moto-{version}.tar.gz"
    if not sdist.is_file():
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            "--disable-pip-version-check", "-q", f"moto=={version}", "-d", str(downloads),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not sdist.is_file():
            pytest.fail(
                f"could not download moto {version}'s sdist ({' '.join(command)}):\n"
                f"{done.stderr[-2000:]}"
            )
    with tarfile.open(sdist) as archive:
        for name in (*MODULES, *SUPPORT):
            member = archive.getmember(f"moto-{version}/{name}")
            member.name = name
            archive.extract(member, tree, filter="data")
    return tree


def deviations() -> dict[str, str]:
    """test id -> why the sandbox's answer is EC2's (from moto_peer_deviations.txt)."""
    listed: dict[str, str] = {}
    for line in DEVIATIONS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            test_id, _, why = line.partition(" | ")
            assert why.strip(), f"{DEVIATIONS.name}: {test_id} gives no reference"
            listed[test_id.strip()] = why.strip()
    return listed


def outcomes(junit_xml: Path) -> dict[str, tuple[str, str]]:
    """test id -> (passed | failed | skipped, message) from a JUnit XML report."""
    found: dict[str, tuple[str, str]] = {}
    for case in ElementTree.parse(junit_xml).getroot().iter("testcase"):
        path = case.get("classname", "").replace(".", "/") + ".py"
        test_id = f"{path}::{case.get('name')}"
        problem = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        if problem is None:
            found[test_id] = ("passed", "")
        else:
            kind = "skipped" if problem.tag == "skipped" else "failed"
            found[test_id] = (kind, problem.get("message", "")[:300])
    return found


def test_moto_ami_and_ebs_suites_pass_against_the_sandbox(tmp_path: Path) -> None:
    version = importlib.metadata.version("moto")
    tree = moto_test_tree(version)
    env = {**os.environ, **SANDBOX_CREDENTIALS, "MOTO_EC2_LOAD_DEFAULT_AMIS": "true"}
    server = subprocess.Popen(
        [sys.executable, "-m", "amitui", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        text=True, env=env,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        endpoint = server.stdout.readline().strip()  # `amitui sandbox` prints its URL first
        assert endpoint.startswith("http://127.0.0.1:"), f"amitui sandbox said {endpoint!r}"
        report = tmp_path / "peer.xml"
        suite_env = {
            **env,
            "TEST_SERVER_MODE": "true",
            "TEST_SERVER_MODE_ENDPOINT": endpoint,
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # moto's suite needs none of ours
        }
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
             f"--junitxml={report}", *MODULES],
            cwd=tree, env=suite_env, capture_output=True, text=True, timeout=SUITE_TIMEOUT,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert report.is_file(), (
        f"moto's suite did not run:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    )

    results = outcomes(report)
    counts = Counter(kind for kind, _ in results.values())
    failed = {test_id: message for test_id, (kind, message) in results.items() if kind == "failed"}
    listed = deviations()
    unexpected = {t: m for t, m in failed.items() if t not in listed}
    stale = sorted(t for t in listed if t not in failed)
    print(
        f"moto {version} peer suite: {counts['passed']} passed, {len(listed)} deliberate "
        f"deviations, {counts['skipped']} skipped by moto in server mode"
    )
    assert not unexpected, "failing and not listed as deliberate deviations:\n" + "\n".join(
        f"{t}: {m}" for t, m in sorted(unexpected.items())
    )
    assert not stale, f"listed in {DEVIATIONS.name} but passing now: {stale}"
    assert counts["passed"] >= 50, f"too few tests ran: {dict(counts)}"
