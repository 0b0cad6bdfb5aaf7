"""site.yml with the pipeline: a re-run changes nothing, a split canary leaves the pipeline alone.

site.yml runs as a user runs it (``-e bluegreen_pipeline_enabled=true``)
against the session's emulator; the pipeline is read back with GetPipeline
(its version goes up with every UpdatePipeline). The tests share one stack and
run in file order.
"""

import pytest

from playbook_stack import APP, Stack, recap

PIPELINE = ["-e", "bluegreen_pipeline_enabled=true"]


@pytest.fixture(scope="module")
def stack(emulator_server):
    emulator_server.reset()
    st = Stack(emulator_server.url, extra=PIPELINE)
    st.playbook("site.yml")
    return st


def pipeline(stack):
    return stack.aws.client("codepipeline").get_pipeline(name=APP)["pipeline"]


def deploys_to(stack):
    deploy = next(s for s in pipeline(stack)["stages"] if s["name"] == "Deploy")
    return deploy["actions"][0]["configuration"]["DeploymentGroupName"]


def test_first_run_creates_the_pipeline_for_the_idle_color(stack):
    assert pipeline(stack)["version"] == 1
    assert deploys_to(stack) == APP + "-green"


def test_second_run_changes_nothing_and_keeps_the_version(stack):
    _rc, out = stack.playbook("site.yml")
    assert recap(out)["changed"] == 0, out[-4000:]
    assert pipeline(stack)["version"] == 1
    assert deploys_to(stack) == APP + "-green"


def test_split_canary_leaves_the_pipeline_alone(stack):
    arns = stack.target_group_arns()
    listener = stack.listener(80)
    elbv2 = stack.elbv2()
    elbv2.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=[{"Type": "forward", "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": arns["blue"], "Weight": 90}, {"TargetGroupArn": arns["green"], "Weight": 10}]}}])
    try:
        _rc, out = stack.playbook("site.yml")
    finally:
        elbv2.modify_listener(ListenerArn=listener["ListenerArn"],
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": arns["blue"]}])
    assert "refusing to deploy" not in out
    assert "traffic is split" in out and "the pipeline is left as it is" in out, out[-4000:]
    assert recap(out)["changed"] == 0, out[-4000:]
    assert pipeline(stack)["version"] == 1
    assert deploys_to(stack) == APP + "-green"


def test_after_a_switch_site_re_points_it_once(stack):
    arns = stack.target_group_arns()
    listener = stack.listener(80)
    stack.elbv2().modify_listener(ListenerArn=listener["ListenerArn"],
                                  DefaultActions=[{"Type": "forward", "TargetGroupArn": arns["green"]}])
    try:
        _rc, out = stack.playbook("site.yml")
        assert pipeline(stack)["version"] == 2
        assert deploys_to(stack) == APP + "-blue"
        _rc, out = stack.playbook("site.yml")
        assert recap(out)["changed"] == 0, out[-4000:]
        assert pipeline(stack)["version"] == 2
    finally:
        stack.elbv2().modify_listener(ListenerArn=listener["ListenerArn"],
                                      DefaultActions=[{"Type": "forward", "TargetGroupArn": arns["blue"]}])
