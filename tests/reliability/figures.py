"""Print the README's "Reliability" section from the suite's own tables (no guessing):

    python tests/reliability/figures.py > /tmp/reliability-section.md

Every figure is the size of a table the tests are parametrized over (or loop over).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

# Run as a script: the suite is the package tests.reliability, importable from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.reliability import test_bad_input as bad_input
from tests.reliability import test_confirmations as confirmations
from tests.reliability import test_dialogs as dialogs
from tests.reliability import test_read_only as read_only
from tests.reliability import test_secrets as secrets
from tests.reliability import test_untrusted_text as untrusted
from tests.reliability.reliability_cases import (
    HEALTHY_REGIONS,
    LOAD_FAULTS,
    REGIONS,
)

SURFACES_LOADING = ("engine", "`amitui ls`", "TUI")


def main() -> None:
    out: list[str] = []
    say = out.append
    say("## Reliability")
    say("")
    say(
        "What amitui does when AWS misbehaves, when input is wrong, and when an image's owner is "
        "hostile, proven by `pytest tests/reliability` (about two minutes; only 127.0.0.1: a "
        "sandbox and a fault-injecting proxy, `amitui/sandbox/proxy.py`, in front of it). "
        "Figures below are generated from the suite's tables by "
        "`python tests/reliability/figures.py`."
    )
    say("")
    outcomes = Counter(case.status.value for case in LOAD_FAULTS)
    say(f"### Faults while loading: {len(LOAD_FAULTS)} kinds by {len(SURFACES_LOADING)} surfaces")
    say("")
    say(
        f"All {len(LOAD_FAULTS)} faults are injected at once, one region each, while "
        f"{len(HEALTHY_REGIONS)} regions stay healthy ({len(REGIONS)} regions per load), in the "
        f"engine, in `amitui ls --format json` and in the explorer. Every time: the healthy "
        "regions are listed and usable (filter, details), each failed region is named with the "
        "AWS code, the message and the fix, `ls` prints one stderr line per failed region and "
        "exits 1, and in the explorer `r` recovers every region once the fault passes."
    )
    say("")
    say("| fault (proxy) | repeats | region ends | the user is told |")
    say("|---|---|---|---|")
    for case in LOAD_FAULTS:
        repeats = "always" if case.count is None else f"{case.count}, then healthy"
        told = "; ".join(f"`{s}`" for s in case.says) or "(retried, nothing to say)"
        code = case.code.replace("|", " or ")
        ends = case.status.value + (f" ({code})" if code else "")
        say(f"| {case.name} | {repeats} | {ends} | {told} |")
    say("")
    say(
        f"Outcomes: {', '.join(f'{n} {status}' for status, n in sorted(outcomes.items()))}. "
        "Also: SSO credentials expiring mid-session (explorer: refresh names `aws sso login`, "
        "failed regions show nothing stale, `r` recovers after the refresh)."
    )
    say("")
    say("### Faults during actions")
    say("")
    say(
        "- A call failing midway through **copy** (1 of 3 destinations), **share**, "
        "**deprecate** and **cleanup** (1 of 3 images/snapshots): the results, the journal and "
        "the sandbox's state agree step by step; cleanup reports the snapshot left behind and why."
    )
    say(
        "- The same in the explorer (deprecate 3 marked images, the 2nd call refused): the "
        "progress screen shows the failed step with its AWS error, the journal in the state dir "
        "agrees, and the closing notification says `deprecate: 2 done, 1 failed, 0 skipped`."
    )
    say(
        "- Credentials expiring after the first of 3 calls: the 2 failures name `aws sso login`; "
        "after the refresh the same plan reruns, sending only the 2 not done."
    )
    say(
        "- **SIGKILL mid-cleanup**: a 9-step plan (5 deregistrations, 4 snapshot deletions, 1 "
        "shared snapshot kept) runs in a subprocess at 150 ms per call and is killed once a "
        "snapshot deletion is journaled, with a call on its way (journaled as sent, no "
        "outcome); rerunning the same plan file converges: no step done "
        "before the kill is sent again, each step takes effect exactly once (the sandbox saw 5 "
        "deregistrations and 4 deletions succeed, no more), the kept snapshot and the image "
        "outside the plan are untouched."
    )
    say("")
    cli = len(bad_input.CLI_CASES) * 2 + len(bad_input.LS_ONLY_CASES) + len(bad_input.SANDBOX_CASES)
    forms = len(bad_input.FORM_CASES)
    configs = len(bad_input.CONFIG_CASES)
    in_app = len(dialogs.DIALOG_CASES) + 2  # + the owner scope's account id and the filter
    say(f"### Bad input: {cli + configs + forms + in_app} wrong values, each with its message")
    say("")
    say(
        f"- {cli} command lines (`--region`, `--owner`, `--profile`, `--format`, `--port`, "
        f"unknown flags; as `amitui ls` and as the TUI): one line on stderr naming the value and "
        "what a good one looks like, exit 2, the proxy saw no request."
    )
    say(f"- {configs} config files (bad TOML, wrong types, unknown regions): the file is named.")
    say(
        f"- {forms} dialog values (copy: regions, KMS keys, names, descriptions; share: account "
        "ids, organization/OU ARNs; deprecate: dates; cleanup rules): the field and the fix."
    )
    say(
        f"- {in_app} typed into the running explorer (copy/share/deprecate dialogs, the owner "
        "scope's account id, regex and markup characters in the filter): the dialog stays open "
        "with the message, the filter takes them literally, nothing mutating reaches the proxy."
    )
    say("")
    say("### Security")
    say("")
    ops = len(read_only.MUTATING)
    say(
        f"- **`--read-only` in the engine**: {ops} mutating EC2 operations refused by a read-only "
        "session through `call`, with `DryRun`, through `paginate`, through the raw botocore "
        "client (a `before-call` hook), and through `execute` with and without the DryRun "
        "preflight; the proxy saw nothing. In the explorer, `c` `s` `d` `x` open nothing."
    )
    payloads = len(untrusted.PAYLOADS)
    renderers, screens = len(untrusted.SURFACES), len(untrusted.SCREENS)
    say(
        f"- **Untrusted text**: {payloads} payloads (C0/ESC sequences incl. OSC 8 links, Rich "
        f"markup incl. `[link=…]`, a C1 CSI, a bidi override) by {renderers} renderers (table "
        f"row, details, lineage, snapshot tree, region error, plan, progress, help, `ls` table) "
        f"and by {screens} screens (copy/share/deprecate dialogs, plan, help) plus notifications; "
        "and a hostile image served by the sandbox, in `amitui ls` and in the explorer's table "
        "and tabs: no live "
        "control reaches the screen, no link is made, the payload is shown as visible text."
    )
    say(
        f"- **No secret shown or stored**: {len(secrets.QUOTING_ERRORS)} AWS errors quoting the "
        "caller's access key id, secret key and session token (as SignatureDoesNotMatch does) "
        "reach the engine, `ls` stderr and the journal with the credentials redacted."
    )
    keys = len(confirmations.STRAY_KEYS)
    say(
        f"- **No destructive plan from a stray key**: making images public and deregister-with-"
        f"cleanup need the image id (one image) or the count (several) typed; {keys} stray keys "
        "(`y`, Enter, space, digits, ctrl+d…) each do nothing, in the plan screen and in the "
        "explorer; a wrong text says what to type."
    )
    print("\n".join(out))


if __name__ == "__main__":
    main()
