"""deploy.yml end to end on a stack of its own: releases to the idle color, then the switch.

site.yml builds the stack on a fresh embedded AWS on a free port; the emulator
is stopped at the end. Every assertion reads the state back from the emulator.
The tests share the stack and run in file order: first the runs that must not
change anything (check mode, bad input, failed deliveries), then a release.

The emulator cannot run a CodeDeploy deployment (it stays ``Created``), so the
codedeploy strategy is tested up to what it can run: the checks before any
write, and a deployment created on the idle color's in-place group with the
right revision, which then times out and leaves the live color untouched. The
module's wait, failure and rollback paths are tested with Stubber in
test_module_codedeploy_stubbed.py.
"""

import io
import json
import re
import threading
import zipfile
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
import yaml

from conftest import REGION, free_port
from playbook_stack import APP, Stack, recap

BUCKET = "%s-artifacts-123456789012-%s" % (APP, REGION)
LOCK_KEY = "locks/%s.json" % APP


@pytest.fixture(scope="module")
def stack():
    url = "http://127.0.0.1:%d" % free_port()
    st = Stack(url)
    rc, out = st.playbook("site.yml", check=False)
    try:
        assert rc == 0, "site.yml failed:\n" + out[-6000:]
        yield st
    finally:
        # Only stop the emulator: deleting the stack first is teardown's own test.
        st.playbook("playbooks/teardown.yml", "--tags", "stop_emulator", check=False)


def deploy(stack, *args, check=True):
    return stack.playbook("deploy.yml", "-e", "bluegreen_deploy_poll_interval=1", *args, check=check)


def flat(output):
    """The output with its lines joined: messages wrap."""
    return " ".join(output.split())


def snapshot(stack):
    """Everything a release may write, as read from the emulator."""
    ec2 = stack.aws.client("ec2")
    s3 = stack.aws.client("s3")
    templates = {
        color: [(v["VersionNumber"], v["LaunchTemplateData"].get("ImageId")) for v in ec2.describe_launch_template_versions(
            LaunchTemplateName="%s-%s" % (APP, color))["LaunchTemplateVersions"]]
        for color in ("blue", "green")
    }
    groups = {
        color: (stack.group(color)["LaunchTemplate"]["Version"], stack.group(color)["DesiredCapacity"],
                sorted(stack.instance_ids(color)), tags(stack.group(color)))
        for color in ("blue", "green")
    }
    return dict(
        weights=stack.weights(80),
        test_weights=stack.weights(8080),
        templates=templates,
        groups=groups,
        images=sorted(i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]),
        bucket=sorted(v["Key"] + v["VersionId"] for v in s3.list_object_versions(Bucket=BUCKET).get("Versions", [])),
        deployments=stack.aws.client("codedeploy").list_deployments().get("deployments", []),
    )


