"""The IAM action of an S3 request, from its method, its subresource and whether it names a key.

moto 5.2.5 names S3 requests for authorization with its own table (ACTION_MAP), which holds names IAM does not have
(HeadBucket, SelectObject, GetPublicAccessBlock), misses subresources (a GET ?encryption is checked as ListBucket, a
DELETE ?tagging on an object as DeleteObject) and checks CopyObject as PutObject alone. This table follows the S3 API
reference's "Permissions" of each operation (HeadBucket needs s3:ListBucket, CopyObject s3:GetObject on the source,
DeletePublicAccessBlock s3:PutBucketPublicAccessBlock, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

# method -> ((subresource, action), ...), the first subresource present wins; "" is the request without one.
BUCKET: dict[str, tuple[tuple[str, str], ...]] = {
    "HEAD": (("", "ListBucket"),),
    "GET": (
        ("uploads", "ListBucketMultipartUploads"),
        ("versions", "ListBucketVersions"),
        ("location", "GetBucketLocation"),
        ("lifecycle", "GetLifecycleConfiguration"),
        ("versioning", "GetBucketVersioning"),
        ("policyStatus", "GetBucketPolicyStatus"),
        ("policy", "GetBucketPolicy"),
        ("website", "GetBucketWebsite"),
        ("acl", "GetBucketAcl"),
        ("tagging", "GetBucketTagging"),
        ("logging", "GetBucketLogging"),
        ("cors", "GetBucketCORS"),
        ("notification", "GetBucketNotification"),
        ("accelerate", "GetAccelerateConfiguration"),
        ("publicAccessBlock", "GetBucketPublicAccessBlock"),
        ("encryption", "GetEncryptionConfiguration"),
        ("ownershipControls", "GetBucketOwnershipControls"),
        ("object-lock", "GetBucketObjectLockConfiguration"),
        ("replication", "GetReplicationConfiguration"),
        ("inventory", "GetInventoryConfiguration"),
        ("metrics", "GetMetricsConfiguration"),
        ("analytics", "GetAnalyticsConfiguration"),
        ("intelligent-tiering", "GetIntelligentTieringConfiguration"),
        ("requestPayment", "GetBucketRequestPayment"),
        ("", "ListBucket"),
    ),
    "PUT": (
        ("lifecycle", "PutLifecycleConfiguration"),
        ("versioning", "PutBucketVersioning"),
        ("policy", "PutBucketPolicy"),
        ("website", "PutBucketWebsite"),
        ("acl", "PutBucketAcl"),
        ("tagging", "PutBucketTagging"),
        ("logging", "PutBucketLogging"),
        ("cors", "PutBucketCORS"),
        ("notification", "PutBucketNotification"),
        ("accelerate", "PutAccelerateConfiguration"),
        ("publicAccessBlock", "PutBucketPublicAccessBlock"),
        ("encryption", "PutEncryptionConfiguration"),
        ("ownershipControls", "PutBucketOwnershipControls"),
        ("object-lock", "PutBucketObjectLockConfiguration"),
        ("replication", "PutReplicationConfiguration"),
        ("inventory", "PutInventoryConfiguration"),
        ("metrics", "PutMetricsConfiguration"),
        ("analytics", "PutAnalyticsConfiguration"),
        ("intelligent-tiering", "PutIntelligentTieringConfiguration"),
        ("requestPayment", "PutBucketRequestPayment"),
        ("", "CreateBucket"),
    ),
    "DELETE": (
        ("lifecycle", "PutLifecycleConfiguration"),
        ("policy", "DeleteBucketPolicy"),
        ("website", "DeleteBucketWebsite"),
        ("tagging", "PutBucketTagging"),
        ("cors", "PutBucketCORS"),
        ("publicAccessBlock", "PutBucketPublicAccessBlock"),
        ("encryption", "PutEncryptionConfiguration"),
        ("ownershipControls", "PutBucketOwnershipControls"),
        ("replication", "PutReplicationConfiguration"),
        ("inventory", "PutInventoryConfiguration"),
        ("metrics", "PutMetricsConfiguration"),
        ("analytics", "PutAnalyticsConfiguration"),
        ("intelligent-tiering", "PutIntelligentTieringConfiguration"),
        ("", "DeleteBucket"),
    ),
    "POST": (("delete", "DeleteObject"), ("", "PutObject")),  # DeleteObjects: s3:DeleteObject on each key
}
OBJECT: dict[str, tuple[tuple[str, str], ...]] = {
    "HEAD": (("versionId", "GetObjectVersion"), ("", "GetObject")),
    "GET": (
        ("uploadId", "ListMultipartUploadParts"),
        ("attributes", "GetObjectAttributes"),
        ("retention", "GetObjectRetention"),
        ("legal-hold", "GetObjectLegalHold"),
        ("torrent", "GetObjectTorrent"),
        ("acl", "GetObjectAcl"),
        ("tagging", "GetObjectTagging"),
        ("versionId", "GetObjectVersion"),
        ("", "GetObject"),
    ),
    "PUT": (
        ("retention", "PutObjectRetention"),
        ("legal-hold", "PutObjectLegalHold"),
        ("acl", "PutObjectAcl"),
        ("tagging", "PutObjectTagging"),
        ("", "PutObject"),  # UploadPart and CopyObject too (the copy also reads its source)
    ),
    "DELETE": (
        ("uploadId", "AbortMultipartUpload"),
        ("tagging", "DeleteObjectTagging"),
        ("versionId", "DeleteObjectVersion"),
        ("", "DeleteObject"),
    ),
    "POST": (("restore", "RestoreObject"), ("select", "GetObject"), ("", "PutObject")),
}
# A version's own action when versionId comes with these subresources.
VERSIONED = {
    "GetObjectTagging": "GetObjectVersionTagging",
    "PutObjectTagging": "PutObjectVersionTagging",
    "DeleteObjectTagging": "DeleteObjectVersionTagging",
    "GetObjectAcl": "GetObjectVersionAcl",
    "PutObjectAcl": "PutObjectVersionAcl",
}


def action(method: str, query: Mapping[str, object], bucket: str | None, key: str | None) -> str:
    """`s3:<Action>` IAM authorizes for this request."""
    if not bucket:
        return "s3:ListAllMyBuckets"
    table = OBJECT if key else BUCKET
    for subresource, name in table.get(method, ()):
        if not subresource or subresource in query:
            if "versionId" in query and name in VERSIONED:
                name = VERSIONED[name]
            return f"s3:{name}"
    raise ValueError(f"no IAM action for S3 {method} {'object' if key else 'bucket'} request")


def copy_source(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """(bucket, key) a CopyObject or UploadPartCopy reads, from x-amz-copy-source."""
    source = next((v for k, v in headers.items() if k.lower() == "x-amz-copy-source"), None)
    if not source:
        return None
    bucket, _, key = unquote(source.split("?versionId=")[0]).lstrip("/").partition("/")
    return bucket, key
