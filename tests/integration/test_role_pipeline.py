# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pipeline role against the emulator, run by ansible-playbook as a user would.

The ALB (production listener on blue), the target groups and the artifact
bucket are made with boto3; the role runs, and everything is read back with
boto3: the pipeline's stages and artifact store, the CodeBuild project, and the
IAM policies of both roles, checked for least privilege (no ``*`` in any
action or resource, no iam:PassRole, CreateDeployment on one group only).

What the emulator cannot run: pipeline executions do nothing (an execution is
"Succeeded" at once, no CodeBuild or CodeDeploy call behind it), and moto has
no UpdateProject, so the CodeBuild project is created once; the re-runs here
leave the build stage off. The tests share one emulator state and run in file
order.
"""

from __future__ import annotations

import pytest
import yaml

from conftest import REGION
from conftest import REPO

APP = "books"
ACCOUNT = "123456789012"
BUCKET = "books-artifacts-%s-%s" % (ACCOUNT, REGION)
KMS_KEY = "arn:aws:kms:%s:%s:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789" % (REGION, ACCOUNT)
SOURCE_KEY = APP + "/source/books-source.zip"


@pytest.fixture(scope="module")
def stack(emulator_server, role_playbook):
    emulator_server.reset()  # what earlier files of this worker left (another application's pipeline) is not ours
    ec2, elbv2 = emulator_server.client("ec2"), emulator_server.client("elbv2")
    emulator_server.client("s3").create_bucket(Bucket=BUCKET)
    vpc_id = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for cidr, zone in (("10.50.1.0/24", REGION + "a"), ("10.50.2.0/24", REGION + "b"))]
    lb_arn = elbv2.create_load_balancer(Name=APP + "-alb", Subnets=subnets, Type="application")[
        "LoadBalancers"][0]["LoadBalancerArn"]
    tg_arns = {color: elbv2.create_target_group(Name="%s-%s" % (APP, color), Protocol="HTTP", Port=80, VpcId=vpc_id)[
        "TargetGroups"][0]["TargetGroupArn"] for color in ("blue", "green")}
    listener_arn = elbv2.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "forward", "TargetGroupArn": tg_arns["blue"]}])["Listeners"][0]["ListenerArn"]
    run = role_playbook("pipeline", show="pipeline_deploys_to | default('none')", bluegreen_app=APP,
                        bluegreen_region=REGION, bluegreen_account_id=ACCOUNT, bluegreen_artifact_bucket=BUCKET,
                        pipeline_kms_key_arn=KMS_KEY, pipeline_source_key=SOURCE_KEY)

    def forward(weights):
        elbv2.modify_listener(ListenerArn=listener_arn, DefaultActions=[{"Type": "forward", "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": tg_arns[c], "Weight": w} for c, w in weights.items()]}}])

    return dict(run=run, forward=forward, aws=emulator_server)


def pipeline(stack):
    return stack["aws"].client("codepipeline").get_pipeline(name=APP)["pipeline"]


def stage(stack, name):
    return next(s for s in pipeline(stack)["stages"] if s["name"] == name)["actions"][0]


def policy(stack, role, name):
    return stack["aws"].client("iam").get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]


def as_list(value):
    return value if isinstance(value, list) else [value]


def assert_least_privilege(document):
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement
            assert not action.startswith("iam:"), statement
        for resource in as_list(statement["Resource"]):
            assert "*" != resource, statement
            assert resource.startswith("arn:aws:"), statement


def test_pipeline_with_build_deploys_to_the_idle_color(stack):
    rc, out = stack["run"](pipeline_build_enabled=True, pipeline_build_env={"APP_PROJECT": "src/Books/Books.csproj"})
    assert rc == 0, out[-4000:]
    assert "pipeline_deploys_to=books-green" in out
    found = pipeline(stack)
    assert found["artifactStore"] == {"type": "S3", "location": BUCKET, "encryptionKey": {"id": KMS_KEY, "type": "KMS"}}
    assert [s["name"] for s in found["stages"]] == ["Source", "Build", "Deploy"]
    assert found["roleArn"] == "arn:aws:iam::%s:role/%s-codepipeline" % (ACCOUNT, APP)

    source = stage(stack, "Source")
    assert source["actionTypeId"] == {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
    assert source["configuration"] == {"S3Bucket": BUCKET, "S3ObjectKey": SOURCE_KEY, "PollForSourceChanges": "true"}
    build = stage(stack, "Build")
    assert build["actionTypeId"]["provider"] == "CodeBuild"
    assert build["configuration"] == {"ProjectName": APP + "-bundle"}
    assert (build["inputArtifacts"], build["outputArtifacts"]) == ([{"name": "Source"}], [{"name": "Bundle"}])
    deploy = stage(stack, "Deploy")
    assert deploy["actionTypeId"]["provider"] == "CodeDeploy"
    assert deploy["configuration"] == {"ApplicationName": APP, "DeploymentGroupName": APP + "-green"}
    assert deploy["inputArtifacts"] == [{"name": "Bundle"}]

    project = stack["aws"].client("codebuild").batch_get_projects(names=[APP + "-bundle"])["projects"][0]
    assert project["source"]["type"] == "CODEPIPELINE" and project["source"]["buildspec"] == "app/buildspec.yml"
    assert project["artifacts"]["type"] == "CODEPIPELINE"
    assert project["serviceRole"] == "arn:aws:iam::%s:role/%s-codebuild" % (ACCOUNT, APP)
    assert project["environment"]["image"] == "aws/codebuild/standard:7.0"
    # BLUEGREEN_APP always: app/buildspec.yml stops without it.
    assert project["environment"]["environmentVariables"] == [
        {"name": "BLUEGREEN_APP", "value": APP, "type": "PLAINTEXT"},
        {"name": "APP_PROJECT", "value": "src/Books/Books.csproj", "type": "PLAINTEXT"}]
    # (moto stores no encryptionKey: it reports the default alias/aws/s3 whatever was sent.)


def test_roles_trust_their_service_and_hold_least_privilege(stack):
    iam = stack["aws"].client("iam")
    for role, service, name in (("codepipeline", "codepipeline.amazonaws.com", "pipeline"),
                                ("codebuild", "codebuild.amazonaws.com", "build")):
        role_name = "%s-%s" % (APP, role)
        trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
        assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
                                       "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
        assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
        assert iam.list_role_policies(RoleName=role_name)["PolicyNames"] == [name]
        assert_least_privilege(policy(stack, role_name, name))

    statements = {s["Sid"]: s for s in policy(stack, APP + "-codepipeline", "pipeline")["Statement"]}
    codedeploy = "arn:aws:codedeploy:%s:%s" % (REGION, ACCOUNT)
    assert statements["DeployToTheTargetGroupOnly"]["Resource"] == "%s:deploymentgroup:%s/%s-green" % (codedeploy, APP, APP)
    assert statements["SourceAndArtifacts"]["Resource"] == "arn:aws:s3:::%s/%s/*" % (BUCKET, APP)
    assert statements["BuildTheBundle"]["Resource"] == "arn:aws:codebuild:%s:%s:project/%s-bundle" % (REGION, ACCOUNT, APP)
    assert statements["ArtifactKey"]["Resource"] == KMS_KEY
    build = {s["Sid"]: s for s in policy(stack, APP + "-codebuild", "build")["Statement"]}
    assert build["PipelineArtifacts"]["Resource"] == "arn:aws:s3:::%s/%s/*" % (BUCKET, APP)
    assert all(r.startswith("arn:aws:logs:%s:%s:log-group:/aws/codebuild/%s-bundle" % (REGION, ACCOUNT, APP))
               for r in build["BuildLogs"]["Resource"])


def test_after_a_switch_the_pipeline_follows_the_new_idle_color(stack):
    """Build stage off: the emulator has no UpdateProject (see the module docstring)."""
    stack["forward"]({"green": 1})
    rc, out = stack["run"]()
    assert rc == 0, out[-4000:]
    assert "pipeline_deploys_to=books-blue" in out
    assert [s["name"] for s in pipeline(stack)["stages"]] == ["Source", "Deploy"]
    assert stage(stack, "Deploy")["configuration"]["DeploymentGroupName"] == APP + "-blue"
    assert stage(stack, "Deploy")["inputArtifacts"] == [{"name": "Source"}]
    statements = {s["Sid"]: s for s in policy(stack, APP + "-codepipeline", "pipeline")["Statement"]}
    assert statements["DeployToTheTargetGroupOnly"]["Resource"].endswith(":deploymentgroup:%s/%s-blue" % (APP, APP))
    assert "BuildTheBundle" not in statements


@pytest.mark.parametrize("weights, extra, message", [
    ({"green": 1}, {"pipeline_deployment_group": APP + "-green"}, "refusing to deploy to 'books-green'"),
    ({"blue": 50, "green": 50}, {}, "Traffic: in_progress"),
    ({"green": 1}, {"pipeline_source_key": "other/source.zip"}, "the S3 source key (got 'other/source.zip') must be under"),
])
def test_refused_before_any_write(stack, weights, extra, message):
    """Never the live color's group, never while traffic is split, never a source outside the prefix."""
    stack["forward"](weights)
    try:
        rc, out = stack["run"](**extra)
    finally:
        stack["forward"]({"green": 1})
    assert rc != 0 and message in out, out[-3000:]
    assert stage(stack, "Deploy")["configuration"]["DeploymentGroupName"] == APP + "-blue"


