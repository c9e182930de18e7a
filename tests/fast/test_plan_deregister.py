"""plan_deregister (deregister with cleanup) over hand-made records and facts: the safety
rules' verdicts, which snapshots go and which stay (and why), the order steps depend on, the
notes and what the user types to confirm."""

from __future__ import annotations

import pytest

from amitui.actions.cleanup import CleanupFacts, CleanupPlan, RegionFacts, plan_deregister
from amitui.actions.recycle_bin import IMAGES, SNAPSHOTS, RetentionRule
from amitui.actions.references import ImageUse, RegionUses
from amitui.model import AwsError, Image, Inventory, RegionStatus, Step

from ..records import ACCOUNT, OTHER_ACCOUNT, fresh_id, image, inventory, snapshot

pytestmark = pytest.mark.fast

REGION = "us-east-1"


def facts(
    *fresh: Image,
    users: dict[str, tuple[Image, ...]] | None = None,
    uses: RegionUses | None = None,
    **region_facts: object,
) -> CleanupFacts:
    """What gather_facts would answer: ``fresh`` re-read from EC2, snapshot users (default:
    each fresh image maps its own snapshots), nothing in use."""
    if users is None:
        users = {}
        for one in fresh:
            for snapshot_id in one.snapshot_ids:
                users[snapshot_id] = (*users.get(snapshot_id, ()), one)
    region = RegionFacts(
        REGION,
        images={i.image_id: i for i in fresh},
        snapshot_users=users,
        uses=uses if uses is not None else RegionUses(REGION),
        **region_facts,  # type: ignore[arg-type]
    )
    return CleanupFacts(ACCOUNT, {REGION: region})


def plan_for(chosen: list[Image], loaded: Inventory, cleanup_facts: CleanupFacts) -> CleanupPlan:
    return plan_deregister(loaded, chosen, cleanup_facts)


def by_id(plan: CleanupPlan) -> dict[str, Step]:
    return {s.step_id: s for s in plan.plan.steps}


def test_snapshots_are_deleted_after_the_deregistration_and_the_saving_is_shown() -> None:
    root, data = fresh_id("snap"), fresh_id("snap")
    web = image("web", snapshots=((root, 8), (data, 12)))
    loaded = inventory([web], [snapshot(root, 8), snapshot(data, 12, tier="archive")])

    cleanup = plan_for([web], loaded, facts(web))

    steps = by_id(cleanup)
    deregister = steps[f"deregister:{REGION}/{web.image_id}"]
    assert deregister.reason == "web: deletes 2 snapshots (20 GiB)"
    for snapshot_id in (root, data):
        delete = steps[f"delete-snapshot:{REGION}/{snapshot_id}"]
        assert delete.depends_on == (deregister.step_id,)
    assert cleanup.freed_gib == 20
    # 8 GiB standard at $0.05 plus 12 GiB archive at $0.0125.
    assert cleanup.plan.notes[0].startswith("Frees 20 GiB of snapshots: about $0.55 a month")
    assert cleanup.plan.destructive and cleanup.plan.confirm_text == web.image_id
    assert cleanup.plan.title == "Deregister 1 image and delete 2 snapshots"


def test_a_snapshot_another_image_maps_is_kept_and_names_its_keeper() -> None:
    shared, own = fresh_id("snap"), fresh_id("snap")
    old = image("web-old", snapshots=((own, 8), (shared, 20)))
    new = image("web-new", snapshots=((fresh_id("snap"), 8), (shared, 20)))
    loaded = inventory([old, new])

    cleanup = plan_for([old], loaded, facts(old, users={own: (old,), shared: (old, new)}))

    [kept] = [f for f in cleanup.snapshots if not f.delete]
    assert kept.snapshot_id == shared
    assert kept.kept_by == (new.image_id,)
    assert kept.reason == f"kept: also mapped by {new.image_id} (web-new)"
    keep_step = by_id(cleanup)[f"keep-snapshot:{REGION}/{shared}"]
    assert keep_step.excluded
    assert "1 snapshot kept because another image maps them." in cleanup.plan.notes


def test_a_snapshot_mapped_only_by_images_going_together_is_deleted_after_both() -> None:
    shared = fresh_id("snap")
    first = image("a", snapshots=((shared, 20),))
    second = image("b", snapshots=((shared, 20),))
    loaded = inventory([first, second])

    cleanup = plan_for([first, second], loaded, facts(first, second))

    delete = by_id(cleanup)[f"delete-snapshot:{REGION}/{shared}"]
    assert delete.depends_on == (
        f"deregister:{REGION}/{first.image_id}",
        f"deregister:{REGION}/{second.image_id}",
    )
    both = ", ".join(sorted([first.image_id, second.image_id]))
    assert delete.reason.endswith(f"mapped only by {both} (deregistered first)")
    assert cleanup.plan.confirm_text == "2"


def test_the_loaded_inventory_can_only_add_keepers() -> None:
    """EC2's fresh answer may lag: an image the inventory saw mapping the snapshot keeps it."""
    shared = fresh_id("snap")
    going = image("going", snapshots=((shared, 8),))
    seen_earlier = image("seen-earlier", snapshots=((shared, 8),))

    cleanup = plan_for([going], inventory([going, seen_earlier]), facts(going))

    [fate] = cleanup.snapshots
    assert not fate.delete and fate.kept_by == (seen_earlier.image_id,)


