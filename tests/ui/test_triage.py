"""Incident triage in the explorer, on the demo organization over HTTP (every account, in
us-east-1): Go to (ctrl+g, GotoRequested) from an instance id, a launch template name and an
Auto Scaling group lands the cursor on the image each runs and says the path; an instance of
a deregistered image shows that image as a row marked "not listable"; the Used-by tab (U)
lists what the cleanup would name, and Enter on an entry says what it is.

What the demo holds (amitui/sandbox/demo.py) and the API behaviour each lookup relies on are
pinned, with the API reference quoted, in tests/test_lookup.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input

from amitui.accounts import AccountSpec
from amitui.actions.cleanup import gather_facts, plan_deregister
from amitui.app import AmituiApp, make_app
from amitui.backend import LaunchOptions
from amitui.columns import column
from amitui.model import ImageKey
from amitui.sandbox import Sandbox, demo
from amitui.widgets.goto import GotoDialog, UnlistedImageScreen
from amitui.widgets.lineage import LineageView
from amitui.widgets.messages import GotoRequested
from amitui.widgets.used_by import UsedByView

from ..sandbox_api import client, member_keys
from . import test_accounts_ui
from .helpers import notified, table_lines, wait_loaded

SIZE = (160, 45)
REGION = "us-east-1"
SHARED, STAGING, PROD = (a.account_id for a in demo.DEMO_ACCOUNTS)
GOLDEN = "web-golden-2026.11.17"
#: The demo organization and its AWS config: the fixtures of the accounts UI tests.
org = test_accounts_ui.org
aws_config = test_accounts_ui.aws_config


def organization_app() -> AmituiApp:
    app = make_app(LaunchOptions(regions=(REGION,), accounts=AccountSpec(org=True)))
    app.extras_delay = 0.0
    return app


def ec2(org: Sandbox, account_id: str = SHARED) -> Any:
    keys = member_keys(org.endpoint_url, account_id) if account_id != SHARED else None
    return client(org.endpoint_url, REGION, keys=keys)


def image_key(org: Sandbox, name: str) -> ImageKey:
    (image,) = ec2(org).describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [name]}]
    )["Images"]
    return ImageKey(REGION, str(image["ImageId"]), SHARED)


def instance_named(org: Sandbox, name: str, account_id: str = SHARED) -> str:
    reservations = ec2(org, account_id).describe_instances(
        Filters=[{"Name": "tag:Name", "Values": [name]}]
    )["Reservations"]
    return str(reservations[0]["Instances"][0]["InstanceId"])


async def until(pilot: Any, condition: Callable[[], object], limit: float = 30.0) -> None:
    for _ in range(int(limit / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


def cursor_key(app: AmituiApp) -> ImageKey | None:
    image = app.table.cursor_image
    return image.key if image is not None else None


async def goto(pilot: Any, app: AmituiApp, target: str, messages: list[Any]) -> None:
    """Post what the command line's ``:goto TARGET`` posts, and wait for the answer."""
    before = len(notified(messages))
    app.main.post_message(GotoRequested(target))
    await until(
        pilot,
        lambda: any(n.title.startswith("Go to") for n in notified(messages)[before:]),
    )


async def test_goto_from_an_instance_a_template_and_a_group_lands_on_their_image(
    org: Sandbox, aws_config: Path
) -> None:
    golden, in_use = image_key(org, GOLDEN), image_key(org, demo.IN_USE_IMAGE)
    staging_instance = instance_named(org, "web-staging", STAGING)
    app = organization_app()
    messages: list[Any] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot, limit=60)
        # Staging's instance runs the golden image shared-services shares with it.
        await goto(pilot, app, staging_instance, messages)
        assert cursor_key(app) == golden
        # Accounts are named as the Account column names them (alias, else id).
        names = {a.id: a.label for a in app.explorer.accounts}
        staging, shared = names[STAGING], names[SHARED]
        said = notified(messages)[-1].message
        assert said == (
            f"instance {staging_instance} (running) in {staging}/us-east-1 → {golden.image_id}"
        )
        await goto(pilot, app, demo.LAUNCH_TEMPLATE_NAME, messages)
        assert cursor_key(app) == in_use
        assert notified(messages)[-1].message == (
            f"launch template web-prod v1 ($Default) in {shared}/us-east-1 → {in_use.image_id}"
        )
        app.jump_to(golden)
        await goto(pilot, app, demo.AUTO_SCALING_GROUP_NAME, messages)
        assert cursor_key(app) == in_use
        assert notified(messages)[-1].message == (
            f"Auto Scaling group web-prod-fleet in {shared}/us-east-1 → "
            f"launch template web-prod v1 ($Default) → {in_use.image_id}"
        )


