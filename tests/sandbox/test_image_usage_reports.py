"""Image usage reports across the accounts of an organization (extensions.image_usage_reports)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from amitui.sandbox import Sandbox

from .organization_fleet import Organization, OwnSandbox, organization

INSTANCES = [{"ResourceType": "ec2:Instance"}]
BOTH = [{"ResourceType": "ec2:Instance"}, {"ResourceType": "ec2:LaunchTemplate"}]


# More regions than this package's shared sandbox can spare: a sandbox of this module's own.
_own = OwnSandbox()
sandbox = _own.sandbox_fixture()
region = _own.region_fixture()
another_region = _own.region_fixture()


@pytest.fixture
def org(sandbox: Sandbox) -> Organization:
    return organization(sandbox.endpoint_url)


def wait_available(ec2: Any, report_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        [report] = ec2.describe_image_usage_reports(ReportIds=[report_id])["ImageUsageReports"]
        if report["State"] == "available" or time.monotonic() > deadline:
            return report  # type: ignore[no-any-return]
        time.sleep(0.2)


@pytest.fixture
def used_image(org: Organization, region: str, register: Any, make_snapshot: Any) -> str:
    """An image of the management account shared with the organization; prod runs two
    instances and one launch template of it, staging one instance, dev nothing."""
    owner = org.client("management", "ec2", region)
    image_id: str = register(owner, "golden", make_snapshot(owner, 8))
    owner.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Add": [{"OrganizationArn": org.arn}]}
    )
    prod = org.client("prod", "ec2", region)
    prod.run_instances(ImageId=image_id, MinCount=2, MaxCount=2)
    prod.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"ImageId": image_id})
    org.client("staging", "ec2", region).run_instances(ImageId=image_id, MinCount=1, MaxCount=1)
    owner.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)  # the owner's own: not counted
    return image_id


def test_report_is_pending_then_available_with_entries_per_account(
    org: Organization, region: str, used_image: str
) -> None:
    """CreateImageUsageReport: "Creates a report that shows how your image is used across
    other Amazon Web Services accounts. The report provides visibility into which accounts are
    using the specified image, and how many resources (EC2 instances or launch templates) are
    referencing it." State: "pending - The report is being created and not available to view",
    then "available - The report is available to view". ``UsageCount``: "The number of times
    resources of this type reference this image in the account". ``ExpirationTime``: "30
    days after the report was created"."""
    ec2 = org.client("management", "ec2", region)
    report_id = ec2.create_image_usage_report(
        ImageId=used_image,
        ResourceTypes=BOTH,
        TagSpecifications=[
            {"ResourceType": "image-usage-report", "Tags": [{"Key": "why", "Value": "cleanup"}]}
        ],
    )["ReportId"]
    assert report_id.startswith("amiur-")
    [pending] = ec2.describe_image_usage_reports(ImageIds=[used_image])["ImageUsageReports"]
    assert pending["State"] == "pending"
    assert (
        ec2.describe_image_usage_report_entries(ReportIds=[report_id])["ImageUsageReportEntries"]
        == []
    )
    report = wait_available(ec2, report_id)
    assert report["State"] == "available"
    assert report["ResourceTypes"] == BOTH
    assert report["Tags"] == [{"Key": "why", "Value": "cleanup"}]
    assert (report["ExpirationTime"] - report["CreationTime"]).days == 30
    entries = ec2.describe_image_usage_report_entries(ReportIds=[report_id])[
        "ImageUsageReportEntries"
    ]
    counts = {(e["AccountId"], e["ResourceType"]): e["UsageCount"] for e in entries}
    assert counts == {
        (org.accounts["prod"], "ec2:Instance"): 2,
        (org.accounts["prod"], "ec2:LaunchTemplate"): 1,
        (org.accounts["staging"], "ec2:Instance"): 1,
    }
    assert {e["ImageId"] for e in entries} == {used_image}
    assert {e["ReportId"] for e in entries} == {report_id}
    only_prod = ec2.describe_image_usage_report_entries(
        ReportIds=[report_id], Filters=[{"Name": "account-id", "Values": [org.accounts["prod"]]}]
    )["ImageUsageReportEntries"]
    assert {e["AccountId"] for e in only_prod} == {org.accounts["prod"]}
    tagged = ec2.describe_image_usage_reports(Filters=[{"Name": "tag:why", "Values": ["cleanup"]}])
    assert [r["ReportId"] for r in tagged["ImageUsageReports"]] == [report_id]