def test_an_image_in_use_is_left_out_with_what_uses_it() -> None:
    web = image("web")
    uses = tuple(ImageUse("instance", f"i-{n:017x}") for n in range(6))
    cleanup = plan_for(
        [web], inventory([web]), facts(web, uses=RegionUses(REGION, {web.image_id: uses}))
    )

    [step] = cleanup.plan.steps  # no snapshot step: nothing of it goes
    assert step.excluded
    assert step.reason.startswith("web: left out, in use by instance i-")
    assert step.reason.endswith("and 2 more")  # four named, the rest counted
    assert "Left out, in use: 1 image; nothing that uses them changes." in cleanup.plan.notes
    assert cleanup.plan.confirm_text == ""


@pytest.mark.parametrize(
    ("fresh_protection", "way_out"),
    [
        ("enabled", "lift it (DisableImageDeregistrationProtection), then deregister it"),
        ("enabled-with-cooldown", "its 24-hour cooldown must then pass"),
        (
            "disabled-until 2026-11-21T12:00:00Z",
            "it can be deregistered after 2026-11-21T12:00:00Z",
        ),
    ],
)
def test_protection_read_fresh_blocks_and_says_the_way_out(
    fresh_protection: str, way_out: str
) -> None:
    loaded = image("guarded")  # the inventory still thinks it is unprotected
    fresh = image("guarded", image_id=loaded.image_id, protection=fresh_protection)

    cleanup = plan_for([loaded], inventory([loaded]), facts(fresh))

    [verdict] = cleanup.verdicts
    assert not verdict.deregister and verdict.protection == fresh_protection
    assert way_out in verdict.way_out
    assert cleanup.protected == (verdict,)
    assert any("is protected from deregistration" in n for n in cleanup.plan.notes)


def test_images_that_cannot_be_judged_are_left_out_never_guessed() -> None:
    gone = image("gone")
    theirs = image("theirs", owner=OTHER_ACCOUNT)
    unchecked = image("unchecked")
    error = AwsError(RegionStatus.DENIED, "UnauthorizedOperation", "not allowed")
    both = facts(theirs)
    cleanup = plan_for([gone, theirs], inventory([gone, theirs]), both)
    no_uses = plan_for(
        [unchecked], inventory([unchecked]), facts(unchecked, uses=RegionUses(REGION, error=error))
    )
    other_region = image("far", region="eu-west-1")
    no_facts = plan_for([other_region], inventory([other_region]), facts())

    reasons = {v.image.name: v.excluded_because for v in cleanup.verdicts}
    assert reasons["gone"].startswith("already deregistered (EC2 no longer finds it)")
    assert reasons["theirs"] == (
        f"not owned by this account (owner {OTHER_ACCOUNT}); only the owner can deregister it"
    )
    [verdict] = no_uses.verdicts
    assert verdict.excluded_because == f"could not check what uses it: {error.describe()}"
    [verdict] = no_facts.verdicts
    assert verdict.excluded_because == "could not re-read the image from EC2: no answer"
    assert not cleanup.plan.runnable and not no_uses.plan.runnable


def test_a_snapshot_whose_users_could_not_be_listed_is_kept() -> None:
    web = image("web")
    error = AwsError(RegionStatus.THROTTLED, "RequestLimitExceeded", "slow down")

    cleanup = plan_for([web], inventory([web]), facts(web, snapshot_users_error=error))

    [fate] = cleanup.snapshots
    assert not fate.delete
    assert fate.reason.startswith("kept: could not verify that no other image maps it")
    assert [s.operation for s in cleanup.plan.runnable] == ["DeregisterImage"]


def test_a_snapshot_another_account_owns_is_kept() -> None:
    borrowed = fresh_id("snap")
    web = image("web", snapshots=((borrowed, 8),))
    loaded = inventory([web], [snapshot(borrowed, 8, owner=OTHER_ACCOUNT)])

    [fate] = plan_for([web], loaded, facts(web)).snapshots

    assert not fate.delete and fate.reason == f"kept: owned by another account ({OTHER_ACCOUNT})"


def test_recycle_bin_rules_say_what_stays_restorable_and_what_is_final() -> None:
    kept_snapshot, final_snapshot = fresh_id("snap"), fresh_id("snap")
    web = image("web", snapshots=((kept_snapshot, 8), (final_snapshot, 8)), tags={"team": "web"})
    loaded = inventory(
        [web], [snapshot(kept_snapshot, 8, tags={"keep": "yes"}), snapshot(final_snapshot, 8)]
    )
    rules = (
        RetentionRule("rule-images", IMAGES, 14, resource_tags=(("team", None),)),
        RetentionRule("rule-snapshots", SNAPSHOTS, 7, resource_tags=(("keep", "yes"),)),
    )

    cleanup = plan_for([web], loaded, facts(web, retention=rules))

    [verdict] = cleanup.verdicts
    assert verdict.restorable_days == 14
    fates = {f.snapshot_id: f for f in cleanup.snapshots}
    assert fates[kept_snapshot].restorable_days == 7
    assert fates[final_snapshot].restorable_days is None
    notes = cleanup.plan.notes
    assert "Recycle Bin: 1 of 1 image stay restorable for up to 14 days." in notes
    assert any(n.startswith("Recycle Bin: 1 of 2 snapshots stay restorable") for n in notes)
    assert "Final: 1 deregistration or deletion (no Recycle Bin rule covers them)." in notes


def test_unreadable_recycle_bin_rules_are_named_not_assumed_empty() -> None:
    web = image("web")
    error = AwsError(RegionStatus.DENIED, "AccessDeniedException", "no rbin:ListRules")

    cleanup = plan_for([web], inventory([web]), facts(web, retention_error=error))

    assert (
        f"Recycle Bin rules in {REGION} could not be read (AccessDeniedException): "
        "assume nothing there is restorable."
    ) in cleanup.plan.notes