def tags(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def lock(stack):
    """The lock document, or None when no operation ever took it."""
    s3 = stack.aws.client("s3")
    try:
        return json.loads(s3.get_object(Bucket=BUCKET, Key=LOCK_KEY)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


@pytest.fixture(scope="module")
def codedeploy_groups(stack):
    """The CodeDeploy application and the in-place group per color, named as site.yml's codedeploy
    role names them; created here when site.yml did not create them."""
    codedeploy = stack.aws.client("codedeploy")
    role = stack.aws.client("iam").get_role(RoleName=APP + "-codedeploy")["Role"]["Arn"]
    if APP not in codedeploy.list_applications()["applications"]:
        codedeploy.create_application(applicationName=APP, computePlatform="Server")
    existing = codedeploy.list_deployment_groups(applicationName=APP)["deploymentGroups"]
    for color in ("blue", "green"):
        if "%s-%s" % (APP, color) not in existing:
            codedeploy.create_deployment_group(
                applicationName=APP, deploymentGroupName="%s-%s" % (APP, color), serviceRoleArn=role,
                autoScalingGroups=["%s-%s" % (APP, color)],
                deploymentStyle={"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"})
    return codedeploy


def test_check_mode_writes_nothing(stack):
    before = snapshot(stack)
    out = deploy(stack, "-e", "version=2", "--check")[1]
    assert "would release version 2 to green and switch production traffic to it" in flat(out), out[-3000:]
    assert snapshot(stack) == before
    assert lock(stack) is None, "check mode took the lock"


def test_bad_input_is_refused_before_anything(stack):
    before = snapshot(stack)
    rc, out = deploy(stack, "-e", "version=2/../x", check=False)
    assert rc != 0 and "version must be letters, digits and . _ + - (at most 64), got: 2/../x" in flat(out), out[-3000:]
    rc, out = deploy(stack, "-e", "version=2", "-e", "strategy=codedeploy", "-e", "image_id=ami-0123456789abcdef0", check=False)
    assert rc != 0 and "image_id applies to strategy=ami only, got strategy=codedeploy" in flat(out), out[-3000:]
    # bluegreen_mode codedeploy deploys to the one blue/green group, which this stack does not have.
    rc, out = deploy(stack, "-e", "version=2", "-e", "bluegreen_mode=codedeploy", check=False)
    assert rc != 0 and "no CodeDeploy deployment group web in application web" in flat(out), out[-3000:]
    assert "nothing was changed" in flat(out), out[-3000:]
    assert snapshot(stack) == before


def test_a_missing_image_changes_nothing(stack):
    before = snapshot(stack)
    rc, out = deploy(stack, "-e", "version=2", "-e", "image_id=ami-0123456789abcdef0", check=False)
    assert rc != 0
    assert "image ami-0123456789abcdef0 does not exist or is not available" in flat(out), out[-3000:]
    assert "nothing was changed" in flat(out), out[-3000:]
    assert snapshot(stack) == before
    assert lock(stack) is None


def test_a_revision_missing_from_s3_changes_nothing(stack, codedeploy_groups):
    before = snapshot(stack)
    rc, out = deploy(stack, "-e", "version=9", "-e", "strategy=codedeploy", check=False)
    assert rc != 0
    assert "no bundle s3://%s/web/9/web-9.zip for version 9" % BUCKET in flat(out), out[-3000:]
    assert snapshot(stack) == before
    assert lock(stack) is None


def test_bundle_builds_the_zip_and_uploads_it_with_its_version(stack, tmp_path):
    """playbooks/bundle.yml: appspec.yml at the root, the hooks, the published app under site/."""
    publish = tmp_path / "publish"
    (publish / "wwwroot").mkdir(parents=True)
    (publish / "web.dll").write_bytes(b"MZ not really")
    (publish / "web.config").write_text("<configuration />\n")
    (publish / "wwwroot" / "index.html").write_text("version 5\n")
    s3 = stack.aws.client("s3")
    key = "web/5/web-5.zip"

    out = (stack.playbook("playbooks/bundle.yml", "-e", "version=5", "-e", "source=%s" % publish, "--check")[1])
    assert "would upload version 5 to s3://%s/%s" % (BUCKET, key) in flat(out), out[-3000:]
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="web/").get("KeyCount") == 0, "check mode uploaded"

    out = (stack.playbook("playbooks/bundle.yml", "-e", "version=5", "-e", "source=%s" % publish)[1])
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert "uploaded version 5 to s3://%s/%s (ETag %s, S3 version %s)" % (BUCKET, key, head["ETag"], head["VersionId"]) in flat(out), out[-3000:]
    assert head["ServerSideEncryption"] == "AES256"
    assert {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]} == {"App": APP, "Version": "5"}
    archive = zipfile.ZipFile(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))
    names = set(archive.namelist())
    assert {"appspec.yml", "scripts/stop.ps1", "scripts/start.ps1", "scripts/validate.ps1", "scripts/common.ps1",
            "scripts/bundle.json", "site/web.dll", "site/web.config", "site/wwwroot/index.html"} <= names, names
    appspec = yaml.safe_load(archive.read("appspec.yml"))
    assert appspec["os"] == "windows"
    assert appspec["files"] == [{"source": "site", "destination": "C:\\inetpub\\web"}]
    assert [h["location"] for h in appspec["hooks"]["ValidateService"]] == ["scripts\\validate.ps1"]
    assert json.loads(archive.read("scripts/bundle.json")) == {
        "app": APP, "version": "5", "site": "web", "app_pool": "web", "health_path": "/health", "port": 80}
    assert archive.read("site/wwwroot/index.html") == b"version 5\n"


