"""The App with 100,000 images: milliseconds per keystroke for filter, sort and scroll; memory.

Runs in its own process (``python -m benchmarks.table_bench --rows N`` prints JSON) so the
memory figures are the App's alone. The App is the real one (``make_app``); only the engine's
``load_region`` (as the Explorer calls it) is replaced by synthetic, complete ``RegionLoad``s, so
no sandbox has to render 100,000 images (minutes in moto). Everything from the region load
on -- rows, sorting, filtering, rendering, the inspector -- is the product's code.

A keystroke is sent as the terminal driver sends one (what Pilot ``press`` does, without
Pilot's waits for the screen), then the bench waits without doing anything until the
inspector's rest delay is over and the screen is composed, so the window of each key holds
what a user's keystroke costs: key dispatch, the table's work, the repaint of what changed
and, when the cursor moved, the inspector's redraw once it rests. Pilot's own waits (each
walks every widget on the screen) come after the last frame and are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from benchmarks.fleet import REGIONS

FAMILIES = ("web-golden", "api-base", "batch-worker", "ml-gpu", "bastion", "db-proxy", "ci-runner")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
#: What is typed into the filter, one key at a time, then erased (backspace).
FILTER_TEXT = "web-golden-2025"
#: The filter-terms scenario's text (``--filter-terms``): terms of the filter language, ANDed;
#: on the way, "age>", "age>9" and "age>90" do not parse (the bar says why).
FILTER_TERMS_TEXT = "arch:arm64 age>90d !test"
KEYS = {
    "filter": f"typing '{FILTER_TEXT}', erasing it, Escape",
    "sort": "o (next column) x12, O (reverse) x4",
    "scroll": "PgDn x20, Down x20, PgUp x5, End, Home",
    "open filter": "/ (open the filter bar)",
}


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc/self/status."""
    values = {}
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, amount, _unit = line.split()
                values[key] = int(amount) / 1024
    return values["VmRSS:"], values["VmHWM:"]


