"""Copy, share and deprecate end to end from the keyboard, in the real explorer, against the
sandbox (through a FaultProxy that records every request, so "nothing sent" is checked)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Checkbox, Input, RadioButton, SelectionList
from textual.worker import WorkerCancelled

from amitui.app import AmituiApp, make_app
from amitui.backend import LaunchOptions
from amitui.flows import copy as copy_flow
from amitui.model import ImageKey
from amitui.sandbox.proxy import FaultProxy
from amitui.widgets.copy_dialog import CopyDialog, DestinationRow
from amitui.widgets.deprecate_dialog import DeprecateDialog
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen
from amitui.widgets.share_dialog import ShareDialog

from ..sandbox_api import app_sessions, make_snapshot, register_image

SOURCE = "us-west-2"
DESTINATIONS = ("eu-west-1", "ap-southeast-1", "ca-central-1")
REGIONS = (SOURCE, *DESTINATIONS)
ORG = "arn:aws:organizations::123456789012:organization/o-abc123defg"
MUTATING = {
    "CopyImage",
    "ModifyImageAttribute",
    "ModifySnapshotAttribute",
    "EnableImageDeprecation",
    "DisableImageDeprecation",
}


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(copy_flow, "POLL_SECONDS", 0.1)


@pytest.fixture
def explorer(fault_proxy: FaultProxy) -> Callable[..., AmituiApp]:
    def build(**options: Any) -> AmituiApp:
        options.setdefault("regions", REGIONS)
        return make_app(LaunchOptions(**options), session_factory=app_sessions(fault_proxy.url))

    return build


def dialog_ready(app: AmituiApp, dialog: type[Screen[Any]]) -> bool:
    """The dialog is on screen and composed (its submit button, composed last, is there):
    a pushed screen composes a moment later."""
    return isinstance(app.screen, dialog) and bool(app.screen.query("#dialog-submit"))


async def until(pilot: Pilot[int], condition: Callable[[], bool], limit: float = 15.0) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.05)
        waited += 0.05
        assert waited < limit, "timed out waiting"


async def settle(app: AmituiApp) -> None:
    """Wait for the app's workers; a superseded (cancelled) load is not a failure."""
    for _ in range(20):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def loaded(pilot: Pilot[int]) -> AmituiApp:
    app = pilot.app
    assert isinstance(app, AmituiApp)
    await until(pilot, lambda: app.connected and not app.region_pane.busy)
    await settle(app)
    await pilot.pause()
    return app


async def on_image(pilot: Pilot[int], key: ImageKey) -> AmituiApp:
    app = await loaded(pilot)
    assert app.table.move_cursor_to(key), f"{key} is not in the table"
    app.table.focus()
    await pilot.pause()
    return app


def sent(proxy: FaultProxy) -> list[str]:
    return [a for a in proxy.actions() if a in MUTATING]


def journal_lines() -> list[dict[str, Any]]:
    from amitui.config import state_dir

    path = Path(state_dir()) / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def finish_progress(pilot: Pilot[int], app: AmituiApp) -> ProgressScreen:
    await until(pilot, lambda: isinstance(app.screen, ProgressScreen))
    screen = app.screen
    assert isinstance(screen, ProgressScreen)
    await until(pilot, lambda: screen.finished, limit=20)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, ProgressScreen))
    await settle(app)
    await pilot.pause()
    return screen


# --- copy ----------------------------------------------------------------------------------


