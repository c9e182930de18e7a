"""Flows written for one account, run in the account of the images they act on.

Copy, share, deregister and guided cleanup plan across accounts themselves (each step names
its account, see :mod:`amitui.flows.plan_run`). Every other flow looks images up, plans and
sends with ``host.aws``: in an account-set launch that is the first account's session, which
cannot see another account's private images. :func:`host_for` gives such a flow a host whose
session is the images' own account, or says why it cannot (images of several accounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from amitui.flows import FlowHost
from amitui.model import Image

if TYPE_CHECKING:
    from amitui.accounts import Account
    from amitui.aws import AwsSession


class OneAccountHost:
    """``host`` seen from one account: its session is ``aws``, and it is the only account.
    Everything else (screens, notifications, reloads, the inventory) is ``host``'s."""

    def __init__(self, host: FlowHost, account: Account) -> None:
        self._host = host
        self._account = account

    @property
    def aws(self) -> AwsSession:
        return self._account.session

    @property
    def accounts(self) -> Sequence[Account]:
        return (self._account,)

    def account_of(self, image: Image) -> Account:
        return self._account

    def session_for(self, account_id: str) -> AwsSession:
        if account_id in ("", self._account.id):
            return self._account.session
        raise LookupError(f"account {account_id} is not the one this action works in")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._host, name)


def host_for(host: FlowHost, images: Sequence[Image]) -> FlowHost | str:
    """The host a one-account flow runs with for ``images``: ``host`` itself when only one
    account is loaded (or no image is chosen), else the images' own account; a message when
    they belong to several accounts."""
    if len(host.accounts) <= 1 or not images:
        return host
    owners: dict[str, Account] = {}
    for image in images:
        account = host.account_of(image)
        owners[account.id] = account
    if len(owners) > 1:
        names = ", ".join(sorted(a.label for a in owners.values()))
        return (
            f"The marked images belong to {len(owners)} accounts ({names}); this action works "
            "in one account at a time: mark the images of one account (the region pane's "
            "account level shows one)"
        )
    (account,) = owners.values()
    if account.session is host.aws:
        return host
    return OneAccountHost(host, account)
