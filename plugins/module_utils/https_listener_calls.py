# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The two ELBv2 writes of ``https_listeners``, in the style of ``elbv2_calls``:
retried with ``AWSRetry.jittered_backoff()``, errors raised as
``AnsibleBlueGreenAWSError`` naming what was being done."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import aws_error_handler


@aws_error_handler("create the {params[Protocol]} listener on port {params[Port]} of load balancer {load_balancer_arn}")
@AWSRetry.jittered_backoff()
def create_listener(client, load_balancer_arn, params):
    return client.create_listener(LoadBalancerArn=load_balancer_arn, **params)["Listeners"][0]


@aws_error_handler("modify listener {listener_arn}")
@AWSRetry.jittered_backoff()
def modify_listener_settings(client, listener_arn, params):
    return client.modify_listener(ListenerArn=listener_arn, **params)["Listeners"][0]
