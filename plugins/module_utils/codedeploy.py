# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One small function per CodeDeploy (and S3 revision) call the CodeDeploy modules make.

As in ``elbv2_calls``: each call is retried with ``AWSRetry.jittered_backoff()``
and wrapped by an error handler; a failure raises
``AnsibleBlueGreenCodeDeployError`` whose message says what was being done and
on what ("Failed to update deployment group web/web-bg: <AWS message>"), and a
"does not exist" error on a lookup returns None instead. Modules catch that one
exception type in ``main``.

Retries: ``AWSRetry`` retries only the generic throttling codes; CodeDeploy
throttles with ``ThrottlingException``, which every call here retries too
(``_RETRY``). Creating or updating a deployment group, and creating a
deployment, also retry ``InvalidRoleException`` for about a minute at most
(``_RETRY_ROLE``): a service role created moments before is not usable by
CodeDeploy until IAM has propagated it. Both are bounded (AWSRetry's
jittered backoff, a fixed number of attempts).

``wait_for_deployment`` is the one bounded wait of the collection's CodeDeploy
modules. botocore's only CodeDeploy waiter (``DeploymentSuccessful``) fails on
``Ready`` and ``Stopped`` and reports nothing per poll, and a
``BaseWaiterFactory`` waiter cannot hand back a snapshot per poll either, so
this helper polls ``GetDeployment`` itself and returns every snapshot.
"""

from __future__ import annotations

import functools
import inspect
import time

try:
    import botocore
except ImportError:
    pass  # Modules are responsible for handling this (AnsibleAWSModule does).

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


class AnsibleBlueGreenCodeDeployError(AnsibleAWSError):
    pass


_NOT_FOUND = object()

# CodeDeploy's own throttling code; AWSRetry's list knows only "Throttling" and the like.
THROTTLING_CODES = ["ThrottlingException"]
# A just-created service role fails with InvalidRoleException until IAM has propagated it.
ROLE_PROPAGATION_CODES = ["InvalidRoleException"]
_RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLING_CODES)
# At most 6 attempts, at most 3+6+12+20+20 = 61 s of sleeping (jittered: usually less).
_RETRY_ROLE = AWSRetry.jittered_backoff(
    retries=6, delay=3, max_delay=20, catch_extra_error_codes=THROTTLING_CODES + ROLE_PROPAGATION_CODES
)

# Deployment states (DeploymentStatus in the service model).
ACTIVE_STATUSES = ("Created", "Queued", "InProgress", "Baking", "Ready")
TERMINAL_STATUSES = ("Succeeded", "Failed", "Stopped")
BATCH_GET_LIMIT = 25  # BatchGetDeployments takes at most 25 IDs

# Looked up at call time so tests can replace them (no real sleeping in tests).
_sleep = time.sleep
_clock = time.monotonic


def codedeploy_error_handler(description, missing_codes=(), default_value=_NOT_FOUND):
    """Wrap a call: errors become AnsibleBlueGreenCodeDeployError("Failed to <description>").

    ``description`` is formatted with the wrapped function's arguments. When
    AWS answers with one of ``missing_codes``, ``default_value`` is returned.
    """

    def wrapper(func):
        signature = inspect.signature(func)

        @functools.wraps(func)
        def handler(*args, **kwargs):
            arguments = signature.bind(*args, **kwargs).arguments
            what = description.format(**arguments)
            try:
                return func(*args, **kwargs)
            except botocore.exceptions.ClientError as e:
                if e.response.get("Error", {}).get("Code") in missing_codes and default_value is not _NOT_FOUND:
                    return default_value
                raise AnsibleBlueGreenCodeDeployError(message=f"Failed to {what}", exception=e) from e
            except botocore.exceptions.BotoCoreError as e:
                raise AnsibleBlueGreenCodeDeployError(message=f"Failed to {what}", exception=e) from e

        return handler

    return wrapper


# --- ARNs (CodeDeploy does not return them; tagging needs them) ---------------


def application_arn(partition, region, account_id, application_name):
    return f"arn:{partition}:codedeploy:{region}:{account_id}:application:{application_name}"


def deployment_group_arn(partition, region, account_id, application_name, deployment_group_name):
    return f"arn:{partition}:codedeploy:{region}:{account_id}:deploymentgroup:{application_name}/{deployment_group_name}"


def role_arn(partition, account_id, name_or_arn):
    """An IAM role ARN from ``[path/]name`` (ARNs are returned unchanged).

    A role's ARN contains its IAM path (``role/service-role/web-codedeploy``);
    a bare name gives the ARN of a role with the default path ``/`` only. Use
    ``resolve_role_arn`` to find the path of a role given by name.
    """
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return f"arn:{partition}:iam::{account_id}:role/{name_or_arn.lstrip('/')}"


@codedeploy_error_handler("read IAM role {name}", ("NoSuchEntity",), None)
@_RETRY
def get_role(iam_client, name):
    """The IAM role called ``name`` (GetRole), or None when there is none."""
    return iam_client.get_role(RoleName=name)["Role"]


def resolve_role_arn(iam_client, partition, account_id, name_or_arn, warn=None, missing_ok=False):
    """The ARN of a role given as an ARN, as ``path/name``, or as a bare name.

    An ARN or a ``path/name`` is turned into an ARN without a call. A bare
    name is looked up (GetRole), so a role with a path gets its real ARN;
    when the role does not exist this raises (with ``missing_ok``, as in
    check mode where an earlier task may only have predicted the role, the
    ARN is built with the path ``/`` and ``warn`` says so); when the caller
    may not read it (AccessDenied), the ARN is built with the default path
    and ``warn`` says so.
    """
    if name_or_arn.startswith("arn:") or "/" in name_or_arn:
        return role_arn(partition, account_id, name_or_arn)
    try:
        role = get_role(iam_client, name_or_arn)
    except AnsibleBlueGreenCodeDeployError as e:
        code = getattr(getattr(e, "exception", None), "response", {}).get("Error", {}).get("Code")
        if code not in ("AccessDenied", "AccessDeniedException"):
            raise
        if warn:
            warn(
                f"Could not read IAM role {name_or_arn} (iam:GetRole denied); assuming the path / "
                "(give service_role as an ARN or as path/name for a role with another path)"
            )
        return role_arn(partition, account_id, name_or_arn)
    if role is None and missing_ok:
        if warn:
            warn(f"IAM role {name_or_arn} not found; assuming it will be created with the path /")
        return role_arn(partition, account_id, name_or_arn)
    if role is None:
        raise AnsibleBlueGreenCodeDeployError(
            message=f"IAM role {name_or_arn} not found in account {account_id}; create it first or give its ARN"
        )
    return role["Arn"]


# --- applications -------------------------------------------------------------


@codedeploy_error_handler("get application {name}", ("ApplicationDoesNotExistException",), None)
@_RETRY
def get_application(client, name):
    """The application called ``name``, or None when there is none."""
    return client.get_application(applicationName=name)["application"]


@codedeploy_error_handler("list applications")
@_RETRY
def list_applications(client):
    return client.get_paginator("list_applications").paginate().build_full_result().get("applications", [])


@codedeploy_error_handler("create application {name}")
@_RETRY
def create_application(client, name, compute_platform, tags):
    params = dict(applicationName=name, computePlatform=compute_platform)
    if tags:
        params["tags"] = ansible_dict_to_boto3_tag_list(tags)
    return client.create_application(**params)["applicationId"]


@codedeploy_error_handler("delete application {name}")
@_RETRY
def delete_application(client, name):
    client.delete_application(applicationName=name)


# --- tags -----------------------------------------------------------------------


@codedeploy_error_handler("list tags of {arn}")
@_RETRY
def list_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceArn=arn).get("Tags") or [])


@codedeploy_error_handler("tag {arn}")
@_RETRY
def tag_resource(client, arn, tags):
    client.tag_resource(ResourceArn=arn, Tags=ansible_dict_to_boto3_tag_list(tags))


@codedeploy_error_handler("untag {arn}")
@_RETRY
def untag_resource(client, arn, keys):
    client.untag_resource(ResourceArn=arn, TagKeys=list(keys))


# --- deployment groups ----------------------------------------------------------


@codedeploy_error_handler(
    "get deployment group {application_name}/{name}", ("DeploymentGroupDoesNotExistException",), None
)
@_RETRY
def get_deployment_group(client, application_name, name):
    """The deployment group, or None when there is none.

    GetDeploymentGroup, not BatchGetDeploymentGroups: the emulator implements
    only the former, and one group is all a module needs.
    """
    return client.get_deployment_group(applicationName=application_name, deploymentGroupName=name)[
        "deploymentGroupInfo"
    ]


@codedeploy_error_handler("list deployment groups of application {application_name}")
@_RETRY
def list_deployment_groups(client, application_name):
    paginator = client.get_paginator("list_deployment_groups")
    return paginator.paginate(applicationName=application_name).build_full_result().get("deploymentGroups", [])


@codedeploy_error_handler("create deployment group {application_name}/{name}")
@_RETRY_ROLE
def create_deployment_group(client, application_name, name, request, tags):
    params = dict(request, applicationName=application_name, deploymentGroupName=name)
    if tags:
        params["tags"] = ansible_dict_to_boto3_tag_list(tags)
    return client.create_deployment_group(**params)["deploymentGroupId"]


@codedeploy_error_handler("update deployment group {application_name}/{name}")
@_RETRY_ROLE
def update_deployment_group(client, application_name, name, changes):
    """Apply ``changes`` (UpdateDeploymentGroup parameters); returns hooksNotCleanedUp."""
    params = dict(changes, applicationName=application_name, currentDeploymentGroupName=name)
    return client.update_deployment_group(**params).get("hooksNotCleanedUp") or []


@codedeploy_error_handler("delete deployment group {application_name}/{name}")
@_RETRY
def delete_deployment_group(client, application_name, name):
    return client.delete_deployment_group(applicationName=application_name, deploymentGroupName=name).get(
        "hooksNotCleanedUp"
    ) or []


# --- deployments ----------------------------------------------------------------


@codedeploy_error_handler("get deployment {deployment_id}", ("DeploymentDoesNotExistException",), None)
@_RETRY
def get_deployment(client, deployment_id):
    """The deployment, or None when there is none."""
    return client.get_deployment(deploymentId=deployment_id)["deploymentInfo"]


@codedeploy_error_handler("list deployments of {application_name}/{deployment_group_name}")
@_RETRY
def list_deployments(client, application_name, deployment_group_name, statuses=None):
    params = dict(applicationName=application_name, deploymentGroupName=deployment_group_name)
    if statuses:
        params["includeOnlyStatuses"] = list(statuses)
    return client.get_paginator("list_deployments").paginate(**params).build_full_result().get("deployments", [])


@codedeploy_error_handler("get deployments {deployment_ids}")
@_RETRY
def batch_get_deployments(client, deployment_ids):
    """Descriptions of up to 25 deployments."""
    if not deployment_ids:
        return []
    return client.batch_get_deployments(deploymentIds=list(deployment_ids)).get("deploymentsInfo") or []


def describe_deployments(client, deployment_ids):
    """Descriptions of any number of deployments (BatchGetDeployments takes 25 at a time)."""
    ids = list(deployment_ids)
    deployments = []
    for start in range(0, len(ids), BATCH_GET_LIMIT):
        deployments.extend(batch_get_deployments(client, ids[start : start + BATCH_GET_LIMIT]))
    return deployments


def newest_first(deployments):
    """Deployments sorted by ``createTime``, newest first (those without one last).

    ListDeployments documents no order, so "newest" is decided here, from
    what BatchGetDeployments / GetDeployment describe.
    """
    return sorted(
        deployments,
        key=lambda d: (d.get("createTime") is not None, d.get("createTime") or 0),
        reverse=True,
    )


@codedeploy_error_handler("create deployment in {application_name}/{deployment_group_name}")
@_RETRY_ROLE
def create_deployment(client, application_name, deployment_group_name, request):
    params = dict(request, applicationName=application_name, deploymentGroupName=deployment_group_name)
    return client.create_deployment(**params)["deploymentId"]


@codedeploy_error_handler("continue deployment {deployment_id}")
@_RETRY
def continue_deployment(client, deployment_id, wait_type):
    client.continue_deployment(deploymentId=deployment_id, deploymentWaitType=wait_type)


@codedeploy_error_handler("stop deployment {deployment_id}")
@_RETRY
def stop_deployment(client, deployment_id, auto_rollback):
    response = client.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=auto_rollback)
    return dict(status=response.get("status"), status_message=response.get("statusMessage"))


@codedeploy_error_handler("list failed targets of deployment {deployment_id}")
@_RETRY
def list_failed_targets(client, deployment_id):
    paginator = client.get_paginator("list_deployment_targets")
    pages = paginator.paginate(deploymentId=deployment_id, targetFilters={"TargetStatus": ["Failed"]})
    return pages.build_full_result().get("targetIds", [])


@codedeploy_error_handler("get targets {target_ids} of deployment {deployment_id}")
@_RETRY
def batch_get_deployment_targets(client, deployment_id, target_ids):
    """Up to 25 targets of a deployment, with their lifecycle events."""
    response = client.batch_get_deployment_targets(deploymentId=deployment_id, targetIds=list(target_ids))
    return response.get("deploymentTargets") or []


# --- the S3 revision --------------------------------------------------------------


def s3_url(bucket, key, version=None):
    return f"s3://{bucket}/{key}" + (f" (version {version})" if version else "")


@codedeploy_error_handler("read revision {bucket}/{key} from S3", ("404", "NoSuchKey", "NoSuchBucket", "NoSuchVersion"), None)
@_RETRY
def head_revision(s3_client, bucket, key, version=None):
    """HeadObject of the revision bundle, or None when bucket, key or version does not exist."""
    params = dict(Bucket=bucket, Key=key)
    if version:
        params["VersionId"] = version
    return s3_client.head_object(**params)


# --- the bounded wait -------------------------------------------------------------


def snapshot(deployment, elapsed):
    """What one poll saw: status and the per-instance counts."""
    overview = deployment.get("deploymentOverview") or {}
    return dict(
        deployment_id=deployment.get("deploymentId"),
        status=deployment.get("status"),
        elapsed=round(elapsed, 1),
        overview={
            "pending": overview.get("Pending", 0),
            "in_progress": overview.get("InProgress", 0),
            "succeeded": overview.get("Succeeded", 0),
            "failed": overview.get("Failed", 0),
            "skipped": overview.get("Skipped", 0),
            "ready": overview.get("Ready", 0),
        },
    )


def describe_snapshot(snap):
    o = snap["overview"]
    return (
        f"deployment {snap['deployment_id']}: {snap['status']} after {snap['elapsed']}s "
        f"(pending {o['pending']}, in progress {o['in_progress']}, succeeded {o['succeeded']}, "
        f"failed {o['failed']}, skipped {o['skipped']}, ready {o['ready']})"
    )


def is_settled(deployment):
    """True when waiting longer would only wait for AWS or for a person.

    Finished (Succeeded, Failed, Stopped); Ready (blue/green with the ready
    option STOP_DEPLOYMENT: waiting for ``continue``); or traffic already
    rerouted and only the wait before terminating the blue instances left.
    """
    status = deployment.get("status")
    if status in TERMINAL_STATUSES or status == "Ready":
        return True
    return status == "InProgress" and bool(deployment.get("instanceTerminationWaitTimeStarted"))


def wait_for_deployment(client, deployment_id, timeout, interval, until=is_settled, log=None):
    """Poll GetDeployment until ``until(deployment)`` or ``timeout`` seconds have passed.

    Returns ``(deployment, progress, timed_out)``: the last description, one
    ``snapshot`` per poll (each also passed to ``log`` as a sentence), and
    whether the time ran out first. Never sleeps past the deadline.
    """
    start = _clock()
    progress = []
    while True:
        deployment = get_deployment(client, deployment_id)
        if deployment is None:
            raise AnsibleBlueGreenCodeDeployError(message=f"Deployment {deployment_id} disappeared while waiting for it")
        elapsed = _clock() - start
        snap = snapshot(deployment, elapsed)
        if not progress or (progress[-1]["status"], progress[-1]["overview"]) != (snap["status"], snap["overview"]):
            progress.append(snap)
            if log:
                log(describe_snapshot(snap))
        if until(deployment):
            return deployment, progress, False
        remaining = timeout - elapsed
        if remaining <= 0:
            if progress[-1] is not snap:
                progress.append(snap)
            return deployment, progress, True
        _sleep(min(interval, remaining))


def wait_for_rollback_id(client, deployment_id, timeout, interval):
    """Sleep and read a stopped deployment until ``rollbackInfo.rollbackDeploymentId`` is set.

    At most ``timeout`` seconds (never sleeping past it). Returns
    ``(deployment, elapsed)``: the last description read (None when none
    was read) and the seconds spent.
    """
    start = _clock()
    deployment = None
    while True:
        elapsed = _clock() - start
        if elapsed >= timeout:
            return deployment, elapsed
        _sleep(min(interval, timeout - elapsed))
        deployment = get_deployment(client, deployment_id)
        if deployment is None:
            raise AnsibleBlueGreenCodeDeployError(message=f"Deployment {deployment_id} disappeared while waiting for it")
        if (deployment.get("rollbackInfo") or {}).get("rollbackDeploymentId"):
            return deployment, _clock() - start


# --- why a deployment failed --------------------------------------------------------


def instance_failures(client, deployment_id, limit=25):
    """Failed instances of a deployment, each with the lifecycle event that failed.

    ``[{instance_id, target_arn, instance_label, status, lifecycle_event,
    error_code, script_name, message, log_tail}]``; only EC2/on-premises
    targets (ECS and Lambda targets have no instances).
    """
    target_ids = list_failed_targets(client, deployment_id)[:limit]
    if not target_ids:
        return []
    failures = []
    for target in batch_get_deployment_targets(client, deployment_id, target_ids):
        instance = target.get("instanceTarget")
        if not instance:
            continue
        events = instance.get("lifecycleEvents") or []
        failed = [e for e in events if e.get("status") == "Failed"]
        event = failed[0] if failed else {}
        diagnostics = event.get("diagnostics") or {}
        failures.append(
            dict(
                instance_id=instance.get("targetId"),
                target_arn=instance.get("targetArn"),
                instance_label=instance.get("instanceLabel"),
                status=instance.get("status"),
                lifecycle_event=event.get("lifecycleEventName"),
                error_code=diagnostics.get("errorCode"),
                script_name=diagnostics.get("scriptName"),
                message=diagnostics.get("message"),
                log_tail=diagnostics.get("logTail"),
            )
        )
    return failures
