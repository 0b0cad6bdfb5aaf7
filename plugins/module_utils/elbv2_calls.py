# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One small function per ELBv2 call the blue-green modules make.

Each call is retried with ``AWSRetry.jittered_backoff()`` (throttling and
other transient errors) and wrapped by ``aws_errors.aws_error_handler`` in the style of
``amazon.aws.plugins.module_utils.errors``: a failure raises
``AnsibleBlueGreenAWSError`` whose message says what was being done and on
which resource ("Failed to modify listener <arn>: <AWS message>"); a
"not found" error on a lookup returns a default value instead. Modules catch
the one exception type in ``main`` and hand it to ``fail_json_aws_error``.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import aws_error_handler


LISTENER_PAGE = 400


def is_arn(name_or_arn):
    return name_or_arn.startswith("arn:")


@aws_error_handler("describe load balancer {name}", ("LoadBalancerNotFound",), None)
@AWSRetry.jittered_backoff()
def describe_load_balancer(client, name):
    """The load balancer called ``name``, or None when there is none."""
    load_balancers = client.describe_load_balancers(Names=[name])["LoadBalancers"]
    return load_balancers[0] if load_balancers else None


@aws_error_handler("describe listeners of load balancer {load_balancer_arn}")
@AWSRetry.jittered_backoff()
def describe_listeners(client, load_balancer_arn):
    """All listeners of the load balancer: one call (a load balancer has at most 50 listeners).

    The next page is asked for only when a page came back full: the emulator
    sends a NextMarker even after the last page, which would cost a call more.
    """
    listeners, marker = [], None
    while True:
        page = client.describe_listeners(LoadBalancerArn=load_balancer_arn, PageSize=LISTENER_PAGE,
                                         **({"Marker": marker} if marker else {}))
        listeners.extend(page["Listeners"])
        marker = page.get("NextMarker")
        if not marker or len(page["Listeners"]) < LISTENER_PAGE:
            return listeners


@aws_error_handler("describe target group {name_or_arn}", ("TargetGroupNotFound",), None)
@AWSRetry.jittered_backoff()
def describe_target_group(client, name_or_arn):
    """The target group with this name or ARN, or None when there is none."""
    key = "TargetGroupArns" if is_arn(name_or_arn) else "Names"
    target_groups = client.describe_target_groups(**{key: [name_or_arn]})["TargetGroups"]
    return target_groups[0] if target_groups else None


@aws_error_handler("describe target groups {names_or_arns}", ("TargetGroupNotFound",), None)
@AWSRetry.jittered_backoff()
def describe_target_groups(client, names_or_arns):
    """The target groups, all named or all by ARN, in one call; None when one of them is missing."""
    key = "TargetGroupArns" if is_arn(names_or_arns[0]) else "Names"
    return client.describe_target_groups(**{key: list(names_or_arns)})["TargetGroups"]


@aws_error_handler("describe target health of {target_group_arn}")
@AWSRetry.jittered_backoff()
def describe_target_health(client, target_group_arn):
    return client.describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]


@aws_error_handler("describe tags of {resource_arns}")
@AWSRetry.jittered_backoff()
def describe_tags(client, resource_arns):
    """``{resource_arn: {tag_key: tag_value}}`` for up to 20 resources."""
    descriptions = client.describe_tags(ResourceArns=list(resource_arns))["TagDescriptions"]
    return {d["ResourceArn"]: boto3_tag_list_to_ansible_dict(d.get("Tags") or []) for d in descriptions}


@aws_error_handler("modify listener {listener_arn}")
@AWSRetry.jittered_backoff()
def modify_listener(client, listener_arn, default_actions):
    return client.modify_listener(ListenerArn=listener_arn, DefaultActions=default_actions)["Listeners"][0]


@aws_error_handler("describe rules of listener {listener_arn}")
@AWSRetry.jittered_backoff()
def describe_rules(client, listener_arn):
    paginator = client.get_paginator("describe_rules")
    return paginator.paginate(ListenerArn=listener_arn).build_full_result()["Rules"]


@aws_error_handler("create the preview rule on listener {listener_arn}")
@AWSRetry.jittered_backoff()
def create_rule(client, listener_arn, priority, conditions, actions):
    return client.create_rule(ListenerArn=listener_arn, Priority=priority, Conditions=conditions, Actions=actions)[
        "Rules"][0]


@aws_error_handler("modify the preview rule {rule_arn}")
@AWSRetry.jittered_backoff()
def modify_rule(client, rule_arn, conditions, actions):
    return client.modify_rule(RuleArn=rule_arn, Conditions=conditions, Actions=actions)["Rules"][0]


@aws_error_handler("describe the attributes of target group {target_group_arn}")
@AWSRetry.jittered_backoff()
def describe_target_group_attributes(client, target_group_arn):
    """``{key: value}`` of the target group's attributes (values are strings, as AWS returns them)."""
    attributes = client.describe_target_group_attributes(TargetGroupArn=target_group_arn)["Attributes"]
    return {a["Key"]: a["Value"] for a in attributes}


@aws_error_handler("describe the attributes of load balancer {load_balancer_arn}")
@AWSRetry.jittered_backoff()
def describe_load_balancer_attributes(client, load_balancer_arn):
    """``{key: value}`` of the load balancer's attributes (all values are strings)."""
    attributes = client.describe_load_balancer_attributes(LoadBalancerArn=load_balancer_arn)["Attributes"]
    return {a["Key"]: a["Value"] for a in attributes}


@aws_error_handler("modify the attributes of load balancer {load_balancer_arn}")
@AWSRetry.jittered_backoff()
def modify_load_balancer_attributes(client, load_balancer_arn, attributes):
    """Set ``attributes`` (a list of ``{"Key": ..., "Value": ...}``) on the load balancer."""
    client.modify_load_balancer_attributes(LoadBalancerArn=load_balancer_arn, Attributes=list(attributes))
