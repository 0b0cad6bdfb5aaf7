# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.cloudwatch_dashboard against the emulator: check mode, run, idempotence, absent.

The dashboard is read back with boto3 GetDashboard and writes are counted.
The emulator is not reset: each test has a dashboard name of its own.
"""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.bluegreen.aws.plugins.modules import cloudwatch_dashboard


@pytest.fixture
def aws(emulator_server):
    """Overrides conftest's ``aws`` (a reset per test): dashboards are named per test."""
    return emulator_server


@pytest.fixture
def name(request):
    return "dash-" + request.node.name.replace("_", "-")[5:60]


BODY = {"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
                     "properties": {"title": "Requests", "region": "us-east-1", "stat": "Sum", "period": 60,
                                    "metrics": [["AWS/ApplicationELB", "RequestCount", "TargetGroup", "targetgroup/x/1"]]}}]}


def stored(aws, name):
    try:
        return json.loads(aws.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    except aws.client("cloudwatch").exceptions.ClientError:
        return None


def test_create_check_run_idempotent_update_delete(aws, name, run_module, aws_calls):
    args = dict(name=name, body=BODY)
    ok, result = run_module(cloudwatch_dashboard.main, dict(args, _ansible_check_mode=True, _ansible_diff=True))
    assert ok and result["changed"] and result["diff"]["before"] == {} and result["diff"]["after"]["body"] == BODY
    assert aws_calls.writes() == [] and stored(aws, name) is None

    ok, result = run_module(cloudwatch_dashboard.main, args)
    assert ok and result["changed"] and result["dashboard"] == {"name": name, "body": BODY}
    assert aws_calls.writes() == ["PutDashboard"] and stored(aws, name) == BODY

    # The same body with keys in another order and ints as floats: no write.
    reordered = {"widgets": [dict(reversed(list(BODY["widgets"][0].items())), width=12.0)]}
    for check in (True, False):
        ok, result = run_module(cloudwatch_dashboard.main, dict(name=name, body=reordered, _ansible_check_mode=check))
        assert ok and not result["changed"] and aws_calls.writes() == []

    changed = {"widgets": BODY["widgets"] + [{"type": "text", "x": 0, "y": 6, "width": 6, "height": 2,
                                              "properties": {"markdown": "hi"}}]}
    ok, result = run_module(cloudwatch_dashboard.main, dict(name=name, body=changed, _ansible_diff=True))
    assert ok and result["changed"] and result["diff"]["before"]["body"] == BODY and stored(aws, name) == changed

    ok, result = run_module(cloudwatch_dashboard.main, dict(name=name, state="absent", _ansible_check_mode=True))
    assert ok and result["changed"] and stored(aws, name) == changed
    ok, result = run_module(cloudwatch_dashboard.main, dict(name=name, state="absent"))
    assert ok and result["changed"] and result["dashboard"] is None and stored(aws, name) is None
    ok, result = run_module(cloudwatch_dashboard.main, dict(name=name, state="absent"))
    assert ok and not result["changed"] and aws_calls.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(name="bad name", body=BODY), "name must be 1 to 255 letters, digits, '-' or '_', got 'bad name'"),
    (dict(name="ok", body={"widget": []}), "body must be a dict with a list of widgets, got dict with keys ['widget']"),
    (dict(name="ok", body={"widgets": ["x"]}), "widget 1 must be a dict with a type, got 'x'"),
])
def test_bad_input_fails_before_any_call(aws, run_module, aws_calls, args, message):
    ok, result = run_module(cloudwatch_dashboard.main, args)
    assert not ok and result["msg"] == message and aws_calls.operations() == []


def test_examples_run(aws, run_module):
    for task in yaml.safe_load(cloudwatch_dashboard.EXAMPLES):
        ok, result = run_module(cloudwatch_dashboard.main, task["bluegreen.aws.cloudwatch_dashboard"])
        assert ok and result["changed"], (task["name"], result)
    assert stored(aws, "web-bluegreen") is None
