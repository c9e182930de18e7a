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


def test_a_usage_report_replaces_the_unread_accounts_entry_or_adds_its_failure() -> None:
    from amitui.actions.references import UsageReport, with_usage_report
    from amitui.model import AwsError, ImageKey, RegionStatus
    from amitui.usage import LAUNCH_PERMISSIONS, OTHER_ACCOUNTS, UsedBy, UseEntry

    key = ImageKey("us-east-1", IMAGE, "123456789012")
    unread = UseEntry(
        OTHER_ACCOUNTS, "shared with account 210987654321", report_accounts=("210987654321",)
    )
    used = UsedBy(key, (unread, UseEntry(LAUNCH_PERMISSIONS, "account 210987654321")))
    # A report that found nothing there: said, with the report's blind spot in the notes.
    clean = with_usage_report(used, UsageReport(key, report_id="amiur-1"), ["210987654321"])
    assert [e.text for e in clean.entries] == [
        "nothing in account 210987654321, says image usage report amiur-1",
        "account 210987654321",
    ]
    assert any("might not contain the most recent activity" in n for n in clean.notes)
    # A report that failed: one more error, and the account still counts as unread.
    failed = with_usage_report(
        used,
        UsageReport(key, error=AwsError(RegionStatus.DENIED, "AccessDenied", "not allowed")),
        ["210987654321"],
    )
    assert failed.entries == used.entries and failed.errors[-1].startswith(
        "the image usage report failed"
    )
