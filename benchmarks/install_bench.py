"""How long installing amitui takes, and how much it installs: README command 1 as a new user
runs it (read from the README), pip alone doing the same, a plain install (AWS users), and
README command 2's install (the test extras).

Each variant is a fresh venv (``python -m venv``) in a temporary directory, then its install
commands from this checkout, timed from the first spawn to the last exit, with their CPU
time; the package caches are used as they are (a warm cache is the budget's premise: issue
17). The installed size is the venv's site-packages. pip's output is kept to check that its
resolver never backtracked.
"""

from __future__ import annotations

import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: The Quick start's commands, as numbered there ("# 1. ...", "# 2. ...").
README = ROOT / "README.md"


def readme_install(number: int) -> list[list[str]]:
    """README command ``number``'s install steps, as argv lists with ``.venv`` as ``{venv}``:
    what it runs between making the venv and starting amitui or pytest. Read from the README,
    so the bench times exactly what a new user types."""
    lines = README.read_text(encoding="utf-8").splitlines()
    marker = next(i for i, line in enumerate(lines) if line.startswith(f"# {number}. "))
    steps = [shlex.split(step) for step in lines[marker + 1].split("&&")]
    if steps[0][1:3] != ["-m", "venv"]:
        raise ValueError(f"README command {number} does not start by making a venv")
    return [
        [word.replace(".venv", "{venv}") for word in step]
        for step in steps[1:-1]  # the venv, then the install steps, then amitui or pytest
    ]


#: name -> (what it is, the commands run in the fresh venv, ``{venv}`` its path).
VARIANTS: dict[str, tuple[str, list[list[str]]]] = {
    "plain": (
        "pip install . (your own account: no demo, no tests)",
        [["{venv}/bin/pip", "install", "."]],
    ),
    "demo": ("README command 1", readme_install(1)),
    "demo-pip": ("pip alone: pip install '.[demo]'", [["{venv}/bin/pip", "install", ".[demo]"]]),
    "test": ("README command 2's install", readme_install(2)),
}

#: pip's words when the resolver has to go back on a choice (or ignores an extra).
BACKTRACKING = ("backtracking", "does not provide the extra", "is looking at multiple versions")


def tree_bytes(path: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            with_path = os.path.join(folder, name)
            if not os.path.islink(with_path):
                total += os.path.getsize(with_path)
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def install_once(commands: list[list[str]], python: str = "python3.11") -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="amitui-bench-install-") as tmp:
        venv = Path(tmp) / "venv"
        started = time.perf_counter()
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        venv_s = time.perf_counter() - started
        started, cpu_before = time.perf_counter(), _children_cpu()
        output = ""
        installed = ""
        for command in commands:
            done = subprocess.run(
                [word.format(venv=venv) for word in command],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise RuntimeError(f"{shlex.join(command)} failed: {done.stderr[-2000:]}")
            output += (done.stdout + done.stderr).lower()
            installed = next(
                (n for n in done.stdout.splitlines() if n.startswith("Successfully installed ")),
                installed,
            )
        install_s = time.perf_counter() - started
        (site,) = (venv / "lib").glob("python3*/site-packages")
        return {
            "venv_s": round(venv_s, 2),
            "pip_s": round(install_s, 2),
            "cpu_s": round(_children_cpu() - cpu_before, 2),
            "site_packages_mb": round(tree_bytes(site) / 1e6, 1),
            "distributions": len(installed.split()) - 2 if installed else 0,
            "backtracked": any(word in output for word in BACKTRACKING),
        }


def bench_install(runs: int, log: Any = print) -> dict[str, Any]:
    """Each variant ``runs`` times, alternated; the median pip time and every figure."""
    figures: dict[str, Any] = {
        name: {"what": what, "commands": commands, "runs": []}
        for name, (what, commands) in VARIANTS.items()
    }
    names = list(VARIANTS)
    for round_ in range(runs):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            figure = install_once(VARIANTS[name][1])
            figures[name]["runs"].append(figure)
            log(f"  install {name}: {figure['pip_s']:.1f} s, {figure['site_packages_mb']} MB")
    for entry in figures.values():
        times = sorted(run["pip_s"] for run in entry["runs"])
        entry["pip_median_s"] = times[len(times) // 2]
        cpu = sorted(run["cpu_s"] for run in entry["runs"])
        entry["cpu_median_s"] = cpu[len(cpu) // 2]
        entry["site_packages_mb"] = entry["runs"][-1]["site_packages_mb"]
        entry["distributions"] = entry["runs"][-1].get("distributions")
        entry["backtracked"] = any(run["backtracked"] for run in entry["runs"])
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(bench_install(int(sys.argv[1]) if len(sys.argv) > 1 else 1), indent=2))
