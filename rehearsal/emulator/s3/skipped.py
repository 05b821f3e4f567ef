"""S3 settings a template may set that the emulator accepts and goes on without: the rehearsal names them as skipped
(offline_lab.py), so nobody takes them for checked.

- LoggingConfiguration (server access logs): moto's CloudFormation bucket ignores it and its S3 writes no log
  record, so a template's access-log bucket stays empty on the emulator.
"""

from __future__ import annotations

from typing import Any

SERVER_ACCESS_LOGS = "S3 server access logs (a bucket's LoggingConfiguration: the emulator writes none)"


def skipped_in_template(template: dict[str, Any]) -> list[str]:
    """The S3 settings of a template's buckets the emulator goes on without."""
    buckets = [r for r in template.get("Resources", {}).values() if r.get("Type") == "AWS::S3::Bucket"]
    return [SERVER_ACCESS_LOGS] if any((b.get("Properties") or {}).get("LoggingConfiguration") for b in buckets) else []
