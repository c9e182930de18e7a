"""PlanScreen: steps, exclusions and notes shown; typed confirmation for destructive plans."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input, Static

from amitui.model import Plan, Step
from amitui.widgets.plan_screen import PlanScreen


def plan(*, destructive: bool, runnable: bool = True) -> Plan:
    steps = [
        Step("x", "eu-west-1", "DeregisterImage", "ami-0abc", {}, "unused", excluded=not runnable),
        Step("y", "eu-west-1", "DeregisterImage", "ami-0def", {}, "in use by i-1", excluded=True),
    ]
    return Plan(
        "deregister",
        "Deregister [bold]1[/] image",  # markup in titles must be shown, not parsed
        tuple(steps),
        notes=("Snapshots freed: 8 GiB",),
        destructive=destructive,
        confirm_text="ami-0abc",
    )


class Host(App[None]):
    def __init__(self, reviewed: Plan) -> None:
        super().__init__()
        self.reviewed = reviewed
        self.answers: list[bool | None] = []

    def on_mount(self) -> None:
        self.push_screen(PlanScreen(self.reviewed), self.answers.append)


def text_of(app: App[None]) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def test_destructive_plan_needs_the_typed_id() -> None:
    app = Host(plan(destructive=True))
    async with app.run_test(size=(140, 40)) as pilot:
        shown = text_of(app)
        assert "Deregister [bold]1[/] image" in shown
        assert "ami-0def" in shown and "in use by i-1" in shown
        assert "Snapshots freed: 8 GiB" in shown
        await pilot.press("y", "enter")  # "y" is typed into the field, not a confirmation
        assert app.answers == []
        assert "Type ami-0abc exactly" in str(app.screen.query_one("#plan-error", Static).render())
        field = app.screen.query_one(Input)
        field.value = ""
        await pilot.press(*"ami-0abc", "enter")
        assert app.answers == [True]


async def test_escape_cancels_a_destructive_plan() -> None:
    app = Host(plan(destructive=True))
    async with app.run_test() as pilot:
        await pilot.press("escape")
    assert app.answers == [False]


async def test_non_destructive_plan_confirms_with_y_or_enter() -> None:
    for key, expected in (("y", True), ("enter", True), ("n", False), ("escape", False)):
        app = Host(plan(destructive=False))
        async with app.run_test() as pilot:
            await pilot.press(key)
        assert app.answers == [expected], key


async def test_nothing_to_do_cannot_be_confirmed() -> None:
    app = Host(plan(destructive=False, runnable=False))
    async with app.run_test() as pilot:
        assert "Nothing to do" in text_of(app)
        await pilot.press("y")
        assert app.answers == []
        await pilot.press("enter")
    assert app.answers == [False]
