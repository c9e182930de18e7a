"""The journal: an append-only record of every mutating call amitui sends, and its outcome.

Contract (the cleanup and copy/share/deprecate flows rely on it):

- One file, ``journal.jsonl`` in :func:`amitui.config.state_dir` (``$XDG_STATE_HOME/amitui/``;
  the demo's in its ``demo/`` subdirectory), one JSON object a line. Each line is written,
  flushed and fsync'd before the next call goes out, so an interrupted run (crash, kill,
  lost laptop lid) leaves a true record.
- :meth:`Journal.sent` is written BEFORE a call is sent; :meth:`Journal.outcome` after, with
  the response or the AWS error. A step that was never sent (skipped, cancelled) gets one
  ``outcome`` line with ``"outcome": "skipped"`` so every planned step is accounted for.
- Fields of every line: ``time`` (ISO 8601 UTC), ``run`` (one id per execute), ``phase``
  (``sent``/``outcome``), ``account`` (the step's own account, else the journal's),
  ``endpoint`` (the URL calls went to; null for AWS's own regional endpoints), ``region``,
  ``action`` (the plan's action, e.g. ``copy``), ``operation`` (EC2 API name), ``step``
  (step id), ``target``, ``params`` (redacted), ``dry_run`` (bool), ``fingerprint`` (hash
  of region/operation/target/params), and ``before`` when the step carries it (the state
  the call changes, read when planning, for undo). When the journal knows the account
  (``Journal(accounts=...)``), lines add ``account_alias`` (null when it has none) and
  ``credentials`` (where the account's credentials came from: ``profile NAME`` or the role
  ARN assumed), so a run across accounts says who sent each call. Outcome lines add ``outcome``
  (``ok``/``failed``/``skipped``) and ``result`` (the response minus ``ResponseMetadata``)
  or ``error`` (``{"code", "message"}``) or ``detail``.
- Never a secret: parameter names that look like secrets are replaced by ``"<redacted>"``
  (amitui's EC2 calls carry none, this is the belt to those braces).
- :func:`succeeded_steps` reads the journal back and says which steps of a plan already
  succeeded in an earlier run (same step id, region, operation, target and parameters), so
  a rerun of an interrupted plan converges instead of repeating calls.
- :func:`read_runs` reads it back as runs (one per execute, newest first), each step as its
  last line left it: what the Journal view lists and undo inverts.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from amitui.config import state_dir
from amitui.model import Plan, Step, StepOutcome, StepResult

if TYPE_CHECKING:
    from amitui.accounts import Account

JOURNAL_NAME = "journal.jsonl"
REDACTED = "<redacted>"

#: Parameter-name fragments that may carry a secret (lower case; matched as substrings).
_SECRET_NAMES = ("secret", "password", "sessiontoken", "accesskey", "privatekey", "userdata")


#: The demo's journal lives apart: a sandbox's calls must never mix with a real account's.
DEMO_DIR = "demo"


def default_path(*, demo: bool = False) -> Path:
    return (state_dir() / DEMO_DIR if demo else state_dir()) / JOURNAL_NAME


def redact(value: Any) -> Any:
    """``value`` with every secret-looking key's value replaced by :data:`REDACTED`."""
    if isinstance(value, Mapping):
        return {str(k): REDACTED if _is_secret(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def _is_secret(name: str) -> bool:
    lowered = name.lower().replace("_", "").replace("-", "")
    return any(fragment in lowered for fragment in _SECRET_NAMES)


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON so datetimes become strings exactly as they are written."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def fingerprint(step: Step) -> str:
    """A stable hash of what a step does: rerunning the same plan gives the same value."""
    canonical = json.dumps(
        [step.step_id, step.region, step.operation, step.target, _jsonable(redact(step.params))],
        sort_keys=True,
        default=_default,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _response(result: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in result.items() if k != "ResponseMetadata"}


class Journal:
    """Append-only JSON-lines journal; safe to share between concurrent steps.

    ``Journal()`` writes to :func:`default_path`; tests pass their own ``path``.
    ``account`` is written on every line (set it once the caller identity is known);
    ``accounts`` name the accounts steps may run in (alias and credentials per line).
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        account: str = "",
        endpoint: str | None = None,
        accounts: Iterable[Account] = (),
    ) -> None:
        self.path = path or default_path()
        self.account = account
        self.accounts: dict[str, Account] = {a.id: a for a in accounts}
        #: Where the calls go: an endpoint URL, or None for AWS's own regional endpoints.
        self.endpoint = endpoint
        self._lock = threading.Lock()
        self._file: IO[str] | None = None

    def new_run(self) -> str:
        return uuid.uuid4().hex[:12]

    def _open(self) -> IO[str]:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Owner-only: the journal names accounts and resources.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._file = os.fdopen(fd, "a", encoding="utf-8")
        return self._file

    def write(self, entry: Mapping[str, Any]) -> None:
        """Append one line, flushed and fsync'd before returning."""
        line = json.dumps(
            {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **entry},
            default=_default,
            ensure_ascii=False,
        )
        with self._lock:
            handle = self._open()
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _identity(self, account_id: str) -> dict[str, Any]:
        known = self.accounts.get(account_id)
        if known is None:
            return {}
        return {"account_alias": known.alias, "credentials": known.source}

    def _base(self, run: str, action: str, step: Step, phase: str, dry_run: bool) -> dict[str, Any]:
        account = step.account or self.account
        return {
            "run": run,
            "phase": phase,
            "account": account,
            **self._identity(account),
            "endpoint": self.endpoint,
            "region": step.region,
            "action": action,
            "operation": step.operation,
            "step": step.step_id,
            "target": step.target,
            "params": redact(step.params),
            "dry_run": dry_run,
            "fingerprint": fingerprint(step),
            **({"before": redact(_jsonable(step.before))} if step.before else {}),
        }

    def sent(self, run: str, action: str, step: Step, *, dry_run: bool = False) -> None:
        """Record a call about to be sent (call this BEFORE sending it)."""
        self.write(self._base(run, action, step, "sent", dry_run))

    def outcome(self, run: str, action: str, result: StepResult, *, dry_run: bool = False) -> None:
        """Record what came back (or that the step was skipped, and why)."""
        entry = self._base(run, action, result.step, "outcome", dry_run)
        entry["outcome"] = result.outcome.value
        if result.response:
            entry["result"] = redact(_response(result.response))
        if result.error is not None:
            entry["error"] = {"code": result.error.code, "message": result.error.message}
        if result.detail:
            entry["detail"] = result.detail
        self.write(entry)


def read_entries(path: Path | None = None) -> Iterator[dict[str, Any]]:
    """Every well-formed line of the journal (a torn last line from a crash is ignored)."""
    path = path or default_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry


def succeeded_steps(
    plan: Plan | Iterable[Step], path: Path | None = None, *, account: str | None = None
) -> dict[str, dict[str, Any]]:
    """Steps of ``plan`` an earlier run already did: step id -> the recorded response.

    A step counts when a non-dry-run ``outcome`` line with ``ok`` has the same fingerprint
    (step id, region, operation, target, parameters) and, if given, the same account.
    Pass the result to :func:`amitui.actions.execute.execute` as ``done=`` to converge.
    """
    steps = plan.runnable if isinstance(plan, Plan) else tuple(plan)
    wanted = {fingerprint(step): step.step_id for step in steps}
    done: dict[str, dict[str, Any]] = {}
    for entry in read_entries(path):
        if entry.get("phase") != "outcome" or entry.get("dry_run"):
            continue
        if entry.get("outcome") != StepOutcome.OK.value:
            continue
        if account is not None and entry.get("account") not in (account, ""):
            continue
        step_id = wanted.get(str(entry.get("fingerprint")))
        if step_id is not None:
            result = entry.get("result")
            done[step_id] = dict(result) if isinstance(result, Mapping) else {}
    return done


# --- reading the journal back as runs (the Journal view, undo) -----------------------------


@dataclass(frozen=True, slots=True)
class JournaledStep:
    """One step of a past run, as its last journal line left it."""

    step: str
    region: str
    operation: str
    target: str
    params: Mapping[str, Any]
    account: str = ""
    before: Mapping[str, Any] = field(default_factory=dict)
    #: "ok", "failed", "skipped", or "unknown" (sent, and no outcome was written: interrupted).
    outcome: str = "unknown"
    result: Mapping[str, Any] = field(default_factory=dict)
    error: Mapping[str, Any] | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class JournalRun:
    """One execute of a plan: every step it sent (dry-run checks left out)."""

    run: str
    action: str
    started: str  # ISO 8601, the run's first line
    account: str
    endpoint: str | None
    steps: tuple[JournaledStep, ...]
    #: The account's alias where the journal knew one ("" when not).
    account_alias: str = ""

    @property
    def account_label(self) -> str:
        """The account as the user knows it: ``alias (id)``, else the id."""
        if self.account_alias and self.account:
            return f"{self.account_alias} ({self.account})"
        return self.account_alias or self.account

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.target for s in self.steps))

    def count(self, outcome: str) -> int:
        return sum(1 for s in self.steps if s.outcome == outcome)


def _text(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    return "" if value is None else str(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def read_runs(path: Path | None = None) -> list[JournalRun]:
    """Every run of the journal, newest first; each step as its last line left it.

    Lines of a DryRun check are left out (they changed nothing), and so is a run that
    consists only of them."""
    order: dict[str, list[str]] = {}
    first: dict[str, Mapping[str, Any]] = {}
    steps: dict[tuple[str, str], JournaledStep] = {}
    for entry in read_entries(path):
        run, step_id = _text(entry, "run"), _text(entry, "step")
        if not run or not step_id or entry.get("dry_run"):
            continue
        first.setdefault(run, entry)
        known = order.setdefault(run, [])
        if step_id not in known:
            known.append(step_id)
        error = entry.get("error")
        steps[(run, step_id)] = JournaledStep(
            step_id,
            _text(entry, "region"),
            _text(entry, "operation"),
            _text(entry, "target"),
            _mapping(entry.get("params")),
            _text(entry, "account"),
            _mapping(entry.get("before")),
            _text(entry, "outcome") if entry.get("phase") == "outcome" else "unknown",
            _mapping(entry.get("result")),
            error if isinstance(error, Mapping) else None,
            _text(entry, "detail"),
        )
    runs = [
        JournalRun(
            run,
            _text(first[run], "action"),
            _text(first[run], "time"),
            _text(first[run], "account"),
            first[run].get("endpoint"),
            tuple(steps[(run, s)] for s in ids),
            _text(first[run], "account_alias"),
        )
        for run, ids in order.items()
    ]
    # Newest first; runs started in the same millisecond keep the file's order (reversed).
    position = {run: index for index, run in enumerate(order)}
    return sorted(runs, key=lambda r: (r.started, position[r.run]), reverse=True)
