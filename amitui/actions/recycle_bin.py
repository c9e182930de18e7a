"""Recycle Bin retention rules: what a cleanup leaves restorable (read-only).

A rule retains deleted EBS snapshots (``EBS_SNAPSHOT``) or deregistered EBS-backed images
(``EC2_IMAGE``) of its Region for its retention period. A tag-level rule (``ResourceTags``)
retains resources carrying one of its tags; a Region-level rule (no ``ResourceTags``)
retains every resource of its type except those with one of its ``ExcludeResourceTags``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from amitui.aws import AwsSession

SNAPSHOTS = "EBS_SNAPSHOT"
IMAGES = "EC2_IMAGE"

Tags = Iterable[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class RetentionRule:
    identifier: str
    resource_type: str
    days: int
    description: str = ""
    #: (key, value or None for any value)
    resource_tags: tuple[tuple[str, str | None], ...] = ()
    exclude_tags: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def from_aws(cls, record: Mapping[str, Any]) -> RetentionRule:
        def tags(key: str) -> tuple[tuple[str, str | None], ...]:
            return tuple(
                (str(t.get("ResourceTagKey", "")), t.get("ResourceTagValue"))
                for t in record.get(key) or []
            )

        period = record.get("RetentionPeriod") or {}
        return cls(
            identifier=str(record.get("Identifier", "")),
            resource_type=str(record.get("ResourceType", "")),
            days=int(period.get("RetentionPeriodValue") or 0),
            description=str(record.get("Description") or ""),
            resource_tags=tags("ResourceTags"),
            exclude_tags=tags("ExcludeResourceTags"),
        )

    def applies_to(self, tags: Tags) -> bool:
        present = list(tags)

        def has(wanted: Sequence[tuple[str, str | None]]) -> bool:
            return any(
                k == key and (v is None or v == value) for k, v in wanted for key, value in present
            )

        if self.resource_tags:
            return has(self.resource_tags)
        return not has(self.exclude_tags)


async def load_rules(aws: AwsSession, region: str) -> tuple[RetentionRule, ...]:
    """Every snapshot and image retention rule of ``region`` (ListRules, then GetRule each
    for its tags). Errors propagate: the caller says the rules could not be read."""
    rules: list[RetentionRule] = []
    for resource_type in (SNAPSHOTS, IMAGES):
        async for page in aws.paginate(
            region, "ListRules", service="rbin", ResourceType=resource_type
        ):
            for summary in page.get("Rules", []):
                detail = await aws.call(
                    region, "GetRule", service="rbin", Identifier=summary["Identifier"]
                )
                rules.append(RetentionRule.from_aws({"ResourceType": resource_type, **detail}))
    return tuple(rules)


def retaining(
    rules: Iterable[RetentionRule], resource_type: str, tags: Tags
) -> RetentionRule | None:
    """The rule that keeps a resource restorable longest, if any applies."""
    matching = [r for r in rules if r.resource_type == resource_type and r.applies_to(tags)]
    return max(matching, key=lambda r: r.days, default=None)
