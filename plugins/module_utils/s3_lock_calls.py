# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 calls of the deployment lock, one function per call.

Retried on throttling and transient errors (``AWSRetry.jittered_backoff``),
never on a lost race: ``PreconditionFailed`` (412) and
``ConditionalRequestConflict`` (409) mean that another run wrote the lock
first, so ``put_lock`` returns None for them instead of retrying. Other errors
raise ``AnsibleBlueGreenAWSError`` ("Failed to write the lock
s3://bucket/key: ..."), the collection's one AWS error type.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import aws_error_handler
from ansible_collections.bluegreen.aws.plugins.module_utils.lock import parse_document
from ansible_collections.bluegreen.aws.plugins.module_utils.lock import serialize

LOST_RACE = ("PreconditionFailed", "ConditionalRequestConflict")


@aws_error_handler("read the lock s3://{bucket}/{key}", ("NoSuchKey", "404"), (None, None))
@AWSRetry.jittered_backoff()
def get_lock(client, bucket, key):
    """``(document, etag)`` of the current lock, or ``(None, None)`` when there is no lock object."""
    response = client.get_object(Bucket=bucket, Key=key)
    body = response["Body"].read()
    try:
        document = parse_document(body)
    except ValueError as e:
        raise AnsibleBlueGreenAWSError(
            message=f"s3://{bucket}/{key} is not a deployment lock ({e}); fix or delete that object"
        ) from None
    return document, response["ETag"]


@aws_error_handler("read version {version_id} of the lock s3://{bucket}/{key}", ("NoSuchKey", "NoSuchVersion", "404"), None)
@AWSRetry.jittered_backoff()
def get_lock_version(client, bucket, key, version_id):
    """One past version of the lock, or None when it is gone or is not a lock document."""
    body = client.get_object(Bucket=bucket, Key=key, VersionId=version_id)["Body"].read()
    try:
        return parse_document(body)
    except ValueError:
        return None


@aws_error_handler("write the lock s3://{bucket}/{key}", LOST_RACE, None)
@AWSRetry.jittered_backoff()
def put_lock(client, bucket, key, document, etag=None):
    """Write only if the lock is still what we read (``etag``), or, without ``etag``, if there is none yet.

    Returns the new ETag, or None when another run wrote the lock first.
    """
    condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
    response = client.put_object(
        Bucket=bucket, Key=key, Body=serialize(document), ContentType="application/json", **condition,
    )
    return response["ETag"]


@aws_error_handler("list the versions of the lock s3://{bucket}/{key}")
@AWSRetry.jittered_backoff()
def list_lock_versions(client, bucket, key, limit, after=None):
    """Up to ``limit`` versions of the lock object, newest first, as ``{version_id, latest, deleted}``, and where to go on.

    Returns ``(versions, next_page)``; ``next_page`` is None on the last page,
    else the ``after`` of the next call. S3 lists versions of a key newest
    first and a key before any longer key that starts with it, so the first
    page holds the newest versions. Delete markers are included (``deleted``)
    so that a deleted lock is not mistaken for a held one.
    """
    page = dict(KeyMarker=after[0], VersionIdMarker=after[1]) if after else {}
    response = client.list_object_versions(Bucket=bucket, Prefix=key, MaxKeys=max(limit, 1), **page)
    versions = [dict(v, deleted=False) for v in response.get("Versions", []) if v["Key"] == key]
    markers = [dict(v, deleted=True) for v in response.get("DeleteMarkers", []) if v["Key"] == key]
    entries = versions + markers
    if markers:  # two lists: merge them by time (stable, so S3's order stays within a second)
        entries.sort(key=lambda e: e["LastModified"], reverse=True)
    entries.sort(key=lambda e: not e.get("IsLatest", False))  # the current one first, whatever the clock says
    next_page = None
    if response.get("IsTruncated") and response.get("NextKeyMarker") == key:
        next_page = (response["NextKeyMarker"], response["NextVersionIdMarker"])
    return [dict(version_id=e["VersionId"], latest=e.get("IsLatest", False), deleted=e["deleted"])
            for e in entries], next_page


# A holder renews its lease at every step, so one operation is several versions;
# the versions read for a history stop here whatever ``limit`` asks.
MAX_VERSIONS_READ = 500


# Versions of one page are read this many at a time (S3 GETs are latency-bound).
READ_CONCURRENCY = 16


def _read_versions(client, bucket, key, versions):
    """The documents of ``versions`` (None for a delete marker), in their order, read concurrently."""
    wanted = [v for v in versions if not v["deleted"]]
    if len(wanted) <= 1:
        found = [get_lock_version(client, bucket, key, v["version_id"]) for v in wanted]
    else:
        with ThreadPoolExecutor(max_workers=min(READ_CONCURRENCY, len(wanted))) as pool:
            found = list(pool.map(lambda v: get_lock_version(client, bucket, key, v["version_id"]), wanted))
    documents = iter(found)
    return [None if v["deleted"] else next(documents) for v in versions]


def read_lock_and_versions(client, bucket, key, limit):
    """``(current, documents)``: the current lock document (or None) and versions holding ``limit`` operations, newest first.

    Without history, one GetObject. With history, ListObjectVersions (a page
    per ``2 * limit`` versions) and a GetObject per version (up to
    ``READ_CONCURRENCY`` at a time), until the versions read hold ``limit``
    operations (the newest version of an operation says how it ended) or none
    are left, at most ``MAX_VERSIONS_READ``. The current lock is the latest
    version (none when that is a delete marker), so it costs no extra read.
    """
    if limit == 0:
        return get_lock(client, bucket, key)[0], []
    current, documents, tokens, read, after = None, [], set(), 0, None
    page_size = min(2 * limit, 1000)
    while True:
        versions, after = list_lock_versions(client, bucket, key, page_size, after)
        versions = versions[:MAX_VERSIONS_READ - read]
        for version, document in zip(versions, _read_versions(client, bucket, key, versions)):
            if len(tokens) >= limit:
                return current, documents
            if version["deleted"]:
                continue
            read += 1
            if version["latest"]:
                # An unreadable current lock blocks every run: say so (get_lock fails naming it).
                current = document or get_lock(client, bucket, key)[0]
            if document:
                documents.append(document)
                if document.get("token"):
                    tokens.add(document["token"])
        if after is None or len(tokens) >= limit or read >= MAX_VERSIONS_READ:
            return current, documents
