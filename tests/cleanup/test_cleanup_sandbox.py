"""The sandbox behaviours deregister-with-cleanup relies on, each stated as EC2 does it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from amitui.sandbox import Sandbox

from ..sandbox_api import client, make_snapshot, register_image


def _snapshot_ids(ec2: Any) -> set[str]:
    return {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}


def _image(ec2: Any, image_id: str) -> dict[str, Any]:
    images = ec2.describe_images(ImageIds=[image_id], IncludeDisabled=True)["Images"]
    assert len(images) == 1
    image: dict[str, Any] = images[0]
    return image


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


# --- DescribeImages filter block-device-mapping.snapshot-id ---------------------------------


def test_filter_by_snapshot_id_finds_every_image_mapping_it(ec2: Any) -> None:
    shared, own = make_snapshot(ec2, 8), make_snapshot(ec2, 4)
    first = register_image(ec2, "first", shared, own)
    second = register_image(ec2, "second", shared)
    ec2.disable_image(ImageId=second)  # a disabled image still maps the snapshot

    def users(*values: str) -> set[str]:
        answer = ec2.describe_images(
            Owners=["self"],
            IncludeDisabled=True,
            IncludeDeprecated=True,
            Filters=[{"Name": "block-device-mapping.snapshot-id", "Values": list(values)}],
        )
        return {i["ImageId"] for i in answer["Images"]}

    assert users(shared) == {first, second}
    assert users(own) == {first}
    # Any one value matching any one mapping is enough, as with every EC2 filter.
    assert users(own, "snap-0000000000000000") == {first}
    assert users("snap-0000000000000000") == set()


# --- DeregisterImage DeleteAssociatedSnapshots ------------------------------------------------


def test_deregister_with_delete_associated_snapshots_skips_shared_ones(ec2: Any) -> None:
    shared, own_root, own_data = make_snapshot(ec2, 8), make_snapshot(ec2, 8), make_snapshot(ec2, 2)
    image = register_image(ec2, "going", own_root, shared, own_data)
    keeper = register_image(ec2, "keeper", shared)

    answer = ec2.deregister_image(ImageId=image, DeleteAssociatedSnapshots=True)

    assert answer["Return"] is True
    assert {(r["SnapshotId"], r["ReturnCode"]) for r in answer["DeleteSnapshotResults"]} == {
        (own_root, "success"),
        (own_data, "success"),
        (shared, "skipped"),
    }
    remaining = _snapshot_ids(ec2)
    assert shared in remaining and own_root not in remaining and own_data not in remaining
    assert _image(ec2, keeper)["State"] == "available"


def test_deregister_without_the_flag_keeps_every_snapshot(ec2: Any) -> None:
    snapshot = make_snapshot(ec2, 8)
    image = register_image(ec2, "plain", snapshot)

    answer = ec2.deregister_image(ImageId=image)

    assert "DeleteSnapshotResults" not in answer or answer["DeleteSnapshotResults"] == []
    assert snapshot in _snapshot_ids(ec2)


# --- deregistration protection ------------------------------------------------------------


def test_protection_reports_enable_and_disable(ec2: Any) -> None:
    image = register_image(ec2, "guarded", make_snapshot(ec2, 8))
    assert _image(ec2, image)["DeregistrationProtection"] == "disabled"

    assert ec2.enable_image_deregistration_protection(ImageId=image)["Return"] == "true"
    assert _image(ec2, image)["DeregistrationProtection"] == "enabled-without-cooldown"

    ec2.disable_image_deregistration_protection(ImageId=image)
    assert _image(ec2, image)["DeregistrationProtection"] == "disabled"


def test_deregister_refused_while_protected_and_nothing_deleted(ec2: Any) -> None:
    snapshot = make_snapshot(ec2, 8)
    image = register_image(ec2, "guarded", snapshot)
    ec2.enable_image_deregistration_protection(ImageId=image)

    with pytest.raises(ClientError) as refused:
        ec2.deregister_image(ImageId=image, DeleteAssociatedSnapshots=True)

    assert _code(refused) == "OperationNotPermitted"
    assert "DisableImageDeregistrationProtection" in refused.value.response["Error"]["Message"]
    assert _image(ec2, image)["State"] == "available"
    assert snapshot in _snapshot_ids(ec2)

    ec2.disable_image_deregistration_protection(ImageId=image)
    ec2.deregister_image(ImageId=image)
    assert ec2.describe_images(ImageIds=[image])["Images"] == []


def test_cooldown_keeps_protection_for_a_day_after_disable(ec2: Any) -> None:
    image = register_image(ec2, "cooled", make_snapshot(ec2, 8))
    ec2.enable_image_deregistration_protection(ImageId=image, WithCooldown=True)
    assert _image(ec2, image)["DeregistrationProtection"] == "enabled-with-cooldown"

    ec2.disable_image_deregistration_protection(ImageId=image)

    assert _image(ec2, image)["DeregistrationProtection"].startswith("disabled-until 20")
    with pytest.raises(ClientError) as refused:
        ec2.deregister_image(ImageId=image)
    assert _code(refused) == "OperationNotPermitted"


def test_protection_calls_on_unknown_or_deregistered_images(ec2: Any) -> None:
    with pytest.raises(ClientError) as unknown:
        ec2.enable_image_deregistration_protection(ImageId="ami-0123456789abcdef0")
    assert _code(unknown) == "InvalidAMIID.NotFound"
    image = register_image(ec2, "gone", make_snapshot(ec2, 8))
    ec2.deregister_image(ImageId=image)
    with pytest.raises(ClientError) as gone:
        ec2.disable_image_deregistration_protection(ImageId=image)
    assert _code(gone) == "InvalidAMIID.Unavailable"


# --- DescribeImageReferences ------------------------------------------------------------------


def test_image_references_name_instances_and_launch_templates(ec2: Any, region: str) -> None:
    used = register_image(ec2, "used", make_snapshot(ec2, 8))
    unused = register_image(ec2, "unused", make_snapshot(ec2, 8))
    instances = ec2.run_instances(ImageId=used, MinCount=2, MaxCount=2)["Instances"]
    ec2.terminate_instances(InstanceIds=[instances[1]["InstanceId"]])  # any state counts
    template = ec2.create_launch_template(
        LaunchTemplateName=f"tpl-{region}", LaunchTemplateData={"ImageId": used}
    )["LaunchTemplate"]["LaunchTemplateId"]
    # A later version moving on to another image still leaves version 1 referencing it.
    ec2.create_launch_template_version(
        LaunchTemplateId=template, LaunchTemplateData={"ImageId": unused}
    )

    answer = ec2.describe_image_references(ImageIds=[used, unused], IncludeAllResourceTypes=True)

    refs = {(r["ImageId"], r["ResourceType"], r["Arn"]) for r in answer["ImageReferences"]}
    account = "123456789012"
    assert refs == {
        *(
            (used, "ec2:Instance", f"arn:aws:ec2:{region}:{account}:instance/{i['InstanceId']}")
            for i in instances
        ),
        (used, "ec2:LaunchTemplate", f"arn:aws:ec2:{region}:{account}:launch-template/{template}"),
        (
            unused,
            "ec2:LaunchTemplate",
            f"arn:aws:ec2:{region}:{account}:launch-template/{template}",
        ),
    }


def test_image_references_options_and_required_parameters(ec2: Any) -> None:
    used = register_image(ec2, "used", make_snapshot(ec2, 8))
    instance = ec2.run_instances(ImageId=used, MinCount=1, MaxCount=1)["Instances"][0]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])

    running_only = ec2.describe_image_references(
        ImageIds=[used],
        ResourceTypes=[
            {
                "ResourceType": "ec2:Instance",
                "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["running"]}],
            }
        ],
    )
    assert running_only["ImageReferences"] == []

    with pytest.raises(ClientError) as missing:
        ec2.describe_image_references(ImageIds=[used])
    assert _code(missing) == "MissingParameter"


# --- LastLaunchedTime -------------------------------------------------------------------------


def test_launching_an_instance_updates_last_launched_time(ec2: Any) -> None:
    image = register_image(ec2, "launched", make_snapshot(ec2, 8))
    assert _image(ec2, image).get("LastLaunchedTime") is None

    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)

    launched = _image(ec2, image)["LastLaunchedTime"]
    assert launched.startswith("20") and launched.endswith("Z")
    attribute = ec2.describe_image_attribute(ImageId=image, Attribute="lastLaunchedTime")
    assert attribute["LastLaunchedTime"]["Value"] == launched


def test_launching_from_a_launch_template_counts_too(ec2: Any, region: str) -> None:
    image = register_image(ec2, "templated", make_snapshot(ec2, 8))
    ec2.create_launch_template(
        LaunchTemplateName=f"lt-{region}", LaunchTemplateData={"ImageId": image}
    )
    ec2.run_instances(LaunchTemplate={"LaunchTemplateName": f"lt-{region}"}, MinCount=1, MaxCount=1)
    assert _image(ec2, image).get("LastLaunchedTime")


def test_auto_scaling_sees_launch_configurations(sandbox: Sandbox, ec2: Any, region: str) -> None:
    """Not an extension: moto's Auto Scaling, which the in-use check reads, is reachable."""
    image = register_image(ec2, "scaled", make_snapshot(ec2, 8))
    autoscaling = client(sandbox.endpoint_url, region, "autoscaling")
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="lc", ImageId=image, InstanceType="t3.micro"
    )
    configurations = autoscaling.describe_launch_configurations()["LaunchConfigurations"]
    assert [(c["LaunchConfigurationName"], c["ImageId"]) for c in configurations] == [("lc", image)]


