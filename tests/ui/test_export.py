"""Getting things out, from the keyboard: `y` / `ctrl+y` / `ctrl+u` copy the image id, ARN and
console URL (OSC 52), `Y` the raw DescribeImages record fetched now, `ctrl+s` the totals of
the view; and the optional columns (Owner, Launched, Protection): chosen, sorted, filtered.

The columns' images live in a region of their own (SIDE), seeded here: the session's fleet
has no protected or launched image, and the other tests pin its look.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from textual.drivers.headless_driver import HeadlessDriver
from textual.message import Message

from amitui.app import AmituiApp
from amitui.model import ImageKey
from amitui.sandbox.proxy import AwsError, FaultProxy
from amitui.screens.raw_view import RawRecordScreen
from amitui.screens.totals import TotalsScreen
from amitui.widgets.details import ImageDetails

from ..sandbox_api import client, control
from . import fleet as F
from .conftest import AppFactory
from .helpers import cursor_to, notified, settle, table_lines, wait_loaded

SIZE = (160, 45)
API = "api-2026.08.15"
DB = "db-base-2026.09.01"
SIDE = "us-west-2"
WEB = "web-golden-2026.11.03"


@pytest.fixture
def osc52(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the App writes to the terminal as OSC 52 clipboard sequences (decoded)."""
    copied: list[str] = []
    write = HeadlessDriver.write

    def recording(driver: HeadlessDriver, data: str) -> None:
        if data.startswith("\x1b]52;c;"):
            copied.append(base64.b64decode(data[len("\x1b]52;c;") : -1]).decode())
        write(driver, data)

    monkeypatch.setattr(HeadlessDriver, "write", recording)
    return copied


def key(fleet: F.Fleet, name: str, region: str = F.HOME) -> ImageKey:
    return ImageKey(region, fleet.image(region, name))


# ---- the clipboard -----------------------------------------------------------------------


async def test_y_copies_the_image_id_through_osc52_and_says_so(
    make: AppFactory, fleet: F.Fleet, osc52: list[str]
) -> None:
    app = make()
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot)
        await cursor_to(pilot, key(fleet, API))
        await pilot.press("y")
        await pilot.pause()
        image_id = fleet.image(F.HOME, API)
        assert app.clipboard == image_id
        assert osc52 == [image_id]  # the terminal's clipboard: works over ssh
        assert any(f"Copied image id: {image_id}" in n.message for n in notified(messages))


async def test_y_copies_every_marked_id_a_line_each(
    make: AppFactory, fleet: F.Fleet, osc52: list[str]
) -> None:
    app = make()
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot)
        for name in (API, DB):
            await cursor_to(pilot, key(fleet, name))
            await pilot.press("space")
        await pilot.press("y")
        await pilot.pause()
        ids = {fleet.image(F.HOME, API), fleet.image(F.HOME, DB)}
        assert set(app.clipboard.split("\n")) == ids
        assert osc52[-1] == app.clipboard
        assert any("Copied 2 image ids, one a line" in n.message for n in notified(messages))


async def test_ctrl_y_copies_the_arn(make: AppFactory, fleet: F.Fleet, osc52: list[str]) -> None:
    # The Service Authorization Reference ("Actions, resources, and condition keys for Amazon
    # EC2", resource types): image "arn:${Partition}:ec2:${Region}::image/${ImageId}".
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await cursor_to(pilot, key(fleet, API))
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == f"arn:aws:ec2:us-east-1::image/{fleet.image(F.HOME, API)}"
        assert osc52 == [app.clipboard]


async def test_the_details_show_the_console_url_and_ctrl_u_copies_it(
    make: AppFactory, fleet: F.Fleet, osc52: list[str]
) -> None:
    # AWS does not document the console's URLs; this is the EC2 console's own AMI page URL.
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await cursor_to(pilot, key(fleet, WEB, F.COPY_REGION))
        image_id = fleet.image(F.COPY_REGION, WEB)
        url = (
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1"
            f"#ImageDetails:imageId={image_id}"
        )
        details = "".join(app.query_one(ImageDetails).text(400).split())
        assert url in details
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert app.clipboard == url
        assert osc52 == [url]


async def test_nothing_to_copy_says_so(make: AppFactory, osc52: list[str]) -> None:
    app = make()
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"no-such-image", "enter")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert osc52 == []
        assert any(n.message == "No image to copy" for n in notified(messages))


# ---- the raw view ------------------------------------------------------------------------


async def test_Y_shows_the_record_fetched_now_and_escape_closes(
    make: AppFactory, fleet: F.Fleet, proxy: FaultProxy
) -> None:
    app = make(proxy.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await cursor_to(pilot, key(fleet, API))
        image_id = fleet.image(F.HOME, API)
        before = len(proxy.requests_for(region=F.HOME, action="DescribeImages"))
        await pilot.press("Y")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RawRecordScreen)
        asked = proxy.requests_for(region=F.HOME, action="DescribeImages")[before:]
        assert len(asked) == 1  # asked now, not the record loaded
        assert screen.record is not None
        assert screen.record["ImageId"] == image_id
        assert screen.record["Name"] == API
        assert f'"ImageId": "{image_id}"' in screen.text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RawRecordScreen)


