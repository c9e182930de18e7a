"""Bad input: every flag and every dialog field, with wrong values, gets a clear message and
nothing is sent.

Three layers, each a table:

- the command line (``amitui ls …`` and ``amitui …`` for the TUI), run in-process with
  ``AWS_ENDPOINT_URL`` at a FaultProxy whose request log must stay empty;
- the config file;
- the checks the action dialogs run on submit (copy, share, deprecate, guided cleanup): pure
  functions, so "nothing sent" holds by construction; tests/reliability/test_dialogs.py
  drives the real dialogs for a sample of these and checks the proxy log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from amitui import app as app_module
from amitui import cli
from amitui.actions.guided import parse_rules
from amitui.flows import copy as copy_flow
from amitui.flows import deprecate as deprecate_flow
from amitui.flows import share as share_flow
from amitui.model import Image
from amitui.sandbox.proxy import FaultProxy
from amitui.widgets.copy_dialog import CopyForm, DestinationForm
from amitui.widgets.deprecate_dialog import DeprecateForm
from amitui.widgets.share_dialog import KEEP, ShareForm

# --- the command line ------------------------------------------------------------------------

#: (arguments, what the one-line error must say). Each row runs as ``amitui ls ARGS`` and,
#: unless ls-only, as ``amitui ARGS`` (the TUI).
CLI_CASES: list[tuple[list[str], str]] = [
    (["--region", ""], "'' is not a region name"),
    (["--region", "EU-WEST-1"], "'EU-WEST-1' is not a region name (regions look like eu-west-1)"),
    (["--region", "eu-west-1 "], "'eu-west-1 ' is not a region name"),
    (["--region", "eu-west-1;rm -rf /"], "is not a region name"),
    (["--region", "us-east-99"], "'us-east-99' is not a known EC2 region; did you mean"),
    (["--region", "eu-nowhere-1"], "did you mean eu-north-1"),
    (["--region", "\x1b[2Jeu-west-1"], "'\\x1b[2Jeu-west-1' is not a region name"),
    (["--region", "eu-west-1", "--region", "mars-1"], "'mars-1' is not a region name"),
    (["--region", "eu-west-1", "--all-regions"], "contradict each other"),
    (["--region"], "argument --region: expected one argument"),
    (["--owner", ""], "invalid owner ''"),
    (["--owner", "Self"], "invalid owner 'Self': use self, amazon, aws-marketplace"),
    (["--owner", "12345678901"], "invalid owner '12345678901'"),
    (["--owner", "1234567890123"], "invalid owner '1234567890123'"),
    (["--owner", "12345678901a"], "invalid owner '12345678901a'"),
    (["--owner", "arn:aws:iam::123456789012:root"], "a 12-digit account id"),
    (["--owner", "self,amazon"], "invalid owner 'self,amazon'"),
    (["--profile", "nope"], "no AWS profile named 'nope' in the AWS config files"),
    (["--profile", ""], "no AWS profile named ''"),
    (["--bogus"], "unrecognized arguments: --bogus"),
]
LS_ONLY_CASES: list[tuple[list[str], str]] = [
    (["--format", "xml"], "invalid choice: 'xml' (choose from 'table', 'json', 'csv')"),
    (["--format", "JSON"], "invalid choice: 'JSON'"),
    (["--format", ""], "invalid choice: ''"),
    (["--format"], "argument --format: expected one argument"),
]
SANDBOX_CASES: list[tuple[list[str], str]] = [
    (["--port", "http"], "argument --port: invalid int value: 'http'"),
    (["--port", "1.5"], "invalid int value: '1.5'"),
]


def _case_id(case: tuple[list[str], str]) -> str:
    return " ".join(repr(a) if not a or " " in a or "\x1b" in a else a for a in case[0])


def run_cli(argv: list[str], proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> int:
    """``amitui ARGV`` in-process; returns the exit code (usage errors exit)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)

    def no_tui(*args: Any) -> int:
        raise AssertionError("the TUI started despite bad input")

    monkeypatch.setattr(app_module, "run_tui", no_tui)
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    return int(exited.value.code or 0)


