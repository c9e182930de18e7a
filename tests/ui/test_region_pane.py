"""The region pane with an organization's worth of account-regions."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from amitui.model import RegionKey, RegionLoad, RegionStatus
from amitui.widgets.region_pane import REDRAW_EACH_CHANGE_UP_TO, SPINNER, RegionList, RegionPane

ACCOUNTS = {f"{n:012d}": f"acct-{n}" for n in range(40)}
REGIONS = ("us-east-1", "eu-west-1", "ap-south-1", "sa-east-1", "ca-central-1")
KEYS = [RegionKey(account, region) for account in ACCOUNTS for region in REGIONS]


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RegionPane(id="regions")


async def test_thousands_of_arrivals_do_not_each_rebuild_the_list(monkeypatch: Any) -> None:
    """Each rebuild draws every entry: one per arrival made an organization's load
    quadratic (3,400 account-regions took minutes in the org benchmark). While anything
    loads, a long list is redrawn by the spinner's turns; the last arrival draws it at once."""
    assert len(KEYS) > REDRAW_EACH_CHANGE_UP_TO
    app = PaneApp()
    async with app.run_test(size=(60, 40)) as pilot:
        pane = app.query_one(RegionPane)
        pane.set_accounts(ACCOUNTS)
        pane.set_regions(KEYS)
        pane.mark_loading(KEYS)
        rebuilds = 0
        rebuild = pane._rebuild

        def counted() -> None:
            nonlocal rebuilds
            rebuilds += 1
            rebuild()

        monkeypatch.setattr(pane, "_rebuild", counted)
        for key in KEYS:
            pane.set_result(RegionLoad(key.region, RegionStatus.LOADED, account=key.account))
        assert rebuilds == 1  # the last one, once nothing is loading
        await pilot.pause()
        prompts = [str(o.prompt) for o in app.query_one(RegionList).options]
        assert len(prompts) == 1 + len(ACCOUNTS) + len(KEYS)
        assert not pane.busy and all(pane.state(k).status is RegionStatus.LOADED for k in KEYS)  # type: ignore[union-attr]


ORG = {f"{n:012d}": f"bench-{n:03d}" for n in range(200)}
ORG_REGIONS = tuple(f"region-{n:02d}" for n in range(17))
ORG_KEYS = [RegionKey(account, region) for account in ORG for region in ORG_REGIONS]


def count_replaced(monkeypatch: Any, options: RegionList) -> list[int]:
    replaced: list[int] = []
    replace = options.replace_option_prompt_at_index

    def counted(index: int, prompt: Any) -> RegionList:
        replaced.append(index)
        return replace(index, prompt)

    monkeypatch.setattr(options, "replace_option_prompt_at_index", counted)
    return replaced


async def test_a_spinner_turn_in_an_organization_redraws_what_is_on_screen(
    monkeypatch: Any,
) -> None:
    """200 accounts x 17 regions, all loading: each spinner turn (every 0.1 s) replaced all
    3,601 prompts, and the list measured them all again on the next paint (~0.2 s of CPU a
    turn, the event loop's time between the first answers and the first rows). Now a turn
    replaces the prompts on screen only, and an arrival its own entry, its account's and the
    total's."""
    app = PaneApp()
    async with app.run_test(size=(60, 40)) as pilot:
        pane = app.query_one(RegionPane)
        pane.set_accounts(ORG)
        pane.set_regions(ORG_KEYS)
        await pilot.pause()
        options = app.query_one(RegionList)
        assert options.option_count == 1 + len(ORG) + len(ORG_KEYS)
        height = options.size.height
        replaced = count_replaced(monkeypatch, options)

        pane._spin()
        assert 0 < len(replaced) <= height
        assert set(replaced) <= set(range(height))

        replaced.clear()
        far = ORG_KEYS[-1]  # the last account's last region: far off screen
        pane.set_result(RegionLoad(far.region, RegionStatus.LOADED, account=far.account))
        pane._spin()
        # Its account still spins (other regions load), unchanged off screen: not replaced.
        assert {i for i in replaced if i >= height} == {options.option_count - 1}
        assert str(options.get_option_at_index(options.option_count - 1).prompt).split()[-1] == "0"

        for key in ORG_KEYS:  # the rest arrive; the last one redraws the list at once
            pane.set_result(RegionLoad(key.region, RegionStatus.LOADED, account=key.account))
        prompts = [str(o.prompt) for o in options.options]
        assert prompts[0].split()[-1] == "0" and "All accounts" in prompts[0]
        assert not any(frame in prompt for prompt in prompts for frame in SPINNER)