async def test_the_raw_view_says_what_aws_answered(
    make: AppFactory, fleet: F.Fleet, proxy: FaultProxy
) -> None:
    app = make(proxy.url)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_loaded(pilot)
            await cursor_to(pilot, key(fleet, API))
            proxy.add_fault(
                AwsError("UnauthorizedOperation", "You are not authorized to perform this "
                         "operation."),
                region=F.HOME, action="DescribeImages",
            )  # fmt: skip
            await pilot.press("Y")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RawRecordScreen)
            assert screen.record is None
            assert "UnauthorizedOperation" in screen.text
    finally:
        proxy.clear_faults()


# ---- the optional columns (and an image that goes away) ----------------------------------


@dataclass
class Side:
    images: dict[str, str] = field(default_factory=dict)  # name -> id


@pytest.fixture(scope="module")
def side(fleet: F.Fleet) -> Side:
    """SIDE: svc-2026.10.01 launched 2026-11-15 and protected with the cooldown,
    svc-2026.09.01 never launched and protected, tmp-2026.08.01 never launched and not
    protected, gone-2026.07.01 (deregistered by the test that needs it gone)."""
    ec2 = client(fleet.endpoint_url, SIDE)
    found = Side()
    for name in ("svc-2026.10.01", "svc-2026.09.01", "tmp-2026.08.01", "gone-2026.07.01"):
        volume = ec2.create_volume(Size=4, AvailabilityZone=f"{SIDE}a")["VolumeId"]
        snap = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
        image_id = ec2.register_image(
            Name=name, VirtualizationType="hvm", RootDeviceName="/dev/xvda",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snap}}],
        )["ImageId"]  # fmt: skip
        day = name.rsplit("-", 1)[1].replace(".", "-")
        status, answer = control(
            fleet.endpoint_url, f"images/{SIDE}/{image_id}", {"CreationDate": f"{day}T10:00:00Z"}
        )
        assert status == 200, answer
        found.images[name] = image_id
    status, answer = control(
        fleet.endpoint_url,
        f"images/{SIDE}/{found.images['svc-2026.10.01']}",
        {"LastLaunchedTime": "2026-11-15T08:00:00Z"},
    )
    assert status == 200, answer
    ec2.enable_image_deregistration_protection(
        ImageId=found.images["svc-2026.10.01"], WithCooldown=True
    )
    ec2.enable_image_deregistration_protection(ImageId=found.images["svc-2026.09.01"])
    return found


@pytest.fixture
def side_app(make: AppFactory, side: Side) -> Iterator[AmituiApp]:
    yield make(regions=(SIDE,))


def rows(app: AmituiApp) -> list[str]:
    return [line for line in table_lines(app)[1:] if line.strip()]


def header(app: AmituiApp) -> str:
    return table_lines(app)[0]


async def test_launched_and_protection_are_off_until_chosen(side_app: AmituiApp) -> None:
    async with side_app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert "Launched" not in header(side_app)
        assert "Protection" not in header(side_app)
        titles = [entry.text for entry in side_app.main.palette_entries()]
        assert "Show the Launched column" in titles
        assert "Show the Protection column" in titles
        side_app.main.action_toggle_column("launched")
        side_app.main.action_toggle_column("protection")
        await pilot.pause()
        assert "Launched" in header(side_app)
        assert "Protection" in header(side_app)
        titles = [entry.text for entry in side_app.main.palette_entries()]
        assert "Hide the Launched column" in titles


async def test_the_launched_column_sorts_never_first_and_filters(
    side_app: AmituiApp, side: Side
) -> None:
    # DescribeImages, Image.LastLaunchedTime (API reference): "The date and time, in ISO 8601
    # date-time format, when the AMI was last used to launch an EC2 instance." Unset: never.
    async with side_app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        side_app.main.choose_column("launched", True)
        side_app.main.action_sort_by("launched")
        await pilot.pause()
        lines = [line for line in rows(side_app) if "gone-" not in line]
        assert "svc-2026.10.01" in lines[-1] and "2026-11-15" in lines[-1]
        assert all("never" in line for line in lines[:-1])
        await pilot.press("slash", *"never", "enter")
        await settle(pilot)
        shown = rows(side_app)
        assert shown and not any("svc-2026.10.01" in line for line in shown)
        assert all("never" in line for line in shown)


