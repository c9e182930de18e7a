"""An organization of accounts: images shared with an organization or OU reach its accounts,
AssumeRole needs a role that trusts the caller, and the demo can pin the ids AWS draws.

moto keys every backend by the account the request's access key belongs to, and its STS
AssumeRole hands out keys of the role's account, so each account already has its own EC2
state. What moto lacks, and this module adds:

- **Cross-account images.** EC2 User Guide, "Share an AMI with organizations and
  organizational units": "When you share an AMI with an organization or an OU, all of the
  children accounts gain access to the AMI." ... "The accounts in the organization and OU
  outside the dotted line ... do not have access to the AMI because they are not children of
  the OU that the AMI is shared with." moto looks images up in the caller's own backend only,
  so an image shared by another account (by ``UserId``, ``Group: all``, ``OrganizationArn`` or
  ``OrganizationalUnitArn``) could be neither described nor launched. Here DescribeImages
  (API reference: "The images available to you include public images, private images that you
  own, and private images owned by other Amazon Web Services accounts for which you have
  explicit launch permissions"; ``ExecutableUsers`` "Scopes the images by users with explicit launch
  permissions. Specify an Amazon Web Services account ID, self (the sender of the request), or
  all (public AMIs)") and RunInstances see the images of every account in the Region that the
  caller may launch, and RunInstances refuses any other ImageId (``InvalidAMIID.NotFound``;
  moto launches any id at all). A disabled image is not offered (API reference, DisableImage:
  "A disabled AMI can't be used for instance launches. ... If an AMI was shared with an Amazon
  Web Services account, organization, or Organizational Unit, they lose access to the
  disabled AMI"). Another account sees no tags on a shared image (User Guide, same page:
  "User-defined tags that you attach to a shared AMI are available only to your AWS account
  and not to the AWS accounts in the other organizations and OUs that the AMI is shared
  with").
- **AssumeRole checks the role.** STS API reference, AssumeRole: "To assume a role from a
  different account, your Amazon Web Services account must be trusted by the role. The trust
  relationship is defined in the role's trust policy when the role is created." A refused
  request answers ``AccessDenied`` (the common error; its message names the caller, the action
  and the role). moto lets any caller assume any role, even one that does not exist. Here
  the role must exist in its account and its trust policy must allow ``sts:AssumeRole`` to the
  caller's account (``arn:aws:iam::<account>:root``, the account id, or a principal ARN in
  that account). Organizations CreateAccount makes ``OrganizationAccountAccessRole`` trusting
  the management account, as AWS does (Organizations API reference, CreateAccount
  ``RoleName``: "The name of an IAM role that Organizations automatically preconfigures in
  the new member account. This role trusts the management account ... If you don't specify
  this parameter, the role name defaults to OrganizationAccountAccessRole"; moto does so).
- **Listing the organization takes its management account or a delegated administrator.**
  Organizations API reference, "API operations by account": ListAccounts,
  ListAccountsForParent, ListChildren and ListOrganizationalUnitsForParent are among the
  "Operations you can call from only the organization's management account or a member account
  designated as a delegated administrator"; any other account gets ``AccessDeniedException``
  ("You don't have permissions to access this resource."), an account in no organization
  ``AWSOrganizationsNotInUseException`` ("Your account isn't a member of an organization").
  moto answers a member account, or an account in no organization, with an empty list (each
  account's own, empty backend); here a delegated administrator is answered from the
  management account's organization and anyone else is refused.
- **Pinned ids** (sandbox control, not an AWS API): AWS draws account, organization, root, OU
  and KMS key ids; a demo whose screenshots must not drift needs them fixed. ::

      POST {endpoint_url}/_amitui/next-ids
          {"OrganizationId": "o-…", "RootId": "r-…",
           "OrganizationalUnitIds": ["ou-…", …], "AccountIds": ["210987654321", …],
           "KmsKeyIds": ["6f1c2a9e-…", …]}

  The next CreateOrganization / CreateOrganizationalUnit / CreateAccount / KMS CreateKey calls
  take these ids in order (then random ones again). Answers ``200 {"Pinned": {...}}`` or
  ``400 {"Error"}``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from moto.ec2.exceptions import InvalidAMIIdError, MalformedAMIIdError
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.models.instances import InstanceBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from ._moto import wrap

ROUTE = "/_amitui/next-ids"
PARTITION = "aws"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

#: Ids the next Organizations calls take, by kind, in order.
_pinned: dict[str, list[str]] = {
    "organization": [], "root": [], "ou": [], "account": [], "kms-key": []
}  # fmt: skip
_ID_FORMATS: Mapping[str, re.Pattern[str]] = {
    "organization": re.compile(r"^o-[a-z0-9]{10,32}$"),
    "root": re.compile(r"^r-[a-z0-9]{4,32}$"),
    "ou": re.compile(r"^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$"),
    "account": re.compile(r"^\d{12}$"),
    "kms-key": re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
}
_BODY_KEYS: Mapping[str, str] = {
    "OrganizationId": "organization",
    "RootId": "root",
    "OrganizationalUnitIds": "ou",
    "AccountIds": "account",
    "KmsKeyIds": "kms-key",
}


def install() -> None:
    from moto.kms import models as kms
    from moto.organizations import utils
    from moto.organizations.models import OrganizationsBackend
    from moto.sts.models import STSBackend

    _pin(utils, "make_random_org_id", "organization")
    _pin(utils, "make_random_root_id", "root")
    _pin(utils, "make_random_ou_id", "ou")
    _pin(utils, "make_random_account_id", "account")
    _pin(kms, "generate_key_id", "kms-key")
    wrap(OrganizationsBackend, "create_organization", _create_organization)
    wrap(AmiBackend, "describe_images", _describe_images)
    wrap(InstanceBackend, "run_instances", _run_instances)
    wrap(STSBackend, "assume_role", _assume_role)
    wrap(DomainDispatcherApplication, "__call__", _call)
    for listing in (
        "list_accounts",
        "list_accounts_for_parent",
        "list_children",
        "list_organizational_units_for_parent",
    ):
        wrap(OrganizationsBackend, listing, _management_or_delegate)


# --------------------------------------------------------------------------- pinned ids


def pin_next_ids(fields: Mapping[str, Any]) -> dict[str, list[str]]:
    """What ``POST /_amitui/next-ids`` does (also used in-process). Raises
    ValueError for an unknown key or a malformed id, before pinning anything."""
    unknown = sorted(set(fields) - set(_BODY_KEYS))
    if unknown:
        raise ValueError(f"unknown fields {unknown}; known: {sorted(_BODY_KEYS)}")
    staged: dict[str, list[str]] = {}
    for key, value in fields.items():
        kind = _BODY_KEYS[key]
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"{key} must be a string or a list of strings")
        bad = [v for v in values if not _ID_FORMATS[kind].match(v)]
        if bad:
            raise ValueError(f"malformed {key}: {bad}")
        staged[kind] = values
    for kind, values in staged.items():
        _pinned[kind].extend(values)
    return {kind: list(values) for kind, values in _pinned.items() if values}


def _pin(module: Any, name: str, kind: str) -> None:
    draw = getattr(module, name)

    def pinned_or_random(*args: Any) -> str:
        queue = _pinned[kind]
        return queue.pop(0) if queue else str(draw(*args))

    setattr(module, name, pinned_or_random)


def _create_organization(original: Callable[..., Any], self: Any, *args: Any, **kwargs: Any) -> Any:
    # The management account's entry and the root draw an account and an OU id too (then
    # take their own): pinned ones are for CreateAccount and CreateOrganizationalUnit.
    held = {kind: _pinned[kind][:] for kind in ("account", "ou")}
    for kind in held:
        _pinned[kind].clear()
    try:
        return original(self, *args, **kwargs)
    finally:
        for kind, ids in held.items():
            _pinned[kind][:0] = ids


def _call(
    original: Callable[..., Iterable[bytes]],
    self: DomainDispatcherApplication,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    if environ.get("PATH_INFO", "") != ROUTE:
        return original(self, environ, start_response)
    status, body = _handle(environ)
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def _handle(environ: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if environ.get("REQUEST_METHOD") != "POST":
        return "404 Not Found", {"Error": f"{ROUTE} takes POST"}
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        fields = json.loads(environ["wsgi.input"].read(length) or b"{}")
        if not isinstance(fields, dict):
            raise ValueError("the body must be a JSON object")
        return "200 OK", {"Pinned": pin_next_ids(fields)}
    except ValueError as exc:
        return "400 Bad Request", {"Error": str(exc)}


# --------------------------------------------------------------------------- membership


def organization_backend(account_id: str) -> Any | None:
    """The Organizations backend holding ``account_id``'s organization, if it is in one."""
    from moto.organizations.models import organizations_backends

    own = dict.get(organizations_backends, account_id)
    if own is not None and dict.get(own, PARTITION) is not None and own[PARTITION].org:
        return own[PARTITION]
    management = organizations_backends.master_accounts.get(account_id)
    if management is None:
        return None
    backend = organizations_backends[management[0]][management[1]]
    return backend if backend.org else None