def synthetic_record(region: str, n: int) -> dict[str, Any]:
    """A DescribeImages ``Image`` as botocore returns it, shaped like the bulk-seeded ones."""
    family = FAMILIES[n % len(FAMILIES)]
    created = NOW - timedelta(minutes=(n * 7919) % (1000 * 24 * 60))
    stamp = created.strftime("%Y.%m.%d")
    image_id = f"ami-{(n * 2654435761) % 16**17:017x}"
    snapshot_id = f"snap-{(n * 40503) % 16**17:017x}"
    record: dict[str, Any] = {
        "ImageId": image_id,
        "Name": f"{family}-{stamp}-{n:06d}",
        "Description": f"{family} build {n} for {region}",
        "OwnerId": "123456789012",
        "State": "available",
        "CreationDate": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "Architecture": "arm64" if n % 3 == 0 else "x86_64",
        "VirtualizationType": "hvm",
        "RootDeviceType": "ebs",
        "RootDeviceName": "/dev/xvda",
        "BootMode": "uefi",
        "PlatformDetails": "Linux/UNIX",
        "UsageOperation": "RunInstances",
        "EnaSupport": True,
        "SriovNetSupport": "simple",
        "ImdsSupport": "v2.0",
        "Hypervisor": "xen",
        "ImageType": "machine",
        "ImageLocation": f"123456789012/{family}-{stamp}-{n:06d}",
        "Public": n % 997 == 0,
        "ProductCodes": [],
        "BlockDeviceMappings": [
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {
                    "DeleteOnTermination": True,
                    "SnapshotId": snapshot_id,
                    "VolumeSize": 8 + (n % 5) * 8,
                    "VolumeType": "gp3",
                    "Encrypted": n % 2 == 0,
                },
            }
        ],
        "Tags": [
            {"Key": "Name", "Value": f"{family}-{stamp}"},
            {"Key": "team", "Value": ("platform", "data", "payments", "ml")[n % 4]},
        ],
    }
    if n % 11 == 0:
        record["DeprecationTime"] = (created + timedelta(days=365)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
    return record


#: Images per synthetic DescribeImages page (EC2's largest, as the loader asks).
PAGE = 1000


def synthetic_item(region: str, n: int) -> str:
    """:func:`synthetic_record` as EC2 writes it in a DescribeImages answer (EC2's element
    order, which is not the model's: the parser sorts the keys as botocore does)."""
    r = synthetic_record(region, n)
    ebs = r["BlockDeviceMappings"][0]["Ebs"]
    deprecation = r.get("DeprecationTime")
    tags = "".join(
        f"<item><key>{t['Key']}</key><value>{t['Value']}</value></item>" for t in r["Tags"]
    )
    return (
        f"<item><imageId>{r['ImageId']}</imageId><imageLocation>{r['ImageLocation']}</imageLocation>"
        f"<imageState>{r['State']}</imageState><imageOwnerId>{r['OwnerId']}</imageOwnerId>"
        f"<creationDate>{r['CreationDate']}</creationDate>"
        f"<isPublic>{'true' if r['Public'] else 'false'}</isPublic>"
        f"<architecture>{r['Architecture']}</architecture><imageType>{r['ImageType']}</imageType>"
        f"<name>{escape(r['Name'])}</name><description>{escape(r['Description'])}</description>"
        f"<rootDeviceType>{r['RootDeviceType']}</rootDeviceType>"
        f"<rootDeviceName>{r['RootDeviceName']}</rootDeviceName><blockDeviceMapping><item>"
        f"<deviceName>/dev/xvda</deviceName><ebs><snapshotId>{ebs['SnapshotId']}</snapshotId>"
        f"<volumeSize>{ebs['VolumeSize']}</volumeSize><deleteOnTermination>true"
        f"</deleteOnTermination><volumeType>{ebs['VolumeType']}</volumeType>"
        f"<encrypted>{'true' if ebs['Encrypted'] else 'false'}</encrypted></ebs></item>"
        f"</blockDeviceMapping><virtualizationType>{r['VirtualizationType']}</virtualizationType>"
        f"<tagSet>{tags}</tagSet><hypervisor>{r['Hypervisor']}</hypervisor>"
        f"<enaSupport>true</enaSupport><sriovNetSupport>{r['SriovNetSupport']}</sriovNetSupport>"
        f"<platformDetails>{r['PlatformDetails']}</platformDetails>"
        f"<usageOperation>{r['UsageOperation']}</usageOperation><productCodes/>"
        f"<bootMode>{r['BootMode']}</bootMode><imdsSupport>{r['ImdsSupport']}</imdsSupport>"
        + (f"<deprecationTime>{deprecation}</deprecationTime>" if deprecation else "")
        + "</item>"
    )


def synthetic_pages(region: str, start: int, count: int) -> list[bytes]:
    """Images ``start``.. as EC2's DescribeImages answers them, a page of :data:`PAGE` each
    (what the App's parser reads from the network)."""
    return list(lazy_pages(region, start, count))


def lazy_pages(region: str, start: int, count: int) -> Iterator[bytes]:
    """:func:`synthetic_pages`, each made when asked for: made ahead, a million images' pages
    held 1.2 GB at once, most of the harness's peak memory."""
    for first in range(start, start + count, PAGE):
        items = "".join(
            synthetic_item(region, n) for n in range(first, min(first + PAGE, start + count))
        )
        yield (
            '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImagesResponse '
            'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>bench</requestId>'
            f"<imagesSet>{items}</imagesSet></DescribeImagesResponse>"
        ).encode()


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _stat(
    samples_ms: Sequence[float], cpu_ms: Sequence[float], what: str, inspected: Sequence[bool]
) -> dict[str, Any]:
    """Wall-clock figures (what a user waits) and main-thread CPU (what the App spent; on a
    shared machine wall time also holds other processes' turns on the CPU). ``inspected``:
    whether the inspector was redrawn within each sample."""
    with_inspector = [c for c, i in zip(cpu_ms, inspected, strict=True) if i]
    without = [c for c, i in zip(cpu_ms, inspected, strict=True) if not i]
    return {
        "what": what,
        "count": len(samples_ms),
        "median_ms": round(statistics.median(samples_ms), 2),
        "p95_ms": round(_p95(samples_ms), 2),
        "max_ms": round(max(samples_ms), 2),
        "cpu_median_ms": round(statistics.median(cpu_ms), 2),
        "cpu_p95_ms": round(_p95(cpu_ms), 2),
        "cpu_max_ms": round(max(cpu_ms), 2),
        "samples_ms": [round(s, 2) for s in samples_ms],
        "cpu_samples_ms": [round(s, 2) for s in cpu_ms],
        "inspector_redrawn": list(inspected),
        "cpu_median_ms_with_inspector": round(statistics.median(with_inspector), 2)
        if with_inspector
        else None,
        "cpu_median_ms_without_inspector": round(statistics.median(without), 2)
        if without
        else None,
    }


async def measure(
    rows: int,
    profile: str | None = None,
    page_interval: float = 0.0,
    parser: str = "fast",
    keep_raw: bool = False,
    filter_text: str = FILTER_TEXT,
    breakdown: bool = False,
) -> dict[str, Any]:
    """``profile``: loading or a keystroke kind, profiled with cProfile (main thread) into
    ``table_bench.<kind>.pstats`` in the current directory. ``page_interval``: each region's
    pages arrive that many seconds apart, as from the network (0: all at once, the worst
    case); the load is then also timed from the last page's arrival. ``parser="botocore"``
    and ``keep_raw=True``: the App as it was before amitui.fastparse (botocore's parser,
    each image keeping AWS's dictionary), for A/B runs. ``filter_text``: what the filter
    keystrokes type (e.g. FILTER_TERMS_TEXT)."""
    import cProfile

    profiler = cProfile.Profile()
    from botocore.model import ServiceModel

    import amitui.app as app_module
    import amitui.explorer as explorer_module
    from amitui.aws import AwsSession, Credentials
    from amitui.backend import LaunchOptions
    from amitui.botocore_tuning import parse_aws_timestamp, shared_data_loader
    from amitui.fastparse import compiler_for, parse
    from amitui.filters import parse as parse_filter
    from amitui.loader import images_of_page
    from amitui.model import Image, RegionLoad, RegionStatus
    from amitui.widgets.filter_bar import FilterBar

    per_region = [rows // len(REGIONS) + (1 if i < rows % len(REGIONS) else 0) for i in
                  range(len(REGIONS))]  # fmt: skip
    release = asyncio.Event()
    # region -> its DescribeImages pages, each made as it is due (not timed: see below)
    answers: dict[str, Iterator[bytes]] = {}
    released = {"at": 0.0}
    arrivals: list[float] = []  # when each page arrived (was due), with a page interval
    output = (
        ServiceModel(shared_data_loader(None).load_service_model("ec2", "service-2"))
        .operation_model("DescribeImages")
        .output_shape
    )
    compiler = compiler_for(parse_aws_timestamp)
    if parser == "fast":

        def parse_page(body: bytes) -> dict[str, Any]:
            return parse(body, output, compiler)

    else:
        from botocore.parsers import create_parser

        reference = create_parser("ec2")
        reference._timestamp_parser = parse_aws_timestamp

        def parse_page(body: bytes) -> dict[str, Any]:
            answer = {"body": body, "status_code": 200, "headers": {}}
            parsed: dict[str, Any] = reference.parse(answer, output)
            return parsed

    async def synthetic_load(
        aws: object, region: str, query: object = None, **_: object
    ) -> RegionLoad:
        """The region's pages parsed as the App's loader parses them (the fast parser, then
        ``images_of_page``), one page per event-loop turn, as pages arrive from the network."""
        await release.wait()
        images: list[Image] = []
        pages = answers.pop(region)
        number = 0
        while True:
            # The network's part: the page is made here, its time taken out of the load's.
            made_at, made_cpu = time.perf_counter(), time.thread_time()
            body = next(pages, None)
            spent["making pages wall"] += time.perf_counter() - made_at
            spent["making pages"] += time.thread_time() - made_cpu
            if body is None:
                break
            number += 1
            if page_interval:
                due = released["at"] + number * page_interval
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                arrivals.append(due)
            begin = time.thread_time()
            page = parse_page(body)
            parsed = time.thread_time()
            images.extend(images_of_page(page, region, keep_raw=keep_raw))
            spent["parse"] += parsed - begin
            spent["records"] += time.thread_time() - parsed
            await asyncio.sleep(0)
        return RegionLoad(region, RegionStatus.LOADED, images=tuple(images), seconds=0.0)

    @asynccontextmanager
    async def offline_session(options: object) -> AsyncIterator[AwsSession]:
        # Nothing listens on port 9: the account lookup and image extras fail fast and are
        # shown as such; the images come from synthetic_stream.
        async with AwsSession(
            endpoint_url="http://127.0.0.1:9",
            credentials=Credentials("testing", "testing", "testing"),
            max_attempts=1,
            connect_timeout=0.5,
        ) as aws:
            yield aws

    explorer_module.load_region = synthetic_load  # type: ignore[attr-defined]
    # Extras (launch permissions...) load after a 0.25 s rest on one image, not per keystroke.
    app_module.EXTRAS_DELAY = 3600.0
    app = app_module.make_app(
        LaunchOptions(regions=REGIONS), session_factory=offline_session, now=NOW
    )
    # When each frame was composed: Textual renders every changed line, then hands the update
    # to _display (which writes nothing when headless). Benchmark-only instrumentation.
    frames: list[tuple[float, float]] = []  # (wall, main-thread CPU) when composed
    display = app._display

    def timed_display(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            frames.append((time.perf_counter(), time.thread_time()))
        display(screen, renderable)

    app._display = timed_display  # type: ignore[method-assign]
    # Which keystrokes the inspector's redraw (after the cursor rests) landed in.
    inspections: list[float] = []
    inspect = app.main._inspect

    def counted_inspect(image: Any) -> None:
        inspections.append(time.perf_counter())
        inspect(image)

    app.main._inspect = counted_inspect  # type: ignore[method-assign]
    # The table's share of loading (main-thread CPU): turning images into rows (make_row,
    # once per image) and rebuilding the table from every row so far (set_rows, per arrival).
    spent = {
        "make_rows": 0.0,
        "set_rows": 0.0,
        "parse": 0.0,
        "records": 0.0,
        "making pages": 0.0,
        "making pages wall": 0.0,
    }
    set_rows_calls = 0

    def timed_part(part: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed_call(*args: Any) -> Any:
            begin = time.thread_time()
            try:
                return call(*args)
            finally:
                spent[part] += time.thread_time() - begin

        return timed_call

    app.main._make_rows = timed_part("make_rows", app.main._make_rows)  # type: ignore[method-assign]
    kinds = ("open filter", "filter", "sort", "scroll")
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu_timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    inspected: dict[str, list[bool]] = {kind: [] for kind in kinds}
    #: Per keystroke: milliseconds of collector passes and presort steps inside its window.
    others: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    async with app.run_test(headless=True, size=(160, 45)) as pilot:
        app.query_one(FilterBar).cursor_blink = False  # a blinking cursor repaints by timer
        await pilot.pause(0.5)
        baseline_rss, _ = rss_mb()
        set_rows = app.table.set_rows

        def counted_set_rows(new_rows: Any) -> None:
            nonlocal set_rows_calls
            set_rows_calls += 1
            set_rows(new_rows)

        app.table.set_rows = timed_part("set_rows", counted_set_rows)  # type: ignore[method-assign]
        # The network's part, not timed: every region's answers, as EC2 would send them.
        for index, region in enumerate(REGIONS):
            answers[region] = lazy_pages(region, sum(per_region[:index]), per_region[index])
        # The pages say what the records say (public, deprecated and plain images).
        for n in (0, 1, 11, 997):
            if n < per_region[0]:
                page = parse(synthetic_pages(REGIONS[0], n, 1)[0], output, compiler)
                assert page["Images"] == [synthetic_record(REGIONS[0], n)], page
        if profile == "load":
            profiler.enable()
        started, started_cpu = time.perf_counter(), time.thread_time()
        released["at"] = started
        release.set()
        while app.table.total_count < rows or app.region_pane.busy:  # noqa: ASYNC110 - App state
            await asyncio.sleep(0.01)
        await pilot.pause()
        loaded = time.perf_counter()
        load_s = loaded - started - spent["making pages wall"]
        load_cpu_s = time.thread_time() - started_cpu - spent["making pages"]
        after_last_answer_s = loaded - max(arrivals, default=started)
        if profile == "load":
            profiler.disable()
        loaded_rss, _ = rss_mb()
        # What else ran inside a keystroke's window: the cyclic collector (its passes are
        # not in a profile) and the table's presort steps (idle turns, once the rows settle).
        pauses: list[tuple[str, float, float]] = []  # (what, start, seconds), wall clock
        collecting = {"at": 0.0}

        def on_gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                collecting["at"] = time.perf_counter()
            else:
                at = collecting["at"]
                pauses.append((f"gc{info['generation']}", at, time.perf_counter() - at))

        gc.callbacks.append(on_gc)
        presort_step = app.table._presort_step

        def timed_presort_step(run: int) -> None:
            at = time.perf_counter()
            try:
                presort_step(run)
            finally:
                pauses.append(("presort", at, time.perf_counter() - at))

        app.table._presort_step = timed_presort_step  # type: ignore[method-assign]

        async def timed(kind: str, key: str) -> None:
            # From the key press to the last frame it caused, the inspector's redraw after
            # the cursor rests included (hence the idle wait past INSPECT_DELAY); Pilot's
            # own waits come after that frame, so they are not counted.
            frames.clear()
            inspections.clear()
            pauses.clear()
            profiled = profile in (kind, key)
            if profiled:
                profiler.enable()
            begin, begin_cpu = time.perf_counter(), time.thread_time()
            await app._press_keys([key])  # as Pilot.press sends it, without its screen walk
            while app.main.inspection_pending:  # noqa: ASYNC110 - App state; the inspector waits for a rest
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # the last frame (Textual composes at most 60 a second)
            await pilot.pause()
            if profiled:
                profiler.disable()
            if not frames:
                return  # e.g. PgDn at the end of a small table: nothing to time
            timings[kind].append((frames[-1][0] - begin) * 1000)
            cpu_timings[kind].append((frames[-1][1] - begin_cpu) * 1000)
            inspected[kind].append(any(t <= frames[-1][0] for t in inspections))
            within = [(what, took) for what, at, took in pauses if at <= frames[-1][0]]
            others[kind].append(
                {
                    what: round(sum(t for w, t in within if w == what) * 1000, 1)
                    for what in sorted({w for w, _ in within})
                }
            )

        await timed("open filter", "slash")
        for char in filter_text:
            await timed("filter", "full_stop" if char == "." else char)
        assert app.table.filter_text == parse_filter(filter_text).key, app.table.filter_text
        filtered = app.table.row_count
        for _ in filter_text:
            await timed("filter", "backspace")
        await timed("filter", "escape")
        assert app.table.row_count == rows, (app.table.row_count, rows)
        for _ in range(12):
            await timed("sort", "o")
        for _ in range(4):
            await timed("sort", "O")
        for key in ["pagedown"] * 20 + ["down"] * 20 + ["pageup"] * 5 + ["end", "home"]:
            await timed("scroll", key)
        if not all(timings[kind] for kind in kinds):
            raise RuntimeError(f"some keystrokes changed nothing on screen: {timings}")
        after_rss, peak_rss = rss_mb()
        # What Pilot itself costs (measured after the keystrokes, so they run as before):
        # press and pause each wait until every widget on the screen has processed a
        # callback. That CPU counts in a keystroke's figure whenever its last frame comes
        # after such a wait (e.g. the inspector's redraw, 80 ms after the key).
        widgets = len(list(app.screen.walk_children(with_self=True)))
        walks = []
        for _ in range(10):
            begin_cpu = time.thread_time()
            await pilot._wait_for_screen()
            walks.append((time.thread_time() - begin_cpu) * 1000)
        gc.callbacks.remove(on_gc)
        memory = memory_breakdown(app, rows) if breakdown else None
        await pilot.press("q")
    if profile:
        profiler.dump_stats(f"table_bench.{profile.replace(' ', '_')}.pstats")

    return {
        "rows": rows,
        "regions": len(REGIONS),
        "load_s": round(load_s, 3),
        "page_interval_s": page_interval,
        "parser": parser,
        "keep_raw": keep_raw,
        "load_after_last_answer_s": round(after_last_answer_s, 3),
        "load_cpu_s": round(load_cpu_s, 3),
        # The engine's share: the fast parser, then Image.from_aws (images_of_page).
        "load_parse_cpu_s": round(spent["parse"], 3),
        "load_records_cpu_s": round(spent["records"], 3),
        "load_make_rows_cpu_s": round(spent["make_rows"], 3),
        "load_set_rows_cpu_s": round(spent["set_rows"], 3),
        "load_set_rows_calls": set_rows_calls,
        "filter_text": filter_text,
        "filter_matches": filtered,
        "keystrokes": {
            kind.replace(" ", "_"): _stat(
                timings[kind],
                cpu_timings[kind],
                KEYS[kind].replace(FILTER_TEXT, filter_text),
                inspected[kind],
            )
            for kind in kinds
        },
        "inside_keystrokes": {kind.replace(" ", "_"): others[kind] for kind in kinds},
        "harness": {
            "widgets": widgets,
            "pilot_wait_for_screen_cpu_ms": round(statistics.median(walks), 2),
        },
        "memory": {
            "baseline_rss_mb": round(baseline_rss, 1),
            "loaded_rss_mb": round(loaded_rss, 1),
            "after_keystrokes_rss_mb": round(after_rss, 1),
            "peak_rss_mb": round(peak_rss, 1),
            "kb_per_image": round((loaded_rss - baseline_rss) * 1024 / rows, 2),
            **({"breakdown": memory} if memory is not None else {}),
        },
    }


#: Images whose objects the memory breakdown walks (every object of a million images would
#: need a set of ~15M ids, more memory than the images).
BREAKDOWN_SAMPLE = 20_000


def _deep_size(obj: Any, seen: set[int]) -> int:
    """Bytes of ``obj`` and of what it holds that ``seen`` does not have yet (strings,
    numbers, dates, tuples, dataclass slots, ``NamedTuple``s); shared objects count once."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, (str, bytes, int, float, bool, datetime)) or obj is None:
        return size
    if isinstance(obj, (tuple, list)):
        return size + sum(_deep_size(item, seen) for item in obj)
    slots = [name for kind in type(obj).__mro__ for name in getattr(kind, "__slots__", ())]
    return size + sum(_deep_size(getattr(obj, name, None), seen) for name in slots)


def memory_breakdown(app: Any, rows: int, sample: int = BREAKDOWN_SAMPLE) -> dict[str, Any]:
    """Bytes per image by kind: what a sample of the images and their rows hold (each
    object once: the shared traits, tags and strings count once in the sample, so a larger
    fleet shares them more), then the containers of every image (their own size only)."""
    from amitui.model import Image

    table = app.table
    inventory = app.main.inventory
    step = max(1, rows // sample)
    picked = table._rows[::step]
    seen: set[int] = {id(picked[0].now)}  # one clock for every row
    kinds: dict[str, int] = {}

    def add(kind: str, obj: Any) -> None:
        kinds[kind] = kinds.get(kind, 0) + _deep_size(obj, seen)

    fields = {  # strings first: the key and the row share the image's
        "image: id, name, description, date": (
            "image_id",
            "name",
            "description",
            "creation_date",
            "region",
            "account",
        ),
        "image: traits (shared)": ("traits",),
        "image: tags (shared when equal)": ("tags",),
        "image: rare fields": ("rare",),
        "image: key": ("_key",),
        "image: block devices": ("block_devices",),
    }
    for row in picked:
        image: Image = row.image
        seen.add(id(image))
        kinds["image: the record (slots)"] = kinds.get(
            "image: the record (slots)", 0
        ) + sys.getsizeof(image)
        for kind, names in fields.items():
            for name in names:
                add(kind, getattr(image, name))
        seen.add(id(row))
        kinds["row: the record"] = kinds.get("row: the record", 0) + sys.getsizeof(row)
        add("row: haystack", row.haystack)
        add("row: eager sort keys", row.eager_keys)
    per_image = {kind: size / len(picked) for kind, size in kinds.items()}
    containers = {
        "table: rows and haystacks lists": [table._rows, table._haystacks],
        "table: orders, view and order getter": [
            *table._orders.values(),
            table._visible,
            table._ordered,
        ],
        "table: first-character masks": list(table._char_hits.values()),
        "table: term masks and needle caches": [
            *table._term_hits.values(),
            *table._matches.values(),
        ],
        "inventory: images by key": [inventory._images],
        "inventory: snapshot users": [*inventory._users.values()],
        "explorer: rows per region": [
            part for images, made in app.main._rows.values() for part in (images, made)
        ],
    }
    for kind, objects in containers.items():
        per_image[kind] = sum(map(sys.getsizeof, objects)) / rows
    total = sum(per_image.values())
    return {
        "sample_images": len(picked),
        "bytes_per_image": {kind: round(size) for kind, size in per_image.items()},
        "accounted_kb_per_image": round(total / 1024, 2),
    }


def parse_figures(images: int = 5000, rounds: int = 5) -> dict[str, Any]:
    """CPU milliseconds per 1,000 images to parse DescribeImages pages and make the App's
    records, with botocore's parser and with amitui.fastparse, alternated, best of
    ``rounds`` (the same pages; no App: the parser alone)."""
    from botocore.model import ServiceModel
    from botocore.parsers import create_parser

    from amitui.botocore_tuning import parse_aws_timestamp, shared_data_loader
    from amitui.fastparse import compiler_for, parse
    from amitui.loader import images_of_page

    output = (
        ServiceModel(shared_data_loader(None).load_service_model("ec2", "service-2"))
        .operation_model("DescribeImages")
        .output_shape
    )
    compiler = compiler_for(parse_aws_timestamp)
    reference = create_parser("ec2")
    reference._timestamp_parser = parse_aws_timestamp
    pages = synthetic_pages(REGIONS[0], 0, images)
    parsers: dict[str, Callable[[bytes], Any]] = {
        "botocore": lambda body: reference.parse(
            {"body": body, "status_code": 200, "headers": {}}, output
        ),
        "fast": lambda body: parse(body, output, compiler),
    }
    best: dict[str, dict[str, float]] = {
        name: {"parse": float("inf"), "records": float("inf")} for name in parsers
    }
    for _ in range(rounds):
        for name, parse_page in parsers.items():
            parsed = []
            begin = time.thread_time()
            for body in pages:
                parsed.append(parse_page(body))
            middle = time.thread_time()
            for page in parsed:
                images_of_page(page, REGIONS[0], keep_raw=False)
            end = time.thread_time()
            best[name]["parse"] = min(best[name]["parse"], middle - begin)
            best[name]["records"] = min(best[name]["records"], end - middle)
    per_thousand = 1000 * 1000 / images  # seconds for ``images`` -> ms per 1,000
    return {
        "images": images,
        "page_bytes": len(pages[0]),
        **{
            f"{name}_{part}_ms_per_1000": round(seconds * per_thousand, 1)
            for name, parts in best.items()
            for part, seconds in parts.items()
        },
    }


def bench_filter_terms(rows: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    """The same App and keystrokes, the filter typing FILTER_TERMS_TEXT (terms, not a word)."""
    return bench_table_process(rows, log, "--filter-terms")


def bench_table_process(
    rows: int, log: Callable[[str], None] = print, *flags: str
) -> dict[str, Any]:
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.table_bench", "--rows", str(rows), *flags],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"table benchmark failed: {finished.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    for key, stat in result["keystrokes"].items():
        log(
            f"  table {key}: median {stat['median_ms']:.1f} ms, p95 {stat['p95_ms']:.1f} ms, "
            f"max {stat['max_ms']:.1f} ms over {stat['count']} keys"
        )
    log(
        f"  table load: {result['load_s']:.2f} s, CPU {result['load_cpu_s']:.2f} s (rows made "
        f"{result['load_make_rows_cpu_s']:.2f} s, set_rows {result['load_set_rows_cpu_s']:.2f} s "
        f"over {result['load_set_rows_calls']} calls)"
    )
    memory = result["memory"]
    log(
        f"  table memory: {memory['baseline_rss_mb']:.0f} MB empty, "
        f"{memory['loaded_rss_mb']:.0f} MB loaded, peak {memory['peak_rss_mb']:.0f} MB"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.table_bench")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--profile",
        metavar="KIND",
        help="cProfile loading, a kind of keystroke (filter, sort, scroll) or the presses of "
        "one key (escape, w, backspace...) into ./table_bench.KIND.pstats",
    )
    parser.add_argument(
        "--page-interval",
        type=float,
        default=0.0,
        help="seconds between a region's pages (default 0: every answer at once)",
    )
    parser.add_argument(
        "--parser",
        choices=("fast", "botocore"),
        default="fast",
        help="botocore: parse the pages with botocore's parser (as before amitui.fastparse)",
    )
    parser.add_argument(
        "--keep-raw", action="store_true", help="images keep AWS's dictionaries (as before)"
    )
    parser.add_argument(
        "--parse-only",
        action="store_true",
        help="only time the parsers on --rows images (no App): botocore's vs amitui.fastparse",
    )
    parser.add_argument(
        "--filter-terms",
        action="store_true",
        help=f"the filter keystrokes type {FILTER_TERMS_TEXT!r} (filter terms) instead",
    )
    parser.add_argument(
        "--memory-breakdown",
        action="store_true",
        help="after the keystrokes, bytes per image by kind (images, rows, the table's and "
        "the inventory's containers) in the JSON's memory.breakdown",
    )
    args = parser.parse_args(argv)
    if args.parse_only:
        print(json.dumps(parse_figures(args.rows)))
        return 0
    text = FILTER_TERMS_TEXT if args.filter_terms else FILTER_TEXT
    result = asyncio.run(
        measure(
            args.rows,
            args.profile,
            args.page_interval,
            args.parser,
            args.keep_raw,
            text,
            args.memory_breakdown,
        )
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
