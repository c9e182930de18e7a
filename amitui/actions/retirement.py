"""Staged retirement: deprecate now (or at a date), disable after N days, deregister with
cleanup after M days.

:func:`parse_retirement` checks what the user typed (a date in the past, delays out of
order: :class:`InvalidInput`, nothing sent). :func:`plan_retirement` is pure: the deprecation
is a plan to run now (the deprecate planner's steps), the later stages are
:class:`Stage` records for the :class:`Schedule`, a JSON file in the state directory (the
demo's apart, like the journal). Nothing runs unattended: a due stage is only announced (at
start-up, in the Retirement view) and, when the user runs it, planned afresh with fresh
lookups (an image in use by then is left out) and confirmed like any plan.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from amitui.actions.deprecate import DeprecateRequest, plan_deprecate, targets
from amitui.actions.validate import InvalidInput, deprecation_time
from amitui.config import state_dir
from amitui.journal import DEMO_DIR
from amitui.model import Image, ImageKey, Inventory, Plan, parse_time
from amitui.text import counted

SCHEDULE_NAME = "retirement.json"
RETIRE_ACTION = "retire"

DISABLE_STAGE = "disable"
DEREGISTER_STAGE = "deregister"
STAGE_LABELS = {DISABLE_STAGE: "disable", DEREGISTER_STAGE: "deregister with cleanup"}

SCHEDULED = "scheduled"
DONE = "done"
CANCELLED = "cancelled"

#: At most this many days between one stage and the next (a typo guard: 10 years).
MAX_DAYS = 3650
_DAYS = re.compile(r"^\+?(\d+)\s*d?$", re.IGNORECASE)


def schedule_path(*, demo: bool = False) -> Path:
    return (state_dir() / DEMO_DIR if demo else state_dir()) / SCHEDULE_NAME


@dataclass(frozen=True, slots=True)
class RetirementRequest:
    #: When the images are deprecated (UTC, in the future: "now" is the next minute).
    deprecate_at: datetime
    #: Days after ``deprecate_at``; None: no such stage.
    disable_after_days: int | None
    deregister_after_days: int | None
    include_family: bool = False


def _days(text: str, field_name: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    match = _DAYS.match(value)
    if not match:
        raise InvalidInput(field_name, f"{value!r} is not a number of days (e.g. 14), or blank")
    days = int(match.group(1))
    if days < 1:
        raise InvalidInput(
            field_name,
            "must be at least 1 day after the deprecation (to disable or deregister now, use "
            "that action itself)",
        )
    if days > MAX_DAYS:
        raise InvalidInput(field_name, f"{days} days is more than 10 years ahead")
    return days


def parse_retirement(
    deprecate_at: str,
    disable_after: str,
    deregister_after: str,
    *,
    now: datetime,
    include_family: bool = False,
) -> RetirementRequest:
    """The dialog's fields as a request, or :class:`InvalidInput` with the reason."""
    text = deprecate_at.strip()
    if text.lower() == "now":
        # EC2 wants a future DeprecateAt: "now" is the next whole minute.
        when = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    else:
        when = deprecation_time(text, now, field="Deprecate at")
    disable = _days(disable_after, "Disable after")
    deregister = _days(deregister_after, "Deregister after")
    if disable is None and deregister is None:
        raise InvalidInput(
            "Disable after",
            "both later stages are blank: that is a plain deprecation (d), not a retirement",
        )
    if disable is not None and deregister is not None and deregister <= disable:
        raise InvalidInput(
            "Deregister after",
            f"{deregister} days is not after the disable stage ({disable} days): the stages "
            "run deprecate, then disable, then deregister",
        )
    return RetirementRequest(when, disable, deregister, include_family)


@dataclass(frozen=True, slots=True)
class StageTarget:
    region: str
    image_id: str
    name: str = ""
    account: str = ""

    @property
    def key(self) -> ImageKey:
        return ImageKey(self.region, self.image_id, self.account)


