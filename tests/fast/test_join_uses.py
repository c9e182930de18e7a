"""join_uses (amitui.actions.references): the lookups' answers joined into what uses each
image, without AWS (the lookups themselves are pinned against the sandbox elsewhere)."""

from __future__ import annotations

from amitui.actions.references import INSTANCE, ImageUse, join_uses

IMAGE = "ami-0123456789abcdef0"
NODE = "i-0aaaaaaaaaaaaaaaa"


def test_a_managed_instance_listed_twice_is_one_use_saying_who_manages_it() -> None:
    # Where the account's managed resource visibility could not be read, the in-use rule
    # asks DescribeImageReferences and also DescribeInstances with IncludeManagedResources:
    # an instance both list is one use, named with its manager.
    references = [
        {
            "ImageId": IMAGE,
            "ResourceType": "ec2:Instance",
            "Arn": f"arn:aws:ec2:us-east-1:123456789012:instance/{NODE}",
        },
        {
            "ImageId": IMAGE,
            "ResourceType": "ec2:Instance",
            "Arn": f"arn:aws:ec2:us-east-1::instance/{NODE}",
            "Principal": "eks.amazonaws.com",
        },
    ]
    uses = join_uses([IMAGE], references, [], [], {})
    assert uses == {IMAGE: (ImageUse(INSTANCE, NODE, "managed by eks.amazonaws.com"),)}
