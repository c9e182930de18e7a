"""GetImageAncestry, and CreateImage recording its source AMI.

EC2 (API reference, GetImageAncestry and ImageAncestryEntry; user guide "Use AMI ancestry to
trace the origin of an AMI"):

- "Retrieves the ancestry chain of the specified AMI, tracing its lineage back to the root
  AMI." ``ImageAncestryEntries``: "A list of entries in the AMI ancestry chain, from the
  specified AMI to the root AMI." Each entry: ``CreationDate``, ``ImageId``,
  ``ImageOwnerAlias`` ("if one is assigned. Otherwise, the value is null"), ``SourceImageId``
  ("The ID of the parent AMI"), ``SourceImageRegion`` ("The Amazon Web Services Region of the
  parent AMI").
- "The root AMI is one of the following: A public AMI from a verified provider (identified by
  its owner alias, which is either amazon or aws-marketplace). An AMI with no recorded
  ancestor. For example, when using RegisterImage ... An AMI whose source AMI is from a
  different partition. The 50th AMI in the list. The maximum number of AMIs in an ancestry
  list is 50."
- "The ID and Region of the source AMI are only available for AMIs created using CreateImage,
  CopyImage, or CreateRestoreImageTask." "For AMIs created using CreateImage (creates an AMI
  from an instance), the source AMI ID is the ID of the AMI used to launch the instance."
  moto's CreateImage records no source: here it does (CopyImage's is set by copy_image).

The chain follows sources across Regions and accounts (a copy of an image another account
shared). The reference is silent about an ancestor that has since been deregistered: the
sandbox ends the chain at the last AMI it can still find (whose entry names the missing
parent). The image asked about must be one the caller may describe (``InvalidAMIID.NotFound``
otherwise, ``InvalidAMIID.Unavailable`` once deregistered).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import UnvailableAMIIdError
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.responses.amis import AmisResponse

from ._moto import wrap
from .organization import find_image

MAX_ENTRIES = 50
VERIFIED_PROVIDERS = frozenset({"amazon", "aws-marketplace"})


def install() -> None:
    wrap(AmiBackend, "create_image", _create_image)
    AmisResponse.get_image_ancestry = _get_image_ancestry  # type: ignore[attr-defined]


def _create_image(original: Callable[..., Any], self: Any, instance_id: str, *args: Any,
                  **kwargs: Any) -> Any:  # fmt: skip
    image = original(self, instance_id, *args, **kwargs)
    instance = self.get_instance(instance_id)
    image.source_image_id = instance.image_id
    image.source_image_region = self.region_name
    return image


def ancestry(image: Ami, region: str) -> list[dict[str, Any]]:
    """The ancestry entries of ``image`` (in ``region``), itself first."""
    entries: list[dict[str, Any]] = []
    current: Ami | None = image
    while current is not None and len(entries) < MAX_ENTRIES:
        source_id = getattr(current, "source_image_id", None)
        source_region = getattr(current, "source_image_region", None) or region
        entry: dict[str, Any] = {"CreationDate": current.creation_date, "ImageId": current.id}
        if current.owner_alias:
            entry["ImageOwnerAlias"] = current.owner_alias
        if source_id:
            entry["SourceImageId"] = source_id
            entry["SourceImageRegion"] = source_region
        entries.append(entry)
        if not source_id or current.owner_alias in VERIFIED_PROVIDERS:
            break
        current, region = find_image(source_region, source_id), source_region
    return entries


def _get_image_ancestry(self: AmisResponse) -> ActionResult:
    image_id = self._get_param("ImageId")
    self.error_on_dryrun()
    backend = self.ec2_backend
    try:
        (image,) = backend.describe_images(ami_ids=[image_id])
    except ValueError:  # none registered: deregistered (or unknown) ids answer nothing
        raise UnvailableAMIIdError(image_id) from None
    return ActionResult({"ImageAncestryEntries": ancestry(image, backend.region_name)})
