"""The region pane with an organization's worth of account-regions."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from amitui.model import RegionKey, RegionLoad, RegionStatus
from amitui.widgets.region_pane import REDRAW_EACH_CHANGE_UP_TO, RegionList, RegionPane

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
