"""Pure validation of what users type into action dialogs, with messages fit to show them.

Every function either returns the normalised value or raises :class:`InvalidInput` whose
message names the field, what was wrong and what a good value looks like. Dialogs show the
message and send nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from amitui.aws import UnknownRegionError
from amitui.aws import validate_region as _validate_region
from amitui.model import ACCOUNT_ID_PATTERN


class InvalidInput(ValueError):
    """User input that cannot be used; ``str(exc)`` is the message for the dialog."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- accounts and organizations -------------------------------------------------------

# arn:aws:organizations::123456789012:organization/o-abc123defg
_ORG_ARN = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:organizations::\d{12}:organization/o-[a-z0-9]{10,32}$"
)
# arn:aws:organizations::123456789012:ou/o-abc123defg/ou-ab12-cdef3456
_OU_ARN = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:organizations::\d{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$"
)

ORG_ARN_EXAMPLE = "arn:aws:organizations::123456789012:organization/o-abc123defg"
OU_ARN_EXAMPLE = "arn:aws:organizations::123456789012:ou/o-abc123defg/ou-ab12-cdef3456"


def account_id(text: str, field: str = "Account id") -> str:
    value = text.strip().replace("-", "").replace(" ", "")
    if not value:
        raise InvalidInput(field, "is empty")
    if not value.isdigit():
        raise InvalidInput(field, f"{text.strip()!r} must be 12 digits, e.g. 123456789012")
    if not ACCOUNT_ID_PATTERN.match(value):
        raise InvalidInput(field, f"{text.strip()!r} has {len(value)} digits; account ids have 12")
    return value


def organization_arn(text: str, field: str = "Organization ARN") -> str:
    value = text.strip()
    if not _ORG_ARN.match(value):
        raise InvalidInput(field, f"{value!r} is not an organization ARN like {ORG_ARN_EXAMPLE}")
    return value


def organizational_unit_arn(text: str, field: str = "OU ARN") -> str:
    value = text.strip()
    if not _OU_ARN.match(value):
        raise InvalidInput(field, f"{value!r} is not an OU ARN like {OU_ARN_EXAMPLE}")
    return value


# --- regions ---------------------------------------------------------------------------


def region(text: str, known: set[str] | None = None, field: str = "Region") -> str:
    try:
        return _validate_region(text.strip(), known)
    except UnknownRegionError as exc:
        raise InvalidInput(field, str(exc)) from None


# --- KMS keys --------------------------------------------------------------------------

_KEY_ID = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$"
)
_ALIAS = re.compile(r"^alias/[A-Za-z0-9/_-]{1,250}$")
_KMS_ARN = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<kind>key|alias)/(?P<name>.+)$"
)


@dataclass(frozen=True, slots=True)
class KmsKey:
    """A KMS key as the user named it: key id, alias, key ARN or alias ARN."""

    value: str
    kind: str  # "key-id" | "alias" | "key-arn" | "alias-arn"
    region: str | None  # only ARNs say which region the key lives in

    @property
    def is_arn(self) -> bool:
        return self.region is not None


def kms_key(text: str, field: str = "KMS key") -> KmsKey:
    value = text.strip()
    if not value:
        raise InvalidInput(field, "is empty")
    match = _KMS_ARN.match(value)
    if match:
        name = match.group("name")
        if match.group("kind") == "key":
            if not _KEY_ID.match(name):
                raise InvalidInput(field, f"{value!r}: the key id in the ARN is malformed")
            return KmsKey(value, "key-arn", match.group("region"))
        if not _ALIAS.match(f"alias/{name}"):
            raise InvalidInput(field, f"{value!r}: the alias name in the ARN is malformed")
        return KmsKey(value, "alias-arn", match.group("region"))
    if _KEY_ID.match(value):
        return KmsKey(value, "key-id", None)
    if _ALIAS.match(value):
        return KmsKey(value, "alias", None)
    raise InvalidInput(
        field,
        f"{value!r} is not a KMS key id (1234abcd-12ab-34cd-56ef-1234567890ab), alias "
        "(alias/my-key) or ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)",
    )