async def test_ctrl_g_asks_and_goes_and_nothing_found_says_what_was_searched(
    org: Sandbox, aws_config: Path
) -> None:
    in_use = image_key(org, demo.IN_USE_IMAGE)
    app = organization_app()
    messages: list[Any] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot, limit=60)
        await pilot.press("ctrl+g")
        await until(pilot, lambda: isinstance(app.screen, GotoDialog))
        await pilot.press("enter")  # nothing typed: the dialog says so and stays
        assert isinstance(app.screen, GotoDialog)
        assert "Type an id or a name" in app.screen.error
        app.screen.query_one(Input).value = instance_named(org, "web-prod")
        await pilot.press("enter")
        await until(pilot, lambda: cursor_key(app) == in_use)
        before = len(notified(messages))
        await pilot.press("ctrl+g")
        await until(pilot, lambda: isinstance(app.screen, GotoDialog))
        await pilot.press(*"nothing-here", "enter")
        await until(pilot, lambda: len(notified(messages)) > before + 1)
    failed = notified(messages)[-1]
    assert failed.severity == "warning"
    assert failed.message.startswith(
        "No launch template, Auto Scaling group or SSM parameter nothing-here in 3 "
        "account-regions ("
    )


async def test_an_instance_of_a_deregistered_image_shows_it_not_listable(
    org: Sandbox, aws_config: Path
) -> None:
    """DescribeInstanceImageMetadata names the image the reporting host was launched from,
    deregistered since: its row says so, with its name, owner, creation date and state."""
    instance = instance_named(org, "reporting")
    app = organization_app()
    messages: list[Any] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot, limit=60)
        app.main.post_message(GotoRequested(instance))
        await until(pilot, lambda: isinstance(app.screen, UnlistedImageScreen))
        screen = app.screen
        assert isinstance(screen, UnlistedImageScreen)
        row = screen.row_text
        assert row.startswith("ami-")
        assert f"{demo.RETIRED_IMAGE}  owner {SHARED}  created 2025-02-11  deregistered" in row
        assert row.endswith("[not listable: deregistered]")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, UnlistedImageScreen))


async def test_the_used_by_tab_lists_what_the_cleanup_names(org: Sandbox, aws_config: Path) -> None:
    in_use = image_key(org, demo.IN_USE_IMAGE)
    app = organization_app()
    messages: list[Any] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot, limit=60)
        app.jump_to(in_use)
        await pilot.press("U")
        view = app.query_one(UsedByView)
        await until(pilot, lambda: bool(view.entries))
        image = app.inventory.image(in_use)
        assert image is not None
        shared = app.explorer.account_of(image)
        facts = await gather_facts(shared.session, [image], SHARED)
        (verdict,) = plan_deregister(app.inventory, [image], facts).verdicts
        listed = {e.what for e in view.entries}
        assert {f"{u.kind} {u.name}" for u in verdict.uses} <= listed
        assert any(f"in account {demo.PROD.alias} ({PROD})" in e.text for e in view.entries), (
            view.entries
        )
        # Enter on the first entry (an instance) says what it is and where.
        view.focus()
        view.highlighted = next(
            i for i in range(view.option_count) if not view.get_option_at_index(i).disabled
        )
        await pilot.press("enter")
        await until(pilot, lambda: any(n.title == "Used by" for n in notified(messages)))
    said = next(n for n in notified(messages) if n.title == "Used by").message
    assert said.startswith("instance i-") and "in us-east-1 (amitui lists images" in said


async def test_the_used_by_column_counts_per_region_when_turned_on(
    org: Sandbox, aws_config: Path
) -> None:
    in_use = image_key(org, demo.IN_USE_IMAGE)
    app = organization_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, limit=60)
        assert not app.table.show_used_by and "Used by" not in table_lines(app)[0]
        app.jump_to(in_use)
        used_by = column("used_by")
        await pilot.press("colon", *"cols +used_by", "enter")
        counts = app.main.use_counts
        await until(pilot, lambda: app.table.column_shown(used_by) and in_use in counts)
        await until(pilot, lambda: app.table.show_used_by)  # redrawn with the counts
        assert counts[in_use] == 4  # three instances and a launch template
        header, *rows = table_lines(app)
        assert header.rstrip().endswith("Used by")
        row = next(r for r in rows if in_use.image_id in r)
        assert row.rstrip().endswith(" 4")
        await pilot.press("colon", *"cols -used_by", "enter")
        await until(pilot, lambda: not app.table.column_shown(used_by))


