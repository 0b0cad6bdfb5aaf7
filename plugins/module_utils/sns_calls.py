# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SNS calls of the release notifications, one function per call, retried, errors wrapped."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import aws_error_handler


@aws_error_handler("publish to the topic {topic_arn}")
@AWSRetry.jittered_backoff()
def publish(client, topic_arn, subject, body, attributes):
    """Publish one message; ``attributes`` (``{name: text}``) become String message attributes. Returns the MessageId."""
    message_attributes = {name: dict(DataType="String", StringValue=str(value))
                          for name, value in attributes.items() if value not in (None, "")}
    return client.publish(TopicArn=topic_arn, Subject=subject, Message=body,
                          MessageAttributes=message_attributes)["MessageId"]
