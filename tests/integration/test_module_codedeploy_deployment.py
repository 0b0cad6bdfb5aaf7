# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.codedeploy_deployment and codedeploy_deployment_info against the embedded AWS.

The emulator creates deployments and lists them, but a deployment stays
``Created`` forever (no agent, no lifecycle). So these tests create
deployments with ``wait: false``, check the revision that was written, and
use the endless ``Created`` to test the timeout. Lifecycle, failure,
continue and stop are in test_module_codedeploy_stubbed.py.
"""

from __future__ import annotations

from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_deployment
from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_deployment_info

BUCKET = "web-artifacts-123456789012-us-east-1"
KEY = "web/1.5.0/web.zip"


def writes(aws_calls):
    """Calls that change something (the fixture also counts HeadObject and BatchGet* as writes)."""
    return [op for op in aws_calls.writes() if not op.startswith(("Head", "BatchGet"))]


def make_group(aws, versioned=True):
    """Application ``web``, in-place group ``web-bluegreen``, bundle in a (versioned) bucket."""
    cd = aws.client("codedeploy")
    cd.create_application(applicationName="web", computePlatform="Server")
    cd.create_deployment_group(
        applicationName="web", deploymentGroupName="web-bluegreen", serviceRoleArn="arn:aws:iam::123456789012:role/r"
    )
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    if versioned:
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    head = s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"PK-bundle-1.5.0")
    return dict(etag=head["ETag"].strip('"'), version=head.get("VersionId"))


def deploy_args(**extra):
    args = dict(
        application_name="web",
        deployment_group_name="web-bluegreen",
        revision=dict(bucket=BUCKET, key=KEY),
        description="web 1.5.0",
        file_exists_behavior="OVERWRITE",
        wait=False,
    )
    args.update(extra)
    return args


def test_create_check_run_and_idempotence(aws, run_module, aws_calls):
    obj = make_group(aws)
    cd = aws.client("codedeploy")

    ok, result = run_module(codedeploy_deployment.main, deploy_args(_ansible_check_mode=True, _ansible_diff=True))
    assert ok, result
    assert result["changed"] is True
    assert writes(aws_calls) == []
    assert "HeadObject" in aws_calls.operations("s3")
    assert cd.list_deployments(applicationName="web", deploymentGroupName="web-bluegreen")["deployments"] == []
    assert result["deployment"]["revision"]["s3_location"]["e_tag"] == obj["etag"]
    assert result["diff"]["before"] == {}

    ok, result = run_module(codedeploy_deployment.main, deploy_args())
    assert ok, result
    assert result["changed"] is True
    assert writes(aws_calls) == ["CreateDeployment"]
    (deployment_id,) = cd.list_deployments(applicationName="web", deploymentGroupName="web-bluegreen")["deployments"]
    deployment = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert deployment["revision"] == {
        "revisionType": "S3",
        "s3Location": {"bucket": BUCKET, "key": KEY, "bundleType": "zip", "eTag": obj["etag"], "version": obj["version"]},
    }
    assert (deployment["description"], deployment["fileExistsBehavior"]) == ("web 1.5.0", "OVERWRITE")
    assert result["deployment"]["deployment_id"] == deployment_id
    assert result["deployment"]["status"] == "Created"

    # the same object is already being deployed: no second deployment
    for check_mode in (True, False):
        ok, result = run_module(codedeploy_deployment.main, deploy_args(_ansible_check_mode=check_mode))
        assert ok, result
        assert result["changed"] is False
        assert result["deployment"]["deployment_id"] == deployment_id
        assert writes(aws_calls) == []
    assert len(cd.list_deployments(applicationName="web", deploymentGroupName="web-bluegreen")["deployments"]) == 1

    # a new object under the same key is another revision; the group is busy with the first one
    aws.client("s3").put_object(Bucket=BUCKET, Key=KEY, Body=b"PK-bundle-1.5.0-rebuilt")
    ok, result = run_module(codedeploy_deployment.main, deploy_args())
    assert not ok
    assert f"already has an active deployment {deployment_id}" in result["msg"]
    assert writes(aws_calls) == []

    ok, info = run_module(codedeploy_deployment_info.main, dict(application_name="web", deployment_group_name="web-bluegreen"))
    assert ok and [d["deployment_id"] for d in info["deployments"]] == [deployment_id]
    ok, info = run_module(codedeploy_deployment_info.main, dict(deployment_id=deployment_id))
    assert ok and info["deployments"][0]["revision"]["s3_location"]["key"] == KEY
    ok, info = run_module(
        codedeploy_deployment_info.main,
        dict(application_name="web", deployment_group_name="web-bluegreen", statuses=["Succeeded"]),
    )
    assert ok and info["deployments"] == []


def test_pinned_version_and_etag(aws, run_module, aws_calls):
    obj = make_group(aws)
    aws.client("s3").put_object(Bucket=BUCKET, Key=KEY, Body=b"PK-bundle-1.6.0")  # a newer current version
    revision = dict(bucket=BUCKET, key=KEY, version=obj["version"], etag=obj["etag"])
    ok, result = run_module(codedeploy_deployment.main, deploy_args(revision=revision))
    assert ok, result
    location = result["deployment"]["revision"]["s3_location"]
    assert (location["version"], location["e_tag"]) == (obj["version"], obj["etag"])


def test_bad_input_fails_before_any_write(aws, run_module, aws_calls):
    obj = make_group(aws)
    cases = [
        (dict(application_name="nope"), ["CodeDeploy application nope not found"]),
        (dict(deployment_group_name="nope"), ["Deployment group nope of CodeDeploy application web not found"]),
        (dict(revision=dict(bucket=BUCKET, key="web/9.9.9/web.zip")), [f"s3://{BUCKET}/web/9.9.9/web.zip", "not found in S3"]),
        (dict(revision=dict(bucket="no-such-bucket-x", key=KEY)), ["s3://no-such-bucket-x/", "not found in S3"]),
        (dict(revision=dict(bucket=BUCKET, key=KEY, version="nope")), ["(version nope)", "not found in S3"]),
        (dict(revision=dict(bucket=BUCKET, key=KEY, etag="0" * 32)), [f"has ETag {obj['etag']}, not {'0' * 32}"]),
        (dict(revision=None), ["revision is required with state=present"]),
        (dict(wait_timeout=0), ["wait_timeout and poll_interval must be at least 1"]),
    ]
    for extra, fragments in cases:
        ok, result = run_module(codedeploy_deployment.main, deploy_args(**extra))
        assert not ok, (extra, result)
        for fragment in fragments:
            assert fragment in result["msg"], (extra, result["msg"])
        assert writes(aws_calls) == [], extra
    assert aws.client("codedeploy").list_deployments(applicationName="web", deploymentGroupName="web-bluegreen")[
        "deployments"
    ] == []


def test_wait_is_bounded(aws, run_module, aws_calls):
    """The emulator's deployments never leave Created: the wait gives up after wait_timeout with its progress."""
    make_group(aws, versioned=False)
    ok, result = run_module(codedeploy_deployment.main, deploy_args(wait=True, wait_timeout=1, poll_interval=1))
    assert not ok
    assert result["msg"].startswith("Timed out after 1s waiting for deployment ")
    assert "it is Created and keeps running in AWS" in result["msg"]
    assert [p["status"] for p in result["progress"]][0] == "Created"
    assert result["progress"][-1]["elapsed"] >= 1
    assert result["deployment"]["status"] == "Created"
    assert writes(aws_calls) == ["CreateDeployment"]


def test_first_example_creates_the_deployment(aws, run_module):
    """EXAMPLES[0] as written, except ``wait: false`` (the emulator never runs a deployment)."""
    import yaml

    make_group(aws)
    tasks = yaml.safe_load(codedeploy_deployment.EXAMPLES)
    assert len(tasks) == 4  # deploy and wait, continue, stop, a DISCOVER_EXISTING group
    args = dict(tasks[0]["bluegreen.aws.codedeploy_deployment"], wait=False)
    ok, result = run_module(codedeploy_deployment.main, args)
    assert ok, result
    assert result["changed"] is True
    assert result["deployment"]["revision"]["s3_location"]["key"] == KEY
