# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Access logs of an Application Load Balancer: its ``access_logs.s3.*`` attributes (pure functions).

A load balancer that never had access logs may not report the attributes at
all (the embedded AWS omits ``access_logs.s3.enabled``); a missing attribute
reads as AWS's default: off, no bucket, no prefix.
"""

from __future__ import annotations

import re

ENABLED = "access_logs.s3.enabled"
BUCKET = "access_logs.s3.bucket"
PREFIX = "access_logs.s3.prefix"

# S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class AccessLogsError(ValueError):
    """Bad input, with a message naming the bad value."""


def validate(enabled, bucket, prefix):
    """Raise AccessLogsError when the settings cannot be written."""
    if not enabled:
        return
    if not bucket or not _BUCKET_RE.match(bucket):
        raise AccessLogsError("bucket must be an S3 bucket name when access logs are enabled, got %r" % (bucket,))
    prefix = prefix or ""
    if prefix.startswith("/") or prefix.endswith("/"):
        raise AccessLogsError("prefix must not start or end with '/', got %r" % prefix)
    if "AWSLogs" in prefix:
        raise AccessLogsError("prefix must not contain AWSLogs (the load balancer adds it), got %r" % prefix)


def current(attributes):
    """``{"enabled": bool, "bucket": str, "prefix": str}`` from the attributes as read (a dict of strings)."""
    return {
        "enabled": str(attributes.get(ENABLED, "false")).lower() == "true",
        "bucket": attributes.get(BUCKET) or "",
        "prefix": attributes.get(PREFIX) or "",
    }


def desired(before, enabled, bucket, prefix):
    """The settings after the task. Turning logs off keeps the bucket and prefix (AWS ignores them then)."""
    if not enabled:
        return dict(before, enabled=False)
    return {"enabled": True, "bucket": bucket, "prefix": prefix or ""}


def changes(before, after):
    """The attributes to write (``[{"Key": ..., "Value": ...}]``) to go from ``before`` to ``after``; [] when equal.

    Enabling (or moving) the logs writes all three in one call, as AWS checks
    the bucket when logs are turned on; turning them off writes only the switch.
    """
    if before == after:
        return []
    if after["enabled"]:
        return [{"Key": ENABLED, "Value": "true"}, {"Key": BUCKET, "Value": after["bucket"]},
                {"Key": PREFIX, "Value": after["prefix"]}]
    return [{"Key": ENABLED, "Value": "false"}]