async def test_copy_to_three_regions_from_the_keyboard(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"web-golden-{time.time_ns()}", make_snapshot(ec2, 2))
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, image_id))
        await pilot.press("c")
        await until(pilot, lambda: dialog_ready(app, CopyDialog))
        dialog = app.screen
        regions = dialog.query_one("#regions", SelectionList)
        for region in DESTINATIONS:
            regions.select(region)
        await pilot.pause()
        await until(pilot, lambda: len(dialog.query(DestinationRow)) == 3)
        dialog.query_one("#name", Input).value = "web-golden-copy"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert [s.region for s in plan.runnable] == list(DESTINATIONS)
        assert all(s.params["ClientToken"] for s in plan.runnable)
        await pilot.press("y")
        progress = await finish_progress(pilot, app)
        assert all(n.final and n.ok for n in progress.notes.values()), progress.notes
        assert len(progress.notes) == 3
        copies = [
            image
            for image in app.inventory.images()
            if image.source_image_id == image_id and image.region in DESTINATIONS
        ]
        assert sorted(c.region for c in copies) == sorted(DESTINATIONS)
        assert all(c.state == "available" and c.name == "web-golden-copy" for c in copies)
        source = app.inventory.image(ImageKey(SOURCE, image_id))
        assert source is not None
        assert {c.key for c in copies} <= {m.key for m in app.inventory.family(source)}
    assert sent(fault_proxy).count("CopyImage") == 3
    lines = [e for e in journal_lines() if e["operation"] == "CopyImage"]
    assert [e["phase"] for e in lines].count("sent") == 3
    assert [e.get("outcome") for e in lines if e["phase"] == "outcome"] == ["ok"] * 3
    assert all(e["account"] == "123456789012" and e["action"] == "copy" for e in lines)


async def test_copy_dialog_refuses_bad_input_and_sends_nothing(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    image_id = register_image(
        ec2, f"encrypted-{time.time_ns()}", make_snapshot(ec2, 1, Encrypted=True)
    )
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, image_id))
        await pilot.press("c")
        await until(pilot, lambda: dialog_ready(app, CopyDialog))
        dialog = app.screen
        assert isinstance(dialog, CopyDialog)

        async def submit() -> str:
            await pilot.press("ctrl+s")
            await pilot.pause()
            error = dialog.error  # read first: the check below narrows ``dialog`` to a Screen
            assert app.screen is dialog, "the dialog closed on bad input"
            return error

        assert "pick at least one" in await submit()
        regions = dialog.query_one("#regions", SelectionList)
        regions.select(SOURCE)
        await pilot.pause()
        assert "where the image is already" in await submit()
        regions.deselect(SOURCE)
        regions.select("eu-west-1")
        await until(
            pilot, lambda: [r.id for r in dialog.query(DestinationRow)] == ["dest-eu-west-1"]
        )
        row = dialog.query_one("#dest-eu-west-1", DestinationRow)
        assert row.query_one(Checkbox).value is True  # encrypted source: encryption on
        row.query_one(Checkbox).value = False
        assert "cannot make an unencrypted copy" in await submit()
        row.query_one(Checkbox).value = True
        kms = row.query_one(Input)
        kms.value = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        assert "KMS keys are regional" in await submit()
        kms.value = "not a key"
        assert "is not a KMS key id" in await submit()
        kms.value = ""
        dialog.query_one("#name", Input).value = "a{b}"
        assert "Name: contains '{}'" in await submit()
        dialog.query_one("#name", Input).value = "x"
        assert "3 to 128 characters" in await submit()
        dialog.query_one("#description", Input).value = "d" * 300
        dialog.query_one("#name", Input).value = "fine-name"
        assert "EC2 allows 255" in await submit()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CopyDialog)
    assert sent(fault_proxy) == []


# --- share ---------------------------------------------------------------------------------


