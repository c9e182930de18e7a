"""The command line: ``amitui`` (the TUI), ``amitui ls`` and ``amitui sandbox``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import NoReturn

from amitui import __version__
from amitui.aws import UnknownRegionError, known_regions, validate_region
from amitui.aws_errors import classify_error
from amitui.backend import LaunchOptions, launch_demo_early, open_session
from amitui.config import ConfigError, load_config
from amitui.listing import FORMATS, sort_images, write_images
from amitui.loader import resolve_regions, stream_regions
from amitui.model import ACCOUNT_ID_PATTERN, Image
from amitui.text import inert

OWNER_ALIASES = ("self", "amazon", "aws-marketplace")


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
    ls = commands.add_parser("ls", help="list images headlessly (table, json or csv)")
    _add_scope_options(ls, suppress=True)
    ls.add_argument("--format", choices=FORMATS, default="table", help="output format")
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


async def list_images(options: LaunchOptions, fmt: str) -> int:
    """Print every image of every region; a failed region is named on stderr, exit 1."""
    images: list[Image] = []
    failed = 0
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
        # The listing is the images' own records: no DescribeSnapshots.
        async for load in stream_regions(aws, regions, options.query, with_snapshots=False):
            if load.error is not None:
                failed += 1
                _say(f"{load.region}: {load.error.describe()}")
            else:
                images.extend(load.images)
    write_images(sort_images(images, regions), fmt, sys.stdout)
    return 1 if failed else 0


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
    options = launch_options(args, parser)
    if args.command == "ls":
        try:
            return asyncio.run(list_images(options, args.format))
        except KeyboardInterrupt:
            return 130
    if options.demo:
        launch_demo_early()
    from amitui.app import run_tui

    return run_tui(options)
