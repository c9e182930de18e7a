"""The command line: ``amitui`` (the TUI), ``amitui ls`` and ``amitui sandbox``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import math
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import NoReturn

from amitui import __version__
from amitui.accounts import (
    DEFAULT_ORG_ROLE,
    DEFAULT_SOURCE,
    Account,
    Accounts,
    AccountsError,
    AccountSpec,
    identify_default,
    is_glob,
    profile_names,
    stream_accounts,
)
from amitui.aws import UnknownRegionError, known_regions, validate_region
from amitui.aws_errors import for_command_line
from amitui.backend import LaunchOptions, launch_demo_early, open_account_set, open_session
from amitui.config import AccountDefaults, ConfigError, load_config
from amitui.listing import (
    FORMATS,
    STREAMED_FORMATS,
    AccountLabel,
    Listed,
    sort_listed,
    write_csv,
    write_images,
)
from amitui.loader import DEFAULT_REGION_TIMEOUT
from amitui.model import ACCOUNT_ID_PATTERN, RegionLoad
from amitui.text import inert

OWNER_ALIASES = ("self", "amazon", "aws-marketplace")

#: What the embedded sandbox imports that only the ``demo`` extra installs (pyproject.toml).
SANDBOX_MODULES = ("moto", "flask", "boto3")

LS_DESCRIPTION = f"""\
List images headlessly. A region that fails is named on stderr with its AWS error, the other
regions still print, and the exit status is 1.

Output: csv streams: the header at once, then each region's rows as soon as that region has
answered (regions in the order they answer), so a slow region holds back nobody. json (one
array) and table (columns aligned over every row) print once every region has answered or
been given up, regions in a fixed order.

--timeout: a region that sends no page of results for that many seconds (retries included)
is given up and named on stderr; default {DEFAULT_REGION_TIMEOUT:g}. The bound is on silence,
not on the whole listing: a large region whose pages keep arriving is never cut off.

When the reader goes away (amitui ls | head -1), amitui stops quietly with status 141, as a
tool stopped by SIGPIPE does.