async def test_the_protection_column_sorts_and_filters(side_app: AmituiApp, side: Side) -> None:
    # DescribeImages, Image.DeregistrationProtection (API reference): "Indicates whether
    # deregistration protection is enabled for the AMI." The sandbox answers the values
    # pinned in tests/sandbox/test_deregistration_protection.py.
    async with side_app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        side_app.main.choose_column("protection", True)
        side_app.main.action_sort_by("protection")
        side_app.table.sort_by("protection", reverse=True)
        await pilot.pause()
        lines = rows(side_app)
        assert "svc-2026.10.01" in lines[0] and "on+cooldown" in lines[0]
        assert "svc-2026.09.01" in lines[1] and " on " in f"{lines[1]} "
        await pilot.press("slash", *"cooldown", "enter")
        await settle(pilot)
        shown = rows(side_app)
        assert len(shown) == 1 and "svc-2026.10.01" in shown[0]


async def test_the_owner_column_is_choosable(side_app: AmituiApp) -> None:
    async with side_app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        # Our own images only: the Owner column's rule keeps it hidden...
        assert "Owner" not in header(side_app)
        side_app.main.choose_column("owner", True)  # ...unless chosen
        await pilot.pause()
        assert "Owner" in header(side_app)
        assert all("123456789012" in line for line in rows(side_app))
        # A rebuilt table (as after every load) keeps the choice.
        side_app.main.show_account(side_app.main.account_id)
        await pilot.pause()
        assert "Owner" in header(side_app)
        side_app.main.choose_column("owner", None)  # back to its rule
        await pilot.pause()
        assert "Owner" not in header(side_app)
        with pytest.raises(ValueError, match="always shown"):
            side_app.main.choose_column("name", False)
        # The filter finds the owner (its id here; an alias too where EC2 sends one).
        total = side_app.table.row_count
        await pilot.press("slash", *"123456789012", "enter")
        await settle(pilot)
        assert side_app.table.row_count == total > 0
        await pilot.press("escape")
        await pilot.press("slash", *"210987654321", "enter")
        await settle(pilot)
        assert side_app.table.row_count == 0


async def test_the_raw_view_of_an_image_that_is_gone(
    side_app: AmituiApp, side: Side, fleet: F.Fleet
) -> None:
    # DescribeImages (API reference): "Recently deregistered images appear in the returned
    # results for a short interval and then return empty results." Either way the view says
    # what EC2 answers now, not what was loaded.
    async with side_app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        image_id = side.images["gone-2026.07.01"]
        await cursor_to(pilot, ImageKey(SIDE, image_id))
        client(fleet.endpoint_url, SIDE).deregister_image(ImageId=image_id)
        await pilot.press("Y")
        await settle(pilot)
        screen = side_app.screen
        assert isinstance(screen, RawRecordScreen)
        if screen.record is not None:
            assert screen.record["State"] == "deregistered"
        else:
            assert f"EC2 no longer lists {image_id} in {SIDE}" in screen.text


# ---- totals --------------------------------------------------------------------------------


async def test_totals_of_the_view_match_a_hand_count(make: AppFactory, fleet: F.Fleet) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TotalsScreen)
        totals = screen.totals
        # us-east-1: web-golden-2026.11.03 8+20, web-golden-2026.10.20 8 (+ the same 20),
        # the markup-named image 8, db-base 50, api 16; eu-west-1: the copy's 8+20;
        # ap-southeast-2: ci-runner 12.
        assert (totals.total.images, totals.total.gib) == (7, 150)
        assert totals.total.monthly_cost == pytest.approx(150 * 0.05)
        regions = {g.name: (g.images, g.gib) for g in totals.regions}
        assert regions == {"us-east-1": (5, 110), "eu-west-1": (1, 28), "ap-southeast-2": (1, 12)}
        families = {g.name: (g.images, g.gib, g.regions) for g in totals.families}
        # The Family tag names the newest web image's family; its copy (tags not copied) and
        # the older one are "web-golden" by name.
        assert families["web"] == (1, 28, 1)
        assert families["web-golden"] == (2, 56, 2)
        assert families["db-base"] == (1, 50, 1)
        assert families[F.MARKUP_NAME] == (1, 8, 1)
        # Created 17, 31, 10, 80, 97 days before NOW; the copy 16, ci-runner 142.
        ages = {b.label: b.images for b in totals.ages}
        assert (ages["< 30 days"], ages["30-90 days"], ages["90-180 days"]) == (3, 2, 2)
        await pilot.press("escape")
        await pilot.pause()
        # The filtered view only.
        await pilot.press("slash", *"golden", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TotalsScreen)
        # 8+20, 8 (the shared 20 once), the copy's 8+20.
        assert (screen.totals.total.images, screen.totals.total.gib) == (3, 64)
        assert "filter 'golden'" in screen.scope


async def test_totals_is_in_the_palette(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        entries = {entry.text: entry for entry in app.palette_entries()}
        assert {"Totals…", "Raw record…", "Copy image id…", "Copy image ARN…"} <= set(entries)
        entries["Totals…"].run()
        await pilot.pause()
        assert isinstance(app.screen, TotalsScreen)


async def test_totals_use_the_configured_price(make: AppFactory) -> None:
    app = make(snapshot_price=0.1)  # config [cost] snapshot_gib_month = 0.1
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TotalsScreen)
        assert screen.totals.total.monthly_cost == pytest.approx(150 * 0.1)