def principals(account_id: str) -> frozenset[tuple[str, str]]:
    """Every LaunchPermission entry that grants ``account_id``: its own id, its
    organization's ARN and the ARN of each OU it sits in, up to the root."""
    grants = {("UserId", account_id)}
    backend = organization_backend(account_id)
    if backend is None:
        return frozenset(grants)
    account = next((a for a in backend.accounts if a.id == account_id), None)
    if account is None or account.status != "ACTIVE":
        return frozenset(grants)
    grants.add(("OrganizationArn", backend.org.arn))
    units = {unit.id: unit for unit in backend.ou if unit.type == "ORGANIZATIONAL_UNIT"}
    parent = account.parent_id
    while parent in units:
        grants.add(("OrganizationalUnitArn", units[parent].arn))
        parent = units[parent].parent_id
    return frozenset(grants)


def may_launch(image: Ami, grants: frozenset[tuple[str, str]]) -> bool:
    """Whether an account holding ``grants`` (see :func:`principals`) may launch ``image``."""
    if image.is_public:
        return True
    return any(entry in grants for lp in image.launch_permissions for entry in lp.items())


def foreign_backends(region: str, account_id: str) -> Iterator[Any]:
    """The EC2 backends of ``region`` in every account but ``account_id`` that exist yet."""
    from moto.ec2.models import ec2_backends

    for other, regions in list(dict.items(ec2_backends)):
        if other == account_id:
            continue
        backend = dict.get(regions, region)
        if backend is not None:
            yield backend


