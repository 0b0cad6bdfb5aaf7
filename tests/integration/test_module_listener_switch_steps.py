# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""listener_switch canary steps, alarm analysis and automatic rollback, against the emulator.

Alarms are real CloudWatch alarms in the emulator, forced to ALARM with
SetAlarmState (as the rollback drill does on AWS). Every outcome is read back
from the listener with boto3, and write calls are counted.
"""

from __future__ import annotations

import threading
import time

import botocore.exceptions

from ansible_collections.bluegreen.aws.plugins.modules import listener_switch

from test_module_listener_switch import BLUE_LIVE, GREEN_LIVE, put_alarm, read_weights, switch_args

ALARMS = ["web-green-5xx", "web-green-unhealthy-hosts"]


def create_alarms(aws, state="OK"):
    for name in ALARMS:
        put_alarm(aws, name, state)


def alarm_once_at(aws, stack, color, weight, alarm, timeout=60.0):
    """A started thread that sets ``alarm`` to ALARM once the production listener gives ``color``
    ``weight`` (read from AWS): the alarm fires during the step's pause, never before the step's
    own alarm check, however slow the machine. ``cancel()`` stops it."""
    stop = threading.Event()

    def watch():
        deadline = time.monotonic() + timeout
        while not stop.is_set() and time.monotonic() < deadline:
            if read_weights(aws, stack, stack["listener_arn"])[color] == weight:
                aws.client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="drill")
                return
            stop.wait(0.1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.cancel = stop.set
    thread.start()
    return thread


def test_steps_go_through_every_weight(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    steps = [{"weight": 10}, {"weight": 50, "pause": 1}, {"weight": 100}]
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", steps=steps))
    assert ok, result
    assert [(e["step"], e["weight"], e["outcome"]) for e in result["timeline"]] == [
        (1, 10, "passed"), (2, 50, "passed"), (3, 100, "passed")]
    assert aws_calls.count("ModifyListener") == 4  # three steps + the test listener
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE
    assert read_weights(aws, stack, stack["test_listener_arn"]) == BLUE_LIVE


def test_steps_in_check_mode_predict_and_write_nothing(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    create_alarms(aws)
    args = switch_args(stack, color="green", steps=[{"weight": 10, "pause": 30}, {"weight": 100}], alarms=ALARMS,
                       _ansible_check_mode=True)
    ok, result = run_module(listener_switch.main, args)
    assert ok, result
    assert result["changed"] is True and result["weights"] == GREEN_LIVE
    assert [e["outcome"] for e in result["timeline"]] == ["predicted", "predicted"]
    assert aws_calls.writes() == []
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE


def test_alarm_during_a_pause_restores_the_weights_and_fails(aws, bluegreen_stack, run_module):
    stack = bluegreen_stack
    create_alarms(aws)
    args = switch_args(stack, color="green", steps=[{"weight": 10, "pause": 60}, {"weight": 100}],
                       alarms=ALARMS, poll_interval=1)
    fire = alarm_once_at(aws, stack, "green", 10, "web-green-5xx")
    started = time.monotonic()
    try:
        ok, result = run_module(listener_switch.main, args)
    finally:
        fire.cancel()
    assert not ok
    assert time.monotonic() - started < 60, "the switch should react to the alarm, not wait out the pause"
    assert "Alarm web-green-5xx went to ALARM during step 1 (green at 10%)" in result["msg"]
    assert "restored to blue 100% / green 0%" in result["msg"]
    assert result["rolled_back"] is True and result["changed"] is True
    assert result["timeline"][-1]["outcome"] == "alarm"
    assert result["timeline"][-1]["alarms"]["web-green-5xx"] == "ALARM"
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE
    # The test listener was never touched: it still shows green to admins.
    assert read_weights(aws, stack, stack["test_listener_arn"]) == GREEN_LIVE


def test_restore_weights_win_over_the_weights_before_the_task(aws, bluegreen_stack, run_module):
    """One step per task (as switch.yml runs them): every step restores the state before the first."""
    stack = bluegreen_stack
    create_alarms(aws)
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=10))
    assert ok, result
    aws.client("cloudwatch").set_alarm_state(AlarmName="web-green-5xx", StateValue="OK", StateReason="ok")
    fire = alarm_once_at(aws, stack, "green", 50, "web-green-unhealthy-hosts")
    try:
        ok, result = run_module(listener_switch.main, switch_args(
            stack, color="green", steps=[{"weight": 50, "pause": 30}], alarms=ALARMS, poll_interval=1,
            restore_weights={"blue": 100, "green": 0}))
    finally:
        fire.cancel()
    assert not ok and "step 1 (green at 50%)" in result["msg"]
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE


def test_an_alarm_already_firing_stops_the_switch_before_any_write(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    create_alarms(aws)
    aws.client("cloudwatch").set_alarm_state(AlarmName="web-green-5xx", StateValue="ALARM", StateReason="x")
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", alarms=ALARMS))
    assert not ok
    assert result["msg"] == "Refusing to send traffic to green: alarm web-green-5xx is already in ALARM"
    assert aws_calls.writes() == []
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE


def test_an_unknown_alarm_is_named_before_any_write(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", alarms=["web-green-typo"]))
    assert not ok
    assert result["msg"] == "Alarms to watch for green do not exist: web-green-typo"
    assert aws_calls.writes() == []


def test_bad_steps_are_rejected_before_any_call(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    ok, result = run_module(listener_switch.main, switch_args(
        stack, color="green", steps=[{"weight": 10}, {"weight": 150}]))
    assert not ok
    assert result["msg"] == "step 2: weight must be a percentage from 0 to 100, got 150"
    assert aws_calls.operations() == []


def test_throttling_is_retried_and_the_switch_succeeds(aws, bluegreen_stack, run_module, aws_calls, monkeypatch):
    """Two Throttling answers to ModifyListener (injected in botocore) are retried by the module."""
    from botocore.client import BaseClient

    stack = bluegreen_stack
    recording = BaseClient._make_api_call
    throttled = []

    def throttling(client, operation_name, api_params):
        if operation_name == "ModifyListener" and len(throttled) < 2:
            throttled.append(operation_name)
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, operation_name)
        return recording(client, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", throttling)
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)  # the retry back-off, not the test, should wait
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green"))
    assert ok, result
    assert len(throttled) == 2
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE
