"""An organization of accounts: AssumeRole into members, each with its own EC2 state; images
shared with the organization or an OU (extensions.organization)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import aiobotocore.session
import pytest
from botocore.exceptions import ClientError

from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox

from .organization_fleet import ROLE, Organization, OwnSandbox, organization

# More regions than this package's shared sandbox can spare: a sandbox of this module's own.
_own = OwnSandbox()
sandbox = _own.sandbox_fixture()
region = _own.region_fixture()
another_region = _own.region_fixture()


@pytest.fixture
def org(sandbox: Sandbox) -> Organization:
    return organization(sandbox.endpoint_url)


def shared_image(
    org: Organization, region: str, register: Any, make_snapshot: Any, **grant: str
) -> str:
    """An image the management account owns in ``region``, shared by one LaunchPermission."""
    ec2 = org.client("management", "ec2", region)
    image_id: str = register(ec2, f"golden-{region}", make_snapshot(ec2, 8))
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [grant]})
    return image_id


def visible(org: Organization, account: str, region: str, image_id: str) -> bool:
    """DescribeImages ExecutableUsers=self, Owners=<management>, as the account sees it."""
    images = org.client(account, "ec2", region).describe_images(
        ExecutableUsers=["self"], Owners=[SANDBOX_ACCOUNT_ID]
    )["Images"]
    return image_id in {i["ImageId"] for i in images}


def test_organization_tree_is_described(org: Organization) -> None:
    """Organizations API reference, ListAccountsForParent: "Lists the accounts in an
    organization that are contained by the specified target root or organizational unit (OU)";
    ListOrganizationalUnitsForParent: "Lists the organizational units (OUs) in a parent
    organizational unit or root"; DescribeOrganization from a member account describes the
    organization it belongs to."""
    client = org.client("management", "organizations")
    root = client.list_roots()["Roots"][0]["Id"]
    top = {u["Name"] for u in client.list_organizational_units_for_parent(ParentId=root)[
        "OrganizationalUnits"
    ]}  # fmt: skip
    assert top == {"Workloads", "Sandbox"}
    prod_ou = org.ou_arns["Prod"].rsplit("/", 1)[-1]
    in_prod = client.list_accounts_for_parent(ParentId=prod_ou)["Accounts"]
    assert [a["Id"] for a in in_prod] == [org.accounts["prod"]]
    member_view = org.client("prod", "organizations").describe_organization()["Organization"]
    assert member_view["Arn"] == org.arn
    assert member_view["MasterAccountId"] == SANDBOX_ACCOUNT_ID


def test_assume_role_over_http_with_aiobotocore_reaches_the_member_account(
    org: Organization, region: str
) -> None:
    """STS API reference, AssumeRole: "Returns a set of temporary security credentials that you
    can use to access Amazon Web Services resources" of the role's account; GetCallerIdentity:
    "Returns details about the IAM user or role whose credentials are used to call the
    operation" (``Account``: "The Amazon Web Services account ID number of the account that
    owns or contains the calling entity"). Each account has its own EC2 state."""
    answer = org.client("management", "sts").assume_role(
        RoleArn=f"arn:aws:iam::{org.accounts['staging']}:role/{ROLE}",
        RoleSessionName="aiobotocore",
    )
    keys = answer["Credentials"]
    assert answer["AssumedRoleUser"]["Arn"].startswith(
        f"arn:aws:sts::{org.accounts['staging']}:assumed-role/{ROLE}/"
    )

    async def as_staging() -> tuple[str, str, list[str]]:
        session = aiobotocore.session.get_session()
        options: dict[str, Any] = {
            "region_name": region,
            "endpoint_url": org.endpoint_url,
            "aws_access_key_id": keys["AccessKeyId"],
            "aws_secret_access_key": keys["SecretAccessKey"],
            "aws_session_token": keys["SessionToken"],
        }
        async with session.create_client("sts", **options) as sts:
            account = (await sts.get_caller_identity())["Account"]
        async with session.create_client("ec2", **options) as ec2:
            zone = (await ec2.describe_availability_zones())["AvailabilityZones"][0]["ZoneName"]
            volume = (await ec2.create_volume(AvailabilityZone=zone, Size=8))["VolumeId"]
            volumes = [v["VolumeId"] for v in (await ec2.describe_volumes())["Volumes"]]
        return account, volume, volumes

    account, volume, volumes = asyncio.run(as_staging())
    assert account == org.accounts["staging"]
    assert volumes == [volume]
    management = org.client("management", "ec2", region).describe_volumes()["Volumes"]
    assert volume not in {v["VolumeId"] for v in management}


