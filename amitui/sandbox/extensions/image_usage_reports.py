"""Image usage reports: which other accounts use an image, made asynchronously.

EC2 (API reference, CreateImageUsageReport, DescribeImageUsageReports,
DescribeImageUsageReportEntries, DeleteImageUsageReport):

- CreateImageUsageReport "Creates a report that shows how your image is used across other
  Amazon Web Services accounts. The report provides visibility into which accounts are using
  the specified image, and how many resources (EC2 instances or launch templates) are
  referencing it." ``ImageId`` and ``ResourceTypes`` are required. ``ResourceType``: "Valid
  values: ec2:Instance | ec2:LaunchTemplate". ``ResourceTypeOptions``: "Valid only when
  ResourceType is ec2:LaunchTemplate"; ``version-depth`` "The number of launch template
  versions to check", "Integers between 1 and 10000  Default: 20". ``AccountIds``: "To include
  all accounts, omit this parameter" (at most 200). ``TagSpecifications``: "The ResourceType
  must be set to image-usage-report; any other value will cause the report creation to fail."
  ``ClientToken`` makes the request idempotent.
- A report's ``State``: "available - The report is available to view. pending - The report is
  being created and not available to view. error - The report could not be created."
  ``ExpirationTime``: "(30 days after the report was created)".
- Report filters: ``creation-time`` (wildcards), ``state``, ``tag:<key>``, ``tag-key``. Entry
  filters: ``account-id``, ``creation-time``, ``resource-type``. Entries:
  ``ResourceType``, ``ReportId``, ``UsageCount`` ("The number of times resources of this type
  reference this image in the account"), ``AccountId``, ``ImageId``, ``ReportCreationTime``.
  ``MaxResults`` at least 1, with ``NextToken``.

The sandbox computes a report's entries when it is created, from the instances and launch
templates of every other sandbox account in the image's Region, and keeps it ``pending`` for
``AMITUI_SANDBOX_REPORT_DELAY`` seconds (default 1) before it is ``available``. The reference
does not say: whether terminated instances count (the sandbox counts the instances not
terminated), and which error codes answer an unknown report id (the sandbox answers
``InvalidImageUsageReportId.NotFound`` on delete and lists nothing on describe).
"""

from __future__ import annotations

import fnmatch
import os
import secrets
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.responses.amis import AmisResponse

from ._moto import ec2_error, format_time, requested_image
from .organization import foreign_backends

DELAY_ENV = "AMITUI_SANDBOX_REPORT_DELAY"
INSTANCE = "ec2:Instance"
LAUNCH_TEMPLATE = "ec2:LaunchTemplate"
RESOURCE_TYPES = (INSTANCE, LAUNCH_TEMPLATE)
DEFAULT_VERSION_DEPTH = 20
MAX_VERSION_DEPTH = 10000
MAX_ACCOUNT_IDS = 200
EXPIRES_AFTER = timedelta(days=30)
_REPORTS = "_amitui_image_usage_reports"
_TOKENS = "_amitui_image_usage_report_tokens"
_lock = threading.Lock()


@dataclass
class Report:
    report_id: str
    image_id: str
    resource_types: list[dict[str, Any]]
    account_ids: list[str]
    created: datetime
    ready_at: float
    tags: list[dict[str, str]]
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        return "pending" if time.monotonic() < self.ready_at else "available"

    def describe(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "ImageId": self.image_id,
            "ReportId": self.report_id,
            "ResourceTypes": self.resource_types,
            "State": self.state,
            "CreationTime": self.created,
            "ExpirationTime": self.created + EXPIRES_AFTER,
            "Tags": self.tags,
        }
        if self.account_ids:
            answer["AccountIds"] = self.account_ids
        return answer


def install() -> None:
    AmisResponse.create_image_usage_report = _create  # type: ignore[attr-defined]
    AmisResponse.describe_image_usage_reports = _describe_reports  # type: ignore[attr-defined]
    AmisResponse.describe_image_usage_report_entries = _describe_entries  # type: ignore[attr-defined]
    AmisResponse.delete_image_usage_report = _delete  # type: ignore[attr-defined]


def _reports(backend: Any) -> dict[str, Report]:
    return backend.__dict__.setdefault(_REPORTS, {})  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- create