def assert_usage_error(
    argv: list[str],
    message: str,
    proxy: FaultProxy,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    code = run_cli(argv, proxy, monkeypatch)
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "(see amitui" in lines[0], "the error says where help is"
    assert "\x1b" not in err
    assert out == ""
    assert proxy.requests == [], "nothing is sent for invalid input"
    return err


@pytest.mark.parametrize("case", CLI_CASES + LS_ONLY_CASES, ids=_case_id)
def test_ls_refuses_bad_arguments_with_one_line(
    case: tuple[list[str], str],
    fault_proxy: FaultProxy,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args, message = case
    assert_usage_error(["ls", *args], message, fault_proxy, monkeypatch, capsys)


@pytest.mark.parametrize("case", CLI_CASES, ids=_case_id)
def test_the_tui_refuses_bad_arguments_before_starting(
    case: tuple[list[str], str],
    fault_proxy: FaultProxy,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args, message = case
    assert_usage_error(args, message, fault_proxy, monkeypatch, capsys)


@pytest.mark.parametrize("case", SANDBOX_CASES, ids=_case_id)
def test_sandbox_refuses_bad_arguments(
    case: tuple[list[str], str],
    fault_proxy: FaultProxy,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args, message = case
    assert_usage_error(["sandbox", *args], message, fault_proxy, monkeypatch, capsys)


# --- the config file --------------------------------------------------------------------------

CONFIG_CASES: list[tuple[str, str]] = [
    ("regions = [", "cannot read"),
    ('regions = "eu-west-1"', "'regions' must be a list of region names"),
    ("regions = [1, 2]", "'regions' must be a list of region names"),
    ('regions = ["eu-west-1", "eu-nowhere-1"]', "regions: 'eu-nowhere-1' is not a known EC2"),
    ('regions = ["EU-WEST-1"]', "regions: 'EU-WEST-1' is not a region name"),
    ('keys = "copy"', "[keys] must map binding ids to key names"),
    ("[keys]\ncopy = 5", "[keys] must map binding ids to key names"),
]


@pytest.mark.parametrize(("content", "message"), CONFIG_CASES)
def test_a_bad_config_file_is_named_with_what_is_wrong(
    content: str,
    message: str,
    fault_proxy: FaultProxy,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content, encoding="utf-8")
    monkeypatch.setenv("AMITUI_CONFIG", str(config))
    err = assert_usage_error(["ls"], message, fault_proxy, monkeypatch, capsys)
    assert str(config) in err, "the message names the file"


# --- the action dialogs' checks ----------------------------------------------------------------

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def image(region: str = "us-east-1", *, encrypted: bool = False) -> Image:
    return Image.from_aws(
        region,
        {
            "ImageId": "ami-0123456789abcdef0",
            "Name": "web-golden",
            "OwnerId": "123456789012",
            "State": "available",
            "BlockDeviceMappings": [
                {
                    "DeviceName": "/dev/xvda",
                    "Ebs": {"SnapshotId": "snap-0123456789abcdef0", "Encrypted": encrypted},
                }
            ],
        },
    )


KNOWN = {"us-east-1", "eu-west-1", "ap-southeast-2", "eu-north-1"}


def copy_form(
    *destinations: tuple[str, bool, str], name: str = "web-golden-copy", description: str = ""
) -> CopyForm:
    return CopyForm(
        destinations=tuple(DestinationForm(r, e, k) for r, e, k in destinations),
        name=name,
        description=description,
        copy_tags=True,
    )


EU = ("eu-west-1", False, "")
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"

#: (field, what was typed, the form check, what the message must say)
FORM_CASES: list[tuple[str, str, Callable[[], object], str]] = [
    # copy
    ("copy: destinations", "none", lambda: copy_flow.check_form(copy_form(), [image()], KNOWN),
     "Destination regions: pick at least one"),
    ("copy: destination", "eu-nowhere-1",
     lambda: copy_flow.check_form(copy_form(("eu-nowhere-1", False, "")), [image()], KNOWN),
     "Destination: 'eu-nowhere-1' is not a known EC2 region"),
    ("copy: destination", "the source region",
     lambda: copy_flow.check_form(copy_form(("us-east-1", False, "")), [image()], KNOWN),
     "us-east-1 is where the image is already"),
    ("copy: encrypt", "unticked for an encrypted image",
     lambda: copy_flow.check_form(copy_form(EU), [image(encrypted=True)], KNOWN),
     "EC2 cannot make an unencrypted copy"),
    ("copy: KMS key", "not-a-key",
     lambda: copy_flow.check_form(copy_form(("eu-west-1", True, "not-a-key")), [image()], KNOWN),
     "KMS key (eu-west-1): 'not-a-key' is not a KMS key id"),
    ("copy: KMS key", "key ARN in another region",
     lambda: copy_flow.check_form(
         copy_form(("eu-west-1", True, f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}")),
         [image()], KNOWN),
     "KMS keys are regional: pick a key in eu-west-1"),
    ("copy: KMS key", "ARN with a malformed key id",
     lambda: copy_flow.check_form(
         copy_form(("eu-west-1", True, "arn:aws:kms:eu-west-1:123456789012:key/xyz")),
         [image()], KNOWN),
     "the key id in the ARN is malformed"),
    ("copy: KMS key", "alias with a space",
     lambda: copy_flow.check_form(copy_form(("eu-west-1", True, "alias/my key")), [image()], KNOWN),
     "is not a KMS key id"),
    ("copy: KMS key", "a key without Encrypt",
     lambda: copy_flow.check_form(copy_form(("eu-west-1", False, KEY_ID)), [image()], KNOWN),
     "a KMS key needs Encrypt ticked"),
    ("copy: name", "2 characters",
     lambda: copy_flow.check_form(copy_form(EU, name="ab"), [image()], KNOWN),
     "Name: must be 3 to 128 characters (is 2)"),
    ("copy: name", "129 characters",
     lambda: copy_flow.check_form(copy_form(EU, name="a" * 129), [image()], KNOWN),
     "must be 3 to 128 characters (is 129)"),
    ("copy: name", "markup and an escape",
     lambda: copy_flow.check_form(copy_form(EU, name="web<b>\x1b[2J"), [image()], KNOWN),
     "Name: contains"),
    ("copy: description", "256 characters",
     lambda: copy_flow.check_form(copy_form(EU, description="d" * 256), [image()], KNOWN),
     "Description: is 256 characters; EC2 allows 255"),
    # share
    ("share: grantee", "5 digits",
     lambda: share_flow.check_form(ShareForm("12345", (), KEEP, False)),
     "Grantee: '12345' has 5 digits; account ids have 12"),
    ("share: grantee", "13 digits",
     lambda: share_flow.check_form(ShareForm("1234567890123", (), KEEP, False)),
     "has 13 digits"),
    ("share: grantee", "letters",
     lambda: share_flow.check_form(ShareForm("acme-prod", (), KEEP, False)),
     "'acme-prod' must be 12 digits"),
    ("share: grantee", "IAM role ARN",
     lambda: share_flow.check_form(
         ShareForm("arn:aws:iam::123456789012:role/admin", (), KEEP, False)),
     "is not an organization ARN like arn:aws:organizations::"),
    ("share: grantee", "organization ARN, short id",
     lambda: share_flow.check_form(
         ShareForm("arn:aws:organizations::123456789012:organization/o-abc", (), KEEP, False)),
     "is not an organization ARN"),
    ("share: grantee", "OU ARN, bad OU id",
     lambda: share_flow.check_form(
         ShareForm("arn:aws:organizations::123456789012:ou/o-abc123defg/ou-x", (), KEEP, False)),
     "is not an OU ARN like"),
    ("share: grantee", "one good, one bad",
     lambda: share_flow.check_form(ShareForm("123456789012, 99", (), KEEP, False)),
     "'99' has 2 digits"),
    ("share: grantees", "added and removed",
     lambda: share_flow.check_form(
         ShareForm("123456789012", ("account|123456789012",), KEEP, False)),
     "is both added and removed"),
    ("share: form", "nothing",
     lambda: share_flow.check_form(ShareForm("  ", (), KEEP, False)),
     "nothing to change"),
    # deprecate
    ("deprecate: when", "empty",
     lambda: deprecate_flow.check_form(DeprecateForm("", False, False), NOW),
     "Deprecate at: is empty; type +30d"),
    ("deprecate: when", "+0d",
     lambda: deprecate_flow.check_form(DeprecateForm("+0d", False, False), NOW),
     "'+0d' is not in the future"),
    ("deprecate: when", "-5d",
     lambda: deprecate_flow.check_form(DeprecateForm("-5d", False, False), NOW),
     "is neither a relative time"),
    ("deprecate: when", "yesterday",
     lambda: deprecate_flow.check_form(DeprecateForm("yesterday", False, False), NOW),
     "'yesterday' is neither a relative time (+30d, +12h, +2w) nor a date"),
    ("deprecate: when", "a past date",
     lambda: deprecate_flow.check_form(DeprecateForm("2020-01-01", False, False), NOW),
     "2020-01-01 00:00 UTC is in the past"),
    ("deprecate: when", "February 30th",
     lambda: deprecate_flow.check_form(DeprecateForm("2027-02-30", False, False), NOW),
     "is neither a relative time"),
    ("deprecate: when", "31/01/2027",
     lambda: deprecate_flow.check_form(DeprecateForm("31/01/2027", False, False), NOW),
     "is neither a relative time"),
    ("deprecate: when", "+11y",
     lambda: deprecate_flow.check_form(DeprecateForm("+11y", False, False), NOW),
     "more than 10 years ahead"),
    ("deprecate: when", "+99999999999d",
     lambda: deprecate_flow.check_form(DeprecateForm("+99999999999d", False, False), NOW),
     "too far ahead"),
    # guided cleanup rules
    ("cleanup: keep newest", "-1", lambda: parse_rules(keep_newest="-1"),
     "keep newest: type a whole number"),
    ("cleanup: older than", "ninety", lambda: parse_rules(older_than_days="ninety"),
     "older than: type a whole number of days or images, not 'ninety'"),
    ("cleanup: not launched in", "1.5", lambda: parse_rules(not_launched_days="1.5"),
     "not launched in: type a whole number"),
    ("cleanup: deprecated before", "31/01/2026",
     lambda: parse_rules(deprecated_before="31/01/2026"),
     "deprecated before: type a date like 2026-01-31"),
    ("cleanup: tag", "=prod", lambda: parse_rules(tag="=prod"),
     "tag: type KEY=VALUE"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "typed", "check", "message"),
    FORM_CASES,
    ids=[f"{field}={typed}" for field, typed, _, _ in FORM_CASES],
)
def test_each_dialog_field_refuses_bad_values_with_a_clear_message(
    field: str, typed: str, check: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        check()
    assert message in str(refused.value)
