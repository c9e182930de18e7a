"""Actions across accounts, against the demo organization in the sandbox over HTTP:
each step sent with its own account's credentials and journaled with who sent it; an image
another loaded account launches is left out of a cleanup with that account named; image
usage reports for accounts amitui cannot read.

The demo: shared-services (123456789012) builds ``web-golden-2026.11.17`` in us-east-1 and
shares it with staging (210987654321) by id and with the Workloads OU; staging runs two
instances and a launch template from it. Members are reached by STS AssumeRole.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, RadioButton, RadioSet, SelectionList, Static

from amitui import app as app_module
from amitui.accounts import Account
from amitui.actions.cleanup import gather_facts, plan_deregister_accounts
from amitui.actions.copy import (
    CopyDestination,
    CopyRequest,
    copy_settled,
    load_volume_permissions,
    plan_copy_to_account,
)
from amitui.actions.execute import dry_run, execute
from amitui.actions.guided import parse_rules, select_candidates
from amitui.actions.references import (
    USAGE_REPORT_BLIND_SPOT,
    cross_account_uses,
    region_uses,
    usage_report,
)
from amitui.actions.share import (
    ACCOUNT,
    ORGANIZATION,
    OU,
    Grantee,
    account_text,
    grantee_choices,
)
from amitui.app import AmituiApp
from amitui.aws import AwsSession, Credentials
from amitui.backend import LaunchOptions, sandbox_session
from amitui.flows import cleanup as cleanup_flow
from amitui.flows import share as share_flow
from amitui.journal import Journal, read_entries
from amitui.model import Image, Inventory, Plan, Step, StepOutcome, StepResult
from amitui.sandbox import Sandbox, demo
from amitui.widgets.ask_screen import AskScreen
from amitui.widgets.copy_dialog import CopyDialog
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen
from amitui.widgets.share_dialog import ShareDialog

from .sandbox_api import demo_sandbox_fixture, member_keys
from .ui.helpers import wait_for

REGION = "us-east-1"
SHARED, STAGING, PROD = (a.account_id for a in (demo.SHARED_SERVICES, demo.STAGING, demo.PROD))
GOLDEN = "web-golden-2026.11.17"


sandbox = demo_sandbox_fixture("module")


@asynccontextmanager
async def demo_accounts(
    sandbox: Sandbox, *members: demo.DemoAccount
) -> AsyncIterator[list[Account]]:
    """shared-services (the sandbox's own keys) and ``members`` (assumed roles), opened."""
    async with AsyncExitStack() as stack:
        shared = await stack.enter_async_context(sandbox_session(sandbox.endpoint_url))
        opened = [Account(SHARED, "shared-services", "profile shared-services", shared)]
        for member in members:
            keys = Credentials(*member_keys(sandbox.endpoint_url, member.account_id).values())
            session = await stack.enter_async_context(
                AwsSession(endpoint_url=sandbox.endpoint_url, credentials=keys,
                           default_region=REGION)
            )  # fmt: skip
            opened.append(Account(member.account_id, member.name, demo.role_arn(member), session))
        yield opened


def ec2_as(sandbox: Sandbox, member: demo.DemoAccount | None = None) -> Any:
    keys = member_keys(sandbox.endpoint_url, member.account_id) if member else {
        "aws_access_key_id": "testing", "aws_secret_access_key": "testing"
    }  # fmt: skip
    return boto3.client("ec2", region_name=REGION, endpoint_url=sandbox.endpoint_url, **keys)


def own_image(sandbox: Sandbox, member: demo.DemoAccount | None, name: str) -> Image:
    records = ec2_as(sandbox, member).describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [name]}]
    )["Images"]
    assert len(records) == 1, (name, records)
    return Image.from_aws(REGION, records[0])


def staging_image_name(sandbox: Sandbox) -> str:
    records = ec2_as(sandbox, demo.STAGING).describe_images(Owners=["self"])["Images"]
    return sorted(str(r["Name"]) for r in records if r["Name"].startswith("checkout-api-"))[0]


