# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Logs of both colors, end to end on the embedded AWS: site.yml, again, teardown.yml.

site.yml runs as a user runs it (``inventories/local``) on an emulator of its
own; every assertion reads the state back with boto3: the ALB's
``access_logs.s3.*`` attributes, the access-log bucket (policy, encryption,
public access block, lifecycle), the artifact bucket's lifecycle rules (bundles
and the lock history apart), the CloudWatch Logs groups and their retention,
and the instance role's ``write-logs`` policy. A second site.yml changes
nothing; teardown.yml deletes the groups and the log bucket.

The emulator (moto 5.2.5) stores the ALB attributes without delivering logs
(no data plane), and does not evaluate who may write to the bucket: the
policy's statements are read back and checked, the delivery itself happens on
real AWS only. The tests share one stack and run in file order.
"""

from __future__ import annotations

import json

import pytest

from conftest import REGION, free_port
from playbook_stack import APP, Stack, recap

ACCOUNT = "123456789012"
LOG_BUCKET = "%s-logs-%s-%s" % (APP, ACCOUNT, REGION)
ARTIFACT_BUCKET = "%s-artifacts-%s-%s" % (APP, ACCOUNT, REGION)
PREFIX = "%s/alb" % APP
GROUPS = ["/bluegreen/%s/%s" % (APP, source) for source in ("iis", "application", "codedeploy", "windows-events")]


@pytest.fixture(scope="module")
def stack():
    """site.yml on a fresh emulator (a retention other than the default), stopped by teardown.yml at the end."""
    url = "http://127.0.0.1:%d" % free_port()
    st = Stack(url, extra=["-e", "bluegreen_log_retention_days=14"])
    rc, out = st.playbook("site.yml", check=False)
    try:
        assert rc == 0, "site.yml failed:\n" + out[-6000:]
        yield st
    finally:
        st.playbook("playbooks/teardown.yml", check=False)


def alb_attributes(stack):
    elbv2 = stack.elbv2()
    arn = elbv2.describe_load_balancers(Names=[APP + "-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    return {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}


def log_groups(stack):
    found = stack.aws.client("logs").describe_log_groups(logGroupNamePrefix="/bluegreen/%s/" % APP)["logGroups"]
    return {g["logGroupName"]: g for g in found}


def lifecycle(stack, bucket):
    rules = stack.aws.client("s3").get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    return {r["ID"]: r for r in rules}


def rule_prefix(rule):
    return rule.get("Filter", {}).get("Prefix", rule.get("Prefix"))


def test_alb_access_logs_go_to_the_log_bucket_under_the_application_prefix(stack):
    attributes = alb_attributes(stack)
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == LOG_BUCKET
    assert attributes["access_logs.s3.prefix"] == PREFIX


def test_log_bucket_lets_the_regions_log_delivery_write_under_the_prefix_only(stack):
    s3 = stack.aws.client("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=LOG_BUCKET)["Policy"])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    resource = "arn:aws:s3:::%s/%s/AWSLogs/%s/*" % (LOG_BUCKET, PREFIX, ACCOUNT)
    # us-east-1 opened before August 2022: its ELB account, and the service principal of the newer regions.
    assert sorted(json.dumps(s["Principal"], sort_keys=True) for s in allows) == sorted([
        json.dumps({"AWS": "arn:aws:iam::127311923021:root"}), json.dumps({"Service": "logdelivery.elasticloadbalancing.amazonaws.com"})])
    for statement in allows:
        assert statement["Action"] == "s3:PutObject" and statement["Resource"] == resource, statement
    # The local inventory turns the TLS-only deny off (the emulator is plain HTTP); no other statement.
    assert len(policy["Statement"]) == 2

    encryption = s3.get_bucket_encryption(Bucket=LOG_BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"  # ALB logs: SSE-S3 only
    block = s3.get_public_access_block(Bucket=LOG_BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values()), block
    rules = lifecycle(stack, LOG_BUCKET)
    assert list(rules) == ["access-logs"]
    assert rule_prefix(rules["access-logs"]) == PREFIX + "/"
    assert rules["access-logs"]["Expiration"]["Days"] == 90 and rules["access-logs"]["Status"] == "Enabled"


def test_artifact_bucket_expires_bundles_and_keeps_the_lock_history_apart(stack):
    rules = lifecycle(stack, ARTIFACT_BUCKET)
    assert sorted(rules) == ["bundles", "lock-history"]
    bundles, locks = rules["bundles"], rules["lock-history"]
    assert rule_prefix(bundles) == APP + "/"
    assert bundles["Expiration"]["Days"] == 365
    assert bundles["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert bundles["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7
    assert rule_prefix(locks) == "locks/"
    assert locks["NoncurrentVersionExpiration"]["NoncurrentDays"] == 365
    # The current lock object never expires (that would free a held lock): only its history does.
    assert "Days" not in locks.get("Expiration", {}), locks


def test_log_groups_exist_with_their_retention(stack):
    found = log_groups(stack)
    assert sorted(found) == sorted(GROUPS)
    assert {g["retentionInDays"] for g in found.values()} == {14}
    tags = stack.aws.client("logs").list_tags_log_group(logGroupName=GROUPS[0])["tags"]
    assert tags["App"] == APP and tags["Source"] == "iis"


def test_instance_role_may_write_to_those_groups_only(stack):
    iam = stack.aws.client("iam")
    role = APP + "-ec2"
    document = iam.get_role_policy(RoleName=role, PolicyName="write-logs")["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    [statement] = document["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert sorted(statement["Resource"]) == sorted(
        "arn:aws:logs:%s:%s:log-group:%s:*" % (REGION, ACCOUNT, group) for group in GROUPS)
    # No managed policy at all (in particular no CloudWatchAgentServerPolicy), and no other policy grants logs:*.
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        if name == "write-logs":
            continue
        other = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        assert "logs:" not in json.dumps(other), name
    # Last (skipped without it): an IAM policy linter finds nothing above LOW (when parliament is installed).
    parliament = pytest.importorskip("parliament")
    findings = parliament.analyze_policy_string(json.dumps(document)).findings
    assert [f.issue for f in findings if f.severity not in ("LOW", "INFO", "MUTE")] == [], findings


def test_site_again_changes_nothing(stack):
    out = stack.playbook("site.yml")[1]
    assert recap(out)["changed"] == 0, out[-6000:]


def test_access_logs_can_be_turned_off(stack):
    """bluegreen_access_logs=false: the ALB stops logging (its attribute reads false), and nothing else moves."""
    out = stack.playbook("playbooks/site.yml", "-e", "bluegreen_access_logs=false")[1]
    assert recap(out)["changed"] == 1, out[-6000:]
    assert alb_attributes(stack)["access_logs.s3.enabled"] == "false"
    out = stack.playbook("playbooks/site.yml")[1]
    assert recap(out)["changed"] == 1, out[-6000:]
    assert alb_attributes(stack)["access_logs.s3.enabled"] == "true"


ROLES_PLAYBOOK = """
- name: The log parts of the stack
  hosts: applications
  gather_facts: false
  module_defaults:
    group/bluegreen.aws.aws:
      region: "{{ bluegreen_region }}"
      endpoint_url: "{{ bluegreen_endpoint_url }}"
      access_key: "{{ bluegreen_access_key }}"
      secret_key: "{{ bluegreen_secret_key }}"
  tasks:
    - name: Artifact and log buckets
      ansible.builtin.include_role:
        name: bluegreen.aws.artifacts
    - name: Instance role
      ansible.builtin.include_role:
        name: bluegreen.aws.iam
    - name: Log groups
      ansible.builtin.include_role:
        name: bluegreen.aws.monitoring
        tasks_from: log_groups
