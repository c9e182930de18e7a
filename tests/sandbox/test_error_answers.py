"""A real 4xx with EC2's code, never an HTML 500, for every call amitui makes
(extensions.request_checks, extensions.error_answers, and the extensions each case names).

The calls are those amitui sends (``grep -rhoE '"(Describe|Create|Copy|Modify|Deregister|
Delete|Enable|Disable|Get|Restore|List|Reset)[A-Za-z]+"' amitui``), each given a bad request.
EC2 API reference, "Error codes for the Amazon EC2 API": client errors "are accompanied by a
400-series HTTP response code"; ``MissingParameter`` "The request is missing a required
parameter"; ``InvalidAMIID.NotFound`` "Specified AMI ID does not exist";
``InvalidAMIID.Unavailable`` "Specified AMI ID has been deregistered and is no longer
available"; ``InvalidSnapshot.NotFound`` with EC2's text "The snapshot 'snap-…' does not exist.";
``InvalidParameterValue`` for a filter the action does not have ("The filter '…' is invalid").
Auto Scaling API reference: ``InvalidNextToken`` "The NextToken value is not valid."
Where the reference names no code (an unknown SourceRegion, a malformed number) the sandbox
answers ``InvalidParameterValue``. Parameter validation is off in the client, so the sandbox,
not botocore, answers each bad request.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from amitui.sandbox import Sandbox

from ..sandbox_api import client

UNKNOWN_AMI = "ami-0123456789abcdef0"
UNKNOWN_SNAPSHOT = "snap-0123456789abcdef0"


def _client(sandbox: Sandbox, service: str, region: str) -> Any:
    return client(
        sandbox.endpoint_url,
        region,
        service,
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


def test_every_call_amitui_makes_answers_bad_requests_with_a_4xx(
    sandbox: Sandbox, region: str, make_snapshot: Any, register: Any
) -> None:
    ec2 = _client(sandbox, "ec2", region)
    live = register(ec2, "live", make_snapshot(ec2, 8))
    gone = register(ec2, "gone", make_snapshot(ec2, 8))
    ec2.deregister_image(ImageId=gone)
    grant = {"Add": [{"UserId": "210987654321"}]}
    cases: list[tuple[str, str, dict[str, Any], str, str | None]] = [
        # (service, operation, parameters, code, message or None)
        ("ec2", "copy_image", {"SourceImageId": UNKNOWN_AMI, "SourceRegion": region, "Name": "x"},
         "InvalidAMIID.NotFound", f"The image id '[{UNKNOWN_AMI}]' does not exist"),
        ("ec2", "copy_image", {"SourceImageId": live, "SourceRegion": "xx-nowhere-1", "Name": "x"},
         "InvalidParameterValue", "Invalid value 'xx-nowhere-1' for SourceRegion."),
        ("ec2", "copy_image", {"SourceImageId": live, "SourceRegion": region},
         "MissingParameter", "The request must contain the parameter Name"),
        ("ec2", "delete_snapshot", {"SnapshotId": UNKNOWN_SNAPSHOT},
         "InvalidSnapshot.NotFound", f"The snapshot '{UNKNOWN_SNAPSHOT}' does not exist."),
        ("ec2", "delete_snapshot", {},
         "MissingParameter", "The request must contain the parameter SnapshotId"),
        ("ec2", "deregister_image", {}, "MissingParameter",
         "The request must contain the parameter ImageId"),
        ("ec2", "deregister_image", {"ImageId": gone}, "InvalidAMIID.Unavailable", None),
        ("ec2", "describe_image_attribute", {"ImageId": gone, "Attribute": "description"},
         "InvalidAMIID.Unavailable", None),
        ("ec2", "describe_image_attribute", {"ImageId": live},
         "MissingParameter", "The request must contain the parameter Attribute"),
        ("ec2", "describe_image_references",
         {"ImageIds": [live], "ResourceTypes": [{"ResourceType": "ec2:Nope"}]},
         "InvalidParameterValue", None),
        ("ec2", "describe_images", {"ImageIds": [UNKNOWN_AMI]}, "InvalidAMIID.NotFound", None),
        ("ec2", "describe_images", {"Owners": ["self"], "MaxResults": "many"},
         "InvalidParameterValue", None),
        ("ec2", "describe_images", {"Filters": [{"Name": "colour", "Values": ["x"]}]},
         "InvalidParameterValue", "The filter 'colour' is invalid"),
        ("ec2", "describe_snapshots", {"SnapshotIds": [UNKNOWN_SNAPSHOT]},
         "InvalidSnapshot.NotFound", f"The snapshot '{UNKNOWN_SNAPSHOT}' does not exist."),
        ("ec2", "describe_snapshots", {"Filters": [{"Name": "colour", "Values": ["x"]}]},
         "InvalidParameterValue", "The filter 'colour' is invalid"),
        ("ec2", "describe_snapshots", {"OwnerIds": ["self"], "NextToken": "garbage"},
         "InvalidParameterValue", None),
        ("ec2", "describe_launch_templates", {"LaunchTemplateNames": ["nope"]},
         "InvalidLaunchTemplateName.NotFoundException", None),
        ("ec2", "enable_image_deprecation", {"ImageId": live},
         "MissingParameter", "The request must contain the parameter DeprecateAt"),
        ("ec2", "disable_image_deprecation", {"ImageId": UNKNOWN_AMI},
         "InvalidAMIID.NotFound", None),
        ("ec2", "disable_image_deregistration_protection", {"ImageId": gone},
         "InvalidAMIID.Unavailable", None),
        ("ec2", "modify_image_attribute", {"ImageId": gone, "LaunchPermission": grant},
         "InvalidAMIID.Unavailable", f"The image id '[{gone}]' is no longer available"),
        ("ec2", "modify_image_attribute", {"ImageId": UNKNOWN_AMI, "LaunchPermission": grant},
         "InvalidAMIID.NotFound", None),
        ("ec2", "modify_snapshot_attribute",
         {"SnapshotId": UNKNOWN_SNAPSHOT, "Attribute": "createVolumePermission",
          "CreateVolumePermission": grant},
         "InvalidSnapshot.NotFound", f"The snapshot '{UNKNOWN_SNAPSHOT}' does not exist."),
        ("kms", "describe_key", {"KeyId": "alias/nope"}, "NotFoundException", None),
        ("autoscaling", "describe_auto_scaling_groups", {"NextToken": "garbage"},
         "InvalidNextToken", "The NextToken value is not valid."),
        ("autoscaling", "describe_auto_scaling_groups", {"MaxRecords": 101},
         "ValidationError", None),
        ("autoscaling", "describe_launch_configurations", {"NextToken": "garbage"},
         "InvalidNextToken", "The NextToken value is not valid."),
        ("rbin", "get_rule", {"Identifier": "nope"}, "ResourceNotFoundException", None),
        ("rbin", "list_rules", {}, "ValidationException", None),
    ]  # fmt: skip
    clients: dict[str, Any] = {}
    for service, operation, params, code, message in cases:
        client = clients.setdefault(service, _client(sandbox, service, region))
        with pytest.raises(ClientError) as raised:
            getattr(client, operation)(**params)
        answer = raised.value.response
        where = f"{service} {operation} {params}"
        assert 400 <= answer["ResponseMetadata"]["HTTPStatusCode"] < 500, where
        assert answer["Error"]["Code"] == code, where
        if message is not None:
            assert answer["Error"]["Message"] == message, where
