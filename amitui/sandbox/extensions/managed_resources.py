"""Managed resources: instances and launch templates an AWS service operates in the account,
and the account's setting that hides them from Describe answers.

EC2 (API reference):

- GetManagedResourceVisibility: "Retrieves the managed resource visibility configuration for
  the account. The response indicates whether managed resources are hidden or visible by
  default." It answers ``Visibility.DefaultVisibility``: "A value of ``hidden`` indicates that
  managed resources are not included in Describe operation responses by default. A value of
  ``visible`` indicates that managed resources are included by default."
- ModifyManagedResourceVisibility (``DefaultVisibility`` required, ``hidden | visible``):
  "Visibility settings are account-wide and affect all IAM principals uniformly. Hidden
  resources remain fully operational and billable." It answers the updated ``Visibility``.
- DescribeInstances, DescribeLaunchTemplates, DescribeLaunchTemplateVersions
  ``IncludeManagedResources``: "If this parameter is set to ``true``, the output includes
  resources that are managed by Amazon Web Services services, even if managed resource
  visibility is set to hidden."
- Instance and LaunchTemplate ``Operator``: ``Managed`` "If true, the resource is managed by a
  service provider", ``Principal`` "If managed is true, then the principal is returned. The
  principal is the service provider that manages the resource", ``HiddenByDefault`` "If true,
  the resource is hidden by default based on the managed resource visibility settings for
  the account."
- RunInstances and CreateLaunchTemplate take ``Operator.Principal`` ("The service provider
  that manages the resource"; the parameter is "Reserved for internal use"): that is how a
  service creates a managed resource. The sandbox takes it from any caller, so that a test
  can seed one.

Where the reference is silent, the sandbox takes the reading that hides the most:

- a new account's setting: ``visible`` (nothing says otherwise; it is what an account that
  never changed it sees);
- one setting per account for every Region ("account-wide");
- DescribeImageReferences has no ``IncludeManagedResources``: with the setting ``hidden`` it
  does not list managed instances or launch templates either ("not included in Describe
  operation responses"). A check that relies on it alone misses them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.responses.amis import AmisResponse
from moto.ec2.responses.instances import InstanceResponse
from moto.ec2.responses.launch_templates import LaunchTemplates

from ._moto import ec2_error, wrap

VISIBLE = "visible"
HIDDEN = "hidden"
#: account id -> its setting (accounts never set are VISIBLE).
_VISIBILITY: dict[str, str] = {}
#: launch template id -> the principal managing it (moto's templates have no such field).
_TEMPLATE_PRINCIPALS: dict[str, str] = {}


def install() -> None:
    InstanceResponse.get_managed_resource_visibility = _get  # type: ignore[attr-defined]
    InstanceResponse.modify_managed_resource_visibility = _modify  # type: ignore[attr-defined]
    wrap(InstanceResponse, "run_instances", _run_instances)
    wrap(InstanceResponse, "describe_instances", _describe_instances)
    wrap(LaunchTemplates, "create_launch_template", _create_launch_template)
    wrap(LaunchTemplates, "describe_launch_templates", _describe_templates("LaunchTemplates"))
    wrap(
        LaunchTemplates,
        "describe_launch_template_versions",
        _describe_templates("LaunchTemplateVersions"),
    )
    wrap(AmisResponse, "describe_image_references", _describe_image_references)


def visibility(account_id: str) -> str:
    return _VISIBILITY.get(account_id, VISIBLE)


def is_hidden(account_id: str, principal: str | None) -> bool:
    """Whether a resource managed by ``principal`` (None: not managed) is left out of a
    Describe answer that did not ask for managed resources."""
    return principal is not None and visibility(account_id) == HIDDEN


def instance_principal(instance: Any) -> str | None:
    operator = getattr(instance, "operator", None)
    return operator["Principal"] if operator else None


def template_principal(template_id: str) -> str | None:
    return _TEMPLATE_PRINCIPALS.get(template_id)


def _operator(principal: str | None, account_id: str) -> dict[str, Any] | None:
    if principal is None:
        return None
    return {
        "Managed": True,
        "Principal": principal,
        "HiddenByDefault": is_hidden(account_id, principal),
    }


def _settings(account_id: str) -> dict[str, Any]:
    return {"Visibility": {"DefaultVisibility": visibility(account_id)}}


def _get(self: InstanceResponse) -> ActionResult:
    self.error_on_dryrun()
    return ActionResult(_settings(self.current_account))


def _modify(self: InstanceResponse) -> ActionResult:
    requested = self._get_param("DefaultVisibility")
    if requested is None:
        raise ec2_error(
            "MissingParameter", "The request must contain the parameter DefaultVisibility"
        )
    if requested not in (HIDDEN, VISIBLE):
        raise ec2_error(
            "InvalidParameterValue",
            f"Value ({requested}) for parameter DefaultVisibility is invalid. "
            f"Valid values: {HIDDEN} | {VISIBLE}.",
        )
    self.error_on_dryrun()
    _VISIBILITY[self.current_account] = requested
    return ActionResult(_settings(self.current_account))


def _requested_principal(self: Any) -> str | None:
    values = self.querystring.get("Operator.Principal")
    return str(values[0]) if values else None


def _includes_managed(self: Any) -> bool:
    values = self.querystring.get("IncludeManagedResources") or ["false"]
    return str(values[0]).lower() == "true"


def _run_instances(original: Callable[..., Any], self: InstanceResponse) -> Any:
    principal = _requested_principal(self)
    answer = original(self)
    if principal is not None and isinstance(answer, ActionResult):
        for instance in getattr(answer.result, "instances", []):
            instance.operator = {"Managed": True, "Principal": principal}
    return answer


def _describe_instances(original: Callable[..., Any], self: InstanceResponse) -> Any:
    answer = original(self)
    if not isinstance(answer, ActionResult) or not isinstance(answer.result, dict):
        return answer
    account = self.current_account
    include = _includes_managed(self)
    reservations = []
    for reservation in answer.result.get("Reservations") or []:
        shown = [
            i
            for i in reservation.instances
            if include or not is_hidden(account, instance_principal(i))
        ]
        if not shown:
            continue
        copied = copy.copy(reservation)
        copied.instances = [_with_operator(i, account) for i in shown]
        reservations.append(copied)
    return ActionResult({**answer.result, "Reservations": reservations})


def _with_operator(instance: Any, account_id: str) -> Any:
    principal = instance_principal(instance)
    if principal is None:
        return instance
    shown = copy.copy(instance)
    shown.operator = _operator(principal, account_id)
    return shown


def _create_launch_template(original: Callable[..., Any], self: LaunchTemplates) -> Any:
    principal = _requested_principal(self)
    answer = original(self)
    if (
        principal is not None
        and isinstance(answer, ActionResult)
        and isinstance(answer.result, dict)
    ):
        template = answer.result.get("LaunchTemplate")
        template_id = getattr(template, "id", None) or (template or {}).get("LaunchTemplateId")
        if template_id:
            _TEMPLATE_PRINCIPALS[str(template_id)] = principal
    return answer


def _describe_templates(key: str) -> Callable[..., Any]:
    def describe(original: Callable[..., Any], self: LaunchTemplates) -> Any:
        answer = original(self)
        if not isinstance(answer, ActionResult) or not isinstance(answer.result, dict):
            return answer
        account = self.current_account
        include = _includes_managed(self)
        entries = []
        for entry in answer.result.get(key) or []:
            principal = template_principal(str(entry.get("LaunchTemplateId", "")))
            if principal is not None and not include and is_hidden(account, principal):
                continue
            operator = _operator(principal, account)
            entries.append({**entry, "Operator": operator} if operator else entry)
        return ActionResult({**answer.result, key: entries})

    return describe


def _describe_image_references(original: Callable[..., Any], self: AmisResponse) -> Any:
    answer = original(self)
    account = self.current_account
    if visibility(account) != HIDDEN or not isinstance(answer, ActionResult):
        return answer
    result = answer.result
    if not isinstance(result, dict):
        return answer
    backend = self.ec2_backend
    managed_instances = {i.id for i in backend.all_instances() if instance_principal(i) is not None}
    kept = [
        reference
        for reference in result.get("ImageReferences") or []
        if not _managed_reference(str(reference.get("Arn", "")), managed_instances)
    ]
    return ActionResult({**result, "ImageReferences": kept})


def _managed_reference(arn: str, managed_instances: set[str]) -> bool:
    resource = arn.rsplit("/", 1)[-1]
    if ":instance/" in arn:
        return resource in managed_instances
    if ":launch-template/" in arn:
        return template_principal(resource) is not None
    return False
