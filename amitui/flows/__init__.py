"""Action flows: the glue between a key press in the explorer and an engine action.

A flow is what happens after the user presses ``c`` (copy), ``s`` (share), ``d``
(deprecate) or ``x`` (deregister with cleanup), or picks "Guided cleanup" in the command
palette: ask for parameters in dialogs, ``plan(...)``, show the plan, confirm, ``execute``,
report, reload the regions it changed.

The contract (this docstring is it)
-----------------------------------

A flow is an ``async`` function::

    async def run(host: FlowHost, images: Sequence[Image]) -> None

- ``images`` are the images the action applies to: the marked images, else the image under
  the cursor (never empty, except for the flows of :data:`amitui.registry.IMAGES_OPTIONAL_FLOWS`,
  e.g. ``"cleanup"``, which may get ``[]`` and work on everything loaded in ``host.inventory``).
- The explorer runs the flow in an async Textual worker (group ``"actions"``, not exclusive,
  ``exit_on_error=False``), so the flow may ``await host.push_screen_wait(screen)`` for a
  ``ModalScreen[T]`` result, and may run engine calls directly with ``await``.
  Long-running steps should show progress in their own screen; the UI stays responsive.
- An exception escaping the flow is shown to the user as an error notification (code and
  message via :func:`amitui.aws_errors.classify_error`); the app never crashes because of it.
  Expected outcomes (cancelled, nothing to do, some steps failed) are for the flow itself to
  report, e.g. ``host.notify("…", severity="warning")``. Build notification and dialog text
  from AWS/AMI data with ``rich.text.Text`` or ``markup=False`` — names may contain ``[``.
- After mutating anything, the flow calls ``await host.reload_regions({...})`` with the regions
  it touched (a copy's destination regions included) so the explorer shows the new state;
  it returns when those regions have reloaded. Call ``host.clear_marks()`` if the marks no
  longer make sense (e.g. after deregistering the marked images).
- Read-only mode: the explorer never starts a mutating flow when ``host.read_only`` is true
  (the keys are hidden and say why), except guided cleanup, which opens as a review whose
  execution is refused (``reviews_read_only`` in :mod:`amitui.registry`); the engine refuses
  mutating calls anyway.

Registration: each flow module defines its ``run``-shaped function(s); the registry entry's
``runs`` (``"module:function"``, collected in :data:`FLOW_MODULES`)
names where each action's function lives, imported lazily on first use (so a missing or
unfinished module only makes that one action "not available"). Tests and plugins may
:func:`register_flow` a function directly, which wins over the module table.

What a flow may rely on is exactly :class:`FlowHost` below (the explorer App implements it).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from amitui.model import Image, Inventory
from amitui.registry import FLOW_FUNCTIONS, FLOWS

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from amitui.accounts import Account
    from amitui.aws import AwsSession
    from amitui.backend import LaunchOptions

ScreenResultType = TypeVar("ScreenResultType")

#: The flows the explorer offers (keys and palette entries: :mod:`amitui.registry`).
ACTIONS: tuple[str, ...] = FLOWS

#: action name -> (module, function name), from the registry. Imported on first use.
FLOW_MODULES: dict[str, tuple[str, str]] = FLOW_FUNCTIONS


@runtime_checkable
class FlowHost(Protocol):
    """What the explorer App offers a flow. Nothing else of the App is a contract."""

    @property
    def aws(self) -> AwsSession:
        """The open AWS session (sandbox or real), shared with the explorer's loaders."""
        ...

    @property
    def inventory(self) -> Inventory:
        """Everything loaded so far: images and snapshots per region, joined both ways."""
        ...

    @property
    def accounts(self) -> Sequence[Account]:
        """Every loaded account, in the order given (one for a plain launch; ``aws`` is the
        first one's session)."""
        ...

    def account_of(self, image: Image) -> Account:
        """The account ``image`` was listed from, whose credentials act on it (a plain
        launch's images, whose ``key.account`` is ``""``, are its one account's)."""
        ...

    def session_for(self, account_id: str) -> AwsSession:
        """The session of the loaded account with this id (``LookupError`` if none)."""
        ...

    #: The launch options (profile, regions, owners, read_only, demo, key overrides).
    options: LaunchOptions

    @property
    def read_only(self) -> bool:
        """True under ``--read-only``: no mutating flow is ever started."""
        ...

    def now(self) -> datetime:
        """The explorer's clock (timezone-aware UTC; fixed in tests and screenshots)."""
        ...

    def selected_images(self) -> list[Image]:
        """The marked images (in table order), else the image under the cursor, else []."""
        ...

    def clear_marks(self) -> None:
        """Unmark every image."""
        ...

    async def reload_regions(self, regions: Iterable[str]) -> None:
        """Reload these regions (images and snapshots) and wait until they are shown.

        Regions not in the explorer's region list are added to it (e.g. a copy destination).
        """
        ...

    async def push_screen_wait(self, screen: Screen[ScreenResultType]) -> ScreenResultType:
        """Textual's ``App.push_screen_wait``: show a (modal) screen, await its result."""
        ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Textual's ``App.notify``; pass ``markup=False`` for text containing AWS data."""
        ...


Flow = Callable[[FlowHost, Sequence[Image]], Awaitable[None]]

_registered: dict[str, Flow] = {}


class FlowUnavailable(LookupError):
    """No flow is registered for an action, or its module cannot be imported yet."""


def register_flow(action: str, flow: Flow) -> None:
    """Register ``flow`` for ``action``; it takes precedence over :data:`FLOW_MODULES`."""
    _registered[action] = flow


def unregister_flow(action: str) -> None:
    _registered.pop(action, None)


def get_flow(action: str) -> Flow:
    """The flow for ``action``; raises :class:`FlowUnavailable` with the reason."""
    if action in _registered:
        return _registered[action]
    try:
        module_name, function_name = FLOW_MODULES[action]
    except KeyError:
        raise FlowUnavailable(f"no action named {action!r}") from None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise FlowUnavailable(f"{action} is not available yet") from None
    flow: Any = getattr(module, function_name, None)
    if flow is None:
        raise FlowUnavailable(f"{action} is not available yet ({module_name}.{function_name})")
    return flow  # type: ignore[no-any-return]


def is_available(action: str) -> bool:
    try:
        get_flow(action)
    except FlowUnavailable:
        return False
    return True
