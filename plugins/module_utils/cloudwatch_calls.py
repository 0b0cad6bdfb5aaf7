# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CloudWatch calls of the blue-green modules, retried, errors wrapped."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import aws_error_handler


@aws_error_handler("describe alarms {alarm_names}")
@AWSRetry.jittered_backoff()
def describe_alarm_states(client, alarm_names):
    """``{alarm_name: state}`` (OK, ALARM, INSUFFICIENT_DATA) for the metric and composite alarms named."""
    states = {}
    names = list(alarm_names)
    for start in range(0, len(names), 100):
        response = client.describe_alarms(AlarmNames=names[start:start + 100], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        for alarm in response.get("MetricAlarms", []) + response.get("CompositeAlarms", []):
            states[alarm["AlarmName"]] = alarm["StateValue"]
    return states


@aws_error_handler("set the state of alarm {alarm_name}")
@AWSRetry.jittered_backoff()
def set_alarm_state(client, alarm_name, state, reason):
    client.set_alarm_state(AlarmName=alarm_name, StateValue=state, StateReason=reason)


@aws_error_handler("read the dashboard {name}", ("ResourceNotFound", "ResourceNotFoundException"), None)
@AWSRetry.jittered_backoff()
def get_dashboard_body(client, name):
    """The dashboard's body (a JSON string), or None when there is no such dashboard."""
    return client.get_dashboard(DashboardName=name)["DashboardBody"]


@aws_error_handler("write the dashboard {name}")
@AWSRetry.jittered_backoff()
def put_dashboard(client, name, body):
    """Create or replace the dashboard; returns CloudWatch's validation messages (warnings)."""
    return client.put_dashboard(DashboardName=name, DashboardBody=body).get("DashboardValidationMessages", [])


@aws_error_handler("delete the dashboard {name}")
@AWSRetry.jittered_backoff()
def delete_dashboard(client, name):
    client.delete_dashboards(DashboardNames=[name])