def tag_step(account: str, image: Image, value: str) -> Step:
    return Step(
        f"tag:{account}/{image.image_id}",
        REGION,
        "CreateTags",
        image.image_id,
        {"Resources": [image.image_id], "Tags": [{"Key": "xacct", "Value": value}]},
        "test",
        account=account,
    )


def tags_of(sandbox: Sandbox, member: demo.DemoAccount | None, image_id: str) -> dict[str, str]:
    (record,) = ec2_as(sandbox, member).describe_images(ImageIds=[image_id])["Images"]
    return {t["Key"]: t["Value"] for t in record.get("Tags", [])}


# --- the executor ---------------------------------------------------------------------------


async def test_each_step_is_sent_with_its_own_accounts_credentials(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    golden = own_image(sandbox, None, GOLDEN)
    mine = own_image(sandbox, demo.STAGING, staging_image_name(sandbox))
    async with demo_accounts(sandbox, demo.STAGING) as accounts:
        sessions = {a.id: a.session for a in accounts}
        plan = Plan("tag", "tag in two accounts",
                    (tag_step(SHARED, golden, "one"), tag_step(STAGING, mine, "two")))  # fmt: skip
        journal = Journal(tmp_path / "j.jsonl", account=SHARED, accounts=accounts)
        results = [r async for r in execute(sessions.__getitem__, plan, journal)]
        journal.close()
    assert {r.step.account: r.outcome for r in results} == {
        SHARED: StepOutcome.OK,
        STAGING: StepOutcome.OK,
    }
    # Each tag landed in the account that owns the image: staging's own image carries it
    # as staging sees it (a tag sent with shared-services' keys would not be there).
    assert tags_of(sandbox, None, golden.image_id)["xacct"] == "one"
    assert tags_of(sandbox, demo.STAGING, mine.image_id)["xacct"] == "two"
    lines = {(e["account"], e["phase"]): e for e in read_entries(tmp_path / "j.jsonl")}
    assert lines[(STAGING, "sent")]["account_alias"] == "staging"
    assert lines[(STAGING, "sent")]["credentials"] == demo.role_arn(demo.STAGING)
    assert lines[(SHARED, "outcome")]["account_alias"] == "shared-services"
    assert lines[(SHARED, "outcome")]["credentials"] == "profile shared-services"


async def test_a_step_in_an_account_not_loaded_fails_unsent(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    golden = own_image(sandbox, None, GOLDEN)
    async with demo_accounts(sandbox) as accounts:
        sessions = {a.id: a.session for a in accounts}
        plan = Plan("tag", "t", (tag_step(PROD, golden, "never"),))
        journal = Journal(tmp_path / "j.jsonl", accounts=accounts)
        (result,) = [r async for r in execute(sessions.__getitem__, plan, journal)]
        journal.close()
    assert result.outcome is StepOutcome.FAILED
    assert result.error is not None and result.error.code == "UnknownAccount"
    assert PROD in result.error.message
    # No "sent" line for a call that never went out; one outcome line says why.
    assert [e["phase"] for e in read_entries(tmp_path / "j.jsonl")] == ["outcome"]
    assert tags_of(sandbox, None, golden.image_id).get("xacct") != "never"


async def test_dry_run_checks_each_step_in_its_own_account(sandbox: Sandbox) -> None:
    """EC2 (API reference, CreateTags DryRun): "If you have the required permissions, the
    error response is DryRunOperation". Each check goes to the step's own account (sent
    with another account's keys, staging's step fails: the test above)."""
    golden = own_image(sandbox, None, GOLDEN)
    mine = own_image(sandbox, demo.STAGING, staging_image_name(sandbox))
    async with demo_accounts(sandbox, demo.STAGING) as accounts:
        sessions = {a.id: a.session for a in accounts}
        plan = Plan("tag", "t", (tag_step(SHARED, golden, "d"), tag_step(STAGING, mine, "d")))
        checks = await dry_run(sessions.__getitem__, plan)
    assert [c.detail for c in checks] == ["dry run: allowed", "dry run: allowed"]


# --- cross-account use before deletion ---------------------------------------------------


async def test_a_golden_image_a_member_launches_is_in_use_there(sandbox: Sandbox) -> None:
    golden = own_image(sandbox, None, GOLDEN)
    async with demo_accounts(sandbox, demo.STAGING, demo.PROD) as accounts:
        found = await cross_account_uses(accounts[0], [golden], accounts)
    uses = found.of(golden.key)
    assert {u.account for u in uses} == {f"staging ({STAGING})"}
    # Staging's web-staging-asg template, its instances, and the group on that template.
    assert {u.kind for u in uses} == {"instance", "launch template", "Auto Scaling group"}
    assert sum(1 for u in uses if u.kind == "instance") == 2
    assert found.unread == {}  # staging, the one account named, is loaded
    assert found.wide[golden.key] == (f"OU {demo.ou_arn('Workloads')}",)


async def test_sharees_amitui_cannot_read_are_named(sandbox: Sandbox) -> None:
    golden = own_image(sandbox, None, GOLDEN)
    async with demo_accounts(sandbox) as accounts:
        found = await cross_account_uses(accounts[0], [golden], accounts)
    assert found.of(golden.key) == ()
    assert found.unread == {golden.key: (STAGING,)}


async def test_cleanup_leaves_out_what_another_account_launches_naming_it(
    sandbox: Sandbox,
) -> None:
    golden = own_image(sandbox, None, GOLDEN)
    theirs = own_image(sandbox, demo.STAGING, staging_image_name(sandbox))
    async with demo_accounts(sandbox, demo.STAGING) as accounts:
        shared, staging = accounts
        chosen = []
        for owner, images in ((shared, [golden]), (staging, [theirs])):
            facts = await gather_facts(owner.session, images, owner.id)
            foreign = await cross_account_uses(owner, images, accounts)
            chosen.append((images, type(facts)(facts.account_id, facts.regions, foreign)))
    cleanup = plan_deregister_accounts(Inventory(), chosen)
    reasons = {s.target: s for s in cleanup.plan.steps if s.operation == "DeregisterImage"}
    left_out = reasons[golden.image_id]
    assert left_out.excluded
    assert f"in use in account staging ({STAGING}): " in left_out.reason
    assert "instance i-" in left_out.reason
    assert "launch template" in left_out.reason
    # staging's own image: planned, and sent with staging's credentials.
    assert not reasons[theirs.image_id].excluded
    assert reasons[theirs.image_id].account == STAGING
    assert {s.account for s in cleanup.plan.steps} == {SHARED, STAGING}


async def test_an_image_usage_report_names_the_member_that_launches_it(
    sandbox: Sandbox,
) -> None:
    """EC2 (API reference, CreateImageUsageReport): "Creates a report that shows how your
    image is used across other Amazon Web Services accounts"; a report's State is
    "pending - The report is being created and not available to view" until "available".
    Entries: "UsageCount - The number of times resources of this type reference this image
    in the account"."""
    golden = own_image(sandbox, None, GOLDEN)
    async with sandbox_session(sandbox.endpoint_url) as aws:
        report = await usage_report(aws, golden, [STAGING], poll=0.2, wait_at_most=60)
    assert report.error is None and report.report_id
    assert {(e.account_id, e.resource_type, e.count) for e in report.entries} == {
        (STAGING, "ec2:Instance", 2),
        (STAGING, "ec2:LaunchTemplate", 1),
    }


async def test_a_report_of_an_unknown_image_is_an_error_as_data(sandbox: Sandbox) -> None:
    ghost = own_image(sandbox, None, GOLDEN)
    ghost = Image.from_aws(REGION, {**ghost.record, "ImageId": "ami-00000000000000000"})
    async with sandbox_session(sandbox.endpoint_url) as aws:
        report = await usage_report(aws, ghost, poll=0.2, wait_at_most=30)
    assert report.error is not None and report.entries == ()


async def test_a_usage_report_keeps_the_image_out_and_says_what_it_may_miss(
    sandbox: Sandbox,
) -> None:
    """The plan quotes the report's blind spot, AWS User Guide ("View your AMI usage"):
    "When you generate an AMI usage report, it might not contain the most recent activity.
    Instance activity from the past 24 hours and launch template activity from the past few
    days might not appear in the report." """
    golden = own_image(sandbox, None, GOLDEN)
    unused = own_image(sandbox, None, "web-golden-2026.10.27")  # shared with the OU, unused
    async with demo_accounts(sandbox) as accounts:
        (shared,) = accounts
        images = [golden, unused]
        facts = await gather_facts(shared.session, images, SHARED)
        foreign = await cross_account_uses(shared, images, accounts)
        reports = {
            i.key: await usage_report(shared.session, i, poll=0.2, wait_at_most=60) for i in images
        }
    facts = type(facts)(facts.account_id, facts.regions, foreign, reports)
    plan = plan_deregister_accounts(Inventory(), [(images, facts)]).plan
    # One account too: each step names it, so it is sent with that account's session
    # even when that is not the explorer's own.
    assert {s.account for s in plan.steps} == {SHARED}
    steps = {s.target: s for s in plan.steps if s.operation == "DeregisterImage"}
    assert f"image usage report: 2 instances in account {STAGING}" in steps[golden.image_id].reason
    assert not steps[unused.image_id].excluded
    blind = [n for n in plan.notes if "past 24 hours" in n]
    assert blind == [f"Image usage reports: {USAGE_REPORT_BLIND_SPOT}."]
    assert "past few days" in blind[0]


# --- the TUI on the demo ----------------------------------------------------------------

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class OrganizationApp(AmituiApp):
    """The App offering flows every demo account (as the multi-account explorer does:
    :class:`~amitui.flows.FlowHost` ``accounts``/``session_for``); it lists shared-services'
    images."""

    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))  # relative: to this module

    def __init__(self, sandbox: Sandbox, members: Sequence[Account], **options: Any) -> None:
        @asynccontextmanager
        async def session(_: LaunchOptions) -> AsyncIterator[AwsSession]:
            async with sandbox_session(sandbox.endpoint_url) as aws:
                yield aws

        super().__init__(
            LaunchOptions(regions=(REGION,), demo=True, **options),
            session_factory=session,
            now=NOW,
        )
        self.members = tuple(members)

    @property
    def accounts(self) -> Sequence[Account]:
        own = super().accounts
        return (*own, *self.members) if own else ()

    def session_for(self, account_id: str) -> AwsSession:
        for account in self.accounts:
            if account.id == account_id:
                return account.session
        raise LookupError(f"account {account_id} is not loaded")


