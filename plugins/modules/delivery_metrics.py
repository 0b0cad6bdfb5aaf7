#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: delivery_metrics
version_added: 0.1.0
short_description: Deployment frequency, lead time, change failure rate and time to restore from the release history
description:
  - Computes the four key delivery metrics and each operation's duration (split into active and
    waiting time when known) for a period, from an application's release history - the entries
    M(bluegreen.aws.deployment_lock_info) returns, given in O(history) or read from the lock's
    versions in O(bucket).
  - With O(publish=true) (the default) it publishes them as CloudWatch custom metrics in
    O(namespace) with the dimension C(Application), so a dashboard can show them.
  - How each metric is defined is in C(docs/JUDGMENT.md).
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  application:
    description: The application (the C(Application) dimension, and the lock object's name).
    type: str
    required: true
  history:
    description:
      - History entries, as RV(bluegreen.aws.deployment_lock_info#module:history) returns them
        (C(operation), C(holder), C(acquired_at), C(released_at), C(outcome)), any order.
      - An entry may also carry C(kind) (V(switch), V(deploy), V(deliver), V(rollback), V(drill),
        V(finalize), V(other)), C(version), C(color), and C(waiting_seconds) or C(steps)
        (C([{weight, pause}])); otherwise they are read from the operation text.
      - Mutually exclusive with O(bucket).
    type: list
    elements: dict
  bucket:
    description: The application's artifact bucket, to read the history from the lock's versions. Mutually exclusive with O(history).
    type: str
  prefix:
    description: Key prefix of the lock objects in O(bucket).
    type: str
    default: locks/
  history_limit:
    description: How many past operations to read from O(bucket), newest first (two S3 reads each).
    type: int
    default: 50
  registered_at:
    description:
      - "When each version's image or bundle was registered, C({version: ISO 8601 time}), for the lead time.
        Versions missing here have no lead time."
    type: dict
    default: {}
  since:
    description: Start of the period, ISO 8601 (V(2026-12-01T00:00:00Z)). Default O(period_days) before O(until).
    type: str
  until:
    description: End of the period, ISO 8601. Default now.
    type: str
  period_days:
    description: Length of the period in days when O(since) is not given.
    type: int
    default: 30
  publish:
    description: Publish the metrics to CloudWatch. In check mode nothing is published; RV(metric_data) says what would be.
    type: bool
    default: true
  namespace:
    description: CloudWatch namespace of the published metrics.
    type: str
    default: bluegreen.aws
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Computes everything, publishes nothing.
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Delivery metrics of web over the last 30 days, published to CloudWatch
  bluegreen.aws.delivery_metrics:
    application: web
    bucket: web-artifacts-123456789012-us-east-1
    registered_at:
      "2": "2026-12-01T12:30:00Z"
  register: web_delivery

- name: The same from a history already read, for one week, without publishing
  bluegreen.aws.delivery_metrics:
    application: web
    history: "{{ web_lock.history }}"
    period_days: 7
    publish: false
"""

RETURN = r"""
metrics:
  description: The metrics of the operations that started in the period.
  returned: always
  type: dict
  contains:
    since:
      description: Start of the period (UTC).
      type: str
    until:
      description: End of the period (UTC).
      type: str
    days:
      description: Length of the period in days.
      type: float
    deployments:
      description: Switches and deploys that went live and reached production (succeeded, rolled back, aborted or force-unlocked).
      type: int
    successful_deployments:
      description: Deployments that succeeded.
      type: int
    failed_attempts:
      description: Switches and deploys that stopped before production changed (outcome V(failed)).
      type: int
    unfinished:
      description: Operations still running, or interrupted without a release.
      type: int
    deployment_frequency:
      description: Successful deployments C(per_day) and C(per_week).
      type: dict
    change_failures:
      description: Deployments rolled back, aborted, or undone by the next rollback.
      type: int
    change_failure_rate:
      description: RV(metrics.change_failures) / RV(metrics.deployments) (0..1); V(null) without deployments.
      type: float
    lead_time:
      description: Seconds from registration to live, per version (C(count), C(median), C(mean)).
      type: dict
    time_to_restore:
      description: Seconds from a failed change reaching production to its restore (C(count), C(median), C(mean)).
      type: dict
    operations:
      description:
        - Each operation with C(kind), C(version), C(color), C(outcome), C(duration), C(active) and
          C(waiting) (seconds; C(active) and C(waiting) V(null) when the entry does not say how long it waited).
      type: list
      elements: dict
  sample:
    since: "2026-11-01T09:00:00Z"
    until: "2026-12-01T09:00:00Z"
    days: 30.0
    deployments: 4
    successful_deployments: 2
    deployment_frequency: {"per_day": 0.0667, "per_week": 0.467}
    change_failures: 2
    change_failure_rate: 0.5
    lead_time: {"count": 1, "median": 2400.0, "mean": 2400.0}
    time_to_restore: {"count": 2, "median": 100.0, "mean": 100.0}
metric_data:
  description: The CloudWatch metric data published (or, in check mode or with O(publish=false), that would be).
  returned: always
  type: list
  elements: dict
  sample:
    - {"MetricName": "ChangeFailureRate", "Value": 50.0, "Unit": "Percent",
       "Dimensions": [{"Name": "Application", "Value": "web"}], "Timestamp": "2026-12-01T09:00:00Z"}
published:
  description: Whether the metrics were published.
  returned: always
  type: bool
history_read:
  description: How many history entries were used (given or read).
  returned: always
  type: int
"""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import delivery_metrics
from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_metric_calls import put_metric_data
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import read_lock_and_versions


def period(params, now):
    """``(since, until)`` as datetimes; ValueError naming the bad option."""
    try:
        until = delivery_metrics.parse_time(params["until"]) if params["until"] else now
    except ValueError as e:
        raise ValueError(f"until: {e}") from None
    if params["since"]:
        try:
            return delivery_metrics.parse_time(params["since"]), until
        except ValueError as e:
            raise ValueError(f"since: {e}") from None
    if params["period_days"] < 1:
        raise ValueError(f"period_days must be at least 1, got {params['period_days']}")
    return until - timedelta(days=params["period_days"]), until


def shown(data):
    """Metric data with ISO timestamps, for the result."""
    return [dict(d, Timestamp=d["Timestamp"].strftime("%Y-%m-%dT%H:%M:%SZ")) for d in data]


def main():
    module = AnsibleBlueGreenAWSModule(
        argument_spec=dict(
            application=dict(type="str", required=True),
            history=dict(type="list", elements="dict"),
            bucket=dict(type="str"),
            prefix=dict(type="str", default="locks/"),
            history_limit=dict(type="int", default=50),
            registered_at=dict(type="dict", default={}),
            since=dict(type="str"),
            until=dict(type="str"),
            period_days=dict(type="int", default=30),
            publish=dict(type="bool", default=True),
            namespace=dict(type="str", default=delivery_metrics.NAMESPACE),
        ),
        mutually_exclusive=[("history", "bucket")],
        required_one_of=[("history", "bucket")],
        supports_check_mode=True,
    )
    params = module.params
    now = datetime.now(timezone.utc).replace(microsecond=0)
    try:
        since, until = period(params, now)
        if params["bucket"]:
            locks.validate_history(params["history_limit"])
        for version, moment in params["registered_at"].items():
            try:
                delivery_metrics.parse_time(moment)
            except ValueError as e:
                raise ValueError(f"registered_at[{version!r}]: {e}") from None
    except ValueError as e:
        module.fail_json(msg=str(e))

    history = params["history"]
    if params["bucket"]:
        key = locks.lock_key(params["prefix"], params["application"])
        try:
            documents = read_lock_and_versions(module.client("s3"), params["bucket"], key, params["history_limit"])[1]
        except AnsibleBlueGreenAWSError as e:
            module.fail_json_aws_error(e)
        history = locks.history(documents, params["history_limit"])
    try:
        metrics = delivery_metrics.compute(history, since, until, params["registered_at"])
    except ValueError as e:
        module.fail_json(msg=f"history: {e}")

    data = delivery_metrics.metric_data(params["application"], metrics, until)
    publish = params["publish"] and not module.check_mode
    if publish:
        try:
            put_metric_data(module.client("cloudwatch"), params["namespace"], data)
        except AnsibleBlueGreenAWSError as e:
            module.fail_json_aws_error(e)
    module.exit_json(changed=params["publish"], published=publish, metrics=metrics, metric_data=shown(data),
                     history_read=len(history))


if __name__ == "__main__":
    main()