async def test_share_with_accounts_and_an_organization(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    snapshot = make_snapshot(ec2, 1)
    image_id = register_image(ec2, f"shared-{time.time_ns()}", snapshot)
    ec2.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Add": [{"UserId": "333344445555"}]}
    )
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, image_id))
        await pilot.press("s")
        await until(pilot, lambda: dialog_ready(app, ShareDialog))
        screen = app.screen
        assert isinstance(screen, ShareDialog)
        dialog: ShareDialog[Any] = screen  # declared: kept through `is` checks
        current = dialog.query_one("#current", SelectionList)
        assert list(current.selected) == ["account|333344445555"]
        current.deselect("account|333344445555")
        dialog.query_one("#add", Input).value = f"210987654321, {ORG}"
        dialog.query_one("#share-snapshots", Checkbox).value = True
        dialog.query_one("#add", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert not plan.destructive
        assert [s.operation for s in plan.runnable] == [
            "ModifyImageAttribute",
            "ModifySnapshotAttribute",
        ]
        await pilot.press("y")
        await finish_progress(pilot, app)
    permissions = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    assert sorted(map(str, permissions["LaunchPermissions"])) == sorted(
        map(str, [{"UserId": "210987654321"}, {"OrganizationArn": ORG}])
    )
    volume = ec2.describe_snapshot_attribute(
        SnapshotId=snapshot, Attribute="createVolumePermission"
    )
    assert volume["CreateVolumePermissions"] == [{"UserId": "210987654321"}]
    assert sent(fault_proxy) == ["ModifyImageAttribute", "ModifySnapshotAttribute"]


async def test_share_dialog_validation(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"share-bad-{time.time_ns()}", make_snapshot(ec2, 1))
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, image_id))
        await pilot.press("s")
        await until(pilot, lambda: dialog_ready(app, ShareDialog))
        screen = app.screen
        assert isinstance(screen, ShareDialog)
        dialog: ShareDialog[Any] = screen  # declared: kept through `is` checks
        field = dialog.query_one("#add", Input)
        field.focus()
        expectations = {
            "": "nothing to change",
            "12345": "has 5 digits; account ids have 12",
            "12345678901a": "must be 12 digits",
            "arn:aws:organizations::123456789012:organization/abc": "is not an organization ARN",
            "arn:aws:organizations::123456789012:ou/o-abc123defg/x": "is not an OU ARN",
            "210987654321 nonsense": "'nonsense' must be 12 digits",
        }
        for text, message in expectations.items():
            field.value = text
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog
            assert message in dialog.error, (text, dialog.error)
        await pilot.press("escape")
        await pilot.pause()
    assert sent(fault_proxy) == []


async def test_make_public_is_checked_and_needs_the_typed_id(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"public-{time.time_ns()}", make_snapshot(ec2, 1))
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, image_id))
        await pilot.press("s")
        await until(pilot, lambda: dialog_ready(app, ShareDialog))
        dialog = app.screen
        dialog.query_one("#public-make", RadioButton).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        assert screen.plan.destructive and screen.plan.confirm_text == image_id
        await pilot.press("y", "enter")  # typed into the confirmation field: not a confirmation
        await pilot.pause()
        assert app.screen is screen and sent(fault_proxy) == []
        screen.query_one(Input).value = image_id
        await pilot.press("enter")
        await finish_progress(pilot, app)
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["Public"] is True


async def test_public_refused_for_encrypted_and_blocked_images(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in("ca-central-1")
    encrypted = register_image(
        ec2, f"enc-pub-{time.time_ns()}", make_snapshot(ec2, 1, Encrypted=True)
    )
    plain = register_image(ec2, f"plain-pub-{time.time_ns()}", make_snapshot(ec2, 1))
    ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    try:
        app = explorer(regions=("ca-central-1",))
        async with app.run_test(size=(160, 50)) as pilot:
            for image_id, reason in (
                (encrypted, "encrypted snapshots"),
                (plain, "block-new-sharing"),
            ):
                await on_image(pilot, ImageKey("ca-central-1", image_id))
                await pilot.press("s")
                await until(pilot, lambda: dialog_ready(app, ShareDialog))
                app.screen.query_one("#public-make", RadioButton).value = True
                await pilot.press("ctrl+s")
                await until(pilot, lambda: isinstance(app.screen, PlanScreen))
                plan = app.screen.plan  # type: ignore[attr-defined]
                assert not plan.runnable
                assert reason in plan.excluded[0].reason
                await pilot.press("escape")
                await settle(app)
                await pilot.pause()
    finally:
        ec2.disable_image_block_public_access()
    assert sent(fault_proxy) == []


# --- deprecate -----------------------------------------------------------------------------


async def test_deprecate_a_family_then_cancel(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"family-{time.time_ns()}", make_snapshot(ec2, 1))
    copy_id = ec2_in("eu-west-1").copy_image(
        SourceImageId=image_id, SourceRegion=SOURCE, Name=f"family-copy-{time.time_ns()}"
    )["ImageId"]
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, image_id))
        await pilot.press("d")
        await until(pilot, lambda: dialog_ready(app, DeprecateDialog))
        dialog = app.screen
        dialog.query_one("#family", Checkbox).value = True
        field = dialog.query_one("#when", Input)
        field.value = "+30d"
        field.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert {s.target for s in plan.runnable} == {image_id, copy_id}
        await pilot.press("enter")
        await finish_progress(pilot, app)
        copy = app.inventory.image(ImageKey("eu-west-1", copy_id))
        assert copy is not None and copy.deprecation_time is not None
        assert copy.deprecation_time - datetime.now(UTC) > timedelta(days=29)

        await on_image(pilot, ImageKey(SOURCE, image_id))
        await pilot.press("d")
        await until(pilot, lambda: dialog_ready(app, DeprecateDialog))
        app.screen.query_one("#cancel", Checkbox).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press("y")
        await finish_progress(pilot, app)
        source = app.inventory.image(ImageKey(SOURCE, image_id))
        assert source is not None and source.deprecation_time is None
    assert sent(fault_proxy) == ["EnableImageDeprecation"] * 2 + ["DisableImageDeprecation"]


