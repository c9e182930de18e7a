"""Regenerate the README screenshots from the demo: ``python scripts/screenshots.py``.

Drives ``amitui --demo`` headlessly at 160x45 with :func:`amitui.app.make_app` and
``run_test``, with the clock fixed at the demo's reference date, and writes one SVG per
screen to ``screenshots/``: main, details, snapshot tree, lineage and help.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerState

from amitui.accounts import AccountSpec
from amitui.app import AmituiApp, make_app
from amitui.backend import LaunchOptions
from amitui.model import Image
from amitui.sandbox.demo import PINNED_IMAGES, REFERENCE_DATE

SIZE = (160, 45)
OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def settle(pilot: Pilot[int], limit: float = 300.0) -> None:
    app = pilot.app
    assert isinstance(app, AmituiApp)
    started = time.monotonic()
    while (
        not app.connected
        or app.region_pane.busy
        or any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
    ):
        if time.monotonic() - started > limit:
            raise TimeoutError("the demo did not load")
        await pilot.pause(0.1)
    await pilot.pause(0.3)


def pick(app: AmituiApp, want: str) -> Image:
    """An image that shows the feature off (found in the loaded fleet, not by id)."""
    images = sorted(app.inventory.images(), key=lambda i: (i.region, i.name))
    if want == "shared-snapshot":
        for image in images:
            for snapshot_id in image.snapshot_ids:
                if len(app.inventory.images_mapping(image.region, snapshot_id, image.account)) > 1:
                    return image
    if want == "family":
        return max(images, key=lambda i: (len(app.inventory.family(i)), i.name))
    name = next(iter(PINNED_IMAGES))
    region = PINNED_IMAGES[name][0]
    return next((i for i in images if i.name == name and i.region == region), images[0])


async def shoot(out: Path) -> list[Path]:
    os.environ.setdefault("AMITUI_CONFIG", str(out / "no-such-config.toml"))
    # The demo's whole organization, as `amitui --demo` opens it.
    app = make_app(LaunchOptions(demo=True, accounts=AccountSpec(org=True)), now=REFERENCE_DATE)
    written: list[Path] = []

    def save(name: str) -> None:
        path = out / f"{name}.svg"
        app.save_screenshot(str(path))
        written.append(path)

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        save("main")
        for name, want, key in (
            ("details", "pinned", "i"),
            ("snapshot-tree", "shared-snapshot", "t"),
            ("lineage", "family", "l"),
        ):
            image = pick(app, want)
            app.jump_to(image.key)
            await pilot.press(key)
            await settle(pilot)
            save(name)
        await pilot.press("i", "question_mark")
        await pilot.pause(0.3)
        save("help")
        await pilot.press("escape")
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="directory (default: screenshots/)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
