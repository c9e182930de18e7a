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

Cost, not behaviour: moto draws an RSA-2048 key pair for every key, symmetric ones included
(~0.15 s each, the demo's seeding makes five). A symmetric key's pair is only ever read by
Sign, Verify and GetPublicKey, which KMS refuses for such keys, so it is drawn on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.kms.models import KmsBackend

from ._moto import wrap

AWS_ALIAS_PREFIX = "alias/aws/"
SYMMETRIC = "SYMMETRIC_DEFAULT"


def install() -> None:
    from moto.kms import models, utils

    wrap(KmsBackend, "create_alias", _create_alias)
    lazy = _private_key(utils.generate_private_key)
    models.generate_private_key = lazy  # type: ignore[attr-defined,assignment]


def _private_key(draw: Callable[[str], Any]) -> Callable[[str], Any]:
    def private_key(key_spec: str) -> Any:
        return _LazyPrivateKey(draw, key_spec) if key_spec == SYMMETRIC else draw(key_spec)

    return private_key


class _LazyPrivateKey:
    """Stands for ``draw(key_spec)``, drawn when first used."""

    def __init__(self, draw: Callable[[str], Any], key_spec: str) -> None:
        self._draw = draw
        self._key_spec = key_spec
        self._key: Any = None

    def __getattr__(self, name: str) -> Any:
        # Only names this class lacks get here; its own (absent while copy or pickle
        # rebuild an instance) and dunders must not recurse into a draw.
        if name.startswith("__") or name in ("_draw", "_key_spec", "_key"):
            raise AttributeError(name)
        if self._key is None:
            self._key = self._draw(self._key_spec)
        return getattr(self._key, name)


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
