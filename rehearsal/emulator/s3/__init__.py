"""Amazon S3: the bucket pieces CDK templates rely on, and bucket policies evaluated as IAM does.

Gaps filled, in install order:
- auto_delete: Custom::S3AutoDeleteObjects without Lambda (moto would invoke the CDK provider in Docker), and a
  non-empty bucket's delete that fails instead of leaving the bucket behind;
- bucket_policy: AWS::S3::BucketPolicy as a CloudFormation resource (moto only records it);
- policy_evaluation: bucket policy statements evaluated as IAM does, or refused when the emulator cannot evaluate
  them (moto ignores most conditions and principals).
skipped.py names what a template sets and the emulator goes on without (server access logs).
Nothing here runs: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import auto_delete, bucket_policy, policy_evaluation
from .skipped import skipped_in_template

GAP_FIXES = (auto_delete, bucket_policy, policy_evaluation)

__all__ = ["install", "skipped_in_template", "start", "stop"]


def install() -> None:
    """Patch moto's S3 (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of S3 runs on its own."""


def stop() -> None:
    """Nothing to stop."""
