"""Errors as data: any exception from an AWS call becomes an :class:`~amitui.model.AwsError`.

The UI, ``amitui ls`` and the journal show what went wrong (AWS's code and message, made inert
and with secrets scrubbed) and, where amitui knows it, how to fix it (``hint``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

from botocore import exceptions as boto_exceptions

from amitui.model import AwsError, RegionStatus
from amitui.text import inert


class ReadOnlyError(PermissionError):
    """A mutating call was attempted in read-only mode."""


_DENIED = {
    "AuthFailure",
    "UnauthorizedOperation",
    "OptInRequired",
    "AccessDenied",
    "AccessDeniedException",
    "Blocked",
    "UnrecognizedClientException",
}
_THROTTLED = {"RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequests"}
_SERVER_ERRORS = {"InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable"}
_EXPIRED = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
}
_CREDENTIAL_EXCEPTIONS = (
    boto_exceptions.NoCredentialsError,
    boto_exceptions.PartialCredentialsError,
    boto_exceptions.TokenRetrievalError,
    boto_exceptions.SSOTokenLoadError,
    boto_exceptions.UnauthorizedSSOTokenError,
    boto_exceptions.CredentialRetrievalError,
    boto_exceptions.ProfileNotFound,
)
_TIMEOUT_EXCEPTIONS = (
    boto_exceptions.ConnectTimeoutError,
    boto_exceptions.ReadTimeoutError,
    asyncio.TimeoutError,
)
_UNREACHABLE_EXCEPTIONS = (
    boto_exceptions.EndpointConnectionError,
    boto_exceptions.ConnectTimeoutError,
    boto_exceptions.ReadTimeoutError,
    boto_exceptions.ConnectionClosedError,
    asyncio.TimeoutError,
)


#: How the explorer retries what failed; ``amitui ls`` says it its own way (for_command_line).
RETRY = "press r to retry"


def for_command_line(text: str) -> str:
    """``text`` (an error's description) as ``amitui ls`` prints it: it has no r key."""
    return text.replace(RETRY, "run the command again")


def _endpoint(exc: BaseException, region: str) -> str:
    """Which endpoint did not answer: the URL botocore tried (STS, IAM or EC2), else EC2's."""
    url = getattr(exc, "kwargs", {}).get("endpoint_url")
    if isinstance(url, str) and url:
        return f"the endpoint {url}"
    return f"the EC2 endpoint in {region}" if region else "the EC2 endpoint"


def refresh_hint(profile: str | None) -> str:
    if profile:
        return f"refresh them with: aws sso login --profile {profile}"
    return "refresh them (e.g. aws sso login --profile NAME) or export new keys"


#: AWS messages can carry whole response bodies; the user needs the first sentence or two.
MAX_MESSAGE = 300


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


# AWS's SignatureDoesNotMatch message quotes the canonical request, session token header
# included; access key ids have a fixed shape; secret keys and tokens are long base64 runs.
_SECRET_PATTERNS = (
    re.compile(r"(x-amz-security-token[:=]\s*)\S+", re.IGNORECASE),
    re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
    re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40,}"),
)


def scrub_secrets(text: str) -> str:
    """``text`` with anything shaped like an access key id, secret key or session token
    replaced by ``<redacted>``: error messages reach the screen, ``ls`` stderr and the journal.
    """
    text = _SECRET_PATTERNS[0].sub(r"\1<redacted>", text)
    for pattern in _SECRET_PATTERNS[1:]:
        text = pattern.sub("<redacted>", text)
    return text


def classify_error(exc: BaseException, *, region: str = "", profile: str | None = None) -> AwsError:
    """Turn any exception from an AWS call into an :class:`AwsError` the UI and ``ls`` show."""
    error = _classify(exc, region, profile)
    # AWS echoes parameter values (names, tags) in messages: make them inert at the source,
    # so no display path (a notification with markup=False) can show a live control.
    message = inert(_short(scrub_secrets(error.message)))
    return AwsError(error.status, inert(error.code), message, inert(error.hint))


def _classify(exc: BaseException, region: str, profile: str | None) -> AwsError:
    where = f" in {region}" if region else ""
    if isinstance(exc, boto_exceptions.ClientError):
        error: Mapping[str, Any] = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = str(error.get("Message", "")) or str(exc)
        if code == "SignatureDoesNotMatch":
            return AwsError(
                RegionStatus.EXPIRED_CREDENTIALS,
                code,
                message,
                "the secret key does not match the access key id, or this machine's clock is "
                "off; check which credentials are in use with 'aws sts get-caller-identity'",
            )
        if code in _EXPIRED:
            return AwsError(
                RegionStatus.EXPIRED_CREDENTIALS,
                code,
                message,
                f"your credentials have expired or are invalid; {refresh_hint(profile)}",
            )
        if code in _THROTTLED:
            return AwsError(
                RegionStatus.THROTTLED,
                code,
                message,
                f"AWS kept throttling after retries; wait a minute and {RETRY}",
            )
        if code in ("AuthFailure", "OptInRequired"):
            return AwsError(
                RegionStatus.DENIED,
                code,
                message,
                f"the region{where} may not be enabled for this account (opt-in region) or "
                "an SCP denies it; enable it in the account settings or leave it out with --region",
            )
        if code in _DENIED:
            return AwsError(
                RegionStatus.DENIED,
                code,
                message,
                "your IAM identity lacks a permission amitui needs here; "
                "see 'IAM permissions' in the README",
            )
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _SERVER_ERRORS or (isinstance(status, int) and status >= 500):
            return AwsError(
                RegionStatus.FAILED,
                code,
                message,
                f"AWS answered with a server error{f' (HTTP {status})' if status else ''}{where} "
                f"even after retries; wait a minute and {RETRY}",
            )
        return AwsError(RegionStatus.FAILED, code, message)
    if isinstance(exc, boto_exceptions.ProfileNotFound):
        return AwsError(
            RegionStatus.EXPIRED_CREDENTIALS,
            type(exc).__name__,
            str(exc),
            "no profile by that name in the AWS config files; "
            "'aws configure list-profiles' lists them",
        )
    if isinstance(exc, _CREDENTIAL_EXCEPTIONS):
        return AwsError(
            RegionStatus.EXPIRED_CREDENTIALS,
            type(exc).__name__,
            str(exc),
            f"no usable credentials; {refresh_hint(profile)}",
        )
    if isinstance(exc, _UNREACHABLE_EXCEPTIONS):
        kind = "timed out" if isinstance(exc, _TIMEOUT_EXCEPTIONS) else "is unreachable"
        endpoint = _endpoint(exc, region)
        return AwsError(
            RegionStatus.FAILED,
            type(exc).__name__,
            str(exc) or f"{endpoint} {kind}",
            f"{endpoint} {kind}; check the network/proxy and {RETRY}",
        )
    if isinstance(exc, ReadOnlyError):
        return AwsError(RegionStatus.DENIED, "ReadOnly", str(exc), "restart without --read-only")
    return AwsError(RegionStatus.FAILED, type(exc).__name__, str(exc) or repr(exc))