def test_report_narrowed_to_accounts_and_resource_types(
    org: Organization, region: str, used_image: str
) -> None:
    """``AccountIds``: "The Amazon Web Services account IDs to include in the report. To
    include all accounts, omit this parameter." ``ResourceTypes``: "The resource types to
    include in the report"."""
    ec2 = org.client("management", "ec2", region)
    report_id = ec2.create_image_usage_report(
        ImageId=used_image, ResourceTypes=INSTANCES, AccountIds=[org.accounts["staging"]]
    )["ReportId"]
    report = wait_available(ec2, report_id)
    assert report["AccountIds"] == [org.accounts["staging"]]
    entries = ec2.describe_image_usage_report_entries(ReportIds=[report_id])[
        "ImageUsageReportEntries"
    ]
    assert [(e["AccountId"], e["ResourceType"], e["UsageCount"]) for e in entries] == [
        (org.accounts["staging"], "ec2:Instance", 1)
    ]


def test_bad_requests_are_refused(org: Organization, region: str, used_image: str) -> None:
    """``ResourceType`` "Valid values: ec2:Instance | ec2:LaunchTemplate";
    ``ResourceTypeOptions`` "Valid only when ResourceType is ec2:LaunchTemplate", version-depth
    "Integers between 1 and 10000"; TagSpecifications: "The ResourceType must be set to
    image-usage-report; any other value will cause the report creation to fail". A report is
    on "your image": another account's image is not found."""
    ec2 = org.client("management", "ec2", region)
    bad: list[dict[str, Any]] = [
        {"ResourceTypes": [{"ResourceType": "ssm:Parameter"}]},
        {
            "ResourceTypes": [
                {
                    "ResourceType": "ec2:Instance",
                    "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["5"]}],
                }
            ]
        },
        {
            "ResourceTypes": [
                {
                    "ResourceType": "ec2:LaunchTemplate",
                    "ResourceTypeOptions": [
                        {"OptionName": "version-depth", "OptionValues": ["10001"]}
                    ],
                }
            ]
        },
        {"ResourceTypes": INSTANCES, "TagSpecifications": [{"ResourceType": "image", "Tags": []}]},
    ]
    for params in bad:
        with pytest.raises(ClientError) as refused:
            ec2.create_image_usage_report(ImageId=used_image, **params)
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValue", params
    with pytest.raises(ClientError) as not_mine:
        org.client("prod", "ec2", region).create_image_usage_report(
            ImageId=used_image, ResourceTypes=INSTANCES
        )
    assert not_mine.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_client_token_and_delete(org: Organization, region: str, used_image: str) -> None:
    """``ClientToken``: "A unique, case-sensitive identifier that you provide to ensure
    idempotency of the request". DeleteImageUsageReport: "Deletes the specified image usage
    report" (the code for an unknown report is not in the reference)."""
    ec2 = org.client("management", "ec2", region)
    first = ec2.create_image_usage_report(
        ImageId=used_image, ResourceTypes=INSTANCES, ClientToken="once"
    )["ReportId"]
    again = ec2.create_image_usage_report(
        ImageId=used_image, ResourceTypes=INSTANCES, ClientToken="once"
    )["ReportId"]
    assert first == again
    assert ec2.delete_image_usage_report(ReportId=first)["Return"] is True
    assert ec2.describe_image_usage_reports(ReportIds=[first])["ImageUsageReports"] == []
    with pytest.raises(ClientError):
        ec2.delete_image_usage_report(ReportId=first)