def kms_key_in_region(key: KmsKey, destination: str, field: str = "KMS key") -> KmsKey:
    """KMS keys are regional: a copy to ``destination`` must use a key in ``destination``."""
    if key.region is not None and key.region != destination:
        raise InvalidInput(
            field,
            f"{key.value} is in {key.region}, but the copy is made in {destination}; "
            f"KMS keys are regional: pick a key in {destination}",
        )
    return key


# --- deprecation times -----------------------------------------------------------------

#: EC2: "The upper limit for DeprecateAt is 10 years from now, except for public AMIs,
#: where the upper limit is 2 years from the creation date."
MAX_DEPRECATION_AHEAD = timedelta(days=3652)
MAX_PUBLIC_DEPRECATION_AFTER_CREATION = timedelta(days=730)

_RELATIVE = re.compile(r"^\+\s*(\d+)\s*([mhdwy])$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S")


def round_to_minute(value: datetime) -> datetime:
    """EC2: "If you specify a value for seconds, Amazon EC2 rounds the seconds to the
    nearest minute"."""
    rounded = value.replace(second=0, microsecond=0)
    if value.second * 1_000_000 + value.microsecond >= 30_000_000:
        rounded += timedelta(minutes=1)
    return rounded


def deprecation_time(text: str, now: datetime, field: str = "Deprecate at") -> datetime:
    """``+30d``/``+12h``/``+2w``/``+90m``/``+1y``, ``2027-01-31``, ``2027-01-31 09:00`` or ISO
    8601 (UTC unless an offset is given); in the future and within EC2's 10-year limit."""
    value = text.strip()
    if not value:
        raise InvalidInput(field, "is empty; type +30d or a date like 2027-01-31")
    when: datetime | None = None
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2).lower()
        if amount <= 0:
            raise InvalidInput(field, f"{value!r} is not in the future")
        try:
            delta = (
                timedelta(days=365 * amount) if unit == "y" else timedelta(**{_UNITS[unit]: amount})
            )
        except OverflowError:
            raise InvalidInput(field, f"{value!r} is too far ahead") from None
        when = now + delta
    else:
        for fmt in _FORMATS:
            try:
                when = datetime.strptime(value, fmt).replace(tzinfo=UTC)
                break
            except ValueError:
                continue
        if when is None:
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise InvalidInput(
                    field,
                    f"{value!r} is neither a relative time (+30d, +12h, +2w) nor a date "
                    "(2027-01-31 or 2027-01-31 09:00, UTC)",
                ) from None
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
    when = round_to_minute(when.astimezone(UTC))
    if when <= now:
        raise InvalidInput(
            field, f"{when:%Y-%m-%d %H:%M} UTC is in the past; EC2 needs a future time"
        )
    if when > now + MAX_DEPRECATION_AHEAD:
        raise InvalidInput(
            field, f"{when:%Y-%m-%d} is more than 10 years ahead (EC2's limit for DeprecateAt)"
        )
    return when


# --- names -----------------------------------------------------------------------------

_AMI_NAME = re.compile(r"^[A-Za-z0-9()\[\]./\-'@_ ]{3,128}$")


def image_name(text: str, field: str = "Name") -> str:
    """EC2: "3-128 alphanumeric characters, parentheses (()), square brackets ([]), spaces
    ( ), periods (.), slashes (/), dashes (-), single quotes ('), at-signs (@), or
    underscores(_)"."""
    value = text.strip()
    if not _AMI_NAME.match(value):
        if not 3 <= len(value) <= 128:
            raise InvalidInput(field, f"must be 3 to 128 characters (is {len(value)})")
        bad = sorted({c for c in value if not _AMI_NAME.match(f"ab{c}")})
        raise InvalidInput(
            field, f"contains {''.join(bad)!r}; allowed: letters, digits, ( ) [ ] . / - ' @ _ space"
        )
    return value


def description(text: str, field: str = "Description") -> str:
    value = text.strip()
    if len(value) > 255:
        raise InvalidInput(field, f"is {len(value)} characters; EC2 allows 255")
    return value