def test_assume_role_needs_a_role_that_trusts_the_caller(org: Organization) -> None:
    """STS API reference, AssumeRole: "To assume a role from a different account, your Amazon
    Web Services account must be trusted by the role. The trust relationship is defined in the
    role's trust policy when the role is created." Otherwise the common ``AccessDenied``
    error. The reference does not name a separate error for a role that does not exist: the
    sandbox refuses it alike."""
    sts = org.client("management", "sts")
    with pytest.raises(ClientError) as missing:
        sts.assume_role(
            RoleArn=f"arn:aws:iam::{org.accounts['prod']}:role/NoSuchRole", RoleSessionName="t1"
        )
    assert missing.value.response["Error"]["Code"] == "AccessDenied"
    # A member's OrganizationAccountAccessRole trusts the management account, not a sibling.
    with pytest.raises(ClientError) as sibling:
        org.client("staging", "sts").assume_role(
            RoleArn=f"arn:aws:iam::{org.accounts['prod']}:role/{ROLE}", RoleSessionName="t2"
        )
    assert sibling.value.response["Error"]["Code"] == "AccessDenied"


def test_image_shared_with_the_organization_reaches_members_only(
    org: Organization, region: str, register: Any, make_snapshot: Any
) -> None:
    """EC2 User Guide, "Share an AMI with organizations and organizational units": "When you
    share an AMI with an organization or an OU, all of the children accounts gain access to
    the AMI." DescribeImages ``ExecutableUsers``: "Scopes the images by users with explicit
    launch permissions. Specify an Amazon Web Services account ID, self (the sender of the
    request), or all (public AMIs)"; ``Owners``: "Scopes the results to images with the
    specified owners". An account outside the organization has no access."""
    image_id = shared_image(org, region, register, make_snapshot, OrganizationArn=org.arn)
    for member in ("staging", "prod", "dev"):
        assert visible(org, member, region, image_id), member
    assert not visible(org, "outsider", region, image_id)
    # Without ExecutableUsers or Owners: "The images available to you include public images,
    # private images that you own, and private images owned by other Amazon Web Services
    # accounts for which you have explicit launch permissions."
    dev_images = org.client("dev", "ec2", region).describe_images()["Images"]
    assert [i["ImageId"] for i in dev_images] == [image_id]
    assert dev_images[0]["OwnerId"] == SANDBOX_ACCOUNT_ID
    # "User-defined tags that you attach to a shared AMI are available only to your AWS
    # account and not to the AWS accounts in the other organizations and OUs that the AMI is
    # shared with."
    org.client("management", "ec2", region).create_tags(
        Resources=[image_id], Tags=[{"Key": "team", "Value": "platform"}]
    )
    (as_owner,) = org.client("management", "ec2", region).describe_images(ImageIds=[image_id])[
        "Images"
    ]
    assert as_owner["Tags"] == [{"Key": "team", "Value": "platform"}]
    (as_member,) = org.client("dev", "ec2", region).describe_images(ImageIds=[image_id])["Images"]
    assert not as_member.get("Tags")
    # Owners=self in a member account lists only what it owns.
    own = org.client("dev", "ec2", region).describe_images(Owners=["self"])["Images"]
    assert own == []


