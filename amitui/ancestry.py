"""Ancestry: where an image came from, the whole chain (GetImageAncestry: "from the
specified AMI to the root AMI", across regions), each ancestor checked against what
DescribeImages says of it now, so that "built from a base that is now deprecated or
deregistered" can be said.

Cost, per image asked about (the lineage tab, cached by the Explorer): one GetImageAncestry,
then one DescribeImages per region the ancestors are in.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.model import Image, parse_time
from amitui.usage import GONE, Ancestor, Ancestry

#: DescribeImages is asked about this many ids at once.
IDS_PER_CALL = 100


def chain_of(image: Image, entries: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, Any]]:
    """Pure: (image id, region, entry) from GetImageAncestry's entries, the image first.

    Each entry names its parent (SourceImageId, SourceImageRegion); a parent without an
    entry of its own (the chain ended there: gone, or beyond what may be read) is added
    with an empty entry, so that it can be checked too."""
    chain: list[tuple[str, str, Any]] = []
    region = image.region
    for entry in entries:
        chain.append((str(entry.get("ImageId", "")), region, entry))
        region = str(entry.get("SourceImageRegion") or region)
    if entries:
        last = entries[-1]
        parent = str(last.get("SourceImageId") or "")
        if parent and parent not in {i for i, _, _ in chain}:
            chain.append((parent, region, {}))
    if not chain:
        chain.append((image.image_id, image.region, {}))
    return chain


async def _described(
    aws: AwsSession, region: str, image_ids: Sequence[str]
) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for start in range(0, len(image_ids), IDS_PER_CALL):
        chosen = list(image_ids[start : start + IDS_PER_CALL])
        # A filter rather than ImageIds: one id that is gone must not fail the others.
        answer = await aws.call(
            region,
            "DescribeImages",
            Filters=[{"Name": "image-id", "Values": chosen}],
            IncludeDeprecated=True,
            IncludeDisabled=True,
        )
        found.update((str(i["ImageId"]), i) for i in answer.get("Images", []))
    return found


async def image_ancestry(aws: AwsSession, image: Image, now: datetime) -> Ancestry:
    """``image``'s ancestry, each ancestor's state now; a failed call is returned as data."""
    try:
        answer = await aws.call(image.region, "GetImageAncestry", ImageId=image.image_id)
        chain = chain_of(image, answer.get("ImageAncestryEntries", []))
        by_region: dict[str, list[str]] = defaultdict(list)
        for image_id, region, _ in chain[1:]:
            by_region[region].append(image_id)
        regions = sorted(by_region)
        answers = await asyncio.gather(*(_described(aws, r, by_region[r]) for r in regions))
    except Exception as exc:  # errors are data: the lineage tab says why
        error = classify_error(exc, region=image.region, profile=aws.profile)
        return Ancestry(image.key, error=f"cannot read its ancestry: {error.describe()}")
    described = {(r, i): record for r, found in zip(regions, answers, strict=True)
                 for i, record in found.items()}  # fmt: skip
    ancestors = [
        Ancestor(
            image.image_id,
            image.region,
            image.creation_date,
            image.image_owner_alias or "",
            image.name,
            image.state,
            image.is_deprecated(now),
        )
    ]
    for image_id, region, entry in chain[1:]:
        record: Mapping[str, Any] | None = described.get((region, image_id))
        deprecation = parse_time(record.get("DeprecationTime")) if record else None
        ancestors.append(
            Ancestor(
                image_id,
                region,
                parse_time(entry.get("CreationDate") or (record or {}).get("CreationDate")),
                str(entry.get("ImageOwnerAlias") or (record or {}).get("ImageOwnerAlias") or ""),
                str((record or {}).get("Name") or ""),
                str(record.get("State") or "") if record else GONE,
                deprecation is not None and deprecation <= now,
            )
        )
    return Ancestry(image.key, tuple(ancestors))


__all__ = ["IDS_PER_CALL", "chain_of", "image_ancestry"]