def shared_with(backend: Any, grants: frozenset[tuple[str, str]]) -> list[Ami]:
    """Images other accounts own in ``backend``'s Region that ``grants`` may launch."""
    return [
        image
        for other in foreign_backends(backend.region_name, backend.account_id)
        for image in list(other.amis.values())
        if image.state != "disabled" and may_launch(image, grants)
    ]


def find_image(region: str, image_id: str) -> Ami | None:
    """The image ``image_id`` in ``region``, whichever account owns it."""
    from moto.ec2.models import ec2_backends

    for regions in list(dict.values(ec2_backends)):
        backend = dict.get(regions, region)
        if backend is not None and image_id in backend.amis:
            return backend.amis[image_id]
    return None


def _management_or_delegate(
    original: Callable[..., Any], self: Any, *args: Any, **kwargs: Any
) -> Any:
    from moto.organizations.exceptions import (
        AWSOrganizationsNotInUseException,
        OrganizationsClientError,
    )

    if self.org is not None:  # the management account's own backend
        return original(self, *args, **kwargs)
    backend = organization_backend(self.account_id)
    if backend is None:
        raise AWSOrganizationsNotInUseException()
    if any(admin.account.id == self.account_id for admin in backend.admins):
        return original(backend, *args, **kwargs)
    raise OrganizationsClientError(
        "AccessDeniedException", "You don't have permissions to access this resource."
    )


# --------------------------------------------------------------------------- DescribeImages