def test_image_shared_with_an_ou_reaches_its_accounts_and_child_ous_only(
    org: Organization, region: str, register: Any, make_snapshot: Any
) -> None:
    """EC2 User Guide: "All of the OUs and accounts that are nested underneath that top-level
    OU ... also have access to the AMI. The accounts in the organization and OU outside the
    dotted line ... do not have access to the AMI because they are not children of the OU that
    the AMI is shared with." ``Workloads`` holds staging and, in its child OU, prod."""
    image_id = shared_image(
        org, region, register, make_snapshot, OrganizationalUnitArn=org.ou_arns["Workloads"]
    )
    assert visible(org, "staging", region, image_id)
    assert visible(org, "prod", region, image_id)  # in the child OU Prod
    assert not visible(org, "dev", region, image_id)  # a sibling OU
    assert not visible(org, "outsider", region, image_id)
    # Asked by id, an image the caller may not launch is not found.
    with pytest.raises(ClientError) as hidden:
        org.client("dev", "ec2", region).describe_images(ImageIds=[image_id])
    assert hidden.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_member_account_launches_a_shared_image_and_others_cannot(
    org: Organization, region: str, register: Any, make_snapshot: Any
) -> None:
    """RunInstances ``ImageId``: "The ID of the AMI"; an account may launch the AMIs it owns
    or that are shared with it (EC2 User Guide, "Shared AMIs"). The instance belongs to the
    launching account; an account without access gets ``InvalidAMIID.NotFound``."""
    image_id = shared_image(
        org, region, register, make_snapshot, OrganizationalUnitArn=org.ou_arns["Prod"]
    )
    prod = org.client("prod", "ec2", region)
    [instance] = prod.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)["Instances"]
    assert instance["ImageId"] == image_id
    reservations = prod.describe_instances()["Reservations"]
    assert reservations[0]["OwnerId"] == org.accounts["prod"]
    with pytest.raises(ClientError) as refused:
        org.client("staging", "ec2", region).run_instances(ImageId=image_id, MinCount=1, MaxCount=1)
    assert refused.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_shared_with_one_account_and_public(
    org: Organization, region: str, register: Any, make_snapshot: Any
) -> None:
    """LaunchPermission ``UserId``: "The Amazon Web Services account ID"; ``Group``: "The name
    of the group" (``all``: public). Both reach accounts in any other account of the Region."""
    for_dev = shared_image(org, region, register, make_snapshot, UserId=org.accounts["dev"])
    public = shared_image(org, region, register, make_snapshot, Group="all")
    assert visible(org, "dev", region, for_dev)
    assert not visible(org, "staging", region, for_dev)
    assert visible(org, "outsider", region, public)
    everyone = org.client("outsider", "ec2", region).describe_images(ExecutableUsers=["all"])
    assert [i["ImageId"] for i in everyone["Images"]] == [public]


def test_disabled_image_is_not_offered_to_other_accounts(
    org: Organization, region: str, register: Any, make_snapshot: Any
) -> None:
    """DisableImage: "A disabled AMI can't be used for instance launches. ... If an AMI was
    shared with an Amazon Web Services account, organization, or Organizational Unit, they
    lose access to the disabled AMI." """
    image_id = shared_image(org, region, register, make_snapshot, OrganizationArn=org.arn)
    org.client("management", "ec2", region).disable_image(ImageId=image_id)
    assert not visible(org, "staging", region, image_id)


def test_pinned_ids_route(sandbox: Sandbox) -> None:
    """Not an AWS API: the control route that fixes the next ids Organizations draws (the
    demo's account ids must not drift). A malformed id is refused and nothing is pinned."""

    def post(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"{sandbox.endpoint_url}/_amitui/next-ids",
            data=json.dumps(body).encode(),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    status, answer = post({"AccountIds": ["12345", "111122223333"]})
    assert status == 400 and "malformed AccountIds" in answer["Error"]
    status, answer = post({"Bogus": 1})
    assert status == 400 and "unknown fields" in answer["Error"]
    status, answer = post({"AccountIds": ["111122223333"]})
    assert (status, answer) == (200, {"Pinned": {"account": ["111122223333"]}})
    org = organization(sandbox.endpoint_url)  # made before, or now: either way one account
    created = org.client("management", "organizations").create_account(
        AccountName="pinned", Email="pinned@example.com"
    )
    assert created["CreateAccountStatus"]["AccountId"] == "111122223333"