"""


def test_check_mode_shows_the_changes_and_writes_nothing(stack, tmp_path):
    playbook = tmp_path / "logs.yml"
    playbook.write_text(ROLES_PLAYBOOK)
    out = stack.playbook(str(playbook), "--check", "--diff", "-e", "monitoring_log_retention_days=60",
                         "-e", "artifacts_lock_history_days=400", "-e", "artifacts_access_logs_retention_days=30")[1]
    # The retention change is reported (amazon.aws.cloudwatchlogs_log_group would write it even in check mode,
    # so the role reports it instead); community.aws.s3_lifecycle has no check mode: skipped, never written.
    assert recap(out)["changed"] >= 1, out[-6000:]
    assert "/bluegreen/web/iis: retention 14 -> 60 days" in out, out[-6000:]
    assert {g["retentionInDays"] for g in log_groups(stack).values()} == {14}
    assert lifecycle(stack, ARTIFACT_BUCKET)["lock-history"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 365
    assert lifecycle(stack, LOG_BUCKET)["access-logs"]["Expiration"]["Days"] == 90


WHERE_PLAYBOOK = """
- name: Where the logs are
  hosts: applications
  gather_facts: false
  module_defaults:
    group/bluegreen.aws.aws:
      region: "{{ bluegreen_region }}"
      endpoint_url: "{{ bluegreen_endpoint_url }}"
      access_key: "{{ bluegreen_access_key }}"
      secret_key: "{{ bluegreen_secret_key }}"
  tasks:
    - name: Read them
      ansible.builtin.include_role:
        name: bluegreen.aws.monitoring
        tasks_from: logs
      vars:
        monitoring_logs_start: "2026-12-02T08:00:00Z"
    - name: Keep them for the test
      ansible.builtin.copy:
        content: "{{ monitoring_logs | to_json }}"
        dest: "{{ logs_file }}"
        mode: "0600"
      delegate_to: localhost
      check_mode: false
      changed_when: false
    - name: Show the summary
      ansible.builtin.debug:
        var: monitoring_logs_summary
"""


def test_status_and_rollback_can_say_where_the_logs_are(stack, tmp_path):
    """monitoring tasks_from logs: the groups (all exist), the stream prefixes, the access-log place, the window."""
    playbook = tmp_path / "where.yml"
    playbook.write_text(WHERE_PLAYBOOK)
    logs_file = tmp_path / "logs.json"
    out = stack.playbook(str(playbook), "--check", "-e", "logs_file=%s" % logs_file)[1]
    assert recap(out)["changed"] == 0, out[-4000:]
    logs = json.loads(logs_file.read_text())
    assert logs["groups"] == dict(zip(("iis", "application", "codedeploy", "windows-events"), GROUPS))
    assert logs["missing"] == [] and set(logs["retention_days"].values()) == {14}
    assert logs["stream_prefixes"] == {"blue": "blue/", "green": "green/"}
    assert logs["access_logs"] == "%s/%s" % (LOG_BUCKET, PREFIX)
    assert "Logs of web from 2026-12-02T08:00:00Z to now (UTC)" in out
    assert "CloudWatch Logs /bluegreen/web/iis" in out and "ALB access logs: s3://%s/%s/" % (LOG_BUCKET, PREFIX) in out


def test_teardown_deletes_the_log_groups_and_the_log_bucket(stack):
    stack.playbook("playbooks/teardown.yml", "--skip-tags", "stop_emulator")
    assert log_groups(stack) == {}
    names = [b["Name"] for b in stack.aws.client("s3").list_buckets()["Buckets"]]
    assert LOG_BUCKET not in names and ARTIFACT_BUCKET not in names
