"""The command line: ``amitui`` (the TUI), ``amitui ls`` and ``amitui sandbox``."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from amitui import __version__
from amitui.aws import UnknownRegionError, known_regions, validate_region
from amitui.aws_errors import classify_error
from amitui.backend import LaunchOptions, launch_demo_early, open_session
from amitui.config import ConfigError, load_config
from amitui.listing import FORMATS, STREAMED_FORMATS, sort_images, write_csv, write_images
from amitui.loader import DEFAULT_REGION_TIMEOUT, resolve_regions, stream_regions
from amitui.model import ACCOUNT_ID_PATTERN, Image
from amitui.text import inert

OWNER_ALIASES = ("self", "amazon", "aws-marketplace")

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

    parser.add_argument("--profile", default=default(None), help="AWS profile (else AWS_PROFILE)")
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


def check_profile(profile: str, parser: ArgumentParser) -> None:
    """A ``--profile`` the AWS config files do not define is a usage error, found before any
    call is made (botocore would only fail later, once per region)."""
    import botocore.session  # here: botocore.session is slow to import, and rarely needed

    profiles = sorted(botocore.session.Session().available_profiles)
    if profile not in profiles:
        known = ", ".join(profiles[:5]) + (", …" if len(profiles) > 5 else "")
        parser.error(
            f"no AWS profile named {profile!r} in the AWS config files"
            + (f" (known: {known})" if profiles else "")
            + "; 'aws configure list-profiles' lists them"
        )


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
    if args.profile is not None and not args.demo:
        check_profile(args.profile, parser)
    try:
        config = load_config()
    except ConfigError as exc:
        parser.error(str(exc))
    if config.regions:
        known = known_regions()
        try:
            for region in config.regions:
                validate_region(region, known)
        except UnknownRegionError as exc:
            parser.error(f"{config.path}: regions: {exc}")
    return LaunchOptions(
        profile=args.profile,
        regions=tuple(regions),
        all_regions=args.all_regions,
        owners=tuple(args.owners or ("self",)),
        read_only=getattr(args, "read_only", False),
        demo=args.demo,
        configured_regions=config.regions,
        key_overrides=config.keys,
    )


def _say(message: str) -> None:
    print(f"amitui: {inert(message)}", file=sys.stderr)


async def list_images(
    options: LaunchOptions, fmt: str, region_timeout: float = DEFAULT_REGION_TIMEOUT
) -> int:
    """Print every image of every region; a failed region is named on stderr, exit 1.

    csv rows are written region by region as each answers; json and table at the end.
    """
    images: list[Image] = []
    failed = 0
    streamed = fmt in STREAMED_FORMATS
    async with open_session(options) as aws:
        try:
            regions = await resolve_regions(
                aws,
                options.regions,
                all_regions=options.all_regions,
                configured=options.configured_regions,
            )
        except Exception as exc:  # any AWS failure here is reported, not raised
            error = classify_error(exc, profile=options.profile)
            _say(f"cannot list regions: {error.describe()}")
            return 1
        if streamed:
            write_csv([], sys.stdout)  # the header, before the slowest region answers
            sys.stdout.flush()
        # The listing is the images' own records: no DescribeSnapshots.
        async for load in stream_regions(
            aws, regions, options.query, with_snapshots=False, region_timeout=region_timeout
        ):
            if load.error is not None:
                failed += 1
                _say(f"{load.region}: {load.error.describe()}")
            elif streamed:
                write_csv(sort_images(load.images, regions), sys.stdout, header=False)
                sys.stdout.flush()
            else:
                images.extend(load.images)
    if not streamed:
        write_images(sort_images(images, regions), fmt, sys.stdout)
    sys.stdout.flush()  # here, so a closed pipe is met inside main(), not at exit
    return 1 if failed else 0


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "sandbox":
        return run_sandbox(args.port, args.demo)
    options = launch_options(args, getattr(args, "command_parser", parser))
    if args.command == "ls":
        try:
            return asyncio.run(list_images(options, args.format, args.timeout))
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            return _reader_went_away()
    if options.demo:
        launch_demo_early()
    from amitui.app import run_tui

    return run_tui(options)
