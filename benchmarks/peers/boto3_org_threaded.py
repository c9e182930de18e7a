"""Peer: a boto3 script listing every organization account's images, the way c7n-org-style
tools fan out: accounts from Organizations ListAccounts, OrganizationAccountAccessRole
assumed in each member, then every (account, region) in one thread pool.

The same output as ``amitui ls --org --format json``: every image with ``Region`` and
``Account``. Written carefully: every client comes from one session (so the EC2 model is
parsed once) under a lock (a session is not thread-safe; clients are), with the account's
assumed keys; standard retry mode (which backs off on ``RequestLimitExceeded``); one pool of
``WORKERS`` threads.
"""

from __future__ import annotations

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config

WORKERS = 32
ROLE = "OrganizationAccountAccessRole"
CONFIG = Config(retries={"mode": "standard"}, max_pool_connections=WORKERS)

BASE = boto3.Session()
CLIENTS = threading.Lock()


def client(service: str, region: str | None = None, keys: dict[str, str] | None = None) -> Any:
    credentials = (
        {
            "aws_access_key_id": keys["AccessKeyId"],
            "aws_secret_access_key": keys["SecretAccessKey"],
            "aws_session_token": keys["SessionToken"],
        }
        if keys
        else {}
    )
    with CLIENTS:
        return BASE.client(service, region_name=region, config=CONFIG, **credentials)


def _default(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def list_images(account: str, keys: dict[str, str] | None, region: str) -> list[dict[str, Any]]:
    images: list[dict[str, Any]] = []
    for page in (
        client("ec2", region, keys)
        .get_paginator("describe_images")
        .paginate(
            Owners=["self"],
            IncludeDeprecated=True,
            IncludeDisabled=True,
            PaginationConfig={"PageSize": 1000},
        )
    ):
        images.extend({**image, "Region": region, "Account": account} for image in page["Images"])
    return images


def main() -> int:
    sts = client("sts")
    me = sts.get_caller_identity()["Account"]
    pages = client("organizations").get_paginator("list_accounts").paginate()
    accounts = [a["Id"] for page in pages for a in page["Accounts"] if a["Status"] == "ACTIVE"]
    regions = sorted(r["RegionName"] for r in client("ec2").describe_regions()["Regions"])

    def keys_of(account: str) -> dict[str, str] | None:
        if account == me:
            return None
        role = f"arn:aws:iam::{account}:role/{ROLE}"
        answer = sts.assume_role(RoleArn=role, RoleSessionName="inventory")
        return dict(answer["Credentials"])

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        keys = dict(zip(accounts, pool.map(keys_of, accounts), strict=True))
        found = pool.map(
            lambda target: list_images(target[0], keys[target[0]], target[1]),
            [(a, r) for a in accounts for r in regions],
        )
        images = [image for per_target in found for image in per_target]
    json.dump(images, sys.stdout, indent=2, default=_default)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
