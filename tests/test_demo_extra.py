"""The sandbox is the ``demo`` extra: without it, ``--demo`` and ``amitui sandbox`` say exactly
what to install, in one line, instead of a traceback from the sandbox's subprocess."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from amitui.cli import SANDBOX_MODULES

ROOT = Path(__file__).resolve().parent.parent

#: ``amitui ARGV`` in a process where the demo extra's modules cannot be found, as in a venv
#: made by a plain ``pip install .`` (a None in sys.modules is Python's "no such module").
WITHOUT_THE_EXTRA = """\
import sys
for name in {modules!r}:
    sys.modules[name] = None
from amitui.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("argv", "what"),
    [
        (["--demo"], "--demo"),
        (["--demo", "--read-only"], "--demo"),
        (["ls", "--demo", "--format", "json"], "--demo"),
        (["sandbox", "--demo"], "the sandbox command"),
        (["sandbox"], "the sandbox command"),
    ],
)
def test_without_the_demo_extra_the_demo_says_what_to_install(
    argv: list[str], what: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_THE_EXTRA.format(modules=SANDBOX_MODULES), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()  # one line, no traceback
    assert line.startswith(f"amitui: {what} needs the embedded sandbox, amitui's demo extra")
    assert "(no moto, flask, boto3)" in line
    assert f"{sys.executable} -m pip install 'amitui[demo]'" in line
    assert "pip install '.[demo]'" in line


def test_the_checked_modules_are_the_demo_extras_packages() -> None:
    """What the check looks for is what the extra installs (and the test extra includes it)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extra = project["optional-dependencies"]["demo"]
    names = {spec.split("[")[0].split(">")[0].split("<")[0].split("=")[0] for spec in extra}
    assert set(SANDBOX_MODULES) <= names
    assert "moto" not in " ".join(project["dependencies"])
    assert "amitui[demo]" in project["optional-dependencies"]["test"]
