# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudWatch metric data calls (read and publish), one function per call, retried, errors wrapped."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import aws_error_handler

# PutMetricData takes at most 1000 metric data entries per request.
PUT_BATCH = 1000


@aws_error_handler("read metric data ({what})")
@AWSRetry.jittered_backoff()
def get_metric_data(client, queries, start_time, end_time, what="metrics"):
    """Every page of GetMetricData for ``queries`` between ``start_time`` and ``end_time`` (datetimes).

    Returns the MetricDataResults, a query's values spread over pages joined
    into one entry per Id, oldest first.
    """
    merged, order = {}, []
    paginator = client.get_paginator("get_metric_data")
    pages = paginator.paginate(MetricDataQueries=queries, StartTime=start_time, EndTime=end_time,
                               ScanBy="TimestampAscending")
    for page in pages:
        for result in page.get("MetricDataResults", []):
            if result["Id"] not in merged:
                merged[result["Id"]] = dict(Id=result["Id"], Label=result.get("Label"), Timestamps=[], Values=[])
                order.append(result["Id"])
            merged[result["Id"]]["Timestamps"].extend(result.get("Timestamps", []))
            merged[result["Id"]]["Values"].extend(result.get("Values", []))
    return [merged[key] for key in order]


@aws_error_handler("publish metrics to the namespace {namespace}")
@AWSRetry.jittered_backoff()
def put_metric_data(client, namespace, metric_data):
    """Publish ``metric_data`` (PutMetricData entries), in requests of at most PUT_BATCH entries."""
    for start in range(0, len(metric_data), PUT_BATCH):
        client.put_metric_data(Namespace=namespace, MetricData=metric_data[start:start + PUT_BATCH])