async def listed(pilot: Pilot[Any], app: AmituiApp, name: str) -> Image:
    await wait_for(
        pilot,
        lambda: REGION in app.inventory.regions and not app.region_pane.busy and app.accounts,
    )
    (image,) = [i for i in app.inventory.images() if i.name == name]
    app.table.move_cursor_to(image.key)
    await pilot.pause()
    return image


async def test_cleanup_of_a_golden_image_a_member_launches_is_refused_naming_it(
    sandbox: Sandbox,
) -> None:
    """Issue 14's done-when, on the demo: x on the golden image staging launches."""
    async with demo_accounts(sandbox, demo.STAGING, demo.PROD) as accounts:
        app = OrganizationApp(sandbox, accounts[1:])
        async with app.run_test(size=(180, 50)) as pilot:
            golden = await listed(pilot, app, GOLDEN)
            await pilot.press("x")
            await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
            plan = app.screen.plan  # type: ignore[attr-defined]
            assert plan.runnable == ()
            (step,) = [s for s in plan.excluded if s.target == golden.image_id]
            assert f"in use in account staging ({STAGING}): " in step.reason
            assert "instance i-" in step.reason
            await wait_for(pilot, lambda: app.screen.query(".excluded"))
            shown = " ".join(str(w.render()) for w in app.screen.query(".excluded"))
            assert f"staging ({STAGING})" in shown
            await pilot.press("escape")
    assert golden.image_id in {
        i["ImageId"] for i in ec2_as(sandbox).describe_images(Owners=["self"])["Images"]
    }