def used_by_cell(app: AmituiApp, key: ImageKey) -> str | None:
    """The Used by cell of ``key``'s row, as drawn (None: the column is not shown)."""
    header, *rows = table_lines(app)
    start = header.find("Used by")
    if start < 0:
        return None
    row = next(r for r in rows if key.image_id in r)
    return row[start : start + len("Used by")].strip()


async def test_the_used_by_counts_are_one_apps_own(org: Sandbox, aws_config: Path) -> None:
    """Two Apps in one process (as the tests run them), one after the other: the counts the
    first swept never show in the second, whose column is shown without a sweep."""
    in_use = image_key(org, demo.IN_USE_IMAGE)
    first = organization_app()
    async with first.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, limit=60)
        first.jump_to(in_use)
        await pilot.press("colon", *"cols +used_by", "enter")
        await until(pilot, lambda: used_by_cell(first, in_use) == "4")
    second = organization_app()
    async with second.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, limit=60)
        second.jump_to(in_use)
        second.table.show_used_by = True  # the column, without a sweep
        await pilot.pause()
        assert used_by_cell(second, in_use) == ""
        assert second.main.use_counts == {}


async def test_lineage_shows_the_ancestry_beside_the_copies(make: Any, fleet: Any) -> None:
    """GetImageAncestry of the eu-west-1 copy: the copy, then its us-east-1 source (the
    root: registered, no recorded ancestor), each navigable; the copies part follows."""
    from . import fleet as F

    copy = ImageKey(F.COPY_REGION, fleet.image(F.COPY_REGION, "web-golden-2026.11.03"))
    source = ImageKey(F.HOME, fleet.image(F.HOME, "web-golden-2026.11.03"))
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        app.jump_to(copy)
        await pilot.press("l")
        view = app.query_one(LineageView)
        await until(pilot, lambda: "ancestor-1" in [o.id for o in view.options])
        texts = [str(o.prompt) for o in view.options]
        assert texts[0] == "Ancestry: this image ← its source ← … ← the root"
        assert copy.image_id in texts[1] and "this image" in texts[1]
        assert source.image_id in texts[2] and texts[2].startswith("← us-east-1")
        assert "every base is current" in texts[3]
        assert "Copies in the loaded regions" in texts
        view.focus()
        view.highlighted = [o.id for o in view.options].index("ancestor-1")
        await pilot.press("enter")
        assert cursor_key(app) == source


async def test_enter_on_an_account_amitui_cannot_read_asks_for_an_image_usage_report(
    org: Sandbox, aws_config: Path
) -> None:
    """The golden image is shared with staging by id; with staging left out of the load,
    the Used-by tab names it as unread, and Enter there asks EC2 for an image usage report
    (CreateImageUsageReport, "Creates a report that shows how your image is used across
    other Amazon Web Services accounts", polled until "available - The report is available
    to view") whose entries replace it: staging's two web instances and its template."""
    app = make_app(
        LaunchOptions(regions=(REGION,), accounts=AccountSpec(org=True, skip_accounts=(STAGING,)))
    )
    app.extras_delay = 0.0
    golden = image_key(org, GOLDEN)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, limit=60)
        app.jump_to(golden)
        await pilot.press("U")
        view = app.query_one(UsedByView)
        await until(pilot, lambda: bool(view.entries))
        (unread,) = [e for e in view.entries if e.report_accounts]
        assert unread.report_accounts == (STAGING,) and "does not read" in unread.text
        view.focus()
        view.highlighted = next(
            i
            for i in range(view.option_count)
            if view.get_option_at_index(i).id
            and view._entries.get(view.get_option_at_index(i).id or "") == unread
        )
        await pilot.press("enter")
        await until(pilot, lambda: not any(e.report_accounts for e in view.entries))
        texts = [e.text for e in view.entries]
    assert any(
        t.startswith(f"2 instances in account {STAGING} (image usage report ") for t in texts
    ), texts
    assert any(t.startswith(f"1 launch template in account {STAGING}") for t in texts), texts
