"""Concurrent, streamed loading of images and snapshots, region by region.

Every region loads at once (bounded by the session's concurrency cap) and is yielded as
soon as it finishes, so one slow or failing region never blocks or hides the others.
A region's failure is returned as data (:class:`~amitui.model.RegionLoad` with an error),
never raised.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.model import AwsError, Image, RegionLoad, RegionStatus, Snapshot

#: EC2's largest page for DescribeImages/DescribeSnapshots.
PAGE_SIZE = 1000
#: A region that sends no page for this long is given up. The bound is on silence, not on
#: the whole load: a large region whose pages keep arriving is never cut off.
DEFAULT_REGION_TIMEOUT = 30.0

#: Owner scope for "images other accounts shared with me".
SHARED_WITH_ME = "shared"


@dataclass(frozen=True, slots=True)
class ImageQuery:
    """What to list: whose images, and whether deprecated/disabled ones are included."""

    owners: tuple[str, ...] = ("self",)
    include_deprecated: bool = True
    include_disabled: bool = True

    @property
    def others_only(self) -> bool:
        """Only images other accounts shared with the caller ("Shared with me")."""
        return SHARED_WITH_ME in self.owners and "self" not in self.owners

    def describe_images_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "IncludeDeprecated": self.include_deprecated,
            "IncludeDisabled": self.include_disabled,
            "PaginationConfig": {"PageSize": PAGE_SIZE},
        }
        owners = [o for o in self.owners if o != SHARED_WITH_ME]
        if SHARED_WITH_ME in self.owners:
            params["ExecutableUsers"] = ["self"]
        if owners:
            params["Owners"] = owners
        return params


def _heard_nothing() -> None:
    pass


async def load_images(
    aws: AwsSession, region: str, query: ImageQuery, heard: Callable[[], None] = _heard_nothing
) -> list[Image]:
    """``heard`` is called as each page arrives (what keeps a region's silence timer reset)."""
    images: list[Image] = []
    async for page in aws.paginate(region, "DescribeImages", **query.describe_images_params()):
        heard()
        images.extend(Image.from_aws(region, record) for record in page.get("Images", []))
    if query.others_only:
        # ExecutableUsers=self also answers the caller's own public images.
        mine = await aws.account_id()
        images = [image for image in images if image.owner_id != mine]
    return images


async def load_snapshots(
    aws: AwsSession, region: str, heard: Callable[[], None] = _heard_nothing
) -> list[Snapshot]:
    snapshots: list[Snapshot] = []
    async for page in aws.paginate(
        region, "DescribeSnapshots", OwnerIds=["self"], PaginationConfig={"PageSize": PAGE_SIZE}
    ):
        heard()
        snapshots.extend(Snapshot.from_aws(region, r) for r in page.get("Snapshots", []))
    return snapshots


async def load_region(
    aws: AwsSession,
    region: str,
    query: ImageQuery = ImageQuery(),
    *,
    region_timeout: float = DEFAULT_REGION_TIMEOUT,
    with_snapshots: bool = True,
    on_images: Callable[[RegionLoad], None] | None = None,
) -> RegionLoad:
    """Load one region's images and snapshots concurrently; failures become data.

    The region fails with ``Timeout`` once it has sent no page for ``region_timeout``
    seconds (retries of a hung request included); each page restarts that clock.

    ``with_snapshots=False`` lists the images alone (what ``amitui ls`` prints needs nothing
    else: sizes and snapshot ids come with the images' block device mappings).
    ``on_images`` is given the region with ``snapshots_pending=True`` as soon as its images
    are listed, if its snapshots are still to come.
    """
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(region_timeout) as silence:

            def heard() -> None:
                silence.reschedule(loop.time() + region_timeout)

            if with_snapshots:
                images, snapshots = await _images_and_snapshots(
                    aws, region, query, on_images, started, heard
                )
            else:
                images, snapshots = tuple(await load_images(aws, region, query, heard)), ()
    except TimeoutError:
        error = AwsError(
            RegionStatus.FAILED,
            "Timeout",
            f"{region} did not answer within {region_timeout:g} s",
            "the region is slow or unreachable; press r to retry",
        )
        return RegionLoad(region, error.status, error=error, seconds=time.perf_counter() - started)
    except Exception as exc:  # errors are data: classified, kept, shown per region
        error = classify_error(exc, region=region, profile=aws.profile)
        return RegionLoad(region, error.status, error=error, seconds=time.perf_counter() - started)
    return RegionLoad(
        region,
        RegionStatus.LOADED,
        images=images,
        snapshots=snapshots,
        seconds=time.perf_counter() - started,
    )


async def _images_and_snapshots(
    aws: AwsSession,
    region: str,
    query: ImageQuery,
    on_images: Callable[[RegionLoad], None] | None,
    started: float,
    heard: Callable[[], None],
) -> tuple[tuple[Image, ...], tuple[Snapshot, ...]]:
    """Both listings at once; the first failure is raised (the one worth reporting), and the
    other listing is cancelled."""
    images_task = asyncio.create_task(load_images(aws, region, query, heard))
    snapshots_task = asyncio.create_task(load_snapshots(aws, region, heard))
    try:
        images: tuple[Image, ...] = ()
        waiting: set[asyncio.Task[Any]] = {images_task, snapshots_task}
        while waiting:
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
            if images_task in done:
                # One tuple for both loads: the App sees the same images and keeps their rows.
                images = tuple(images_task.result())
                if waiting and on_images is not None:
                    on_images(
                        RegionLoad(
                            region,
                            RegionStatus.LOADED,
                            images=images,
                            seconds=time.perf_counter() - started,
                            snapshots_pending=True,
                        )
                    )
        return images, tuple(snapshots_task.result())
    finally:
        images_task.cancel()
        snapshots_task.cancel()
        # Retrieve a second failure, so asyncio does not log it as never retrieved.
        await asyncio.gather(images_task, snapshots_task, return_exceptions=True)


async def stream_regions(
    aws: AwsSession,
    regions: Sequence[str],
    query: ImageQuery = ImageQuery(),
    *,
    region_timeout: float = DEFAULT_REGION_TIMEOUT,
    with_snapshots: bool = True,
    images_first: bool = False,
) -> AsyncIterator[RegionLoad]:
    """Yield each region's :class:`RegionLoad` as soon as it completes.

    ``images_first``: a region whose images are listed before its snapshots is also yielded
    then, with ``snapshots_pending=True``, and again complete once its snapshots are in (an
    account with thousands of snapshots and a few images should not wait for the former).
    """
    arrived: asyncio.Queue[RegionLoad] = asyncio.Queue()

    async def load(region: str) -> None:
        arrived.put_nowait(
            await load_region(
                aws,
                region,
                query,
                region_timeout=region_timeout,
                with_snapshots=with_snapshots,
                on_images=arrived.put_nowait if images_first else None,
            )
        )

    tasks = [asyncio.create_task(load(r)) for r in regions]
    try:
        complete = 0
        while complete < len(tasks):
            region_load = await arrived.get()
            complete += not region_load.snapshots_pending
            yield region_load
    finally:
        for task in tasks:
            task.cancel()


async def resolve_regions(
    aws: AwsSession,
    requested: Sequence[str] = (),
    *,
    all_regions: bool = False,
    configured: Sequence[str] = (),
) -> list[str]:
    """``--region`` narrows; ``--all-regions`` or no config means every enabled region."""
    if requested:
        return list(dict.fromkeys(requested))
    if configured and not all_regions:
        return list(dict.fromkeys(configured))
    return await aws.enabled_regions()
