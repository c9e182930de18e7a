"""PlanScreen across accounts: steps grouped under a heading per account; a destructive
plan spanning accounts says so, lists them, and is confirmed by typing the number of
accounts; a protected account (config ``[accounts] protected``) also needs its alias typed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, Static

from amitui.config import ConfigError, load_config
from amitui.model import Plan, Step
from amitui.widgets.plan_screen import PlanScreen

SHARED, STAGING, PROD = "123456789012", "210987654321", "333344445555"
LABELS = {SHARED: "shared-services", STAGING: "staging", PROD: "prod"}


def deregister(account: str, image_id: str, *, excluded: bool = False) -> Step:
    return Step(
        f"deregister:us-east-1/{image_id}",
        "us-east-1",
        "DeregisterImage",
        image_id,
        {"ImageId": image_id},
        "unused" if not excluded else "in use",
        excluded=excluded,
        account=account,
    )


def plan(*steps: Step, destructive: bool = True) -> Plan:
    runnable = [s for s in steps if not s.excluded]
    return Plan(
        "deregister",
        "Deregister images",
        steps,
        destructive=destructive,
        confirm_text=runnable[0].target if len(runnable) == 1 else str(len(runnable)),
    )


class Host(App[None]):
    def __init__(
        self,
        reviewed: Plan,
        *,
        protected: Collection[str] = (),
        accounts: Mapping[str, str] = LABELS,
        default_account: str = "",
    ) -> None:
        super().__init__()
        self.screen_under_test = PlanScreen(
            reviewed, accounts=accounts, protected=protected, default_account=default_account
        )
        self.answers: list[bool | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.screen_under_test, self.answers.append)


def texts(app: App[None]) -> list[str]:
    return [str(w.render()) for w in app.screen.query(Static)]


async def test_steps_are_grouped_by_account_with_a_heading_each() -> None:
    reviewed = plan(
        deregister(SHARED, "ami-1"),
        deregister(STAGING, "ami-2"),
        deregister(SHARED, "ami-3"),
        deregister(STAGING, "ami-4", excluded=True),
        destructive=False,
    )
    app = Host(reviewed)
    async with app.run_test(size=(150, 50)):
        shown = texts(app)
        headings = [t for t in shown if t.startswith("Account ")]
        # Will run: two groups; left out: one group.
        assert headings == [
            "Account shared-services (123456789012)",
            "Account staging (210987654321)",
            "Account staging (210987654321)",
        ]
        lines = [str(w.render()) for w in app.screen.query(".step")]
        # ami-3 is listed under shared-services, before staging's heading.
        assert [line.split()[2] for line in lines] == ["ami-1", "ami-3", "ami-2"]
        assert not app.screen.query("#plan-accounts")  # not destructive: no banner


async def test_one_account_shows_no_headings() -> None:
    app = Host(plan(deregister("", "ami-1"), deregister("", "ami-2")))
    async with app.run_test(size=(150, 50)):
        assert not [t for t in texts(app) if t.startswith("Account ")]
        assert app.screen_under_test.confirm_text == "2"


async def test_a_destructive_plan_spanning_accounts_is_confirmed_by_their_count() -> None:
    reviewed = plan(deregister(SHARED, "ami-1"), deregister(STAGING, "ami-2"),
                    deregister(STAGING, "ami-3"))  # fmt: skip
    app = Host(reviewed)
    async with app.run_test(size=(150, 50)) as pilot:
        banner = str(app.screen.query_one("#plan-accounts", Static).render())
        assert banner == (
            "This plan changes 2 accounts: shared-services (123456789012), staging (210987654321)"
        )
        # The image count (3) is not the answer here: the number of accounts is.
        app.screen.query_one("#plan-confirm", Input).value = "3"
        await pilot.press("enter")
        assert app.answers == []
        assert "Type 2 exactly" in str(app.screen.query_one("#plan-error", Static).render())
        app.screen.query_one("#plan-confirm", Input).value = ""
        await pilot.press("2", "enter")
        assert app.answers == [True]


async def test_a_protected_account_needs_its_alias_typed() -> None:
    reviewed = plan(deregister(SHARED, "ami-1"), deregister(PROD, "ami-2"))
    app = Host(reviewed, protected={PROD})
    async with app.run_test(size=(150, 50)) as pilot:
        banner = str(app.screen.query_one("#plan-accounts", Static).render())
        assert "prod (333344445555) [protected]" in banner
        assert "Account prod (333344445555) — protected" in texts(app)
        help_text = str(app.screen.query_one("#plan-help", Static).render())
        assert help_text.startswith("Type 2 prod (the number of accounts, then the protected")
        await pilot.press("2", "enter")  # the count alone is not enough
        assert app.answers == []
        assert "Type 2 prod exactly" in str(app.screen.query_one("#plan-error", Static).render())
        app.screen.query_one("#plan-confirm", Input).value = ""
        await pilot.press(*"2 prod", "enter")
        assert app.answers == [True]


async def test_a_single_protected_account_needs_the_id_and_the_alias() -> None:
    """Steps naming no account run in the explorer's own (``default_account``)."""
    app = Host(plan(deregister("", "ami-1")), protected={PROD}, default_account=PROD)
    async with app.run_test(size=(150, 50)) as pilot:
        assert not app.screen.query("#plan-accounts")  # one account: no banner
        await pilot.press(*"ami-1", "enter")
        assert app.answers == []
        app.screen.query_one("#plan-confirm", Input).value = ""
        await pilot.press(*"ami-1 prod", "enter")
        assert app.answers == [True]


async def test_a_protected_account_left_out_of_the_run_asks_nothing_more() -> None:
    """Only accounts the plan changes count: an excluded step in prod changes nothing."""
    reviewed = plan(deregister(SHARED, "ami-1"), deregister(PROD, "ami-2", excluded=True))
    app = Host(reviewed, protected={PROD})
    async with app.run_test(size=(150, 50)) as pilot:
        assert app.screen_under_test.confirm_text == "ami-1"
        await pilot.press(*"ami-1", "enter")
        assert app.answers == [True]


def test_config_names_protected_accounts(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[accounts]\nprotected = ["prod", "333344445555"]\n')
    assert load_config(path).protected_accounts == ("prod", "333344445555")


@pytest.mark.parametrize(
    "text", ['[accounts]\nprotected = "prod"\n', "[accounts]\nprotected = [1]\n", "accounts = 3\n"]
)
def test_a_malformed_protected_list_is_one_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"\[accounts\]"):
        load_config(path)
