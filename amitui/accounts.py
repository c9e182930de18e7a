"""Many accounts at once: where they come from, who they are, and loading them all.

An account source is a profile of the AWS config files (``--profile``, repeatable, globs;
``--all-profiles``) or an organization's member account reached by STS AssumeRole of
``--org-role`` from the management account (``--org``). Each source becomes one
:class:`Account` (id, alias, the source it came from, its own :class:`AwsSession`), or one
:class:`AccountProblem`: credentials are errors as data, per account, so the healthy accounts
stay usable. Sources resolving to the same account are one account, said so once.

Profiles are resolved by botocore exactly as the AWS CLI would (``role_arn`` +
``source_profile``, ``sso_session``, ``credential_process``): amitui names the profile and
never overrides what botocore reads from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import getpass
import re
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore import exceptions as boto_exceptions

from amitui.aws import AwsSession, Credentials
from amitui.aws_errors import classify_error
from amitui.loader import handed_on, load_region, resolve_regions
from amitui.model import ACCOUNT_ID_PATTERN, AwsError, ImageQuery, RegionLoad, RegionStatus

DEFAULT_ORG_ROLE = "OrganizationAccountAccessRole"
#: How the standard chain's account (no --profile; AWS_PROFILE, env keys...) is named.
DEFAULT_SOURCE = "the default AWS credentials"
#: Organizations API reference, ParentId: "^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$".
OU_ID_PATTERN = re.compile(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
#: IAM role names (optionally after a path): "[\w+=,.@-]+", at most 64 characters.
ROLE_NAME_PATTERN = re.compile(r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
#: Account-region loads at once, over every account (each is one or two paginated calls).
DEFAULT_OVERALL_LOADS = 64
#: Overall loads at first (one account's regions), one more per completed load up to the
#: overall bound: the first answers come as a small burst, parsed and shown at once.
DEFAULT_INITIAL_LOADS = 17
#: Loads at once of one account-region: EC2 throttles per account, region and API.
DEFAULT_PER_REGION_LOADS = 2
#: Sources whose identity is asked at once (STS throttles too).
DEFAULT_IDENTITY_CONCURRENCY = 16

#: Credential failures that an ``aws sso login`` cures.
_SSO_EXCEPTIONS = (
    boto_exceptions.SSOTokenLoadError,
    boto_exceptions.UnauthorizedSSOTokenError,
    boto_exceptions.TokenRetrievalError,
    boto_exceptions.SSOError,
)


class AccountsError(ValueError):
    """A bad account argument, found before any AWS call (usage error, exit code 2)."""


# --------------------------------------------------------------------------- arguments


def validate_account_id(value: str) -> str:
    if not ACCOUNT_ID_PATTERN.match(value):
        raise AccountsError(f"{value!r} is not an account id (12 digits, e.g. 123456789012)")
    return value


def validate_ou_id(value: str) -> str:
    if not OU_ID_PATTERN.match(value):
        raise AccountsError(f"{value!r} is not an OU or root id (e.g. ou-ab12-cd34ef56, r-ab12)")
    return value


def validate_role_name(value: str) -> str:
    if not ROLE_NAME_PATTERN.match(value):
        raise AccountsError(
            f"{value!r} is not an IAM role name (letters, digits and +=,.@_-, e.g. "
            f"{DEFAULT_ORG_ROLE})"
        )
    return value


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """Where the accounts come from, as the command line says it. Nothing at all: the
    standard AWS chain's one account (``AWS_PROFILE``, env keys, ...)."""

    profiles: tuple[str, ...] = ()  # names or globs
    all_profiles: bool = False
    org: bool = False
    ou: str | None = None
    skip_accounts: tuple[str, ...] = ()
    org_role: str = DEFAULT_ORG_ROLE

    def __post_init__(self) -> None:
        for account_id in self.skip_accounts:
            validate_account_id(account_id)
        if self.ou is not None:
            validate_ou_id(self.ou)
        validate_role_name(self.org_role)
        if (self.ou or self.skip_accounts) and not self.org:
            raise AccountsError("--ou and --skip-account narrow --org; add --org")

    @property
    def many(self) -> bool:
        """More than the one default account may come of it."""
        return bool(self.profiles or self.all_profiles or self.org)


