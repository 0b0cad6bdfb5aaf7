"""Every IAM policy of the roles passes an IAM policy linter (parliament) with no finding above LOW.

Each JSON template and file under roles/*/templates and roles/*/files that is
a policy (it has a ``Statement``) is rendered with representative variables
(every option that adds a statement switched on: KMS keys, the build stage, a
connection source, WinRM) and analysed by parliament, pinned in
requirements-test.txt. A finding of severity MEDIUM, HIGH or CRITICAL fails
the test, naming the file, the finding and where it is; so does a LOW one
(parliament rates an unknown action or a "*" resource LOW) unless the
template explains it in a comment (EXPLAINED).

Trust policies are resource policies of their role, without a ``Resource``
element (AWS implies the role); parliament checks identity policies and
calls that MALFORMED, so a trust policy is linted with its role's ARN as the
``Resource`` of each statement (``sts:AssumeRole`` on ``role/web-<name>``),
its principal and conditions as they are. The artifact bucket's TLS-only
policy (a Deny with a principal) is linted as it is.
"""

from __future__ import annotations

import json
import pathlib

import jinja2
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
REGION = "us-east-1"
KMS = "arn:aws:kms:%s:%s:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789" % (REGION, ACCOUNT)
SEVERITIES = ["MUTE", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]

# Representative values of the variables the templates use; names the roles
# derive in vars/main.yml are given as the roles derive them.
VARIABLES = dict(
    bluegreen_app="web", bluegreen_region=REGION, bluegreen_account_id=ACCOUNT,
    artifacts_bucket_name="web-artifacts-%s-%s" % (ACCOUNT, REGION),
    iam_artifact_bucket="web-artifacts-%s-%s" % (ACCOUNT, REGION), iam_artifact_prefix="web/", iam_region=REGION,
    iam_winrm_password_parameter="/bluegreen/web/winrm-password", iam_winrm_password_kms_key_arn=KMS,
    _iam_partition="aws", _iam_account=ACCOUNT,
    codedeploy_instance_role_arn="arn:aws:iam::%s:role/web-ec2" % ACCOUNT, codedeploy_region=REGION,
    pipeline_bucket="web-artifacts-%s-%s" % (ACCOUNT, REGION), _pipeline_artifact_prefix="web/",
    pipeline_account_id=ACCOUNT, pipeline_kms_key_arn=KMS, pipeline_build_enabled=True, pipeline_source="connection",
    pipeline_connection_arn="arn:aws:codeconnections:%s:%s:connection/0a1b2c3d-4e5f" % (REGION, ACCOUNT),
    _pipeline_connection_service="codeconnections",
    _pipeline_codedeploy_arn="arn:aws:codedeploy:%s:%s" % (REGION, ACCOUNT), pipeline_codedeploy_application="web",
    _pipeline_target="web-green", pipeline_deployment_config_name="CodeDeployDefault.OneAtATime",
    _pipeline_build_project_arn="arn:aws:codebuild:%s:%s:project/web-bundle" % (REGION, ACCOUNT),
    _pipeline_build_log_group="arn:aws:logs:%s:%s:log-group:/aws/codebuild/web-bundle" % (REGION, ACCOUNT),
)


class _Example(jinja2.Undefined):
    """A variable this test does not know (a newer template) renders as a plain name, never as an empty string."""

    def __str__(self):
        return "example"


def _render(path):
    text = path.read_text()
    if path.suffix != ".j2":
        return text
    from ansible.plugins.filter.core import FilterModule

    env = jinja2.Environment(undefined=_Example, keep_trailing_newline=True)
    env.filters.update(FilterModule().filters())
    return env.from_string(text).render(**VARIABLES)


def _policies():
    found = []
    for path in sorted((REPO / "roles").glob("*/templates/*.json.j2")) + sorted((REPO / "roles").glob("*/files/*.json")):
        if '"Statement"' not in path.read_text():
            continue  # not a policy (e.g. the dashboard)
        document = json.loads(_render(path))
        if isinstance(document, dict) and "Statement" in document:
            found.append(path)
    return found


POLICIES = _policies()


def test_the_policies_are_found():
    names = {p.name for p in POLICIES}
    assert {"codepipeline_policy.json.j2", "ec2_trust.json", "ec2_read_artifacts.json.j2",
            "copy_auto_scaling_group.json.j2"} <= names, names


def _as_linted(path):
    """The policy text parliament sees: a trust policy gets its role as Resource."""
    text = _render(path)
    document = json.loads(text)
    if path.name.split(".")[0].endswith("_trust"):
        role = "arn:aws:iam::%s:role/web-%s" % (ACCOUNT, path.name.split(".")[0][: -len("_trust")])
        for statement in document["Statement"]:
            assert "Resource" not in statement, "a trust policy names no Resource: %s" % path
            statement["Resource"] = role
        text = json.dumps(document, indent=2)
    return text


# LOW findings a template explains in a comment next to the statement.
EXPLAINED = {
    # RunInstances/CreateTags act on instances that do not exist yet; limited to the region.
    "copy_auto_scaling_group.json.j2": {"RESOURCE_STAR"},
}


def findings(text):
    """parliament's findings as ``(severity, issue, readable)``."""
    from parliament import analyze_policy_string, enhance_finding

    found = [enhance_finding(f) for f in analyze_policy_string(text, ignore_private_auditors=True).findings]
    return [(f.severity, f.issue, "%s %s: %s at %s" % (f.severity, f.issue, f.detail, f.location)) for f in found]


def problems(text, explained=frozenset()):
    """Findings above LOW, and LOW ones (an unknown action, a "*" resource) no comment explains."""
    return [
        readable for severity, issue, readable in findings(text)
        if SEVERITIES.index(severity) > SEVERITIES.index("LOW")
        or (SEVERITIES.index(severity) == SEVERITIES.index("LOW") and issue not in explained)
    ]


@pytest.mark.parametrize("path", POLICIES, ids=[str(p.relative_to(REPO / "roles")) for p in POLICIES])
def test_no_finding_above_low(path):
    text = _as_linted(path)
    found = problems(text, EXPLAINED.get(path.name, frozenset()))
    assert found == [], "%s:\n%s\n%s" % (path, "\n".join(found), text)


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::web/*"},  # unknown action (LOW)
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},  # "*" resource (LOW)
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:ec2:us-east-1:123456789012:instance/*"},
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},  # no Resource
])
def test_the_linter_can_fail(statement):
    assert problems(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
