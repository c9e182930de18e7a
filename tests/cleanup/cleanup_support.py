"""Helpers shared by the cleanup tests (a module, not conftest: importable by name)."""

from __future__ import annotations

from typing import Any

import boto3

from amitui.sandbox import SANDBOX_CREDENTIALS


def boto(endpoint_url: str, region: str, service: str = "ec2") -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