def available_profiles() -> list[str]:
    """The profiles of the AWS config and credentials files, as botocore reads them."""
    import botocore.session  # slow to import, and only needed here

    return sorted(botocore.session.Session().available_profiles)


def profile_names(
    patterns: Sequence[str], *, all_profiles: bool = False, available: Sequence[str] | None = None
) -> list[str]:
    """The profiles ``patterns`` name (exact names or globs, in order, each once), or every
    profile. A name that no profile has, or a glob that matches none, is a usage error."""
    known = available_profiles() if available is None else list(available)
    if all_profiles:
        if not known:
            raise AccountsError("--all-profiles: the AWS config files define no profiles")
        return known
    chosen: dict[str, None] = {}
    for pattern in patterns:
        if is_glob(pattern):
            matched = fnmatch.filter(known, pattern)
            if not matched:
                raise AccountsError(
                    f"no AWS profile in the AWS config files matches {pattern!r}{_known(known)}"
                )
            chosen.update(dict.fromkeys(matched))
        elif pattern in known:
            chosen[pattern] = None
        else:
            raise AccountsError(
                f"no AWS profile named {pattern!r} in the AWS config files{_known(known)}"
            )
    return list(chosen)


def is_glob(pattern: str) -> bool:
    """Whether a ``--profile`` is a glob (``prod-*``) rather than a profile's name."""
    return any(c in pattern for c in "*?[")


def _known(profiles: Sequence[str]) -> str:
    if not profiles:
        return " (the AWS config files define none)"
    shown = ", ".join(profiles[:5]) + (", …" if len(profiles) > 5 else "")
    return f" (known: {shown}; 'aws configure list-profiles' lists them)"


