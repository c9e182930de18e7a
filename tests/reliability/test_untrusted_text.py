"""Image names, descriptions, tag values and AWS messages are untrusted: markup, control
characters and terminal escape sequences render as inert text everywhere.

Two payload families (tests/reliability/reliability_cases.py):

- C0 controls and ESC sequences (clear screen, OSC 8 hyperlink, BEL, CR, BS, NUL): XML cannot
  carry them, so they are tested at the rendering layer with model objects built directly;
- Rich markup, a C1 CSI (U+009B) and a bidi override (U+202E): also carried through the
  sandbox and shown by the real explorer (tests/reliability/test_tui.py).

A surface passes when its rendered output holds none of the live characters, no hyperlink,
and shows the payload as visible text (``\\x1b``, ``[link=…]``).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from rich.console import Console, RenderableType
from textual.app import App
from textual.content import Content
from textual.screen import Screen

from amitui import cli
from amitui.aws_errors import classify_error
from amitui.columns import make_row
from amitui.listing import render
from amitui.model import (
    AwsError,
    Image,
    ImageExtras,
    Plan,
    RegionStatus,
    Step,
    StepOutcome,
    StepResult,
)
from amitui.text import inert
from amitui.widgets.copy_dialog import CopyDialog
from amitui.widgets.deprecate_dialog import DeprecateDialog
from amitui.widgets.details import render_details
from amitui.widgets.help_screen import HelpEntry, HelpScreen, help_table
from amitui.widgets.lineage import member_prompt
from amitui.widgets.plan_screen import PlanScreen, step_line
from amitui.widgets.progress_screen import StepNote, step_status
from amitui.widgets.region_pane import RegionState, describe_state
from amitui.widgets.share_dialog import CurrentGrant, ShareDialog
from amitui.widgets.snapshot_tree import image_label

from .conftest import ReliabilityFleet
from .reliability_cases import (
    FORBIDDEN_IN_OUTPUT,
    HOSTILE_C0,
    HOSTILE_DESCRIPTION,
    HOSTILE_NAME,
    HOSTILE_TAG_VALUE,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

#: (id, payload, a visible trace of it that must appear in the output)
PAYLOADS = [
    ("c0-escapes", HOSTILE_C0, "\\x1b[2J"),
    ("markup-c1-bidi", HOSTILE_NAME, "evil-[link=https://evil"),
    ("c1-in-description", HOSTILE_DESCRIPTION, "\\x9b31m"),
    ("bidi-in-tag", HOSTILE_TAG_VALUE, "\\u202e"),
]


def hostile_image(payload: str) -> Image:
    return Image.from_aws(
        "us-east-1",
        {
            "ImageId": "ami-0123456789abcdef0",
            "Name": payload,
            "Description": payload,
            "OwnerId": "123456789012",
            "State": "available",
            "CreationDate": "2026-11-01T00:00:00.000Z",
            "Tags": [{"Key": "team", "Value": payload}],
            "StateReason": {"Code": "x", "Message": payload},
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-0123456789abcdef0"}}
            ],
        },
    )


def hostile_error(payload: str) -> AwsError:
    """What classify_error makes of an AWS error echoing the payload (as AWS echoes values)."""
    exc = ClientError({"Error": {"Code": "InvalidParameterValue", "Message": payload}}, "X")
    return classify_error(exc, region="us-east-1")


def rendered_text(renderable: RenderableType | Content) -> tuple[str, list[str]]:
    """What a terminal would receive for ``renderable``, and every hyperlink in it."""
    if isinstance(renderable, Content):
        links = [str(span.style) for span in renderable.spans if "link" in str(span.style)]
        return renderable.plain, links
    console = Console(file=io.StringIO(), width=400, color_system="truecolor", force_terminal=True)
    segments = list(console.render(renderable))
    text = "".join(s.text for s in segments if not s.control)
    links = [s.style.link for s in segments if s.style is not None and s.style.link]
    return text, links


def assert_inert(text: str, links: list[str], visible: str) -> None:
    live = [c for c in FORBIDDEN_IN_OUTPUT if c in text]
    assert live == [], f"live control characters {live!r} in {text!r}"
    assert links == [], f"hyperlinks from untrusted text: {links}"
    assert visible in text, f"{visible!r} not shown in {text!r}"


def step(payload: str) -> Step:
    return Step("s1", "us-east-1", "DeregisterImage", payload, {}, reason=payload)


#: Every renderer of untrusted text the widgets and ls use: id -> payload -> renderable.
SURFACES: dict[str, Callable[[str], RenderableType | Content]] = {
    "table row": lambda p: "  ".join(make_row(hostile_image(p), NOW).cells),
    "details": lambda p: render_details(
        hostile_image(p), ImageExtras(launch_permissions=(), error=p), NOW
    ),
    "lineage": lambda p: member_prompt(hostile_image(p), hostile_image(p), NOW),
    "snapshot tree": lambda p: image_label(hostile_image(p), current=True),
    "region pane error": lambda p: describe_state(
        RegionState("us-east-1", RegionStatus.FAILED, error=hostile_error(p)), frozenset(), 1
    ),
    "plan step": lambda p: step_line(step(p)),
    "progress step": lambda p: step_status(
        step(p),
        StepResult(step(p), StepOutcome.FAILED, error=hostile_error(p), detail=p),
        StepNote("s1", p, final=True, ok=False),
    ),
    "help": lambda p: help_table([HelpEntry("Section", p, p, p)]),
    "ls table": lambda p: render([hostile_image(p)], "table"),
}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize(
    ("payload", "visible"), [p[1:] for p in PAYLOADS], ids=[p[0] for p in PAYLOADS]
)
def test_each_renderer_shows_untrusted_text_inert(surface: str, payload: str, visible: str) -> None:
    renderable = SURFACES[surface](payload)
    links: list[str] = []
    if isinstance(renderable, str):  # table rows and ls output are plain strings
        renderable = renderable.replace("\x1b", "\x00")  # any raw ESC left must fail below
        text = renderable
    else:
        text, links = rendered_text(renderable)
    assert_inert(text, links, visible)


def test_aws_messages_are_inert_at_the_source() -> None:
    error = hostile_error(HOSTILE_C0 + HOSTILE_NAME)
    assert_inert(error.describe(), [], "\\x1b[2J")
    assert inert(error.message) == error.message, "inert twice changes nothing"


# --- whole screens, rendered by Textual ---------------------------------------------------------


def screen_text(app: App[Any]) -> str:
    """The screen as a terminal shows it (an SVG screenshot, tags stripped)."""
    svg = app.export_screenshot()
    assert not any(c in svg for c in FORBIDDEN_IN_OUTPUT), "a live control reached the screen"
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def share_dialog(image: Image, payload: str) -> Screen[Any]:
    grant = CurrentGrant("account|111122223333", f"account 111122223333 {payload}")
    return ShareDialog([image], [grant], lambda form: form, notes=[payload])


def plan_screen(image: Image, payload: str) -> Screen[Any]:
    return PlanScreen(Plan("deregister", payload, (step(payload),), notes=(payload,)))


SCREENS: dict[str, Callable[[Image, str], Screen[Any]]] = {
    "copy dialog": lambda image, p: CopyDialog([image], ["us-east-1", "eu-west-1"], lambda f: f),
    "share dialog": share_dialog,
    "deprecate dialog": lambda image, p: DeprecateDialog(
        [image], lambda f: f, now=NOW, family_size=1
    ),
    "plan screen": plan_screen,
    "help screen": lambda image, p: HelpScreen([HelpEntry("Keys", "x", p, p)]),
}


class Host(App[None]):
    """An empty app to show one screen or notification at a time."""


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize(
    ("payload", "visible"), [p[1:] for p in PAYLOADS], ids=[p[0] for p in PAYLOADS]
)
async def test_each_screen_shows_untrusted_text_inert(
    screen: str, payload: str, visible: str
) -> None:
    app = Host()
    async with app.run_test(size=(220, 60)) as pilot:
        app.push_screen(SCREENS[screen](hostile_image(payload), payload))
        await pilot.pause()
        text = screen_text(app)
    assert visible.split("[")[0] in text or visible in text


@pytest.mark.parametrize(
    ("payload", "visible"), [p[1:] for p in PAYLOADS], ids=[p[0] for p in PAYLOADS]
)
async def test_notifications_of_aws_errors_are_inert(payload: str, visible: str) -> None:
    app = Host()
    async with app.run_test(size=(220, 60)) as pilot:
        # What the explorer does with a failed worker: notify(error.describe(), markup=False).
        app.notify(hostile_error(payload).describe(), title="Action failed", markup=False)
        await pilot.pause()
        screen_text(app)


def test_ls_table_of_a_hostile_image_served_by_the_sandbox_is_inert(
    reliability_fleet: ReliabilityFleet,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", reliability_fleet.endpoint_url)
    assert cli.main(["ls", "--region", "us-east-1"]) == 0
    out = capsys.readouterr().out
    assert reliability_fleet.hostile["us-east-1"] in out
    assert_inert(out, [], "evil-[link=https://evil")
    assert "\\x9b2J" in out and "\\u202e" in out


async def test_the_explorers_notifications_make_remote_text_inert(
    reliability_fleet: ReliabilityFleet,
) -> None:
    """Whatever the explorer or a flow notifies with ``markup=False`` (remote data) is inert,
    even text that did not come through classify_error."""
    from amitui.app import make_app
    from amitui.backend import LaunchOptions

    from .test_tui import session_factory, settle

    app = make_app(
        LaunchOptions(regions=("us-east-1",)),
        session_factory=session_factory(reliability_fleet.endpoint_url),
    )
    # notifications=True: run_test leaves toasts out unless asked for them.
    async with app.run_test(size=(220, 60), notifications=True) as pilot:
        await settle(pilot)
        for _, payload, _ in PAYLOADS:
            app.notify(payload, title=payload, markup=False, timeout=30)
        # The toasts are mounted a few frames later: wait for them, not for a fixed time.
        for _ in range(100):
            await pilot.pause(0.05)
            text = screen_text(app)
            if "\\x" in text or "\\u202e" in text:
                break
    # screen_text() asserted no live control reached the screen; the escapes are visible.
    assert "\\x" in text or "\\u202e" in text
