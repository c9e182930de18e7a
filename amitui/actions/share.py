"""Share images: add or remove launch permissions (accounts, organizations, OUs, public).

Read-only lookups (:func:`load_permissions`, :func:`load_block_public_access`,
:func:`load_key_managers`) gather what :func:`plan_share` needs; the plan itself is pure.
Per image the plan has up to three steps:

- ``share:`` one ModifyImageAttribute with the diff of account/organization/OU grants
  (only what changes: adding a grantee already there or removing one that is not is left out);
- ``public:`` ModifyImageAttribute adding or removing the ``all`` group. Making an image
  public is refused when the region's image block public access is ``block-new-sharing`` or
  the image has encrypted snapshots, and needs the image id typed to confirm (the plan is
  ``destructive`` with ``confirm_text`` the id, or the image count for several);
- ``snapshots:`` ModifySnapshotAttribute (createVolumePermission) per backing snapshot for the
  account ids, when asked; EC2 grants snapshot permissions to accounts only.

Images encrypted with a KMS key get a note: grantees need that key (a customer managed key's
policy must allow them); images encrypted with the AWS managed ``aws/ebs`` key cannot be shared.

:func:`grantee_choices` offers grantees to pick by name: the loaded accounts (alias and id),
their organization (DescribeOrganization) and its OUs by path (ListRoots and
ListOrganizationalUnitsForParent, which only the management account or a delegated
administrator may call; when none of the loaded accounts may, the OUs are not offered and
the answer says why).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from amitui.actions.validate import (
    InvalidInput,
    account_id,
    organization_arn,
    organizational_unit_arn,
)
from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.model import Image, ImageKey, Plan, Step
from amitui.text import counted

if TYPE_CHECKING:
    from amitui.accounts import Account

ACCOUNT = "account"
ORGANIZATION = "organization"
OU = "ou"
PUBLIC = "public"

_AWS_NAME = {ACCOUNT: "UserId", ORGANIZATION: "OrganizationArn", OU: "OrganizationalUnitArn"}
BLOCK_NEW_SHARING = "block-new-sharing"


@dataclass(frozen=True, slots=True, order=True)
class Grantee:
    """Who may launch an image: an account, an organization, an OU, or everyone (public)."""

    kind: str
    value: str = ""

    def to_aws(self) -> dict[str, str]:
        if self.kind == PUBLIC:
            return {"Group": "all"}
        return {_AWS_NAME[self.kind]: self.value}

    @classmethod
    def from_aws(cls, permission: Mapping[str, Any]) -> Grantee | None:
        if permission.get("Group") == "all":
            return cls(PUBLIC)
        for kind, key in _AWS_NAME.items():
            if permission.get(key):
                return cls(kind, str(permission[key]))
        return None

    def describe(self) -> str:
        labels = {ACCOUNT: "account", ORGANIZATION: "organization", OU: "OU"}
        return "everyone (public)" if self.kind == PUBLIC else f"{labels[self.kind]} {self.value}"


def parse_grantee(text: str) -> Grantee:
    """An account id, an organization ARN or an OU ARN, told apart by shape."""
    value = text.strip()
    if not value:
        raise InvalidInput("Grantee", "is empty; type an account id, organization ARN or OU ARN")
    if value.lower() in ("public", "all"):
        return Grantee(PUBLIC)
    if value.startswith("arn:") and ":ou/" in value:
        return Grantee(OU, organizational_unit_arn(value, "Grantee"))
    if value.startswith("arn:"):
        return Grantee(ORGANIZATION, organization_arn(value, "Grantee"))
    return Grantee(ACCOUNT, account_id(value, "Grantee"))


@dataclass(frozen=True, slots=True)
class ShareRequest:
    add: tuple[Grantee, ...] = ()
    remove: tuple[Grantee, ...] = ()
    #: Also grant/revoke createVolumePermission on the backing snapshots (accounts only).
    share_snapshots: bool = False


@dataclass(frozen=True, slots=True)
class ShareContext:
    """The read-only facts a share plan depends on."""

    #: Current launch permissions per image (missing: unknown, treated as none).
    permissions: Mapping[ImageKey, frozenset[Grantee]] = field(default_factory=dict)
    #: Image block public access state per region ("unblocked" / "block-new-sharing").
    block_public_access: Mapping[str, str] = field(default_factory=dict)
    #: KMS key ARN -> "AWS" or "CUSTOMER" (KeyManager); missing: unknown.
    key_managers: Mapping[str, str] = field(default_factory=dict)
    #: The caller's account: images another account owns are left out ("" = don't check).
    account: str = ""


def _kms_keys(image: Image) -> list[str]:
    return sorted({d.kms_key_id for d in image.block_devices if d.encrypted and d.kms_key_id})


def plan_share(images: Sequence[Image], request: ShareRequest, context: ShareContext) -> Plan:
    steps: list[Step] = []
    notes: list[str] = []
    publicising: list[Image] = []
    add_public = Grantee(PUBLIC) in request.add
    remove_public = Grantee(PUBLIC) in request.remove
    for image in images:
        if context.account and image.owner_id and image.owner_id != context.account:
            steps.append(
                Step(
                    f"share:{image.region}/{image.image_id}",
                    image.region,
                    "ModifyImageAttribute",
                    image.image_id,
                    {},
                    f"owned by {image.owner_id}: only the owner can change who may launch it",
                    excluded=True,
                )
            )
            continue
        current = context.permissions.get(image.key, frozenset())
        if image.public:
            current = current | {Grantee(PUBLIC)}
        adds = sorted(g for g in set(request.add) if g.kind != PUBLIC and g not in current)
        removes = sorted(g for g in set(request.remove) if g.kind != PUBLIC and g in current)
        keys = _kms_keys(image)
        managed_by = {context.key_managers.get(k) for k in keys}
        share_id = f"share:{image.region}/{image.image_id}"
        if adds or removes:
            modifications: dict[str, list[dict[str, str]]] = {}
            if adds:
                modifications["Add"] = [g.to_aws() for g in adds]
            if removes:
                modifications["Remove"] = [g.to_aws() for g in removes]
            parts = [f"+ {g.describe()}" for g in adds] + [f"- {g.describe()}" for g in removes]
            refusal = None
            if adds and "AWS" in managed_by:
                refusal = (
                    f"{image.image_id} is encrypted with the AWS managed key aws/ebs, which "
                    "cannot be shared; copy it with a customer managed key first"
                )
            steps.append(
                Step(
                    share_id,
                    image.region,
                    "ModifyImageAttribute",
                    image.image_id,
                    {"ImageId": image.image_id, "LaunchPermission": modifications},
                    refusal or "; ".join(parts),
                    excluded=refusal is not None,
                )
            )
        elif request.add or request.remove:
            wanted = [g for g in (*request.add, *request.remove) if g.kind != PUBLIC]
            if wanted:
                steps.append(
                    Step(
                        share_id, image.region, "ModifyImageAttribute", image.image_id, {},
                        "no change: these grants are already as asked", excluded=True,
                    )
                )  # fmt: skip
        public_id = f"public:{image.region}/{image.image_id}"
        if add_public and not image.public:
            refusals = []
            if context.block_public_access.get(image.region) == BLOCK_NEW_SHARING:
                refusals.append(
                    f"block public access for AMIs is on in {image.region} (block-new-sharing); "
                    "turn it off in the EC2 console's Data protection settings first"
                )
            if image.encrypted:
                refusals.append(
                    f"{image.image_id} has encrypted snapshots; EC2 never makes those public"
                )
            refusal = "; ".join(refusals) or None
            steps.append(
                Step(
                    public_id,
                    image.region,
                    "ModifyImageAttribute",
                    image.image_id,
                    {"ImageId": image.image_id, "LaunchPermission": {"Add": [{"Group": "all"}]}},
                    refusal or "make public: every AWS account can launch it",
                    excluded=refusal is not None,
                )
            )
            if refusal is None:
                publicising.append(image)
        elif remove_public and image.public:
            steps.append(
                Step(
                    public_id,
                    image.region,
                    "ModifyImageAttribute",
                    image.image_id,
                    {"ImageId": image.image_id, "LaunchPermission": {"Remove": [{"Group": "all"}]}},
                    "make private: only the listed grantees can launch it",
                )
            )
        if request.share_snapshots and adds + removes:
            accounts_add = [g for g in adds if g.kind == ACCOUNT]
            accounts_remove = [g for g in removes if g.kind == ACCOUNT]
            if accounts_add or accounts_remove:
                permission: dict[str, list[dict[str, str]]] = {}
                if accounts_add:
                    permission["Add"] = [{"UserId": g.value} for g in accounts_add]
                if accounts_remove:
                    permission["Remove"] = [{"UserId": g.value} for g in accounts_remove]
                share_step = next((s for s in steps if s.step_id == share_id), None)
                for snapshot_id in image.snapshot_ids:
                    steps.append(
                        Step(
                            f"snapshot:{image.region}/{snapshot_id}:{image.image_id}",
                            image.region,
                            "ModifySnapshotAttribute",
                            snapshot_id,
                            {
                                "SnapshotId": snapshot_id,
                                "Attribute": "createVolumePermission",
                                "CreateVolumePermission": permission,
                            },
                            f"backing snapshot of {image.image_id}: create-volume permission",
                            depends_on=(share_id,),
                            excluded=share_step is None or share_step.excluded,
                        )
                    )
            if any(g.kind in (ORGANIZATION, OU) for g in adds + removes):
                notes.append(
                    "Snapshot create-volume permission can be granted to accounts only; "
                    "organizations and OUs can launch the image without it."
                )
        if keys and (request.add) and "AWS" not in managed_by:
            notes.append(
                f"{image.image_id} is encrypted with {', '.join(keys)}: the grantees need "
                "access to that key (kms:DescribeKey, kms:CreateGrant, kms:Decrypt, "
                "kms:ReEncrypt*, kms:GenerateDataKey*) in its key policy, or launches fail."
                + (
                    ""
                    if managed_by == {"CUSTOMER"}
                    else " If it is the AWS managed aws/ebs key, sharing fails: "
                    "copy the image with a customer managed key first."
                )
            )
    destructive = bool(publicising)
    if len(publicising) == 1:
        confirm = publicising[0].image_id
    else:
        confirm = str(len(publicising)) if publicising else ""
    if publicising:
        notes.insert(
            0,
            f"Making {counted(len(publicising), 'image')} public: anyone with an AWS account can "
            "launch them and see their snapshots' contents.",
        )
    return Plan(
        action="share",
        title=f"Change launch permissions of {counted(len(images), 'image')}",
        steps=tuple(steps),
        notes=tuple(dict.fromkeys(notes)),
        destructive=destructive,
        confirm_text=confirm,
    )


# --- read-only lookups -----------------------------------------------------------------


async def load_permissions(
    aws: AwsSession, images: Iterable[Image]
) -> dict[ImageKey, frozenset[Grantee]]:
    """DescribeImageAttribute(launchPermission) for each image, concurrently."""

    async def one(image: Image) -> tuple[ImageKey, frozenset[Grantee]]:
        response = await aws.call(
            image.region,
            "DescribeImageAttribute",
            ImageId=image.image_id,
            Attribute="launchPermission",
        )
        grantees = (Grantee.from_aws(p) for p in response.get("LaunchPermissions", []))
        return image.key, frozenset(g for g in grantees if g is not None)

    return dict(await asyncio.gather(*(one(image) for image in images)))


async def load_block_public_access(aws: AwsSession, regions: Iterable[str]) -> dict[str, str]:
    """GetImageBlockPublicAccessState per region; a region that cannot say is left out."""

    async def one(region: str) -> tuple[str, str | None]:
        try:
            response = await aws.call(region, "GetImageBlockPublicAccessState")
        except Exception:  # unknown is allowed: EC2 itself refuses if it is blocked
            return region, None
        return region, str(response.get("ImageBlockPublicAccessState") or "")

    results = await asyncio.gather(*(one(r) for r in set(regions)))
    return {region: state for region, state in results if state}


async def load_key_managers(aws: AwsSession, images: Iterable[Image]) -> dict[str, str]:
    """KMS DescribeKey's KeyManager ("AWS"/"CUSTOMER") for each image's keys, where readable."""
    wanted = {(image.region, key) for image in images for key in _kms_keys(image)}

    async def one(region: str, key: str) -> tuple[str, str | None]:
        try:
            response = await aws.call(region, "DescribeKey", service="kms", KeyId=key)
        except Exception:  # no kms:DescribeKey, or the key is gone: the plan says "unknown"
            return key, None
        return key, str(response.get("KeyMetadata", {}).get("KeyManager") or "") or None

    results = await asyncio.gather(*(one(r, k) for r, k in wanted))
    return {key: manager for key, manager in results if manager}


# --- grantees to pick by name -----------------------------------------------------------


def account_text(account: Account) -> str:
    """``staging (210987654321)``, or the id alone when the account has no alias."""
    return f"{account.alias} ({account.id})" if account.alias else account.id


@dataclass(frozen=True, slots=True)
class GranteeChoice:
    """A grantee the user may pick by name, e.g. ``OU Workloads/Prod (ou-…)``."""

    grantee: Grantee
    label: str


@dataclass(frozen=True, slots=True)
class GranteeChoices:
    choices: tuple[GranteeChoice, ...]
    #: Why the organization or its OUs are not offered ("" when they are, or there is none).
    problem: str = ""


async def _organization(accounts: Sequence[Account]) -> tuple[dict[str, Any] | None, str]:
    """DescribeOrganization from the first loaded account that can answer it."""
    problem = ""
    for account in accounts:
        aws = account.session
        try:
            answer = await aws.call(aws.default_region, "DescribeOrganization",
                                    service="organizations")  # fmt: skip
        except Exception as exc:  # errors are data: no organization offered, and why
            error = classify_error(exc, profile=aws.profile)
            if error.code != "AWSOrganizationsNotInUseException":  # in none: nothing to say
                problem = f"the organization could not be read: {error.describe()}"
            continue
        return dict(answer.get("Organization") or {}), ""
    return None, problem


async def _units(aws: AwsSession) -> list[tuple[str, str]]:
    """(path, ARN) of every OU, breadth first from each root."""
    region = aws.default_region
    found: list[tuple[str, str]] = []
    parents: list[tuple[str, str]] = []
    async for page in aws.paginate(region, "ListRoots", service="organizations"):
        parents += [(str(root["Id"]), "") for root in page.get("Roots", [])]
    while parents:
        parent, path = parents.pop(0)
        async for page in aws.paginate(
            region, "ListOrganizationalUnitsForParent", service="organizations", ParentId=parent
        ):
            for unit in page.get("OrganizationalUnits", []):
                named = f"{path}/{unit.get('Name', unit['Id'])}" if path else str(unit.get("Name"))
                found.append((named, str(unit["Arn"])))
                parents.append((str(unit["Id"]), named))
    return found


async def grantee_choices(accounts: Sequence[Account]) -> GranteeChoices:
    """The loaded accounts, their organization and its OUs, as grantees to pick."""
    choices = [
        GranteeChoice(Grantee(ACCOUNT, a.id), f"account {account_text(a)}") for a in accounts
    ]
    organization, problem = await _organization(accounts)
    if organization is None:
        return GranteeChoices(tuple(choices), problem)
    arn = str(organization.get("Arn", ""))
    choices.append(
        GranteeChoice(Grantee(ORGANIZATION, arn), f"organization {organization.get('Id', arn)}")
    )
    management = str(organization.get("MasterAccountId", ""))
    # The management account first; any other may be a delegated administrator.
    ordered = sorted(accounts, key=lambda a: a.id != management)
    for account in ordered:
        try:
            units = await _units(account.session)
        except Exception as exc:  # errors are data: the OUs are not offered, and why
            error = classify_error(exc, profile=account.session.profile)
            problem = (
                "OUs are listed only from the management account or a delegated "
                f"administrator: {error.describe()}"
            )
            continue
        choices += [GranteeChoice(Grantee(OU, unit_arn), f"OU {path}") for path, unit_arn in units]
        return GranteeChoices(tuple(choices), "")
    return GranteeChoices(tuple(choices), problem)