def _resource_types(requested: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The request's resource types as the report describes them, and the version depth."""
    if not requested:
        raise ec2_error("MissingParameter", "The request must contain the parameter ResourceTypes.")
    chosen: list[dict[str, Any]] = []
    depth = DEFAULT_VERSION_DEPTH
    for entry in requested:
        kind = entry.get("ResourceType", "")
        if kind not in RESOURCE_TYPES:
            raise ec2_error(
                "InvalidParameterValue",
                f"Invalid value '{kind}' for ResourceType. "
                f"Valid values: {', '.join(RESOURCE_TYPES)}.",
            )
        options = list(entry.get("ResourceTypeOptions", []))
        if options and kind != LAUNCH_TEMPLATE:
            raise ec2_error(
                "InvalidParameterValue",
                "ResourceTypeOptions are valid only when ResourceType is ec2:LaunchTemplate.",
            )
        for option in options:
            values = list(option.get("OptionValues", []))
            if option.get("OptionName") != "version-depth":
                raise ec2_error(
                    "InvalidParameterValue",
                    f"Invalid option '{option.get('OptionName')}'. Valid value: version-depth.",
                )
            if len(values) != 1 or not _int_between(values[0], 1, MAX_VERSION_DEPTH):
                raise ec2_error(
                    "InvalidParameterValue",
                    f"version-depth must be one integer between 1 and {MAX_VERSION_DEPTH}.",
                )
            depth = int(values[0])
        described: dict[str, Any] = {"ResourceType": kind}
        if options:
            described["ResourceTypeOptions"] = [
                {"OptionName": o["OptionName"], "OptionValues": list(o["OptionValues"])}
                for o in options
            ]
        chosen.append(described)
    return chosen, depth


def _int_between(value: Any, low: int, high: int) -> bool:
    try:
        return low <= int(str(value)) <= high
    except ValueError:
        return False


def _tags(specifications: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    tags: list[dict[str, str]] = []
    for spec in specifications:
        if spec.get("ResourceType") != "image-usage-report":
            raise ec2_error(
                "InvalidParameterValue",
                f"Invalid TagSpecification ResourceType '{spec.get('ResourceType')}': "
                "the ResourceType must be image-usage-report.",
            )
        tags += [{"Key": t["Key"], "Value": t.get("Value", "")} for t in spec.get("Tags", [])]
    return tags


def usage_entries(
    backend: Any,
    image_id: str,
    kinds: Iterable[str],
    depth: int,
    account_ids: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """(AccountId, ResourceType, UsageCount) of every other account in ``backend``'s Region
    whose instances or launch templates reference ``image_id``."""
    wanted = set(account_ids)
    found: list[dict[str, Any]] = []
    for other in foreign_backends(backend.region_name, backend.account_id):
        if wanted and other.account_id not in wanted:
            continue
        counts = {
            INSTANCE: sum(
                1
                for i in other.all_instances()
                if i.image_id == image_id and i._state.name != "terminated"
            ),
            LAUNCH_TEMPLATE: sum(
                1
                for t in other.launch_templates.values()
                if any(v.image_id == image_id for v in t.versions[-depth:])
            ),
        }
        for kind in kinds:
            if counts[kind]:
                found.append(
                    {
                        "AccountId": other.account_id,
                        "ResourceType": kind,
                        "UsageCount": counts[kind],
                    }
                )
    return sorted(found, key=lambda e: (e["AccountId"], e["ResourceType"]))


def _create(self: AmisResponse) -> ActionResult:
    image = requested_image(self)
    kinds, depth = _resource_types(self._get_param("ResourceTypes", []))
    account_ids: list[str] = list(self._get_param("AccountIds", []))
    if len(account_ids) > MAX_ACCOUNT_IDS:
        raise ec2_error(
            "InvalidParameterValue", f"AccountIds takes at most {MAX_ACCOUNT_IDS} account ids."
        )
    bad = [a for a in account_ids if not (len(a) == 12 and a.isdigit())]
    if bad:
        raise ec2_error("InvalidParameterValue", f"Invalid account id(s) {bad} in AccountIds.")
    tags = _tags(self._get_param("TagSpecifications", []))
    self.error_on_dryrun()
    backend = self.ec2_backend
    token = self._get_param("ClientToken")
    with _lock:
        tokens: dict[str, str] = backend.__dict__.setdefault(_TOKENS, {})
        if token and token in tokens:
            return ActionResult({"ReportId": tokens[token]})
        created = utcnow()
        report = Report(
            report_id=f"amiur-{secrets.token_hex(9)[:17]}",
            image_id=image.id,
            resource_types=kinds,
            account_ids=account_ids,
            created=created,
            ready_at=time.monotonic() + float(os.environ.get(DELAY_ENV) or 1.0),
            tags=tags,
        )
        report.entries = [
            {
                **entry,
                "ReportId": report.report_id,
                "ImageId": image.id,
                "ReportCreationTime": created,
            }
            for entry in usage_entries(
                backend, image.id, [k["ResourceType"] for k in kinds], depth, account_ids
            )
        ]
        _reports(backend)[report.report_id] = report
        if token:
            tokens[token] = report.report_id
    return ActionResult({"ReportId": report.report_id})


# --------------------------------------------------------------------------- describe


def _filters(self: AmisResponse, known: Iterable[str]) -> dict[str, list[str]]:
    filters = {f["Name"]: list(f.get("Values", [])) for f in self._get_param("Filters", [])}
    for name in filters:
        if name not in known and not name.startswith("tag:"):
            raise ec2_error("InvalidParameterValue", f"The filter '{name}' is invalid")
    return filters


def _matches(have: Mapping[str, list[str]], filters: Mapping[str, list[str]]) -> bool:
    return all(
        any(fnmatch.fnmatchcase(h, w) for h in have.get(name, []) for w in wanted)
        for name, wanted in filters.items()
    )


def _chosen_reports(self: AmisResponse) -> list[Report]:
    image_ids = set(self._get_param("ImageIds", []))
    report_ids = set(self._get_param("ReportIds", []))
    return [
        r
        for r in _reports(self.ec2_backend).values()
        if (not image_ids or r.image_id in image_ids)
        and (not report_ids or r.report_id in report_ids)
    ]


def _page(self: AmisResponse, items: list[dict[str, Any]], key: str, id_of: Any) -> ActionResult:
    limit = self._get_param("MaxResults")
    if limit is not None and int(limit) < 1:
        raise ec2_error(
            "InvalidParameterValue",
            f"Value ( {limit} ) for parameter maxResults is invalid. "
            "Expecting a value greater than 0.",
        )
    items = sorted(items, key=id_of)
    token = self._get_param("NextToken")
    if token:
        items = [i for i in items if id_of(i) > token]
    size = int(limit) if limit is not None else len(items) or 1
    result: dict[str, Any] = {key: items[:size]}
    if len(items) > size:
        result["NextToken"] = id_of(items[size - 1])
    return ActionResult(result)


def _describe_reports(self: AmisResponse) -> ActionResult:
    filters = _filters(self, ("creation-time", "state", "tag-key"))
    self.error_on_dryrun()
    described = []
    for report in _chosen_reports(self):
        have = {
            "creation-time": [format_time(report.created)],
            "state": [report.state],
            "tag-key": [t["Key"] for t in report.tags],
            **{f"tag:{t['Key']}": [t["Value"]] for t in report.tags},
        }
        if _matches(have, filters):
            described.append(report.describe())
    return _page(self, described, "ImageUsageReports", lambda r: r["ReportId"])


def _describe_entries(self: AmisResponse) -> ActionResult:
    filters = _filters(self, ("account-id", "creation-time", "resource-type"))
    self.error_on_dryrun()
    entries = [
        entry
        for report in _chosen_reports(self)
        if report.state == "available"  # "pending - ... not available to view"
        for entry in report.entries
        if _matches(
            {
                "account-id": [entry["AccountId"]],
                "creation-time": [format_time(report.created)],
                "resource-type": [entry["ResourceType"]],
            },
            filters,
        )
    ]
    return _page(
        self,
        entries,
        "ImageUsageReportEntries",
        lambda e: f"{e['ReportId']}/{e['AccountId']}/{e['ResourceType']}",
    )


def _delete(self: AmisResponse) -> ActionResult:
    report_id = self._get_param("ReportId")
    self.error_on_dryrun()
    if _reports(self.ec2_backend).pop(report_id, None) is None:
        raise ec2_error(
            "InvalidImageUsageReportId.NotFound",
            f"The image usage report '{report_id}' does not exist.",
        )
    return ActionResult({"Return": True})
