"""What names an image outside amitui: its ARN and its page in the EC2 console. Pure.

- ARN: the Service Authorization Reference ("Actions, resources, and condition keys for
  Amazon EC2", resource type ``image``) gives ``arn:${Partition}:ec2:${Region}::image/${ImageId}``:
  no account field, since an AMI's ARN is the same for every account that can see it.
- Console URL: AWS does not document the console's URLs. The one used is what the EC2
  console itself shows in the address bar on an AMI's page,
  ``https://REGION.console.aws.amazon.com/ec2/home?region=REGION#ImageDetails:imageId=ami-…``
  (and widely linked to, e.g. in release notes of public AMIs).
"""

from __future__ import annotations

from amitui.model import Image

#: Region name prefix -> (partition, console host). Every other region is in ``aws``.
_PARTITIONS: tuple[tuple[str, str, str], ...] = (
    ("cn-", "aws-cn", "console.amazonaws.cn"),
    ("us-gov-", "aws-us-gov", "console.amazonaws-us-gov.com"),
)


def partition(region: str) -> str:
    for prefix, name, _ in _PARTITIONS:
        if region.startswith(prefix):
            return name
    return "aws"


def image_arn(image: Image) -> str:
    return f"arn:{partition(image.region)}:ec2:{image.region}::image/{image.image_id}"


def console_url(image: Image) -> str:
    region = image.region
    host = next((h for p, _, h in _PARTITIONS if region.startswith(p)), None)
    if host is None:
        host = f"{region}.console.aws.amazon.com"
    return f"https://{host}/ec2/home?region={region}#ImageDetails:imageId={image.image_id}"


__all__ = ["console_url", "image_arn", "partition"]
