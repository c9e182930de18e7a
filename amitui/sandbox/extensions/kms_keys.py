"""KMS: the ``alias/aws/…`` keys are AWS managed keys.

KMS (API reference, KeyMetadata): ``KeyManager`` "The manager of the KMS key. KMS keys in your
Amazon Web Services account are either customer managed or Amazon Web Services managed."
Valid values ``AWS | CUSTOMER``.
EC2 (CopyImage ``KmsKeyId``): "If this parameter is not specified, your Amazon Web Services
managed KMS key for Amazon EBS is used" -- the key behind ``alias/aws/ebs``, which KMS creates
for the account the first time it is used (and a user cannot create: ``alias/aws/`` names are
reserved, moto already refuses them).

moto reports every key as ``CUSTOMER``, its ``alias/aws/ebs`` key included, so a guard such
as "an AWS managed key can't be shared with another account" would never be exercised. The
sandbox marks the key behind every ``alias/aws/…`` alias as AWS managed, whichever path made
it (DescribeKey of the alias, or EC2's default EBS encryption key).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.kms.models import KmsBackend

from ._moto import wrap

AWS_ALIAS_PREFIX = "alias/aws/"


def install() -> None:
    wrap(KmsBackend, "create_alias", _create_alias)


def _create_alias(
    original: Callable[..., Any], self: KmsBackend, target_key_id: str, alias_name: str
) -> Any:
    alias = original(self, target_key_id, alias_name)
    if alias_name.startswith(AWS_ALIAS_PREFIX):
        self.keys[self.get_key_id(target_key_id)].key_manager = "AWS"
    return alias


def aws_managed_ebs_key(backend: Any) -> str:
    """The ARN of ``alias/aws/ebs`` in the region of ``backend`` (an EC2 backend), created on
    first use as EC2 does; for in-process seeding (e.g. the demo's AWS managed encryption)."""
    arn: str = backend.default_kms_key_id or backend._create_default_encryption_key()
    return arn
