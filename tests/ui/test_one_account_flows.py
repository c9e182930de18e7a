"""In an account-set launch, a flow written for one account (tags, deprecate, disable,
protect, retire, the views) acts in the account of the images it is given - never with the
first account's credentials on another account's image - and images of several accounts
are refused with the reason, nothing sent. Against the demo organization over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.message import Message

from amitui.accounts import AccountSpec
from amitui.app import AmituiApp, make_app
from amitui.backend import LaunchOptions
from amitui.model import Image
from amitui.sandbox import Sandbox, demo
from amitui.widgets.form_dialog import FormDialog
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen

from ..sandbox_api import client, member_keys
from . import test_accounts_ui
from .helpers import notified, wait_loaded

SIZE = (160, 45)
REGION = "us-east-1"
SHARED, STAGING, PROD = (a.account_id for a in demo.DEMO_ACCOUNTS)
#: The demo organization and its AWS config: the fixtures of the accounts UI tests.
org = test_accounts_ui.org
aws_config = test_accounts_ui.aws_config


def organization_app() -> AmituiApp:
    app = make_app(LaunchOptions(regions=(REGION,), accounts=AccountSpec(org=True)))
    app.extras_delay = 0.0
    return app


def image_of(app: AmituiApp, account: str) -> Image:
    return next(i for i in app.inventory.images() if i.account == account)


async def until(pilot: Any, condition: Any, limit: float = 30.0) -> None:
    for _ in range(int(limit / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


async def test_tags_on_a_member_accounts_image_are_set_in_that_account(
    org: Sandbox, aws_config: Path
) -> None:
    """EC2 API reference, CreateTags: "Adds or overwrites only the specified tags for the
    specified Amazon EC2 resource or resources" - of the caller's account: a member's private
    image is not visible to the management account's credentials, so the call must be sent
    with the member's (the flow planned with the first account's session before)."""
    app = organization_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, limit=60)
        image = image_of(app, STAGING)
        app.jump_to(image.key)
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press(*"review=q4")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert isinstance(app.screen, PlanScreen)
        assert app.screen.plan.runnable, app.screen.plan
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ProgressScreen))
        await until(pilot, lambda: app.screen.finished)  # type: ignore[attr-defined]
        await pilot.press("enter")
    keys = member_keys(org.endpoint_url, STAGING)
    (described,) = client(org.endpoint_url, REGION, keys=keys).describe_images(
        ImageIds=[image.image_id]
    )["Images"]
    assert {t["Key"]: t["Value"] for t in described.get("Tags", [])}["review"] == "q4"


async def test_images_of_several_accounts_are_refused_with_the_reason(
    org: Sandbox, aws_config: Path
) -> None:
    """The reference is silent (this is amitui's rule): a one-account action given images of
    two accounts says so and opens nothing."""
    app = organization_app()
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append, notifications=True) as pilot:
        await wait_loaded(pilot, limit=60)
        for account in (STAGING, PROD):
            app.jump_to(image_of(app, account).key)
            await pilot.press("space")
        assert {i.account for i in app.selected_images()} == {STAGING, PROD}
        await pilot.press("T")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, FormDialog)
        said = [n.message for n in notified(messages)]
        assert any("belong to 2 accounts" in m and "one account at a time" in m for m in said)