def test_a_failed_codedeploy_delivery_leaves_the_live_color_and_releases_the_lock(stack, codedeploy_groups):
    """The deployment is created on the idle color's group with the right revision; the
    emulator never runs it, so the bounded wait ends it: production stays on blue."""
    key = "web/5/web-5.zip"
    put = stack.aws.client("s3").head_object(Bucket=BUCKET, Key=key)  # uploaded by bundle.yml above
    before = snapshot(stack)
    rc, out = deploy(stack, "-e", "version=5", "-e", "strategy=codedeploy", "-e", "bluegreen_deploy_timeout=3", check=False)
    assert rc != 0
    assert "the release of version 5 to green failed; production traffic stays on blue" in flat(out), out[-3000:]

    ids = codedeploy_groups.list_deployments(applicationName=APP, deploymentGroupName=APP + "-green")["deployments"]
    assert len(ids) == 1, ids
    deployment = codedeploy_groups.get_deployment(deploymentId=ids[0])["deploymentInfo"]
    location = deployment["revision"]["s3Location"]
    assert (location["bucket"], location["key"], location["bundleType"]) == (BUCKET, key, "zip")
    assert location["eTag"].strip('"') == put["ETag"].strip('"')
    assert location.get("version") == put["VersionId"]
    assert deployment["description"] == "web 5 to green"
    assert codedeploy_groups.list_deployments(applicationName=APP, deploymentGroupName=APP + "-blue")["deployments"] == []

    after = snapshot(stack)
    for what in ("weights", "test_weights", "templates", "groups", "images"):
        assert after[what] == before[what], what
    document = lock(stack)
    assert document["state"] == "released" and document["outcome"] == "failed", document
    assert document["operation"].startswith("deploy 5 to green (codedeploy)"), document


def test_a_failed_ami_delivery_puts_the_idle_color_back(stack):
    """The new instances never become healthy: they are taken out of the target group as soon
    as they appear (the emulator reports every registered running instance healthy, and
    stopping them makes the emulator refuse any later change of the group). The bounded
    wait ends, the idle color goes back to its template version, capacity, instances and
    version tag, and production stays on blue."""
    elbv2 = stack.elbv2()
    arn = stack.target_group_arns()["green"]
    old = set(stack.instance_ids("green"))
    before = snapshot(stack)
    done = threading.Event()

    def keep_new_instances_out():
        while not done.is_set():
            registered = {h["Target"]["Id"] for h in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]}
            new = sorted(registered - old)
            if new:
                elbv2.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": i} for i in new])
            done.wait(0.2)

    saboteur = threading.Thread(target=keep_new_instances_out, daemon=True)
    saboteur.start()
    try:
        rc, out = deploy(stack, "-e", "version=3", "-e", "bluegreen_deploy_timeout=4", check=False)
    finally:
        done.set()
        saboteur.join()
    assert rc != 0
    assert re.search(r"2 of 2 new instances not healthy after 4 s: i-\w+ \(not registered\), i-\w+ \(not registered\)", flat(out)), out[-3000:]
    assert "green is back on its previous version, with 2 instances" in flat(out), out[-3000:]
    assert "production traffic stays on blue" in flat(out), out[-3000:]

    after = snapshot(stack)
    for what in ("weights", "test_weights", "groups"):
        assert after[what] == before[what], what
    assert {h["Target"]["Id"] for h in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]} == old
    document = lock(stack)
    assert document["state"] == "released" and document["outcome"] == "failed", document
    assert document["operation"] == "deploy 3 to green (ami) and switch (100%)", document


