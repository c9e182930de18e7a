"""The README's two Quick start commands: what CI runs and what the install bench times are
read from them, so the three cannot drift apart."""

from __future__ import annotations

from pathlib import Path

from benchmarks.install_bench import VARIANTS, readme_install

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_readme_command_2_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (install,) = readme_install(2)
    assert install == ["{venv}/bin/pip", "install", "-e", ".[test]"]
    assert "python3.11 -m venv .venv && .venv/bin/pip install -q -e '.[test]'" in ci
    assert ci.rstrip().endswith(".venv/bin/pytest")


def test_readme_command_1_installs_the_demo_extra_and_is_what_the_bench_times() -> None:
    steps = readme_install(1)
    assert steps[-1][-1] == ".[demo]"
    assert all(step[0].startswith("{venv}/bin/") for step in steps)  # nothing outside the venv
    what, commands = VARIANTS["demo"]
    assert what == "README command 1"
    assert commands == steps
