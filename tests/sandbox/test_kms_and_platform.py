"""AWS managed KMS keys, Windows images and accepted-but-empty parameters
(extensions.kms_keys, extensions.platform).

KMS API reference, KeyMetadata ``KeyManager``: "The manager of the KMS key. KMS keys in your
Amazon Web Services account are either customer managed or Amazon Web Services managed."
(``AWS | CUSTOMER``). EC2 CopyImage ``KmsKeyId``: "If this parameter is not specified, your
Amazon Web Services managed KMS key for Amazon EBS is used."
EC2 Image ``Platform``: "This value is set to windows for Windows AMIs; otherwise, it is
blank."; ``PlatformDetails`` "The platform details associated with the billing code of the
AMI" (the user guide's billing table: Windows / RunInstances:0002, Linux/UNIX / RunInstances).
DescribeInstances / DescribeLaunchTemplates / DescribeLaunchTemplateVersions
``IncludeManagedResources``: "Indicates whether to include managed resources in the output";
the sandbox has no resources managed by other services, so the answer is the same list.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from amitui.sandbox import Sandbox

from ..sandbox_api import client


@pytest.fixture
def kms(sandbox: Sandbox, region: str) -> Any:
    return client(sandbox.endpoint_url, region, "kms")


def _manager(kms: Any, key: str) -> str:
    return str(kms.describe_key(KeyId=key)["KeyMetadata"]["KeyManager"])


def test_alias_aws_ebs_is_an_aws_managed_key(kms: Any) -> None:
    assert _manager(kms, "alias/aws/ebs") == "AWS"
    customer = kms.create_key(Description="data-platform")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/data-platform", TargetKeyId=customer)
    assert _manager(kms, "alias/data-platform") == "CUSTOMER"


def test_default_ebs_key_of_an_encrypted_copy_is_aws_managed(
    ec2_in: Any, kms: Any, region: str, another_region: str, make_snapshot: Any, register: Any
) -> None:
    """The key EC2 picks for an encrypted copy without KmsKeyId is the AWS managed one."""
    source = ec2_in(another_region)
    image_id = register(source, "plain", make_snapshot(source, 8))
    ec2 = ec2_in(region)
    copy_id = ec2.copy_image(
        SourceImageId=image_id, SourceRegion=another_region, Name="enc", Encrypted=True
    )["ImageId"]
    (copy,) = ec2.describe_images(ImageIds=[copy_id])["Images"]
    key = copy["BlockDeviceMappings"][0]["Ebs"]["KmsKeyId"]
    assert _manager(kms, key) == "AWS"
    assert kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"] == key


def test_windows_images_carry_platform_and_billing_fields(
    ec2: Any, region: str, control: Any, make_snapshot: Any, register: Any
) -> None:
    linux = register(ec2, "amzn2023", make_snapshot(ec2, 8))
    windows = register(ec2, "windows-2022", make_snapshot(ec2, 30))
    assert control(f"images/{region}/{windows}", {"Platform": "windows"})[0] == 200
    assert control(f"images/{region}/{linux}", {"Platform": "linux"})[0] == 400

    images = {i["ImageId"]: i for i in ec2.describe_images(Owners=["self"])["Images"]}
    assert "Platform" not in images[linux]
    assert (images[linux]["PlatformDetails"], images[linux]["UsageOperation"]) == (
        "Linux/UNIX", "RunInstances"
    )  # fmt: skip
    assert (
        images[windows]["Platform"],
        images[windows]["PlatformDetails"],
        images[windows]["UsageOperation"],
    ) == ("windows", "Windows", "RunInstances:0002")
    # An instance launched from it, and an image made from that instance, are Windows too.
    (instance,) = ec2.run_instances(ImageId=windows, MinCount=1, MaxCount=1)["Instances"]
    assert instance["Platform"] == "windows"
    made = ec2.create_image(InstanceId=instance["InstanceId"], Name="windows-made")["ImageId"]
    (image,) = ec2.describe_images(ImageIds=[made])["Images"]
    assert (image["Platform"], image["PlatformDetails"]) == ("windows", "Windows")


def test_include_managed_resources_is_accepted(ec2: Any, make_snapshot: Any, register: Any) -> None:
    image_id = register(ec2, "managed", make_snapshot(ec2, 8))
    ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)
    ec2.create_launch_template(
        LaunchTemplateName="managed", LaunchTemplateData={"ImageId": image_id}
    )

    for call, params in (
        (ec2.describe_instances, {}),
        (ec2.describe_launch_templates, {}),
        (ec2.describe_launch_template_versions, {"LaunchTemplateName": "managed"}),
    ):
        with_flag = call(IncludeManagedResources=True, **params)
        without = call(**params)
        with_flag.pop("ResponseMetadata")
        without.pop("ResponseMetadata")
        assert with_flag == without and any(with_flag.values())


def test_in_process_aws_managed_key_is_the_alias_key() -> None:
    """kms_keys.aws_managed_ebs_key (for seeders) names the same AWS managed key; checked in a
    process of its own, as the sandbox server installs the extensions."""
    script = (
        "from amitui.sandbox import extensions; extensions.install()\n"
        "from amitui.sandbox.extensions._moto import ec2_backend\n"
        "from amitui.sandbox.extensions.kms_keys import aws_managed_ebs_key\n"
        "from moto.kms.models import kms_backends\n"
        "arn = aws_managed_ebs_key(ec2_backend('eu-west-1'))\n"
        "key = kms_backends['123456789012']['eu-west-1'].describe_key('alias/aws/ebs')\n"
        "print(arn == key.arn, key.key_manager)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.split() == ["True", "AWS"], done.stderr