async def test_deprecate_dialog_validation(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"dep-bad-{time.time_ns()}", make_snapshot(ec2, 1))
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, image_id))
        await pilot.press("d")
        await until(pilot, lambda: dialog_ready(app, DeprecateDialog))
        screen = app.screen
        assert isinstance(screen, DeprecateDialog)
        dialog: DeprecateDialog[Any] = screen  # declared: kept through `is` checks
        field = dialog.query_one("#when", Input)
        field.focus()
        for text, message in {
            "": "is empty",
            "tomorrow": "neither a relative time",
            "2020-01-01": "is in the past",
            "+0d": "not in the future",
            "+11y": "more than 10 years ahead",
            "2027-02-30": "neither a relative time",
        }.items():
            field.value = text
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog
            assert message in dialog.error, (text, dialog.error)
        await pilot.press("escape")
        await pilot.pause()
    assert sent(fault_proxy) == []


async def test_read_only_offers_no_action(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"ro-{time.time_ns()}", make_snapshot(ec2, 1))
    app = explorer(read_only=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, image_id))
        for key in "csd":
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, CopyDialog | ShareDialog | DeprecateDialog)
    assert sent(fault_proxy) == []


async def test_dry_run_first_refuses_without_changing_anything(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    """ctrl+d on the plan: every call is sent with DryRun first; one refusal runs nothing."""
    from amitui.sandbox.proxy import AwsError

    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"dry-{time.time_ns()}", make_snapshot(ec2, 1))
    fault_proxy.add_fault(AwsError("UnauthorizedOperation"), action="EnableImageDeprecation")
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, image_id))
        await pilot.press("d")
        await until(pilot, lambda: dialog_ready(app, DeprecateDialog))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press("ctrl+d")
        assert app.screen.dry_run_first  # type: ignore[attr-defined]
        await pilot.press("y")
        progress = await finish_progress(pilot, app)
        (result,) = progress.results.values()
        assert result.outcome.value == "failed" and result.detail.startswith("dry run")
    assert sent(fault_proxy) == ["EnableImageDeprecation"]  # the DryRun only
    assert "DeprecationTime" not in ec2.describe_images(ImageIds=[image_id])["Images"][0]
    dry = [e for e in journal_lines() if e["step"].endswith(image_id)]
    assert [e["dry_run"] for e in dry] == [True, True]


async def test_marked_images_in_several_regions_share_one_plan(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    """Actions apply to the marked images, whatever their regions: one plan, one run."""
    west, europe = ec2_in(SOURCE), ec2_in("eu-west-1")
    first = register_image(west, f"marked-a-{time.time_ns()}", make_snapshot(west, 1))
    second = register_image(europe, f"marked-b-{time.time_ns()}", make_snapshot(europe, 1))
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, ImageKey(SOURCE, first))
        app.table.set_marks([ImageKey(SOURCE, first), ImageKey("eu-west-1", second)])
        await pilot.pause()
        await pilot.press("d")
        await until(pilot, lambda: dialog_ready(app, DeprecateDialog))
        app.screen.query_one("#when", Input).value = "2030-01-31 09:00"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert {(s.region, s.target) for s in plan.runnable} == {
            (SOURCE, first),
            ("eu-west-1", second),
        }
        await pilot.press("y")
        await finish_progress(pilot, app)
    for ec2, image_id in ((west, first), (europe, second)):
        (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
        assert image["DeprecationTime"] == "2030-01-31T09:00:00.000Z"
