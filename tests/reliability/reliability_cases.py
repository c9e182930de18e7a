"""The reliability suite's tables, shared by its tests and by the README figures.

Each table is plain data so the tests can be parametrized over it and
``python tests/reliability/figures.py`` can count what the suite tries.
"""

from __future__ import annotations

from dataclasses import dataclass

from amitui.model import RegionStatus
from amitui.sandbox.proxy import AwsError, ConnectionReset, Fault, FaultProxy, Hang, HttpError

#: Regions that stay healthy while every other region of the suite's sandbox fails its own way.
HEALTHY_REGIONS = ("us-east-1", "ap-southeast-2")
#: One region per loading fault, so one load of every region exercises the whole matrix.
_FAULT_REGIONS = (
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "us-west-1",
    "us-west-2", "us-east-2", "ca-central-1", "sa-east-1", "ap-south-1", "ap-northeast-1",
)  # fmt: skip
#: botocore attempts per call in the suite: a burst of 2 faults is always survived.
ATTEMPTS = 3


@dataclass(frozen=True)
class LoadFault:
    """One way a region can fail while amitui loads it, and what the user must be told."""

    name: str
    fault: Fault
    count: int | None  # None: the region keeps failing; N: a burst of N, then it recovers
    status: RegionStatus  # the region's final state
    code: str = ""  # the error code shown ("" when the region recovers); "A|B": either
    says: tuple[str, ...] = ()  # fragments of the message + hint the user must see

    @property
    def recovers(self) -> bool:
        return self.status is RegionStatus.LOADED

    def shows_code(self, code: str) -> bool:
        return code in self.code.split("|")


LOAD_FAULTS: tuple[LoadFault, ...] = (
    LoadFault(
        "auth-failure (opt-in region not enabled)",
        AwsError("AuthFailure", "AWS was not able to validate the provided access credentials"),
        None,
        RegionStatus.DENIED,
        "AuthFailure",
        ("not be enabled", "opt-in", "--region"),
    ),
    LoadFault(
        "opt-in-required",
        AwsError("OptInRequired", "You are not subscribed to this service."),
        None,
        RegionStatus.DENIED,
        "OptInRequired",
        ("opt-in",),
    ),
    LoadFault(
        "unauthorized (SCP deny)",
        AwsError(
            "UnauthorizedOperation",
            "You are not authorized to perform this operation. with an explicit deny in a "
            "service control policy",
        ),
        None,
        RegionStatus.DENIED,
        "UnauthorizedOperation",
        ("explicit deny", "IAM", "README"),
    ),
    LoadFault(
        "throttling burst (2 x RequestLimitExceeded)",
        AwsError("RequestLimitExceeded", "Request limit exceeded."),
        2,
        RegionStatus.LOADED,
    ),
    LoadFault(
        "throttled out",
        AwsError("RequestLimitExceeded", "Request limit exceeded."),
        None,
        RegionStatus.THROTTLED,
        "RequestLimitExceeded",
        ("throttling", "press r to retry"),
    ),
    LoadFault("HTTP 500 burst", HttpError(500), 2, RegionStatus.LOADED),
    LoadFault(
        "HTTP 500",
        HttpError(500),
        None,
        RegionStatus.FAILED,
        "500",
        ("server error (HTTP 500)", "press r to retry"),
    ),
    LoadFault(
        "HTTP 503",
        HttpError(503),
        None,
        RegionStatus.FAILED,
        "503",
        ("server error (HTTP 503)", "press r to retry"),
    ),
    LoadFault("connection reset burst", ConnectionReset(), 2, RegionStatus.LOADED),
    LoadFault(
        "connection reset",
        ConnectionReset(),
        None,
        RegionStatus.FAILED,
        "EndpointConnectionError",
        ("unreachable", "press r to retry"),
    ),
    LoadFault(
        "never answers",
        Hang(),
        None,
        RegionStatus.FAILED,
        # botocore's read timeout or amitui's region timeout, whichever is shorter, says so.
        "ReadTimeoutError|Timeout",
        ("press r to retry",),
    ),
    LoadFault(
        "expired SSO credentials",
        AwsError("ExpiredToken", "The security token included in the request is expired"),
        None,
        RegionStatus.EXPIRED_CREDENTIALS,
        "ExpiredToken",
        ("expired", "aws sso login"),
    ),
)


def load_fault_id(case: LoadFault) -> str:
    return case.name.split(" (")[0].replace(" ", "-")


#: Where each loading fault is injected.
FAULT_REGION: dict[str, str] = {
    case.name: region for case, region in zip(LOAD_FAULTS, _FAULT_REGIONS, strict=True)
}
#: Every region the suite's sandbox enables.
REGIONS: tuple[str, ...] = (*HEALTHY_REGIONS, *FAULT_REGION.values())


def inject_every_fault(proxy: FaultProxy) -> None:
    """Each loading fault into its own region (the healthy regions get none)."""
    proxy.reset()
    for case in LOAD_FAULTS:
        proxy.add_fault(case.fault, region=FAULT_REGION[case.name], count=case.count)


# --- untrusted text an attacker can put in an image they share with you --------------------

#: What an attacker can carry through EC2's XML (no C0 controls: XML 1.0 cannot hold them):
#: Rich markup, a hyperlink, a C1 CSI (U+009B, "ESC [" in one byte) and a bidi override.
HOSTILE_NAME = (
    "evil-[link=https://evil.example/]click[/link]-[bold red]boom[/]-\u009b2J-\u202egpj.exe"
)
HOSTILE_DESCRIPTION = "[reverse]desc[/reverse] \u009b31m red \u202e txt.exe"
HOSTILE_TAG_VALUE = "[blink]tag[/blink]\u009b8m\u202e"
#: Only for the rendering layer (model objects built directly): C0 controls and ESC sequences.
HOSTILE_C0 = "x\x1b[2J\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07\r\x08\x07\x00y"

#: What none of those may leave behind in rendered output: a live control, bidi override,
#: or markup turned into style/links.
FORBIDDEN_IN_OUTPUT = ("\x1b", "\u009b", "\u202e", "\x07", "\x00", "\r", "\x08")