async def test_x_offers_a_usage_report_for_sharees_it_cannot_read(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """One account loaded; web-golden-2026.10.27 is shared with the Workloads OU and used
    nowhere: x asks whether to create an image usage report, and the plan then says what
    the report may miss. Escape at the plan sends nothing."""
    app = OrganizationApp(sandbox, ())
    async with app.run_test(size=(180, 50)) as pilot:
        await listed(pilot, app, "web-golden-2026.10.27")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen))
        question = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "shared with an organization, OU or everyone" in question
        assert "past 24 hours" in question
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), seconds=90)
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert [s.operation for s in plan.runnable][:1] == ["DeregisterImage"]
        assert f"Image usage reports: {USAGE_REPORT_BLIND_SPOT}." in plan.notes
        await pilot.press("escape")
    sent = [e for e in read_entries(tmp_path / "state" / "demo" / "journal.jsonl")]
    assert [e for e in sent if e["phase"] == "sent"] == []


# --- share: grantees picked by name ------------------------------------------------------


async def test_grantees_to_pick_are_the_loaded_accounts_the_organization_and_its_ous(
    sandbox: Sandbox,
) -> None:
    """Organizations (API reference, ListOrganizationalUnitsForParent): "This operation can
    be called only from the organization's management account or by a member account that
    is a delegated administrator"; shared-services is the demo's management account."""
    async with demo_accounts(sandbox, demo.STAGING) as accounts:
        offered = await grantee_choices(accounts)
    labels = {c.label: c.grantee for c in offered.choices}
    assert offered.problem == ""
    assert labels[f"account staging ({STAGING})"] == Grantee(ACCOUNT, STAGING)
    assert labels[f"account shared-services ({SHARED})"] == Grantee(ACCOUNT, SHARED)
    assert labels[f"organization {demo.ORGANIZATION_ID}"] == Grantee(
        ORGANIZATION, demo.ORGANIZATION_ARN
    )
    for path, name in (("Workloads", "Workloads"), ("Workloads/Prod", "Prod"),
                       ("Workloads/Staging", "Staging")):  # fmt: skip
        assert labels[f"OU {path}"] == Grantee(OU, demo.ou_arn(name))