Accounts: --profile (repeatable, globs), --all-profiles and --org list several accounts at
once; every JSON record says its "Account" (and "AccountAlias" where IAM tells it), and
table and csv gain an Account column when more than one account is listed. --org starts from
the default credentials (AWS_PROFILE, environment keys...), which must be the organization's
management account or a delegated administrator, and assumes --org-role in every other
account. Sources that are the same account are read once, and said so. An account that
cannot be opened (no credentials, expired SSO: one line per SSO login, a role that cannot be
assumed, --org refused, an unknown OU) is one line on stderr, the other accounts still
print, and the exit status is 2.
"""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def owner(value: str) -> str:
    if value in OWNER_ALIASES or ACCOUNT_ID_PATTERN.match(value):
        return value
    raise argparse.ArgumentTypeError(
        f"invalid owner {value!r}: use self, amazon, aws-marketplace or a 12-digit account id"
    )


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a positive number of seconds (e.g. 30 or 2.5)"
        )
    return number


def _add_scope_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Sub-commands repeat the global options with SUPPRESS defaults so values given before
    # the sub-command are not overwritten by the sub-parser's defaults.
    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument(
        "--profile",
        action="append",
        dest="profiles",
        default=default(None),
        metavar="PROFILE",
        help="AWS profile (else AWS_PROFILE); repeatable, and globs such as 'prod-*'",
    )
    parser.add_argument(
        "--all-profiles",
        action="store_true",
        default=default(False),
        help="every profile of the AWS config",
    )
    parser.add_argument(
        "--org",
        action="store_true",
        default=default(False),
        help="every account of the organization (from its management account's credentials)",
    )
    parser.add_argument(
        "--ou",
        default=default(None),
        metavar="ID",
        help="with --org: only the accounts under this OU",
    )
    parser.add_argument(
        "--skip-account",
        action="append",
        dest="skip_accounts",
        default=default(None),
        metavar="ID",
        help="with --org: leave this account out (repeatable)",
    )
    parser.add_argument(
        "--org-role",
        default=default(None),
        metavar="NAME",
        help=f"with --org: the role assumed in each account (default: {DEFAULT_ORG_ROLE})",
    )
    parser.add_argument(
        "--region",
        action="append",
        dest="regions",
        default=default(None),
        metavar="REGION",
        help="region to load (repeatable); default: every region enabled for the account",
    )
    parser.add_argument(
        "--all-regions",
        action="store_true",
        default=default(False),
        help="every enabled region, even if the config file lists default regions",
    )
    parser.add_argument(
        "--owner",
        action="append",
        dest="owners",
        type=owner,
        default=default(None),
        metavar="OWNER",
        help="self (default), amazon, aws-marketplace or an account id (repeatable)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=default(False),
        help="use the embedded sandbox with a demo fleet: no AWS account, no network",
    )


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="amitui",
        description="A terminal explorer for Amazon Machine Images.",
    )
    parser.add_argument("--version", action="version", version=f"amitui {__version__}")
    _add_scope_options(parser, suppress=False)
    parser.add_argument(
        "--read-only",
        "--readonly",  # k9s' spelling
        dest="read_only",
        action="store_true",
        help="offer no mutating actions; the engine refuses them too",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    ls = commands.add_parser(
        "ls",
        help="list images headlessly (table, json or csv)",
        description=LS_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_scope_options(ls, suppress=True)
    ls.add_argument("--format", choices=FORMATS, default="table", help="output format")
    ls.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_REGION_TIMEOUT,
        metavar="SECONDS",
        help="give up a region that sends nothing for this long (default: %(default)g)",
    )
    # Errors found after parsing (a region name, the config file) point to `amitui ls --help`.
    ls.set_defaults(command_parser=ls)
    sandbox = commands.add_parser(
        "sandbox", help="run the embedded sandbox in the foreground and print its endpoint"
    )
    sandbox.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    sandbox.add_argument("--demo", action="store_true", help="seed the demo fleet")
    return parser


def account_spec(
    args: argparse.Namespace, parser: ArgumentParser, defaults: AccountDefaults
) -> AccountSpec:
    """The accounts the command line names, else the config file's ``[accounts]``, else (for
    the explorer's ``--demo``) the demo's whole organization. A ``--profile`` the AWS config
    files do not define (or a glob none matches) is a usage error, found before any call is
    made (botocore would only fail later, once per region); the demo's profiles exist once it
    runs."""
    profiles = tuple(args.profiles or ())
    given = bool(profiles or args.all_profiles or args.org)
    # The demo is an organization: the explorer shows all of it (ls lists what it is told).
    demo_org = args.demo and args.command != "ls"
    if not given and defaults.names_accounts:
        profiles = defaults.profiles
    try:
        spec = AccountSpec(
            profiles=profiles,
            all_profiles=args.all_profiles if given else defaults.all_profiles,
            org=args.org if given else defaults.org or (demo_org and not profiles),
            ou=args.ou or (None if given else defaults.ou),
            skip_accounts=tuple(args.skip_accounts or (() if given else defaults.skip_accounts)),
            org_role=args.org_role or defaults.org_role or DEFAULT_ORG_ROLE,
        )
        if (profiles or spec.all_profiles) and not args.demo:
            profile_names(profiles, all_profiles=spec.all_profiles)
    except AccountsError as exc:
        where = "" if given or not defaults.names_accounts else "the config file's [accounts]: "
        parser.error(where + str(exc))
    return spec


def launch_options(args: argparse.Namespace, parser: ArgumentParser) -> LaunchOptions:
    regions: list[str] = args.regions or []
    if regions:
        known = known_regions()
        try:
            for region in regions:
                validate_region(region, known)
        except UnknownRegionError as exc:
            parser.error(str(exc))
    if regions and args.all_regions:
        parser.error("--region and --all-regions contradict each other; use one")
    try:
        config = load_config()
    except ConfigError as exc:
        parser.error(str(exc))
    accounts = account_spec(args, parser, config.accounts)
    if config.regions:
        known = known_regions()
        try:
            for region in config.regions:
                validate_region(region, known)
        except UnknownRegionError as exc:
            parser.error(f"{config.path}: regions: {exc}")
    single = accounts.profiles[0] if len(accounts.profiles) == 1 else None
    return LaunchOptions(
        profile=single if single and not is_glob(single) else None,
        accounts=accounts,
        regions=tuple(regions),
        all_regions=args.all_regions,
        owners=tuple(args.owners or ("self",)),
        read_only=getattr(args, "read_only", False),
        demo=args.demo,
        configured_regions=config.regions,
        key_overrides=config.keys,
        protected_accounts=config.protected_accounts,
        snapshot_price=config.snapshot_price,
    )


def quiet_botocore_logs() -> None:
    """botocore logs a failed SSO or credential refresh with its traceback (Python's last
    resort handler prints it to stderr, over the TUI's screen); amitui reports the failure
    itself, once, as a line (ls) or a per-account error (the explorer)."""
    for name in ("botocore", "aiobotocore"):
        logging.getLogger(name).addHandler(logging.NullHandler())


def _say(message: str) -> None:
    print(f"amitui: {inert(for_command_line(message))}", file=sys.stderr)


#: What a listing yields: each account-region as it completes (see :func:`stream_accounts`).
Loads = AsyncIterator[tuple[Account, RegionLoad]]


async def list_images(
    options: LaunchOptions, fmt: str, region_timeout: float = DEFAULT_REGION_TIMEOUT
) -> int:
    """Print every image of every account-region. A failed account-region is named on stderr
    (exit 1); an account that cannot be opened too (exit 2: credentials, a role, --org).

    csv rows are written region by region as each answers; json and table at the end.
    """
    quiet_botocore_logs()

    def listing(accounts: Sequence[Account]) -> Loads:
        return stream_accounts(
            accounts,
            options.query,
            regions=options.regions,
            all_regions=options.all_regions,
            configured=options.configured_regions,
            # The listing is the images' own records: no DescribeSnapshots.
            with_snapshots=False,
            region_timeout=region_timeout,
            # Each account-region is asked once: its client is let go when it is listed.
            release_clients=True,
        )

    if not options.accounts.many:
        async with _lone_account(options, listing) as (found, loads):
            return await _print_listing(options, fmt, found, loads)
    async with open_account_set(options) as found:
        return await _print_listing(options, fmt, found, listing(found.accounts))


@asynccontextmanager
async def _lone_account(
    options: LaunchOptions, listing: Callable[[Sequence[Account]], Loads]
) -> AsyncIterator[tuple[Accounts, Loads]]:
    """The default credentials' one account, its listing started before its identity is
    known: GetCallerIdentity and ListAccountAliases (each record's "Account") go out beside
    the first DescribeImages (or DescribeRegions), not a round trip before it. The loads are
    held until the identity answers; if it fails, the account's problem is all there is to
    say (the listing's errors would have the same cause) and the listing is cancelled."""
    async with open_session(options) as aws:
        # The listing's images carry no account id (``Image.account`` is ""), and ls prints
        # none of theirs: each record is labelled with the identity's answer as it is printed.
        unnamed = Account("", None, DEFAULT_SOURCE, aws)
        arrived: asyncio.Queue[RegionLoad | None] = asyncio.Queue()

        async def listen() -> None:
            try:
                async for _, load in listing([unnamed]):
                    arrived.put_nowait(load)
            finally:
                arrived.put_nowait(None)

        # The EC2 client of the listing's first request is made first (~25 ms of CPU, more
        # than STS's and IAM's together), so that request goes out before theirs. A client
        # that cannot be made fails the listing again, as data.
        named = _named_regions(options)
        with contextlib.suppress(Exception):
            await aws.client(named[0] if named else aws.default_region)
        task = asyncio.create_task(listen())
        try:
            found = await identify_default(aws)

            async def loads() -> Loads:
                account = found.accounts[0]
                while (load := await arrived.get()) is not None:
                    yield account, load
                await task  # its failure, if any (stream_accounts keeps errors as data)

            yield found, loads()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def _named_regions(options: LaunchOptions) -> Sequence[str]:
    """The regions the command line or the config file names, in their order (none: every
    enabled region, which DescribeRegions tells)."""
    return options.regions or (() if options.all_regions else options.configured_regions)


async def _print_listing(options: LaunchOptions, fmt: str, found: Accounts, loads: Loads) -> int:
    rows: list[Listed] = []
    failed = 0
    streamed = fmt in STREAMED_FORMATS
    for note in found.notes:
        _say(f"note: {note}")
    for problem in found.problems:
        _say(problem.describe())
    code = max((2 if p.is_usage_error else 1 for p in found.problems), default=0)
    accounts = found.accounts
    if not accounts:
        return code
    several = len(accounts) > 1
    labels = {a.id: AccountLabel(a.id, a.alias) for a in accounts}
    order = [a.id for a in accounts]
    regions = _named_regions(options)
    if streamed:
        # The header, before the slowest region answers.
        write_csv([], sys.stdout, accounts=several)
        sys.stdout.flush()
    async for account, load in loads:
        listed = [Listed(image, labels[account.id]) for image in load.images]
        if load.error is not None:
            failed += 1
            where = f"{_account_name(account)} {load.region}" if several else load.region
            _say(f"{where}: {load.error.describe()}")
        elif streamed:
            write_csv(sort_listed(listed, regions), sys.stdout, header=False, accounts=several)
            sys.stdout.flush()
        else:
            rows.extend(listed)
    if not streamed:
        write_images(sort_listed(rows, regions, order), fmt, sys.stdout, accounts=several)
    sys.stdout.flush()  # here, so a closed pipe is met inside main(), not at exit
    return max(code, 1 if failed else 0)


def _account_name(account: Account) -> str:
    return f"{account.alias} ({account.id})" if account.alias else account.id


def _reader_went_away() -> int:
    """stdout's reader closed the pipe (``amitui ls | head -1``): stop without a traceback,
    with the status of a tool stopped by SIGPIPE (128 + 13). stdout goes to /dev/null first,
    so Python's own flush at exit does not fail again (see "Note on SIGPIPE" in the docs of
    Python's signal module)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file (a test's StringIO): nothing to do
        pass
    return 128 + signal.SIGPIPE


def run_sandbox(port: int, demo: bool) -> int:
    from amitui.sandbox import server

    argv = ["--port", str(port), "--announce"]
    if demo:
        from amitui.sandbox.demo import DEMO_REGIONS

        argv += ["--demo", "--enabled-regions", ",".join(DEMO_REGIONS)]
    return server.main(argv)


def missing_demo_extra(what: str) -> str | None:
    """Why ``what`` (``--demo``, ``amitui sandbox``) cannot run: the sandbox is the ``demo``
    extra, which a plain install leaves out; None when it is installed."""
    missing = [name for name in SANDBOX_MODULES if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (
        f"{what} needs the embedded sandbox, amitui's demo extra, which is not installed "
        f"(no {', '.join(missing)}); install it with: {sys.executable} -m pip install "
        "'amitui[demo]' (in a checkout of amitui: pip install '.[demo]')"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "sandbox" or args.demo:
        what = "the sandbox command" if args.command == "sandbox" else "--demo"
        problem = missing_demo_extra(what)
        if problem is not None:
            _say(problem)
            return 2
    if args.command == "sandbox":
        return run_sandbox(args.port, args.demo)
    options = launch_options(args, getattr(args, "command_parser", parser))
    if args.command == "ls":
        try:
            return asyncio.run(list_images(options, args.format, args.timeout))
        except AccountsError as exc:  # a --demo profile that the demo does not have
            getattr(args, "command_parser", parser).error(str(exc))
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            return _reader_went_away()
    if options.demo:
        launch_demo_early()
    quiet_botocore_logs()
    from amitui.app import run_tui

    return run_tui(options)