# --- Recycle Bin rules ----------------------------------------------------------------------


def test_recycle_bin_rules_create_get_list(sandbox: Sandbox, region: str) -> None:
    rbin = client(sandbox.endpoint_url, region, "rbin")
    created = rbin.create_rule(
        ResourceType="EBS_SNAPSHOT",
        RetentionPeriod={"RetentionPeriodValue": 7, "RetentionPeriodUnit": "DAYS"},
        ResourceTags=[{"ResourceTagKey": "Keep", "ResourceTagValue": "yes"}],
        Description="keep tagged snapshots a week",
    )
    assert created["Status"] == "available"
    identifier = created["Identifier"]

    listed = rbin.list_rules(ResourceType="EBS_SNAPSHOT")["Rules"]
    assert [(r["Identifier"], r["RetentionPeriod"]["RetentionPeriodValue"]) for r in listed] == [
        (identifier, 7)
    ]
    assert rbin.list_rules(ResourceType="EC2_IMAGE")["Rules"] == []
    rule = rbin.get_rule(Identifier=identifier)
    assert rule["ResourceTags"] == [{"ResourceTagKey": "Keep", "ResourceTagValue": "yes"}]
    with pytest.raises(ClientError) as missing:
        rbin.get_rule(Identifier="nope")
    assert _code(missing) == "ResourceNotFoundException"