async def test_a_member_alone_is_offered_no_ous_and_says_why(sandbox: Sandbox) -> None:
    async with demo_accounts(sandbox, demo.STAGING) as accounts:
        offered = await grantee_choices(accounts[1:])
    assert [c.label for c in offered.choices if c.grantee.kind == OU] == []
    assert f"account staging ({STAGING})" in [c.label for c in offered.choices]
    assert "management account or a delegated administrator" in offered.problem


async def test_share_dialog_offers_accounts_and_ous_by_name(sandbox: Sandbox) -> None:
    async with demo_accounts(sandbox, demo.STAGING) as accounts:
        app = OrganizationApp(sandbox, accounts[1:])
        async with app.run_test(size=(180, 60)) as pilot:
            image = await listed(pilot, app, "web-golden-2026.10.27")  # shared with the OU
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, ShareDialog))
            await wait_for(pilot, lambda: app.screen.query("#pick"))
            pick = app.screen.query_one("#pick", SelectionList)
            labels = [str(pick.get_option_at_index(i).prompt) for i in range(pick.option_count)]
            assert f"account staging ({STAGING})" in labels
            assert "OU Workloads/Prod" in labels
            assert "OU Workloads" not in labels  # every image already has it
            assert not any(SHARED in label for label in labels)  # the owner itself
            pick.select(f"account|{STAGING}")
            pick.select(f"ou|{demo.ou_arn('Prod')}")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
            plan = app.screen.plan  # type: ignore[attr-defined]
            (step,) = plan.runnable
            assert step.target == image.image_id
            assert sorted(step.params["LaunchPermission"]["Add"], key=str) == sorted(
                [{"UserId": STAGING}, {"OrganizationalUnitArn": demo.ou_arn("Prod")}], key=str
            )
            await pilot.press("escape")


