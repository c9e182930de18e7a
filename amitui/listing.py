"""``amitui ls`` output: table, JSON (AWS's own Image records plus ``Region``, ``Account``
and ``AccountAlias``) and CSV.

The writers take images, or ``(image, account)`` pairs (:class:`Listed`) when the account each
image was listed in is known; table and csv show an Account column when asked
(``accounts=True``: more than one account is listed)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TextIO

from amitui.model import Image
from amitui.text import inert

FORMATS = ("table", "json", "csv")
#: Formats whose rows ``amitui ls`` writes region by region as each answers; json is one
#: document and table aligns its columns over every row, so they are written at the end.
STREAMED_FORMATS = ("csv",)


@dataclass(frozen=True, slots=True)
class AccountLabel:
    """The account an image was listed in: its id and, where readable, its alias."""

    id: str
    alias: str | None = None

    @property
    def label(self) -> str:
        return self.alias or self.id


class Listed(NamedTuple):
    image: Image
    account: AccountLabel | None = None


def _listed(items: Iterable[Image | Listed]) -> list[Listed]:
    return [item if isinstance(item, Listed) else Listed(item) for item in items]


#: The columns csv starts with when several accounts are listed.
CSV_ACCOUNT_COLUMNS = ("Account", "AccountAlias")
CSV_COLUMNS = (
    "Region",
    "ImageId",
    "Name",
    "CreationDate",
    "State",
    "Architecture",
    "RootDeviceType",
    "BootMode",
    "Public",
    "DeprecationTime",
    "SnapshotIds",
    "SizeGiB",
    "OwnerId",
)


def sort_images(images: Iterable[Image], region_order: Sequence[str]) -> list[Image]:
    rank = {region: i for i, region in enumerate(region_order)}
    return sorted(
        images,
        key=lambda i: (rank.get(i.region, len(rank)), i.region, i.name.lower(), i.image_id),
    )


def sort_listed(
    rows: Iterable[Listed], region_order: Sequence[str], account_order: Sequence[str] = ()
) -> list[Listed]:
    """By account (in ``account_order``), then as :func:`sort_images`."""
    accounts = {account: i for i, account in enumerate(account_order)}
    regions = {region: i for i, region in enumerate(region_order)}

    def key(row: Listed) -> tuple[int, str, int, str, str, str]:
        image, account = row
        account_id = account.id if account else ""
        return (
            accounts.get(account_id, len(accounts)),
            account_id,
            regions.get(image.region, len(regions)),
            image.region,
            image.name.lower(),
            image.image_id,
        )

    return sorted(rows, key=key)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def json_record(row: Listed) -> dict[str, Any]:
    image, account = row
    record = {**image.record, "Region": image.region}
    if account is not None:
        record["Account"] = account.id
        if account.alias:
            record["AccountAlias"] = account.alias
    return record


def write_json(images: Sequence[Image | Listed], out: TextIO, *, accounts: bool = False) -> None:
    """``accounts`` changes nothing: every record says its account when it is known."""
    # One image a line: each line through json's C encoder (json.dump and any indent fall back
    # to the pure-Python one, a fifth of `amitui ls` time at 5,000 images), still grep-able.
    encode = json.JSONEncoder(default=_json_default).encode
    records = [encode(json_record(row)) for row in _listed(images)]
    out.write("[\n")
    out.writelines(f"{record},\n" for record in records[:-1])
    out.write(f"{records[-1]}\n]\n" if records else "]\n")


def csv_row(image: Image) -> list[str]:
    raw = image.record
    return [
        image.region,
        image.image_id,
        image.name,
        str(raw.get("CreationDate", "")),
        image.state,
        image.architecture or "",
        image.root_device_type or "",
        image.boot_mode or "",
        "true" if image.public else "false",
        str(raw.get("DeprecationTime", "")),
        " ".join(image.snapshot_ids),
        str(image.size_gib),
        image.owner_id,
    ]


def write_csv(
    images: Sequence[Image | Listed],
    out: TextIO,
    *,
    header: bool = True,
    accounts: bool = False,
) -> None:
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow((*CSV_ACCOUNT_COLUMNS, *CSV_COLUMNS) if accounts else CSV_COLUMNS)
    # Data stays exact when redirected; on a terminal a hostile name's escapes must not run.
    clean = inert if out.isatty() else str
    for image, account in _listed(images):
        cells = csv_row(image)
        if accounts:
            cells = [account.id if account else "", (account and account.alias) or "", *cells]
        writer.writerow([clean(cell) for cell in cells])


def write_table(images: Sequence[Image | Listed], out: TextIO, *, accounts: bool = False) -> None:
    # Rich (~25 ms to import) only for this format: json and csv never load it.
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    columns = ("REGION", "IMAGE ID", "NAME", "CREATED", "STATE", "ARCH", "PUBLIC", "GiB")
    for column in ("ACCOUNT", *columns) if accounts else columns:
        table.add_column(column, overflow="fold")
    for image, account in _listed(images):
        created = image.creation_date.strftime("%Y-%m-%d") if image.creation_date else ""
        state = "deprecated" if image.record.get("DeprecationTime") else image.state
        first = [account.label if account else ""] if accounts else []
        # Text(...) never parses markup; inert() defuses control sequences.
        table.add_row(
            *(
                Text(inert(cell))
                for cell in (
                    *first,
                    image.region,
                    image.image_id,
                    image.name,
                    created,
                    state,
                    image.architecture or "",
                    "yes" if image.public else "",
                    str(image.size_gib),
                )
            )
        )
    console = Console(file=out, width=max(160, Console().width), highlight=False, soft_wrap=False)
    # Captured, not printed: Rich meets a closed pipe with exit(1) of its own, and the CLI
    # gives every format the same end (see cli.py).
    with console.capture() as captured:
        console.print(table)
    out.writelines(captured.get().splitlines(keepends=True))


def write_images(
    images: Sequence[Image | Listed], fmt: str, out: TextIO, *, accounts: bool = False
) -> None:
    """Every format writes a line at a time: one large write to a pipe whose reader has gone
    can report success (CPython), hiding the closed pipe from ``amitui ls | head -1``.
    ``accounts``: table and csv get an Account column (JSON records always carry theirs)."""
    writers = {"json": write_json, "csv": write_csv, "table": write_table}
    writers[fmt](images, out, accounts=accounts)


def render(images: Sequence[Image | Listed], fmt: str, *, accounts: bool = False) -> str:
    buffer = io.StringIO()
    write_images(images, fmt, buffer, accounts=accounts)
    return buffer.getvalue()
