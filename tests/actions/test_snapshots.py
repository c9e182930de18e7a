"""Snapshot (SVG) tests of every action dialog and screen, on fixed records.

Regenerate after an intended visual change: ``pytest tests/actions/test_snapshots.py
--snapshot-update``, then review the SVGs under ``__snapshots__``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, SelectionList

from amitui.model import AwsError, Image, Plan, RegionStatus, Step, StepOutcome, StepResult
from amitui.widgets.copy_dialog import CopyDialog
from amitui.widgets.deprecate_dialog import DeprecateDialog
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen, StepNote
from amitui.widgets.share_dialog import CurrentGrant, ShareDialog

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SIZE = (130, 42)
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def image(image_id: str, name: str, *, encrypted: bool = False, **extra: Any) -> Image:
    ebs: dict[str, Any] = {"SnapshotId": "snap-0a1b2c3d", "VolumeSize": 8, "Encrypted": encrypted}
    if encrypted:
        ebs["KmsKeyId"] = KEY
    return Image.from_aws(
        "eu-west-1",
        {
            "ImageId": image_id,
            "Name": name,
            "Description": "Golden web image [nightly]",
            "OwnerId": "123456789012",
            "State": "available",
            "CreationDate": "2026-11-03T10:00:00.000Z",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": ebs}],
            **extra,
        },
    )


WEB = image("ami-0123456789abcdef0", "web-golden-2026.11.03")
DB = image(
    "ami-0fedcba9876543210",
    "db-[prod]-2026.10.01",
    encrypted=True,
    DeprecationTime="2026-12-01T00:00:00.000Z",
)


class Host(App[None]):
    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.pushed = screen

    def on_mount(self) -> None:
        self.push_screen(self.pushed)


def still(pilot: Pilot[None]) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def refuse(form: object) -> object:
    raise ValueError("Account id: '12345' has 5 digits; account ids have 12")


def test_copy_dialog(snap_compare: Callable[..., bool]) -> None:
    async def pick(pilot: Pilot[None]) -> None:
        still(pilot)
        regions = pilot.app.screen.query_one("#regions", SelectionList)
        regions.select("us-east-1")
        regions.select("ap-southeast-2")
        await pilot.pause()

    dialog = CopyDialog([WEB, DB], ["eu-west-1", "us-east-1", "ap-southeast-2"], lambda f: f)
    assert snap_compare(Host(dialog), terminal_size=SIZE, run_before=pick)


def test_share_dialog_with_an_error(snap_compare: Callable[..., bool]) -> None:
    async def submit(pilot: Pilot[None]) -> None:
        still(pilot)
        pilot.app.screen.query_one("#add", Input).value = "12345"
        await pilot.press("ctrl+s")

    current = [
        CurrentGrant("account|210987654321", "account 210987654321"),
        CurrentGrant(
            "organization|arn:aws:organizations::123456789012:organization/o-abc123defg",
            "organization arn:aws:organizations::123456789012:organization/o-abc123defg",
        ),
    ]
    dialog = ShareDialog(
        [DB], current, refuse, notes=[f"ami-0fedcba9876543210 is encrypted with {KEY}"]
    )
    assert snap_compare(Host(dialog), terminal_size=SIZE, run_before=submit)


def test_deprecate_dialog(snap_compare: Callable[..., bool]) -> None:
    dialog = DeprecateDialog([WEB, DB], lambda f: f, now=NOW, family_size=6)

    async def prepare(pilot: Pilot[None]) -> None:
        still(pilot)

    assert snap_compare(Host(dialog), terminal_size=SIZE, run_before=prepare)


def plan(destructive: bool) -> Plan:
    return Plan(
        "share",
        "Change launch permissions of 2 images",
        (
            Step(
                "public:eu-west-1/ami-0123456789abcdef0",
                "eu-west-1",
                "ModifyImageAttribute",
                "ami-0123456789abcdef0",
                {},
                "make public: every AWS account can launch it",
            ),
            Step(
                "public:eu-west-1/ami-0fedcba9876543210",
                "eu-west-1",
                "ModifyImageAttribute",
                "ami-0fedcba9876543210",
                {},
                "ami-0fedcba9876543210 has encrypted snapshots; EC2 never makes those public",
                excluded=True,
            ),
        ),
        notes=("Making 1 image public: anyone with an AWS account can launch them.",),
        destructive=destructive,
        confirm_text="ami-0123456789abcdef0",
    )


def test_plan_screen_destructive(snap_compare: Callable[..., bool]) -> None:
    async def prepare(pilot: Pilot[None]) -> None:
        still(pilot)

    assert snap_compare(Host(PlanScreen(plan(True))), terminal_size=SIZE, run_before=prepare)


def test_plan_screen_non_destructive(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(Host(PlanScreen(plan(False))), terminal_size=SIZE)


def test_progress_screen_finished(snap_compare: Callable[..., bool]) -> None:
    steps = tuple(
        Step(f"copy:{r}", r, "CopyImage", f"ami-0123456789abcdef0 → {r}", {}, "copy")
        for r in ("us-east-1", "ap-southeast-2", "sa-east-1")
    )
    copy_plan = Plan("copy", "Copy 1 image to 3 regions: 3 copies", steps)

    async def events(cancel: asyncio.Event) -> AsyncIterator[StepResult | StepNote]:
        yield StepResult(steps[0], StepOutcome.OK, {"ImageId": "ami-0aaa"})
        yield StepNote(steps[0].step_id, "ami-0aaa available (42 s)", final=True)
        yield StepResult(steps[1], StepOutcome.OK, {"ImageId": "ami-0bbb"})
        yield StepNote(steps[1].step_id, "ami-0bbb pending 40% (12 s)")
        error = AwsError(RegionStatus.DENIED, "UnauthorizedOperation", "You are not authorized")
        yield StepResult(steps[2], StepOutcome.FAILED, error=error)

    async def settle(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    screen = ProgressScreen(copy_plan, events)
    assert snap_compare(Host(screen), terminal_size=SIZE, run_before=settle)
