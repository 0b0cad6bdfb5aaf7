# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 calls of the deployment lock: retried on throttling, never on a lost race."""

from __future__ import annotations

import json

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import elbv2_error_handler


@elbv2_error_handler("read the lock s3://{bucket}/{key}", ("NoSuchKey", "404"), (None, None))
@AWSRetry.jittered_backoff()
def get_lock(client, bucket, key, version_id=None):
    """``(document, etag)``, or ``(None, None)`` when there is no lock object."""
    extra = {"VersionId": version_id} if version_id else {}
    response = client.get_object(Bucket=bucket, Key=key, **extra)
    return json.loads(response["Body"].read()), response["ETag"]


@elbv2_error_handler("write the lock s3://{bucket}/{key}", ("PreconditionFailed", "ConditionalRequestConflict"), None)
@AWSRetry.jittered_backoff()
def put_lock(client, bucket, key, document, etag=None):
    """Write only if nobody else did since we read it (``etag``), or if there is no lock yet.

    Returns the new ETag, or None when another run won the race.
    """
    condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
    response = client.put_object(
        Bucket=bucket, Key=key, Body=json.dumps(document, sort_keys=True).encode(),
        ContentType="application/json", **condition,
    )
    return response["ETag"]


@elbv2_error_handler("list the versions of s3://{bucket}/{key}")
@AWSRetry.jittered_backoff()
def list_lock_versions(client, bucket, key, limit):
    """Version IDs of the lock object, newest first (at most ``limit``)."""
    response = client.list_object_versions(Bucket=bucket, Prefix=key, MaxKeys=max(limit, 1))
    versions = [v for v in response.get("Versions", []) if v["Key"] == key]
    versions.sort(key=lambda v: v["LastModified"], reverse=True)
    return [v["VersionId"] for v in versions[:limit]]