# --- copy into another loaded account (DR) ------------------------------------------------

DR_SOURCE = "web-golden-2026.10.27"  # shared with the Workloads OU only, unencrypted


def launch_users(sandbox: Sandbox, image_id: str) -> set[str]:
    answer = ec2_as(sandbox).describe_image_attribute(
        ImageId=image_id, Attribute="launchPermission"
    )
    return {p["UserId"] for p in answer["LaunchPermissions"] if "UserId" in p}


async def test_a_shared_image_is_copied_only_with_its_snapshots_readable(
    sandbox: Sandbox,
) -> None:
    """EC2 (User Guide, "Copy an Amazon EC2 AMI"): "To copy an AMI that was shared with you
    from another account, the owner of the source AMI must grant you read permissions for
    the storage that backs the AMI, either the associated EBS snapshot ...". The code EC2
    answers is not in the reference (the sandbox: InvalidRequest); an image the caller may
    not launch is not found, as for any image it cannot see."""
    source = own_image(sandbox, None, "base-al2023-x86_64-2026.11.05")  # shared with prod by id
    prod = ec2_as(sandbox, demo.PROD)
    with pytest.raises(prod.exceptions.ClientError) as refused:
        prod.copy_image(SourceImageId=source.image_id, SourceRegion=REGION, Name="no-storage")
    assert refused.value.response["Error"]["Code"] == "InvalidRequest"
    assert "permission to access the storage" in refused.value.response["Error"]["Message"]
    hidden = own_image(sandbox, None, "oss-bastion-2026.06.02")
    unshared = [
        i for i in ec2_as(sandbox).describe_images(Owners=["self"])["Images"]
        if not ec2_as(sandbox).describe_image_attribute(
            ImageId=i["ImageId"], Attribute="launchPermission")["LaunchPermissions"]
        and i["ImageId"] != hidden.image_id
    ][:1]  # fmt: skip
    with pytest.raises(prod.exceptions.ClientError) as unseen:
        prod.copy_image(
            SourceImageId=unshared[0]["ImageId"], SourceRegion=REGION, Name="cannot-see"
        )
    assert unseen.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