def sso_session_of(profile: str, profiles: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The SSO login that ``profile``'s credentials come from, following ``source_profile``:
    ``--sso-session NAME`` for an ``sso_session`` profile, ``--profile NAME`` for a legacy
    one (``sso_start_url`` in the profile itself); None when no SSO is involved."""
    seen: set[str] = set()
    name: str | None = profile
    while name is not None and name not in seen:
        seen.add(name)
        config = profiles.get(name, {})
        if config.get("sso_session"):
            return f"--sso-session {config['sso_session']}"
        if config.get("sso_start_url"):
            return f"--profile {name}"
        source = config.get("source_profile")
        name = str(source) if source else None
    return None


def role_session_name() -> str:
    """``amitui-<user>``: CloudTrail then says who assumed the role, and with what."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in a container: the tool's name alone
        user = ""
    user = re.sub(r"[^\w+=,.@-]", "", user)
    return f"amitui-{user}"[:64] if user else "amitui"


# --------------------------------------------------------------------------- accounts


@dataclass(eq=False)
class Account:
    """One account amitui reads: its id, alias (None when it has none or it is not readable),
    where its credentials come from (``profile NAME`` or a role ARN) and its session."""

    id: str
    alias: str | None
    source: str
    session: AwsSession
    #: The caller's ARN (GetCallerIdentity): a role assumed, or a user.
    principal: str = ""
    #: DescribeRegions' answer when it was asked beside the identity (``open_accounts(...,
    #: with_regions=True)``): the listing then starts one round trip sooner. None: not asked,
    #: or it failed (the listing asks again and reports the error).
    enabled_regions: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        return self.alias or self.id


@dataclass(frozen=True, slots=True)
class AccountProblem:
    """Sources that gave no usable account, for one reason (one line to show)."""

    sources: tuple[str, ...]
    error: AwsError
    #: What fixes it, said first (e.g. "3 profiles need `aws sso login --sso-session corp`").
    headline: str = ""
    #: The ``aws sso login`` arguments that cure it (``("--sso-session", "corp")``), if any.
    login: tuple[str, ...] = ()
    #: The profiles to open again once it is cured.
    profiles: tuple[str, ...] = ()

    @property
    def is_usage_error(self) -> bool:
        """Something the user named is wrong (credentials, a role, --org's account, an OU),
        not a passing fault such as an unreachable endpoint (``amitui ls`` exits 2, not 1)."""
        denied = self.error.status in (RegionStatus.EXPIRED_CREDENTIALS, RegionStatus.DENIED)
        return denied or self.error.code in _ORG_HINTS

    def describe(self) -> str:
        if self.headline:
            return f"{self.headline} ({', '.join(self.sources)}): {self.error.code}: " + (
                self.error.message
            )
        return f"{', '.join(self.sources)}: {self.error.describe()}"


@dataclass
class Accounts:
    """The outcome of opening every source: the accounts, each once, in the order given;
    the problems; and notes (sources that were the same account)."""

    accounts: list[Account] = field(default_factory=list)
    problems: list[AccountProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


#: Makes the session of a profile (None: the standard chain's default), with explicit
#: credentials when given (an assumed role's) and otherwise as the profile resolves them.
SessionFactory = Callable[[str | None, Credentials | None], AwsSession]


@dataclass(frozen=True, slots=True)
class _Opened:
    source: str
    session: AwsSession
    account_id: str
    principal: str
    alias: str | None = None
    enabled_regions: tuple[str, ...] | None = None


class _Failed(Exception):
    def __init__(self, problem: AccountProblem) -> None:
        super().__init__(problem.describe())
        self.problem = problem


async def _identify(session: AwsSession, source: str, with_regions: bool) -> _Opened:
    """Who ``session`` is (STS GetCallerIdentity, which resolves its credentials), its alias
    and (``with_regions``) its enabled regions, asked side by side: one round trip before the
    listing starts, not three."""
    identity = session.call(session.default_region, "GetCallerIdentity", service="sts")
    answer, (alias, regions) = await asyncio.gather(identity, _extras(session, with_regions))
    account_id, principal = str(answer["Account"]), str(answer.get("Arn", ""))
    return _Opened(source, session, account_id, principal, alias, regions)


async def _extras(
    session: AwsSession, with_regions: bool
) -> tuple[str | None, tuple[str, ...] | None]:
    """The alias and, if asked, the enabled regions; neither ever raises."""
    if not with_regions:
        return await session.account_alias(), None
    alias, regions = await asyncio.gather(
        session.account_alias(), session.enabled_regions(), return_exceptions=True
    )
    return (
        alias if isinstance(alias, str) else None,
        tuple(regions) if isinstance(regions, list) else None,
    )


def _principal_key(arn: str) -> str:
    """An assumed role's ARN without its session name: two sessions of one role are one."""
    match = re.match(r"^(arn:[^:]+:sts::\d{12}:assumed-role/[^/]+)/", arn)
    return match.group(1) if match else arn


def _profile_problem(profile: str, exc: BaseException) -> AccountProblem:
    source = f"profile {profile}"
    error = classify_error(exc, profile=profile)
    if isinstance(exc, boto_exceptions.NoCredentialsError):
        error = AwsError(
            error.status,
            error.code,
            f"profile {profile} has no credentials",
            "give it keys, role_arn + source_profile, sso_session or credential_process",
        )
    elif isinstance(exc, boto_exceptions.ClientError) and exc.operation_name == "AssumeRole":
        error = AwsError(
            error.status,
            error.code,
            f"cannot assume the profile's role_arn: {error.message}",
            error.hint,
        )
    return AccountProblem((source,), error)


def _sso_problems(failed: Mapping[str, list[tuple[str, BaseException]]]) -> list[AccountProblem]:
    """One problem per SSO login: N profiles of one session need one ``aws sso login``."""
    problems = []
    for login, profiles in failed.items():
        count = len(profiles)
        noun = "profile needs" if count == 1 else "profiles need"
        error = classify_error(profiles[0][1], profile=profiles[0][0])
        error = AwsError(RegionStatus.EXPIRED_CREDENTIALS, error.code, error.message)
        problems.append(
            AccountProblem(
                tuple(f"profile {p}" for p, _ in profiles),
                error,
                headline=f"{count} {noun} `aws sso login {login}`",
                login=tuple(login.split(" ", 1)),
                profiles=tuple(p for p, _ in profiles),
            )
        )
    return problems


def _merge(opened: Sequence[_Opened], result: Accounts) -> dict[str, _Opened]:
    """One entry per account id, the first source kept; a note for each merged account."""
    first: dict[str, _Opened] = {}
    merged: dict[str, list[str]] = defaultdict(list)
    for item in opened:
        if item.account_id in first:
            merged[item.account_id].append(item.source)
        else:
            first[item.account_id] = item
    for account_id, others in merged.items():
        kept = first[account_id]
        same_role = all(
            _principal_key(o.principal) == _principal_key(kept.principal)
            for o in opened
            if o.account_id == account_id
        )
        how = "the same account and role" if same_role else "the same account"
        result.notes.append(
            f"{kept.source} and {', '.join(others)} are {how} ({account_id}): "
            f"read once, as {kept.source}"
        )
    return first


@asynccontextmanager
async def open_accounts(
    spec: AccountSpec,
    session_for: SessionFactory,
    *,
    credentials_session: SessionFactory | None = None,
    available: Sequence[str] | None = None,
    profiles_config: Mapping[str, Mapping[str, Any]] | None = None,
    with_regions: bool = False,
) -> AsyncIterator[Accounts]:
    """Open every source of ``spec``; the sessions live as long as the context.

    ``session_for(profile, credentials)`` makes the sessions accounts are read with.
    ``--org`` starts from the default chain's credentials (``AWS_PROFILE``, env keys...):
    ``credentials_session(None, None)`` makes the session it lists the organization and
    assumes roles with. STS AssumeRole changes no account, but the read-only guard keys on
    the operation's verb, so that session is one of its own (default: ``session_for``).
    ``with_regions``: ask each account's enabled regions beside its identity (see
    :attr:`Account.enabled_regions`).
    """
    async with AsyncExitStack() as stack:

        def enter(session: AwsSession) -> AwsSession:
            stack.push_async_callback(session.close)
            return session

        result = Accounts()
        limit = asyncio.Semaphore(DEFAULT_IDENTITY_CONCURRENCY)
        opened: list[_Opened] = []
        names = (
            profile_names(spec.profiles, all_profiles=spec.all_profiles, available=available)
            if spec.profiles or spec.all_profiles
            else []
        )
        if names:
            config = profiles_config if profiles_config is not None else _profiles_config()
            opened += await _open_profiles(
                names, config, session_for, enter, limit, result, with_regions
            )
        if spec.org:
            base = enter((credentials_session or session_for)(None, None))
            try:
                opened += await _open_organization(
                    spec, base, session_for, enter, limit, result, with_regions
                )
            except _Failed as failed:
                result.problems.append(failed.problem)
        if not spec.many:
            lone = await identify_default(enter(session_for(None, None)), with_regions=with_regions)
            result.accounts, result.problems = lone.accounts, lone.problems
        else:
            result.accounts = [_account(o) for o in _merge(opened, result).values()]
        yield result


def _account(o: _Opened) -> Account:
    return Account(o.account_id, o.alias, o.source, o.session, o.principal, o.enabled_regions)


async def identify_default(session: AwsSession, *, with_regions: bool = False) -> Accounts:
    """The default credentials' one account as :func:`open_accounts` opens it (``session``
    made by its ``session_for(None, None)``): the account, or the one problem of
    :data:`DEFAULT_SOURCE` (errors are data). ``amitui ls`` asks it beside its listing."""
    try:
        opened = await _identify(session, DEFAULT_SOURCE, with_regions)
    except Exception as exc:  # errors are data: the caller says what failed
        error = classify_error(exc, profile=session.profile)
        return Accounts(problems=[AccountProblem((DEFAULT_SOURCE,), error)])
    return Accounts(accounts=[_account(opened)])


def _profiles_config() -> dict[str, dict[str, Any]]:
    import botocore.session

    profiles: dict[str, dict[str, Any]] = botocore.session.Session().full_config.get("profiles", {})
    return profiles


async def _open_profiles(
    names: Sequence[str],
    config: Mapping[str, Mapping[str, Any]],
    session_for: SessionFactory,
    enter: Callable[[AwsSession], AwsSession],
    limit: asyncio.Semaphore,
    result: Accounts,
    with_regions: bool,
) -> list[_Opened]:
    by_login: dict[str | None, list[str]] = defaultdict(list)
    for name in names:
        by_login[sso_session_of(name, config)].append(name)
    sso_failed: dict[str, list[tuple[str, BaseException]]] = defaultdict(list)
    problems: list[AccountProblem] = []
    opened: list[_Opened] = []

    async def open_one(name: str) -> BaseException | None:
        session = enter(session_for(name, None))
        async with limit:
            try:
                opened.append(await _identify(session, f"profile {name}", with_regions))
            except Exception as exc:  # errors are data, per account
                return exc
        return None

    async def open_login(login: str | None, members: list[str]) -> None:
        rest = members
        if login is not None:
            # The first profile of an SSO session alone: should its token need refreshing,
            # it is refreshed once (botocore caches it on disk for the others), not N times
            # at once; and when the login has expired, the others are not even asked.
            first, rest = members[0], members[1:]
            exc = await open_one(first)
            if isinstance(exc, _SSO_EXCEPTIONS):
                sso_failed[login] = [(name, exc) for name in members]
                return
            if exc is not None:
                problems.append(_profile_problem(first, exc))
        errors = await asyncio.gather(*(open_one(name) for name in rest))
        for name, exc in zip(rest, errors, strict=True):
            if exc is None:
                continue
            if login is not None and isinstance(exc, _SSO_EXCEPTIONS):
                sso_failed[login].append((name, exc))
            else:
                problems.append(_profile_problem(name, exc))

    await asyncio.gather(*(open_login(login, members) for login, members in by_login.items()))
    order = {f"profile {name}": i for i, name in enumerate(names)}
    # In the order the profiles were named, whichever answered first.
    result.problems += sorted(problems, key=lambda p: order[p.sources[0]])
    result.problems += _sso_problems(sso_failed)
    return sorted(opened, key=lambda o: order[o.source])


def sso_login_command(problem: AccountProblem) -> list[str]:
    """The command that cures ``problem`` (``aws sso login --sso-session corp``): run by the
    user's choice only, never implicitly."""
    return ["aws", "sso", "login", *problem.login]


# --------------------------------------------------------------------------- organization


@dataclass(frozen=True, slots=True)
class OrgAccount:
    """An account as Organizations lists it."""

    id: str
    name: str
    status: str  # ACTIVE, SUSPENDED, PENDING_CLOSURE


def _org_account(record: Mapping[str, Any]) -> OrgAccount:
    return OrgAccount(
        str(record["Id"]), str(record.get("Name", "")), str(record.get("Status", "ACTIVE"))
    )


async def organization_accounts(aws: AwsSession, ou: str | None = None) -> list[OrgAccount]:
    """Every account of the caller's organization (ListAccounts), or of the OU subtree
    under ``ou`` (ListAccountsForParent and ListOrganizationalUnitsForParent, recursively)."""
    region = aws.default_region
    if ou is None:
        return [
            _org_account(record)
            async for page in aws.paginate(region, "ListAccounts", service="organizations")
            for record in page.get("Accounts", [])
        ]
    found: list[OrgAccount] = []
    parents = [ou]
    while parents:
        parent = parents.pop(0)
        async for page in aws.paginate(
            region, "ListAccountsForParent", service="organizations", ParentId=parent
        ):
            found += [_org_account(record) for record in page.get("Accounts", [])]
        async for page in aws.paginate(
            region, "ListOrganizationalUnitsForParent", service="organizations", ParentId=parent
        ):
            parents += [str(unit["Id"]) for unit in page.get("OrganizationalUnits", [])]
    return found


_ORG_HINTS = {
    "AccessDeniedException": "--org needs credentials of the organization's management account "
    "or of a delegated administrator",
    "AWSOrganizationsNotInUseException": "--org needs credentials of an organization's "
    "management account; this account is in no organization",
    "ParentNotFoundException": "no such OU in the organization; "
    "'aws organizations list-organizational-units-for-parent' lists them",
    "ChildNotFoundException": "no such OU in the organization",
    "TargetNotFoundException": "no such OU in the organization",
}


async def _open_organization(
    spec: AccountSpec,
    base: AwsSession,
    session_for: SessionFactory,
    enter: Callable[[AwsSession], AwsSession],
    limit: asyncio.Semaphore,
    result: Accounts,
    with_regions: bool,
) -> list[_Opened]:
    source = "--org" + (f" --ou {spec.ou}" if spec.ou else "")
    try:
        caller = await _identify(base, source, False)
        listed = await organization_accounts(base, spec.ou)
    except Exception as exc:  # one problem for the whole source
        error = classify_error(exc)
        hint = _ORG_HINTS.get(error.code, error.hint)
        raise _Failed(
            AccountProblem((source,), AwsError(error.status, error.code, error.message, hint))
        ) from exc
    partition = caller.principal.split(":")[1] if caller.principal.count(":") >= 5 else "aws"
    skipped = set(spec.skip_accounts)
    inactive = [a for a in listed if a.status != "ACTIVE" and a.id not in skipped]
    if inactive:
        result.notes.append(
            "left out, not active: "
            + ", ".join(f"{a.id} ({a.name}, {a.status.lower()})" for a in inactive)
        )
    wanted = [a for a in listed if a.status == "ACTIVE" and a.id not in skipped]
    session_name = role_session_name()

    async def reach(member: OrgAccount) -> _Opened | AccountProblem:
        if member.id == caller.account_id:
            # The account --org started from (the management account, on AWS, has no
            # OrganizationAccountAccessRole): read with the credentials given.
            own = enter(session_for(None, None))
            label = f"profile {base.profile}" if base.profile else DEFAULT_SOURCE
            alias, regions = await _extras(own, with_regions)
            return _Opened(label, own, caller.account_id, caller.principal, alias, regions)
        role = f"arn:{partition}:iam::{member.id}:role/{spec.org_role}"
        try:
            async with limit:
                # Refreshable: botocore assumes the role again before the keys expire.
                credentials = await base.assume_role(role, session_name)
        except Exception as exc:  # errors are data, per account
            error = classify_error(exc)
            return AccountProblem(
                (f"{member.id} ({member.name})",),
                AwsError(
                    error.status,
                    error.code,
                    f"cannot assume {role} from {caller.account_id}: {error.message}",
                    error.hint,
                ),
            )
        # The base's profile keeps its config (region, endpoint_url); the role's keys win.
        session = enter(session_for(base.profile, credentials))
        # STS's ARN of an assumed role's session (what GetCallerIdentity would answer).
        principal = f"arn:{partition}:sts::{member.id}:assumed-role/{spec.org_role}/{session_name}"
        async with limit:
            alias, regions = await _extras(session, with_regions)
        return _Opened(role, session, member.id, principal, alias, regions)

    reached = await asyncio.gather(*(reach(member) for member in wanted))
    # In the organization's order, whichever answered first.
    result.problems += [item for item in reached if isinstance(item, AccountProblem)]
    return [item for item in reached if isinstance(item, _Opened)]


# --------------------------------------------------------------------------- loading


class Limits:
    """Concurrency bounds for loads across accounts: per (account, region) — EC2 throttles
    per account, region and API (Describe calls: a bucket of 100, refilled at 20 a second)
    — and overall, so an organization-wide load is not throttled into failure and its
    thousands of account-regions do not open thousands of connections at once.

    ``focus`` names the account the user is looking at: when an overall slot frees up, its
    loads go before every other account's, so an organization-wide load never starves it.

    The overall bound starts slow: ``initial`` slots, one more each time a load completes,
    up to ``overall``. 64 loads sent at once answer at once, and the first one's rows wait
    for all their parsing; 17 answer as a burst the first rows are not held up by.
    """

    def __init__(
        self,
        overall: int = DEFAULT_OVERALL_LOADS,
        per_region: int = DEFAULT_PER_REGION_LOADS,
        *,
        initial: int = DEFAULT_INITIAL_LOADS,
    ) -> None:
        self.per_region_size = per_region
        self.focus: str | None = None
        self.maximum = overall
        #: Overall slots now, in use or free.
        self.size = max(1, min(initial, overall))
        self._free = self.size
        self._waiting: deque[tuple[str, asyncio.Future[None]]] = deque()
        self._waiting_per_account: Counter[str] = Counter()
        self._per_region: dict[tuple[str, str], asyncio.Semaphore] = {}

    @asynccontextmanager
    async def slot(self, account_id: str, region: str) -> AsyncIterator[None]:
        key = (account_id, region)
        own = self._per_region.get(key)
        if own is None:
            own = self._per_region[key] = asyncio.Semaphore(self.per_region_size)
        async with own:
            await self._acquire(account_id)
            try:
                yield
            finally:
                self._release()
                self._grow()

    async def _acquire(self, account_id: str) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (account_id, granted)
        self._waiting.append(entry)
        self._waiting_per_account[account_id] += 1
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._release()  # granted as it was cancelled: pass the slot on
            else:
                self._forget(entry)
            raise

    def _forget(self, entry: tuple[str, asyncio.Future[None]]) -> None:
        with contextlib.suppress(ValueError):
            self._waiting.remove(entry)
            self._waiting_per_account[entry[0]] -= 1

    def _release(self) -> None:
        """Hand the slot to the focused account's oldest waiter, else to the oldest one."""
        while self._waiting:
            entry = self._next()
            self._forget(entry)
            if not entry[1].done():
                entry[1].set_result(None)
                return
        self._free += 1

    def _grow(self) -> None:
        """A load completed: one more overall slot, until the bound."""
        if self.size < self.maximum:
            self.size += 1
            self._release()

    def _next(self) -> tuple[str, asyncio.Future[None]]:
        focus = self.focus
        if focus is not None and self._waiting_per_account[focus] > 0:
            return next(entry for entry in self._waiting if entry[0] == focus)
        return self._waiting[0]


#: One account-region's load, with its account.
AccountLoad = tuple[Account, RegionLoad]


async def stream_accounts(
    accounts: Sequence[Account],
    query: ImageQuery,
    *,
    regions: Sequence[str] = (),
    all_regions: bool = False,
    configured: Sequence[str] = (),
    with_snapshots: bool = True,
    limits: Limits | None = None,
    region_timeout: float | None = None,
    release_clients: bool = False,
) -> AsyncIterator[AccountLoad]:
    """Yield ``(account, region load)`` as each account-region completes. Each account's
    regions are resolved on its own (``--region`` narrows; else the account's enabled
    regions): one whose region list fails yields one failed load for its default region,
    with the DescribeRegions error. Failures are data, never raised.

    ``release_clients``: an account-region's EC2 client is closed once its listing is done
    (a listing that asks each once, as ``amitui ls``: an organization's thousands of clients
    are not all held to the end). The App keeps them: its actions use them again."""
    limits = limits or Limits()
    options: dict[str, Any] = {"with_snapshots": with_snapshots}
    if region_timeout is not None:
        options["region_timeout"] = region_timeout

    async def load(account: Account, region: str, hand_on: Callable[[AccountLoad], None]) -> None:
        async with limits.slot(account.id, region):
            hand_on(
                (
                    account,
                    await load_region(
                        account.session, region, query, account=account.id, **options
                    ),
                )
            )
        if release_clients:
            # Listed already: a client that fails to close changes nothing the caller sees.
            with contextlib.suppress(Exception):
                await account.session.release(region)

    async def load_account(account: Account, hand_on: Callable[[AccountLoad], None]) -> None:
        asks_enabled = not regions and (all_regions or not configured)
        try:
            if asks_enabled and account.enabled_regions is not None:
                names = list(account.enabled_regions)
            else:
                async with limits.slot(account.id, account.session.default_region):
                    names = await resolve_regions(
                        account.session, regions, all_regions=all_regions, configured=configured
                    )
        except Exception as exc:  # errors are data, per account
            error = classify_error(exc, profile=account.session.profile)
            error = AwsError(
                error.status,
                error.code,
                f"cannot list the account's regions: {error.message}",
                error.hint,
            )
            where = account.session.default_region
            hand_on((account, RegionLoad(where, error.status, error=error)))
            return
        await asyncio.gather(*(load(account, region, hand_on) for region in names))

    async def load_all(hand_on: Callable[[AccountLoad], None]) -> None:
        await asyncio.gather(*(load_account(account, hand_on) for account in accounts))

    async for listed in handed_on(load_all):
        yield listed
