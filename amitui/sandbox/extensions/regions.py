"""Regions the account has not opted in to: hidden by DescribeRegions, refused at their endpoint.

EC2 (API reference, DescribeRegions): "Describes the Regions that are enabled for your
account, or all Regions." ``AllRegions``: "Indicates whether to display all Regions,
including Regions that are disabled for your account." ``OptInStatus`` is
``opt-in-not-required``, ``opted-in`` or ``not-opted-in``; the ``opt-in-status`` and
``region-name`` filters select on them. A request signed for a Region the account has not
enabled is answered HTTP 401 ``AuthFailure`` "AWS was not able to validate the provided access
credentials".

The sandbox models this only when ``AMITUI_SANDBOX_ENABLED_REGIONS`` (comma list; the
server's ``--enabled-regions``) is set: those Regions are ``opt-in-not-required`` and every
other one is ``not-opted-in``. The Region of a request is the one in its SigV4 credential
scope (``Credential=AKID/20260101/eu-west-1/ec2/aws4_request``), as for EC2 itself. Without
the variable, moto's behaviour is kept (every Region enabled).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models.availability_zones_and_regions import Region
from moto.ec2.responses.availability_zones_and_regions import AvailabilityZonesAndRegions
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from ._moto import wrap

ENABLED_REGIONS_ENV = "AMITUI_SANDBOX_ENABLED_REGIONS"
AUTH_FAILURE_MESSAGE = "AWS was not able to validate the provided access credentials"
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


def install() -> None:
    wrap(AvailabilityZonesAndRegions, "describe_regions", _describe_regions)
    wrap(DomainDispatcherApplication, "__call__", _refuse_disabled_regions)


def enabled_regions() -> frozenset[str] | None:
    """The enabled Regions, or None when the sandbox treats every Region as enabled."""
    listed = os.environ.get(ENABLED_REGIONS_ENV, "")
    names = frozenset(name.strip() for name in listed.split(",") if name.strip())
    return names or None


def _describe_regions(original: Callable[..., Any], self: Any) -> Any:
    enabled = enabled_regions()
    filters = {f["Name"]: set(f.get("Values", [])) for f in self._get_param("Filters", [])}
    if enabled is None and not filters:
        return original(self)
    self.error_on_dryrun()
    all_regions = str(self._get_param("AllRegions", False)).lower() == "true"
    wanted = set(self._get_param("RegionNames", []))
    regions = []
    for region in self.ec2_backend.describe_regions():
        status = region.opt_in_status
        if enabled is not None:
            status = "opt-in-not-required" if region.name in enabled else "not-opted-in"
            if status == "not-opted-in" and not all_regions and not wanted:
                continue
        if wanted and region.name not in wanted:
            continue
        if "region-name" in filters and region.name not in filters["region-name"]:
            continue
        if "opt-in-status" in filters and status not in filters["opt-in-status"]:
            continue
        regions.append(Region(region.name, region.endpoint, status))
    return ActionResult({"Regions": regions})


def _refuse_disabled_regions(
    original: Callable[..., Iterable[bytes]],
    self: Any,
    environ: dict[str, Any],
    start_response: Callable[..., Any],
) -> Iterable[bytes]:
    enabled = enabled_regions()
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if enabled is None or scope is None or scope["service"] != "ec2":
        return original(self, environ, start_response)
    if scope["region"] in enabled:
        return original(self, environ, start_response)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
        f"<Code>AuthFailure</Code><Message>{AUTH_FAILURE_MESSAGE}</Message>"
        f"</Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>"
    ).encode()
    start_response(
        "401 Unauthorized",
        [("Content-Type", "text/xml;charset=UTF-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