def test_deploy_ami_moves_traffic_to_the_idle_color_with_version_2(stack):
    ec2 = stack.aws.client("ec2")
    old = set(stack.instance_ids("green"))
    versions_before = len(snapshot(stack)["templates"]["green"])
    out = deploy(stack, "-e", "version=2")[1]
    assert "stand-in image" in flat(out), "the run must say the image is a stand-in on the embedded AWS"
    assert "green is live (blue 0% / green 100%) with version 2; blue is idle with version 1" in flat(out), out[-3000:]

    assert stack.weights(80) == {"blue": 0, "green": 100}
    assert stack.weights(8080) == {"blue": 100, "green": 0}

    # The image deploy.yml chose: tagged like packer/ tags application images.
    images = ec2.describe_images(Owners=["self"], Filters=[
        {"Name": "tag:App", "Values": [APP]}, {"Name": "tag:Version", "Values": ["2"]}])["Images"]
    assert len(images) == 1
    image = images[0]["ImageId"]

    # A new launch-template version with that image, the rest copied from the previous one.
    versions = ec2.describe_launch_template_versions(LaunchTemplateName=APP + "-green")["LaunchTemplateVersions"]
    assert len(versions) == versions_before + 1
    newest = max(versions, key=lambda v: v["VersionNumber"])
    previous = next(v for v in versions if v["VersionNumber"] == newest["VersionNumber"] - 1)
    assert newest["LaunchTemplateData"]["ImageId"] == image
    assert dict(newest["LaunchTemplateData"], ImageId=None) == dict(previous["LaunchTemplateData"], ImageId=None)

    # The group launches from it, tagged Version=2, with its old capacity and new instances only.
    group = stack.group("green")
    assert group["LaunchTemplate"]["Version"] == str(newest["VersionNumber"])
    assert tags(group)["Version"] == "2"
    assert group["DesiredCapacity"] == 2 and group["MaxSize"] == 4 and group["HealthCheckType"] == "ELB"
    new = set(stack.instance_ids("green"))
    assert len(new) == 2 and not new & old
    for reservation in ec2.describe_instances(InstanceIds=sorted(new))["Reservations"]:
        for instance in reservation["Instances"]:
            assert instance["ImageId"] == image
            assert tags(instance)["aws:ec2launchtemplate:version"] == str(newest["VersionNumber"])
            assert tags(instance)["Version"] == "2"

    # The target group holds exactly the new instances, and carries the version status shows.
    elbv2 = stack.elbv2()
    arn = stack.target_group_arns()["green"]
    health = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert {h["Target"]["Id"] for h in health} == new
    assert tags(elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"][0])["Version"] == "2"
    target_group = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    assert (target_group["HealthCheckPath"], target_group["HealthCheckIntervalSeconds"]) == ("/health", 10), "tagging changed the health check"
    assert tags(stack.group("blue"))["Version"] == "1", "the previous color keeps its version for a rollback"

    document = lock(stack)
    assert document["state"] == "released" and document["outcome"] == "succeeded", document
    assert document["operation"] == "deploy 2 to green (ami) and switch (100%)", document

    # The lead time of version 2: from its image's creation to the deploy's end, published with the other metrics.
    now = datetime.now(timezone.utc)
    points = stack.aws.client("cloudwatch").get_metric_statistics(
        Namespace="bluegreen.aws", MetricName="LeadTime", Dimensions=[dict(Name="Application", Value=APP)],
        StartTime=now - timedelta(hours=1), EndTime=now + timedelta(minutes=5), Period=60,
        Statistics=["Maximum"])["Datapoints"]
    created = datetime.fromisoformat(images[0]["CreationDate"].replace("Z", "+00:00"))
    assert len(points) == 1 and 0 <= points[0]["Maximum"] <= (now - created).total_seconds() + 1, points
    out = stack.playbook("playbooks/status.yml")[1]
    assert re.search(r"lead time \(median\) [0-9.]+ s", flat(out)), out[-3000:]


def test_deploy_of_the_live_version_is_a_no_op(stack):
    before = snapshot(stack)
    out = deploy(stack, "-e", "version=2")[1]
    assert recap(out)["changed"] == 0, out[-3000:]
    assert "version 2 is already live: nothing to do" in flat(out), out[-3000:]
    assert snapshot(stack) == before
