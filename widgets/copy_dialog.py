"""The copy dialog: destination regions (multi-select), name, description, encryption and a
KMS key per destination, copy tags; with several accounts loaded, the account to copy into
(a DR account) and whether to remove the share afterwards. Returns whatever the flow's
``check`` makes of the form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    Checkbox,
    Input,
    Label,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from amitui.model import Image
from amitui.text import counted, inert
from amitui.widgets.form_dialog import FormDialog, field_label

ResultT = TypeVar("ResultT")


@dataclass(frozen=True, slots=True)
class DestinationForm:
    region: str
    encrypt: bool
    kms_key: str


@dataclass(frozen=True, slots=True)
class CopyForm:
    destinations: tuple[DestinationForm, ...]
    name: str
    description: str
    copy_tags: bool
    account: str = ""  # the account to copy into ("" = the images' own)
    remove_share: bool = False


class DestinationRow(Horizontal):
    """One selected destination: its encryption switch and KMS key."""

    DEFAULT_CSS = """
    DestinationRow { height: auto; }
    DestinationRow > .region { width: 18; padding: 1 0; }
    DestinationRow > Checkbox { width: 16; }
    DestinationRow > Input { width: 1fr; }
    """

    def __init__(self, region: str, encrypt: bool) -> None:
        super().__init__(id=f"dest-{region}")
        self.destination = region
        self.encrypt = encrypt

    def compose(self) -> ComposeResult:
        yield Label(self.destination, classes="region")
        yield Checkbox("Encrypt", self.encrypt, id=f"encrypt-{self.destination}")
        yield Input(
            placeholder="KMS key in this region (empty: aws/ebs)", id=f"kms-{self.destination}"
        )

    def value(self) -> DestinationForm:
        return DestinationForm(
            self.destination,
            self.query_one(Checkbox).value,
            self.query_one(Input).value,
        )


class CopyDialog(FormDialog[CopyForm, ResultT]):
    DEFAULT_CSS = """
    CopyDialog #regions { height: 9; }
    CopyDialog #destinations { height: auto; }
    """

    def __init__(
        self,
        sources: Sequence[Image],
        regions: Sequence[str],
        check: Callable[[CopyForm], ResultT],
        *,
        accounts: Sequence[tuple[str, str]] = (),
    ) -> None:
        title = f"Copy {counted(len(sources), 'image')} to other regions"
        super().__init__(title, check)
        self.sources = list(sources)
        self.region_names = list(regions)
        #: (account id, label) of the other loaded accounts the images may be copied into.
        self.accounts = list(accounts)
        self.encrypt_default = any(image.encrypted for image in sources)

    def compose_fields(self) -> ComposeResult:
        listing = Text()
        for image in self.sources[:5]:
            listing.append(f"{image.region}  {image.image_id}  ", style="bold")
            listing.append(inert(image.name))
            listing.append("  encrypted\n" if image.encrypted else "\n", style="yellow")
        if len(self.sources) > 5:
            listing.append(f"… and {len(self.sources) - 5} more\n")
        yield Static(listing, id="sources")
        yield field_label("Destination regions (space to pick one or many)")
        source_regions = {image.region for image in self.sources}
        yield SelectionList[str](
            *(
                Selection(f"{r}  (source)" if r in source_regions else r, r)
                for r in self.region_names
            ),
            id="regions",
        )
        yield field_label("Encryption and KMS key per destination")
        yield Vertical(id="destinations")
        single = len(self.sources) == 1
        yield field_label("Name of the copies")
        # Pre-filled from the source: untrusted, so controls are shown as visible escapes.
        yield Input(
            inert(self.sources[0].name) if single else "",
            placeholder="(each copy keeps its source's name)",
            id="name",
            disabled=not single,
        )
        yield field_label("Description")
        yield Input(
            inert(self.sources[0].description) if single else "",
            placeholder="(each copy keeps its source's description)",
            id="description",
            disabled=not single,
        )
        yield Checkbox("Copy the images' tags", True, id="copy-tags")
        if self.accounts:
            yield field_label("Into account (another loaded account: a DR copy)")
            with RadioSet(id="account"):
                yield RadioButton("This account", True, id="account-own")
                for number, (_, label) in enumerate(self.accounts):
                    yield RadioButton(Text(inert(label)), id=f"account-{number}")
            yield Checkbox(
                "Remove the share afterwards (once every copy is available)",
                False,
                id="remove-share",
            )

    @on(SelectionList.SelectedChanged, "#regions")
    async def _regions_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        container = self.query_one("#destinations", Vertical)
        chosen = list(event.selection_list.selected)
        rows = {row.destination: row for row in container.query(DestinationRow)}
        for region, row in rows.items():
            if region not in chosen:
                await row.remove()
        for region in chosen:
            if region not in rows:
                await container.mount(DestinationRow(region, self.encrypt_default))

    def form(self) -> CopyForm:
        chosen = list(self.query_one("#regions", SelectionList).selected)
        rows = {row.destination: row for row in self.query(DestinationRow)}
        destinations = tuple(
            rows[r].value() if r in rows else DestinationForm(r, self.encrypt_default, "")
            for r in chosen
        )
        account = ""
        remove_share = False
        if self.accounts:
            pressed = self.query_one("#account", RadioSet).pressed_index
            account = self.accounts[pressed - 1][0] if pressed > 0 else ""
            remove_share = self.query_one("#remove-share", Checkbox).value
        return CopyForm(
            destinations=destinations,
            name=self.query_one("#name", Input).value,
            description=self.query_one("#description", Input).value,
            copy_tags=self.query_one("#copy-tags", Checkbox).value,
            account=account,
            remove_share=remove_share,
        )