async def test_copy_into_a_dr_account_shares_copies_with_its_credentials_then_unshares(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    source = own_image(sandbox, None, DR_SOURCE)
    assert not source.encrypted and PROD not in launch_users(sandbox, source.image_id)
    async with demo_accounts(sandbox, demo.PROD) as accounts:
        shared, prod = accounts
        sessions = {a.id: a.session for a in accounts}
        plan = plan_copy_to_account(
            [source],
            CopyRequest((CopyDestination("us-west-2"),)),
            source_account=SHARED,
            target=PROD,
            target_label=account_text(prod),
            launch_grants={},
            volume_grants=await load_volume_permissions(shared.session, [source]),
            remove_share=True,
        )
        operations = [(s.operation, s.account) for s in plan.runnable]
        assert operations[0] == ("ModifyImageAttribute", SHARED)
        assert ("CopyImage", PROD) in operations
        undo = [s for s in plan.runnable if s.step_id.startswith("dr-un")]
        assert undo and plan.runnable[-len(undo) :] == tuple(undo)  # the shares removed last
        assert all(s.account == SHARED and "CopyImage" not in s.operation for s in undo)
        journal = Journal(tmp_path / "j.jsonl", accounts=accounts)
        settle = copy_settled(sessions.__getitem__, poll=0.5, give_up_after=60)
        results = [r async for r in execute(sessions.__getitem__, plan, journal, settle=settle)]
        journal.close()
    assert {r.outcome for r in results} == {StepOutcome.OK}, [r.error for r in results]
    (copied,) = [r for r in results if r.step.operation == "CopyImage"]
    copy_id = copied.response["ImageId"]
    west = boto3.client("ec2", region_name="us-west-2", endpoint_url=sandbox.endpoint_url,
                        **member_keys(sandbox.endpoint_url, demo.PROD.account_id))  # fmt: skip
    (record,) = west.describe_images(ImageIds=[copy_id])["Images"]
    assert record["OwnerId"] == PROD and record["State"] == "available"
    assert PROD not in launch_users(sandbox, source.image_id)  # unshared again
    for snapshot_id in source.snapshot_ids:
        answer = ec2_as(sandbox).describe_snapshot_attribute(
            SnapshotId=snapshot_id, Attribute="createVolumePermission"
        )
        assert PROD not in {p.get("UserId") for p in answer["CreateVolumePermissions"]}
    sent = [e for e in read_entries(tmp_path / "j.jsonl") if e["phase"] == "sent"]
    assert {(e["operation"], e["account"], e["account_alias"]) for e in sent} >= {
        ("CopyImage", PROD, "prod"),
        ("ModifyImageAttribute", SHARED, "shared-services"),
    }


def test_a_dr_plan_says_the_key_must_be_shared_and_keeps_existing_shares() -> None:
    image = Image.from_aws(
        REGION,
        {
            "ImageId": "ami-0123456789abcdef0",
            "Name": "db",
            "State": "available",
            "OwnerId": SHARED,
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-1", "Encrypted": True,
                 "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k1", "VolumeSize": 8}},
            ],
        },
    )  # fmt: skip
    plan = plan_copy_to_account(
        [image],
        CopyRequest((CopyDestination("us-east-1", encrypt=True),)),
        source_account=SHARED,
        target=PROD,
        target_label="prod (333344445555)",
        launch_grants={image.key: frozenset({PROD})},  # already shared: not added, not removed
        volume_grants={},
        remove_share=True,
    )
    assert [s.step_id.split(":")[0] for s in plan.steps] == [
        "dr-snapshot", "copy", "dr-unsnapshot"
    ]  # fmt: skip
    assert any("key/k1: that key must be shared with prod" in n for n in plan.notes)
    copy = next(s for s in plan.steps if s.operation == "CopyImage")
    assert copy.depends_on == ("dr-snapshot:us-east-1/snap-1->333344445555",)


async def test_copy_into_a_dr_account_from_the_keyboard(sandbox: Sandbox, tmp_path: Path) -> None:
    async with demo_accounts(sandbox, demo.PROD) as accounts:
        app = OrganizationApp(sandbox, accounts[1:])
        async with app.run_test(size=(180, 60)) as pilot:
            source = await listed(pilot, app, DR_SOURCE)
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CopyDialog))
            await wait_for(pilot, lambda: app.screen.query("#account-0"))
            dialog = app.screen
            dialog.query_one("#regions", SelectionList).select("eu-west-1")
            dialog.query_one("#account-0", RadioButton).value = True
            dialog.query_one("#remove-share", Checkbox).value = True
            await wait_for(pilot, lambda: dialog.query_one("#account", RadioSet).pressed_index == 1)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
            plan = app.screen.plan  # type: ignore[attr-defined]
            assert plan.title.startswith(f"Copy 1 image into prod ({PROD}) (eu-west-1)")
            headings = [str(w.render()) for w in app.screen.query(".account")]
            # The explorer's own account: the demo's alias for it, then its id.
            assert headings[:2] == [
                f"Account {demo.SHARED_SERVICES.alias} ({SHARED})",
                f"Account prod ({PROD})",
            ]
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, ProgressScreen))
            progress = app.screen
            assert isinstance(progress, ProgressScreen)
            await wait_for(pilot, lambda: progress.finished, seconds=90)
            outcomes = {r.step.step_id: r.outcome for r in progress.results.values()}
            assert set(outcomes.values()) == {StepOutcome.OK}, outcomes
            await pilot.press("enter")
    assert PROD not in launch_users(sandbox, source.image_id)
    copies = boto3.client(
        "ec2",
        region_name="eu-west-1",
        endpoint_url=sandbox.endpoint_url,
        **member_keys(sandbox.endpoint_url, demo.PROD.account_id),
    ).describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [DR_SOURCE]}])
    assert [i["State"] for i in copies["Images"]] == ["available"]
    sent = [e for e in read_entries(tmp_path / "state" / "demo" / "journal.jsonl")
            if e["phase"] == "sent"]  # fmt: skip
    assert ("CopyImage", PROD, "prod") in {
        (e["operation"], e["account"], e["account_alias"]) for e in sent
    }


