"""``amitui ls`` output: table, JSON (AWS's own Image records plus ``Region``) and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from amitui.model import Image
from amitui.text import inert

FORMATS = ("table", "json", "csv")
#: Formats whose rows ``amitui ls`` writes region by region as each answers; json is one
#: document and table aligns its columns over every row, so they are written at the end.
STREAMED_FORMATS = ("csv",)

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


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def write_json(images: Sequence[Image], out: TextIO) -> None:
    # One image a line: each line through json's C encoder (json.dump and any indent fall back
    # to the pure-Python one, a fifth of `amitui ls` time at 5,000 images), still grep-able.
    encode = json.JSONEncoder(default=_json_default).encode
    records = [encode({**image.raw, "Region": image.region}) for image in images]
    out.write("[\n")
    out.writelines(f"{record},\n" for record in records[:-1])
    out.write(f"{records[-1]}\n]\n" if records else "]\n")


def csv_row(image: Image) -> list[str]:
    raw = image.raw
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


def write_csv(images: Sequence[Image], out: TextIO, *, header: bool = True) -> None:
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    # Data stays exact when redirected; on a terminal a hostile name's escapes must not run.
    clean = inert if out.isatty() else str
    for image in images:
        writer.writerow([clean(cell) for cell in csv_row(image)])


def write_table(images: Sequence[Image], out: TextIO) -> None:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for column in ("REGION", "IMAGE ID", "NAME", "CREATED", "STATE", "ARCH", "PUBLIC", "GiB"):
        table.add_column(column, overflow="fold")
    for image in images:
        created = image.creation_date.strftime("%Y-%m-%d") if image.creation_date else ""
        state = "deprecated" if image.raw.get("DeprecationTime") else image.state
        # Text(...) never parses markup; inert() defuses control sequences.
        table.add_row(
            *(
                Text(inert(cell))
                for cell in (
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


def write_images(images: Sequence[Image], fmt: str, out: TextIO) -> None:
    """Every format writes a line at a time: one large write to a pipe whose reader has gone
    can report success (CPython), hiding the closed pipe from ``amitui ls | head -1``."""
    {"json": write_json, "csv": write_csv, "table": write_table}[fmt](images, out)


def render(images: Sequence[Image], fmt: str) -> str:
    buffer = io.StringIO()
    write_images(images, fmt, buffer)
    return buffer.getvalue()
