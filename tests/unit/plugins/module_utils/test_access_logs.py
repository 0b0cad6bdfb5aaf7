"""Unit tests for the ALB access-log attributes (no AWS)."""

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import access_logs

ON = {"enabled": True, "bucket": "web-logs", "prefix": "web/alb"}


def test_missing_attributes_read_as_the_aws_defaults():
    # The embedded AWS does not report access_logs.s3.enabled on a new load balancer.
    assert access_logs.current({"access_logs.s3.bucket": "", "access_logs.s3.prefix": ""}) == {
        "enabled": False, "bucket": "", "prefix": ""}
    assert access_logs.current({"access_logs.s3.enabled": "true", "access_logs.s3.bucket": "b",
                                "access_logs.s3.prefix": "p"}) == {"enabled": True, "bucket": "b", "prefix": "p"}


def test_enabling_writes_the_three_attributes_at_once():
    before = access_logs.current({})
    after = access_logs.desired(before, True, "web-logs", "web/alb")
    assert after == ON
    assert access_logs.changes(before, after) == [
        {"Key": "access_logs.s3.enabled", "Value": "true"}, {"Key": "access_logs.s3.bucket", "Value": "web-logs"},
        {"Key": "access_logs.s3.prefix", "Value": "web/alb"}]


def test_same_settings_write_nothing():
    assert access_logs.changes(ON, access_logs.desired(ON, True, "web-logs", "web/alb")) == []


def test_a_new_prefix_rewrites_the_destination():
    after = access_logs.desired(ON, True, "web-logs", "shop/alb")
    assert [w["Key"] for w in access_logs.changes(ON, after)] == [
        "access_logs.s3.enabled", "access_logs.s3.bucket", "access_logs.s3.prefix"]


def test_turning_off_writes_only_the_switch_and_keeps_the_destination():
    after = access_logs.desired(ON, False, "", "")
    assert after == dict(ON, enabled=False)
    assert access_logs.changes(ON, after) == [{"Key": "access_logs.s3.enabled", "Value": "false"}]
    assert access_logs.changes(after, access_logs.desired(after, False, "", "")) == []


@pytest.mark.parametrize("bucket, prefix, message", [
    ("", "web/alb", "bucket must be an S3 bucket name when access logs are enabled, got ''"),
    ("Web_Logs", "", "bucket must be an S3 bucket name when access logs are enabled, got 'Web_Logs'"),
    ("web-logs", "/web", "prefix must not start or end with '/', got '/web'"),
    ("web-logs", "web/", "prefix must not start or end with '/', got 'web/'"),
    ("web-logs", "web/AWSLogs", "prefix must not contain AWSLogs"),
])
def test_bad_input_names_the_value(bucket, prefix, message):
    with pytest.raises(access_logs.AccessLogsError) as e:
        access_logs.validate(True, bucket, prefix)
    assert str(e.value).startswith(message)


def test_off_needs_no_bucket():
    access_logs.validate(False, "", "")