class _SharedAmi(Ami):
    """An image as an account other than its owner describes it: without the owner's tags."""

    def get_tags(self) -> list[dict[str, str]]:
        return []


def shared_view(image: Ami) -> Ami:
    """``image`` as another account sees it (a copy: changing it changes nothing)."""
    view = copy.copy(image)
    view.__class__ = _SharedAmi
    return view


def _describe_images(
    original: Callable[..., Any],
    self: AmiBackend,
    ami_ids: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    exec_users: list[str] | None = None,
    owners: list[str] | None = None,
    **extra: Any,
) -> list[Ami]:
    # Another extension's keyword (``extra``) reaches moto's own lookup; the cross-account one
    # below does not know it.
    account_id: str = self.account_id  # type: ignore[attr-defined]
    foreign = shared_with(self, principals(account_id))
    if not foreign and not exec_users:
        return original(self, ami_ids, filters, exec_users, owners, **extra)  # type: ignore[no-any-return]
    from moto.ec2.utils import generic_filter

    images = [*self.amis.values(), *(shared_view(image) for image in foreign)]
    if ami_ids:
        malformed = [ami_id for ami_id in ami_ids if not ami_id.startswith("ami-")]
        if malformed:
            raise MalformedAMIIdError(malformed)
        images = [image for image in images if image.id in ami_ids]
        deleted = [ami_id for ami_id in ami_ids if ami_id in self.deleted_amis]
        if not images and not deleted:
            raise InvalidAMIIdError(ami_ids)
        return images
    if exec_users:
        users = {account_id if user == "self" else user for user in exec_users}
        images = [
            image
            for image in images
            if ("all" in users and image.is_public)
            or any(may_launch(image, principals(user)) for user in users - {"all"})
        ]
    if owners:
        wanted = {account_id if owner == "self" else owner for owner in owners}
        images = [i for i in images if i.owner_id in wanted or i.owner_alias in wanted]
    if filters:
        return generic_filter(filters, images)
    return images


def _run_instances(
    original: Callable[..., Any], self: Any, image_id: str | None, *args: Any, **kwargs: Any
) -> Any:
    # moto launches any ImageId unless AMI validation is switched on for the whole server.
    shared = shared_with(self, principals(self.account_id)) if image_id not in self.amis else []
    if image_id and image_id not in self.amis and not any(i.id == image_id for i in shared):
        raise InvalidAMIIdError(image_id)
    return original(self, image_id, *args, **kwargs)


# --------------------------------------------------------------------------- AssumeRole


def _assume_role(original: Callable[..., Any], self: Any, **kwargs: Any) -> Any:
    from moto.iam.models import iam_backends
    from moto.sts.exceptions import STSClientError

    role_arn: str = kwargs["role_arn"]
    caller: str = self.account_id
    match = re.match(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$", role_arn)
    denied = STSClientError(
        "AccessDenied",
        f"User: arn:aws:iam::{caller}:root is not authorized to perform: sts:AssumeRole "
        f"on resource: {role_arn}",
    )
    if match is None:
        raise STSClientError("ValidationError", f"{role_arn} is not a valid role ARN")
    account_id, role_name = match.groups()
    iam = iam_backends[account_id]["global"]
    role = next((r for r in iam.get_roles() if r.name == role_name), None)
    if role is None or not _trusts(role.assume_role_policy_document, caller):
        raise denied
    return original(self, **kwargs)


def _trusts(policy: Any, caller: str) -> bool:
    """Whether a trust policy allows ``sts:AssumeRole`` to an identity in ``caller``."""
    try:
        document = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        return False
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in [statements] if isinstance(statements, dict) else statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") != "Allow" or not {"sts:AssumeRole", "sts:*", "*"} & set(
            actions
        ):
            continue
        principal = statement.get("Principal", {})
        names = principal.get("AWS", []) if isinstance(principal, dict) else [principal]
        for name in [names] if isinstance(names, str) else names:
            if name in ("*", caller) or re.match(rf"^arn:aws[a-z-]*:(iam|sts)::{caller}:", name):
                return True
    return False