async def test_dependents_wait_until_a_step_settles_and_skip_if_it_does_not(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    golden = own_image(sandbox, None, GOLDEN)
    first = tag_step(SHARED, golden, "first")
    after = replace(tag_step(SHARED, golden, "after"), step_id="after", depends_on=(first.step_id,))
    plan = Plan("tag", "t", (first, after))
    seen: list[str] = []

    async def slow(result: StepResult) -> str | None:
        await asyncio.sleep(0.3)
        seen.append(f"settled {result.step.step_id}")
        return None

    async def never(result: StepResult) -> str | None:
        return "its copy failed"

    async with sandbox_session(sandbox.endpoint_url) as aws:
        journal = Journal(tmp_path / "j.jsonl")
        async for result in execute(aws, plan, journal, settle=slow):
            seen.append(f"result {result.step.step_id}")
        assert seen == [f"result {first.step_id}", f"settled {first.step_id}", "result after"]
        results = {r.step.step_id: r async for r in execute(aws, plan, journal, settle=never)}
        journal.close()
    assert results[first.step_id].outcome is StepOutcome.OK
    assert results["after"].outcome is StepOutcome.SKIPPED
    assert results["after"].detail == f"skipped: {first.step_id} did not complete: its copy failed"


async def test_guided_cleanup_spares_an_image_a_member_launches(sandbox: Sandbox) -> None:
    """The demo's staging bastion runs shared-services' newest AL2023 base image."""
    async with demo_accounts(sandbox, demo.STAGING, demo.PROD) as accounts:
        app = OrganizationApp(sandbox, accounts[1:])
        async with app.run_test(size=(180, 50)) as pilot:
            await listed(pilot, app, GOLDEN)
            images = [i for i in app.inventory.images() if i.name.startswith("base-al2023-x86")]
            uses = {REGION: await region_uses(app.aws, REGION, [i.image_id for i in images])}
            elsewhere = await cleanup_flow._uses_elsewhere(app, images)
            rules = parse_rules(older_than_days="0")
            selection = select_candidates(
                images, rules, now=NOW, account_id=SHARED, uses=uses, elsewhere=elsewhere
            )
    spared = {s.image.name: s.why for s in selection.never}
    (why,) = [w for w in spared.values() if "staging" in w]
    assert f"in account staging ({STAGING})" in why
    assert all(c.image.name not in spared for c in selection.candidates)


def test_share_plans_of_each_account_name_it_and_count_public_images_together() -> None:
    def part(image_id: str, public: bool) -> Plan:
        step = Step(f"share:{REGION}/{image_id}", REGION, "ModifyImageAttribute", image_id,
                    {"ImageId": image_id}, "r")  # fmt: skip
        return Plan("share", "t", (step,), destructive=public,
                    confirm_text=image_id if public else "")  # fmt: skip

    images = [own_image_stub("ami-1"), own_image_stub("ami-2")]
    (one,) = share_flow._combined([(STAGING, part("ami-1", False))], images[:1]).steps
    assert one.account == STAGING
    both = share_flow._combined(
        [(SHARED, part("ami-1", True)), (PROD, part("ami-2", True))], images
    )
    assert [s.account for s in both.steps] == [SHARED, PROD]
    assert both.destructive and both.confirm_text == "2"


def own_image_stub(image_id: str) -> Image:
    return Image.from_aws(REGION, {"ImageId": image_id, "State": "available"})
