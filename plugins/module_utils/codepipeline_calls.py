# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One small function per CodePipeline call of codepipeline_pipeline, in the
style of ``elbv2_calls``: retried with ``AWSRetry.jittered_backoff()``, errors
raised as ``AnsibleBlueGreenAWSError`` naming what was being done."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import aws_error_handler


@aws_error_handler("get pipeline {name}", ("PipelineNotFoundException",), None)
@AWSRetry.jittered_backoff()
def get_pipeline(client, name):
    """The pipeline (GetPipeline's ``pipeline``), or None when there is none."""
    return client.get_pipeline(name=name)["pipeline"]


@aws_error_handler("create pipeline {pipeline[name]}")
@AWSRetry.jittered_backoff()
def create_pipeline(client, pipeline):
    return client.create_pipeline(pipeline=pipeline)["pipeline"]


@aws_error_handler("update pipeline {pipeline[name]}")
@AWSRetry.jittered_backoff()
def update_pipeline(client, pipeline):
    return client.update_pipeline(pipeline=pipeline)["pipeline"]


@aws_error_handler("delete pipeline {name}")
@AWSRetry.jittered_backoff()
def delete_pipeline(client, name):
    client.delete_pipeline(name=name)