@dataclass(frozen=True, slots=True)
class Stage:
    """One later stage of a retirement, as kept in the schedule."""

    stage_id: str
    #: The retirement it belongs to (its stages share it).
    retirement: str
    kind: str  # DISABLE_STAGE / DEREGISTER_STAGE
    due: datetime
    targets: tuple[StageTarget, ...]
    created: datetime
    #: The account id the retirement was planned in ("" if STS could not say).
    account_id: str = ""
    status: str = SCHEDULED
    #: When it was run or cancelled, and what happened.
    finished: datetime | None = None
    outcome: str = ""

    def is_due(self, now: datetime) -> bool:
        return self.status == SCHEDULED and self.due <= now

    @property
    def label(self) -> str:
        return f"{STAGE_LABELS.get(self.kind, self.kind)} {counted(len(self.targets), 'image')}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["due"] = _iso(self.due)
        data["created"] = _iso(self.created)
        data["finished"] = _iso(self.finished) if self.finished else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stage:
        due, created = parse_time(data["due"]), parse_time(data["created"])
        if due is None or created is None or data.get("kind") not in STAGE_LABELS:
            raise ValueError(f"not a retirement stage: {data!r}")
        return cls(
            stage_id=str(data["stage_id"]),
            retirement=str(data["retirement"]),
            kind=str(data["kind"]),
            due=due,
            targets=tuple(StageTarget(**t) for t in data.get("targets", [])),
            created=created,
            account_id=str(data.get("account_id", "")),
            status=str(data.get("status", SCHEDULED)),
            finished=parse_time(data.get("finished")),
            outcome=str(data.get("outcome", "")),
        )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ScheduleError(ValueError):
    """The schedule file exists but cannot be read."""


@dataclass
class Schedule:
    """The retirement schedule file: every stage ever scheduled, with its status."""

    path: Path
    stages: list[Stage] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Schedule:
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            stages = [Stage.from_json(s) for s in data.get("stages", [])]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ScheduleError(f"cannot read the retirement schedule {path}: {exc}") from exc
        return cls(path, stages)

    def save(self) -> None:
        """Write the whole file anew, atomically (a crash leaves the old one or the new)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"stages": [s.to_json() for s in self.stages]}, indent=2)
        partial = self.path.with_suffix(".json.partial")
        with partial.open("w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(self.path)

    def add(self, stages: Iterable[Stage]) -> None:
        self.stages.extend(stages)
        self.save()

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.stage_id == stage_id), None)

    def finish(self, stage_id: str, status: str, outcome: str, when: datetime) -> None:
        self.stages = [
            replace(s, status=status, outcome=outcome, finished=when)
            if s.stage_id == stage_id
            else s
            for s in self.stages
        ]
        self.save()

    def scheduled(self) -> list[Stage]:
        """Stages still to run, due first (earliest due first)."""
        return sorted((s for s in self.stages if s.status == SCHEDULED), key=lambda s: s.due)

    def due(self, now: datetime) -> list[Stage]:
        return [s for s in self.scheduled() if s.is_due(now)]


@dataclass(frozen=True, slots=True)
class RetirementPlan:
    #: What runs now: the deprecation.
    plan: Plan
    #: What is scheduled once the plan is confirmed.
    stages: tuple[Stage, ...]


def plan_retirement(
    inventory: Inventory,
    images: Sequence[Image],
    request: RetirementRequest,
    *,
    now: datetime,
    account: str = "",
) -> RetirementPlan:
    """The deprecation to run now, and the later stages, for the images (or their families)."""
    deprecation = plan_deprecate(
        inventory,
        images,
        DeprecateRequest(request.deprecate_at, request.include_family),
        account=account or None,
    )
    chosen = targets(inventory, images, request.include_family)
    # Another account's image cannot be retired by this one (the deprecate step says why).
    owned = [i for i in chosen if not (account and i.owner_id and i.owner_id != account)]
    stage_targets = tuple(StageTarget(i.region, i.image_id, i.name, i.account) for i in owned)
    retirement = uuid.uuid4().hex[:12]
    stages: list[Stage] = []
    for kind, days in (
        (DISABLE_STAGE, request.disable_after_days),
        (DEREGISTER_STAGE, request.deregister_after_days),
    ):
        if days is None or not stage_targets:
            continue
        stages.append(
            Stage(
                stage_id=f"{retirement}-{kind}",
                retirement=retirement,
                kind=kind,
                due=request.deprecate_at + timedelta(days=days),
                targets=stage_targets,
                created=now,
                account_id=account,
            )
        )
    notes = [
        *deprecation.notes,
        *(
            f"Scheduled: {s.label} on {s.due:%Y-%m-%d %H:%M} UTC - planned afresh then "
            "(an image in use by then is left out) and confirmed by you; nothing runs "
            "unattended."
            for s in stages
        ),
    ]
    if stages and not deprecation.runnable:
        notes.append(
            "Nothing is deprecated now, so nothing is scheduled either: the schedule is kept "
            "only once this plan runs."
        )
    plan = replace(
        deprecation,
        action=RETIRE_ACTION,
        title=f"Retire {counted(len(owned), 'image')}: deprecate at "
        f"{request.deprecate_at:%Y-%m-%d %H:%M} UTC"
        + "".join(f", {s.label.split(' ')[0]} {s.due:%Y-%m-%d}" for s in stages),
        notes=tuple(notes),
    )
    return RetirementPlan(plan, tuple(stages))
