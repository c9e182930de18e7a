"""No secret (access key id, secret key, session token) ever reaches the screen, ``ls``
stderr, the journal or an error, even when AWS quotes it back.

AWS really does quote credentials: SignatureDoesNotMatch carries the canonical request,
whose ``x-amz-security-token`` header is the session token. The proxy injects such errors
for a session using distinctive (fake) credentials.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botocore.exceptions import PartialCredentialsError

from amitui import backend, cli
from amitui.actions.execute import execute
from amitui.aws import AwsSession, Credentials
from amitui.aws_errors import classify_error, scrub_secrets
from amitui.journal import Journal
from amitui.loader import load_region
from amitui.model import Plan, Step
from amitui.sandbox.proxy import AwsError, FaultProxy

from .conftest import ReliabilityFleet

ACCESS_KEY = "ASIAQWERTYUIOPASDFGH"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
SESSION_TOKEN = (
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexampleSessionToken"
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/=="
)
SECRETS = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, SESSION_TOKEN[:40], SECRET_KEY[:30])
REGION = "us-east-1"

#: Errors AWS (or a proxy in the way) might answer with, quoting the caller's credentials.
QUOTING_ERRORS = [
    AwsError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "The Canonical String for this request should have been 'POST / "
        "content-type:application/x-www-form-urlencoded; charset=utf-8 host:ec2.amazonaws.com "
        f"x-amz-date:20261126T120000Z x-amz-security-token:{SESSION_TOKEN}' "
        f"Credential={ACCESS_KEY}/20261126/us-east-1/ec2/aws4_request",
        status=403,
    ),
    AwsError(
        "InvalidClientTokenId",
        f"The AWS Access Key Id {ACCESS_KEY} does not exist in our records.",
        status=403,
    ),
    AwsError("AuthFailure", f"secret {SECRET_KEY} and token {SESSION_TOKEN} rejected"),
]


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def fake_credentials_session(endpoint: str) -> AwsSession:
    return AwsSession(
        endpoint_url=endpoint,
        credentials=Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN),
        default_region=REGION,
        max_attempts=1,
    )


@pytest.mark.parametrize("fault", QUOTING_ERRORS, ids=[f.code for f in QUOTING_ERRORS])
async def test_a_region_error_quoting_credentials_is_scrubbed(
    fault: AwsError, fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet
) -> None:
    fault_proxy.add_fault(fault, region=REGION)
    async with fake_credentials_session(fault_proxy.url) as aws:
        load = await load_region(aws, REGION)
    assert load.error is not None and load.error.code == fault.code
    shown = load.error.describe()
    assert leaked(shown) == [], shown
    assert "<redacted>" in shown
    assert load.error.hint, "still says what to do"


def test_ls_stderr_never_shows_credentials(
    fault_proxy: FaultProxy,
    reliability_fleet: ReliabilityFleet,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One ls run: each quoting error in a region of its own, one region healthy.
    regions = ("eu-west-1", "eu-west-2", "eu-west-3")
    for fault, region in zip(QUOTING_ERRORS, regions, strict=True):
        fault_proxy.add_fault(fault, region=region)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setattr(backend, "AwsSession", functools.partial(AwsSession, max_attempts=1))
    out, err = io.StringIO(), io.StringIO()
    arguments = [arg for region in (*regions, REGION) for arg in ("--region", region)]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["ls", *arguments])
    assert code == 1
    for fault, region in zip(QUOTING_ERRORS, regions, strict=True):
        assert f"amitui: {region}: {fault.code}: " in err.getvalue()
    assert reliability_fleet.images[REGION] in out.getvalue(), "the healthy region printed"
    assert leaked(err.getvalue() + out.getvalue()) == []


async def test_the_journal_never_records_credentials(
    fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet, tmp_path: Path
) -> None:
    fault_proxy.add_fault(QUOTING_ERRORS[0], region=REGION, action="CreateTags")
    image = reliability_fleet.images[REGION]
    plan = Plan(
        "test",
        "tag",
        (
            Step(
                "tag:1",
                REGION,
                "CreateTags",
                image,
                {"Resources": [image], "Tags": [{"Key": "owner", "Value": "ops"}]},
                "secret-free journal",
            ),
        ),
    )
    journal = Journal(tmp_path / "journal.jsonl", account="123456789012")
    async with fake_credentials_session(fault_proxy.url) as aws:
        results = [r async for r in execute(aws, plan, journal)]
    journal.close()
    assert results[0].error is not None and results[0].error.code == "SignatureDoesNotMatch"
    text = journal.path.read_text(encoding="utf-8")
    assert "SignatureDoesNotMatch" in text
    assert leaked(text) == []


@pytest.mark.parametrize(
    "text",
    [
        f"token x-amz-security-token:{SESSION_TOKEN} end",
        f"X-Amz-Security-Token={SESSION_TOKEN}",
        f"key {ACCESS_KEY}.",
        f"({SECRET_KEY})",
        f"Credential={ACCESS_KEY}/20261126/us-east-1/ec2/aws4_request",
    ],
)
def test_scrub_secrets_removes_every_shape(text: str) -> None:
    assert leaked(scrub_secrets(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        "You are not authorized to perform this operation.",
        "The image id '[ami-0123456789abcdef0]' does not exist",
        "snap-0123456789abcdef0 is in use by ami-0123456789abcdef0",
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ],
)
def test_scrub_secrets_keeps_ordinary_messages(text: str) -> None:
    assert scrub_secrets(text) == text


def test_a_local_credential_failure_names_no_secret() -> None:
    missing = PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY")
    error = classify_error(missing)
    assert error.hint and leaked(error.describe()) == []


async def test_the_explorer_screen_never_shows_credentials(
    fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A region whose error quotes the credentials, highlighted in the region pane, and a
    screenshot of it: redacted."""
    from amitui.app import make_app
    from amitui.backend import LaunchOptions
    from amitui.widgets.region_pane import RegionList

    from .test_tui import screen_text, settle

    @contextlib.asynccontextmanager
    async def open_session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
        async with fake_credentials_session(fault_proxy.url) as aws:
            yield aws

    fault_proxy.add_fault(QUOTING_ERRORS[0], region="eu-west-1")
    app = make_app(LaunchOptions(regions=("eu-west-1", REGION)), session_factory=open_session)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        # Highlight the failed region in the region list: its full error shows below it.
        regions = app.query_one(RegionList)
        regions.highlighted = regions.get_option_index("eu-west-1")
        await pilot.pause(0.2)
        shown = screen_text(app)
        state = app.region_pane.state("eu-west-1")
    assert state is not None and state.error is not None
    assert state.error.code == "SignatureDoesNotMatch" and "<redacted>" in state.error.message
    assert leaked(shown) == [], "no credential anywhere on the screen"