def test_buildspec_publishes_into_the_bundle_layout():
    spec = yaml.safe_load((REPO / "app" / "buildspec.yml").read_text())
    assert spec["version"] == 0.2
    assert spec["phases"]["install"]["runtime-versions"] == {"dotnet": 8.0}
    build = " ".join(spec["phases"]["build"]["commands"])
    assert 'dotnet publish "$APP_PROJECT"' in build and "--runtime win-x64" in build
    # appspec.yml is written with the application's site path, next to scripts/bundle.json
    # (run and compared with playbooks/bundle.yml in test_windows_bundle.py).
    assert "cp -R app/scripts bundle/scripts" in build
    assert 'open("bundle/appspec.yml", "w")' in build and 'open("bundle/scripts/bundle.json", "w")' in build
    assert spec["artifacts"]["base-directory"] == "bundle" and spec["artifacts"]["files"] == ["**/*"]


def test_absent_deletes_pipeline_project_and_roles(stack):
    rc, out = stack["run"](pipeline_state="absent")
    assert rc == 0, out[-4000:]
    aws = stack["aws"]
    assert [p["name"] for p in aws.client("codepipeline").list_pipelines()["pipelines"]] == []
    assert aws.client("codebuild").batch_get_projects(names=[APP + "-bundle"])["projects"] == []
    roles = [r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]]
    assert APP + "-codepipeline" not in roles and APP + "-codebuild" not in roles
