#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: codedeploy_deployment
version_added: 0.1.0
short_description: Start, continue or stop an AWS CodeDeploy deployment from an S3 revision
description:
  - O(state=present) deploys a revision bundle stored in S3 to a deployment
    group. The bundle is looked up in S3 first (C(HeadObject)); when the
    bucket, key or version does not exist, or its ETag is not O(revision.etag),
    the module fails before anything is written. The deployment is pinned to
    the object's ETag, and to its version in a versioned bucket, so exactly
    the checked object is deployed.
  - Idempotent - when the group's active deployment, or its last successful
    one, already deploys that exact object, no new deployment is created
    (unless O(force=true)); the module waits for it instead. The last
    successful deployment counts only when it is also the group's last
    attempted one - after a later failed or stopped attempt the object is
    deployed again.
  - O(state=continued) reroutes traffic for a blue/green deployment that
    waits in status C(Ready) (ready option C(STOP_DEPLOYMENT)), or with
    O(wait_type=TERMINATION_WAIT) ends the wait before the blue instances are
    terminated.
  - O(state=stopped) stops a running deployment, rolling back the updated
    instances when O(auto_rollback=true). CodeDeploy may name the rollback
    deployment a little after the stop; with O(wait=true) the module reads
    the stopped deployment again for up to 60 seconds until it does.
  - With O(wait=true) the module polls the deployment every O(poll_interval)
    seconds for at most O(wait_timeout) seconds, logs each change of status
    and instance counts, and returns them as RV(progress). A deployment that
    ends C(Failed) (or C(Stopped) when not asked to stop) fails the task with
    AWS's error information and, per failed instance, the lifecycle event
    that failed.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  application_name:
    description:
      - Name of the CodeDeploy application. It must exist.
    type: str
    required: true
  deployment_group_name:
    description:
      - Name of the deployment group. It must exist.
    type: str
    required: true
  state:
    description:
      - V(present) - a deployment of O(revision) exists (created if needed).
      - V(continued) - the deployment is past its C(Ready) wait (or, with
        O(wait_type=TERMINATION_WAIT), past the wait before terminating the
        blue instances).
      - V(stopped) - the deployment is no longer running.
    type: str
    default: present
    choices: ["present", "continued", "stopped"]
  deployment_id:
    description:
      - The deployment to continue or stop.
      - Defaults to the deployment group's active deployment; when it has
        none, nothing is done.
      - Ignored with O(state=present).
    type: str
  revision:
    description:
      - The revision bundle in S3. Required with O(state=present).
    type: dict
    suboptions:
      bucket:
        description: S3 bucket holding the bundle.
        type: str
        required: true
      key:
        description: Object key of the bundle.
        type: str
        required: true
      bundle_type:
        description: Format of the bundle.
        type: str
        default: zip
        choices: ["zip", "tar", "tgz", "YAML", "JSON"]
      version:
        description:
          - Version ID of the object in a versioned bucket.
          - Defaults to the current version, looked up before the deployment is created.
        type: str
      etag:
        description:
          - Expected ETag of the object; the module fails when the object has another one.
          - Defaults to the ETag of the object found in S3.
        type: str
  target_instances:
    description:
      - The green (replacement) fleet of a blue/green deployment group with
        C(green_fleet_provisioning=DISCOVER_EXISTING), whose instances
        already exist - required for such a group, refused for any other
        (CodeDeploy copies or updates the fleet itself there).
      - At least one of O(target_instances.auto_scaling_groups) and
        O(target_instances.tag_filters).
    type: dict
    suboptions:
      auto_scaling_groups:
        description: Names of the Auto Scaling groups whose instances form the green fleet.
        type: list
        elements: str
      tag_filters:
        description: EC2 tag filters that select the green instances.
        type: list
        elements: dict
        suboptions:
          key:
            description: Tag key.
            type: str
          value:
            description: Tag value.
            type: str
          type:
            description: How the tag matches.
            type: str
            default: KEY_AND_VALUE
            choices: ["KEY_ONLY", "VALUE_ONLY", "KEY_AND_VALUE"]
  description:
    description:
      - Description of the deployment (for example the version and the change).
    type: str
  file_exists_behavior:
    description:
      - What the CodeDeploy agent does with files that are in the target
        location but were not part of the previous successful deployment.
      - V(DISALLOW) fails the deployment (the AWS default), V(OVERWRITE)
        replaces them, V(RETAIN) keeps them.
    type: str
    choices: ["DISALLOW", "OVERWRITE", "RETAIN"]
  deployment_config_name:
    description:
      - Deployment configuration for this deployment only; the group's when not set.
    type: str
  force:
    description:
      - Create a new deployment even when the same object is already deployed
        or being deployed.
    type: bool
    default: false
  wait_type:
    description:
      - With O(state=continued), which wait to end - V(READY_WAIT) (reroute
        traffic to the green instances) or V(TERMINATION_WAIT) (terminate the
        blue instances now).
    type: str
    default: READY_WAIT
    choices: ["READY_WAIT", "TERMINATION_WAIT"]
  auto_rollback:
    description:
      - With O(state=stopped), roll the updated instances back to the previous revision.
    type: bool
    default: true
  wait:
    description:
      - Wait until the deployment has finished, waits in C(Ready), or only
        the wait before terminating the blue instances is left.
      - With O(state=stopped), wait until it has stopped and, after an
        automatic rollback, until the rollback deployment has finished.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait at most, over all the waiting the task does.
    type: int
    default: 1800
  poll_interval:
    description:
      - Seconds between two reads of the deployment's status.
    type: int
    default: 15
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the application, group, S3 object and deployments, and reports
        what would be created, continued or stopped. Does not wait.
  diff_mode:
    support: full
    details: Shows the deployment's ID, status and revision before and after.
  platform:
    platforms: all
notes:
  - A timeout does not stop the deployment; it keeps running in AWS. Run the
    task again to wait for it (it is found as the group's active deployment).
  - Per-instance failures are read with C(codedeploy:ListDeploymentTargets)
    and C(codedeploy:BatchGetDeploymentTargets); without those permissions
    the task still fails with the deployment's error information.
seealso:
  - module: bluegreen.aws.codedeploy_deployment_group
  - module: bluegreen.aws.codedeploy_deployment_info
"""

EXAMPLES = r"""
- name: Deploy web 1.5.0 from the artifact bucket and wait for the green fleet
  bluegreen.aws.codedeploy_deployment:
    application_name: web
    deployment_group_name: web-bluegreen
    revision:
      bucket: web-artifacts-123456789012-us-east-1
      key: web/1.5.0/web.zip
      bundle_type: zip
    description: web 1.5.0
    file_exists_behavior: OVERWRITE
    wait_timeout: 3600
    poll_interval: 20
  register: deployment

- name: Reroute traffic to the green fleet once it has been checked
  bluegreen.aws.codedeploy_deployment:
    application_name: web
    deployment_group_name: web-bluegreen
    deployment_id: "{{ deployment.deployment.deployment_id }}"
    state: continued

- name: Stop the deployment and roll back
  bluegreen.aws.codedeploy_deployment:
    application_name: web
    deployment_group_name: web-bluegreen
    state: stopped
    auto_rollback: true

- name: Deploy to a green fleet that already exists (group with DISCOVER_EXISTING)
  bluegreen.aws.codedeploy_deployment:
    application_name: web
    deployment_group_name: web-discover
    revision:
      bucket: web-artifacts-123456789012-us-east-1
      key: web/1.5.0/web.zip
    target_instances:
      auto_scaling_groups:
        - web-green
"""

RETURN = r"""
deployment:
  description:
    - The deployment as GetDeployment describes it, keys in snake_case;
      empty when there was none to continue or stop.
    - In check mode, before a deployment is created, only the names and the revision.
  returned: always
  type: dict
  sample:
    deployment_id: d-A1B2C3D4E
    application_name: web
    deployment_group_name: web-bluegreen
    status: Succeeded
    revision:
      revision_type: S3
      s3_location: {"bucket": "web-artifacts-123456789012-us-east-1", "key": "web/1.5.0/web.zip",
                    "bundle_type": "zip", "e_tag": "9dd4e461268c8034f5c8564e155c67a6"}
    deployment_overview: {"pending": 0, "in_progress": 0, "succeeded": 2, "failed": 0, "skipped": 0, "ready": 0}
    error_information: {}
    rollback_info: {}
  contains:
    deployment_id:
      description: ID of the deployment.
      type: str
      returned: when a deployment exists
    status:
      description:
        - C(Created), C(Queued), C(InProgress), C(Baking), C(Ready),
          C(Succeeded), C(Failed) or C(Stopped).
      type: str
      returned: when a deployment exists
    deployment_overview:
      description: Instances per state.
      type: dict
      returned: when a deployment exists
    error_information:
      description: C(code) and C(message) of what went wrong.
      type: dict
      returned: when a deployment exists
    rollback_info:
      description: C(rollback_deployment_id) and C(rollback_message) when the deployment was rolled back.
      type: dict
      returned: when AWS reports it
progress:
  description:
    - One entry each time a poll saw a new status or new instance counts.
  returned: always
  type: list
  elements: dict
  sample:
    - {"deployment_id": "d-A1B2C3D4E", "status": "Created", "elapsed": 0.2,
       "overview": {"pending": 0, "in_progress": 0, "succeeded": 0, "failed": 0, "skipped": 0, "ready": 0}}
    - {"deployment_id": "d-A1B2C3D4E", "status": "InProgress", "elapsed": 15.4,
       "overview": {"pending": 1, "in_progress": 1, "succeeded": 0, "failed": 0, "skipped": 0, "ready": 0}}
    - {"deployment_id": "d-A1B2C3D4E", "status": "Succeeded", "elapsed": 95.8,
       "overview": {"pending": 0, "in_progress": 0, "succeeded": 2, "failed": 0, "skipped": 0, "ready": 0}}
instance_failures:
  description:
    - Failed instances of a deployment that ended C(Failed) or C(Stopped), with the lifecycle event that failed.
  returned: always
  type: list
  elements: dict
  sample:
    - instance_id: i-0123456789abcdef0
      instance_label: Green
      status: Failed
      lifecycle_event: ValidateService
      error_code: ScriptFailed
      script_name: scripts/validate.ps1
      message: Script at specified location returned non-zero exit code 1
      log_tail: "[stdout]health check failed"
rollback_deployment:
  description: The deployment that rolled back a stopped one (snake_case, as RV(deployment)).
  returned: when O(state=stopped) started a rollback
  type: dict
stop_status:
  description: What C(StopDeployment) answered - C(status) (C(Pending) or C(Succeeded)) and C(status_message).
  returned: when O(state=stopped) stopped a deployment
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import ACTIVE_STATUSES
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import TERMINAL_STATUSES
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import AnsibleBlueGreenCodeDeployError
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import describe_deployments
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import continue_deployment
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import create_deployment
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_application
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_deployment
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import head_revision
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import instance_failures
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import is_settled
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import list_deployments
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import newest_first
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import s3_url
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import stop_deployment
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import wait_for_deployment
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import wait_for_rollback_id
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import CodeDeployValidationError
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import last_deployed_id
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import s3_revision
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import same_revision
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import target_instances_request
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


# After a stop with rollback: how long (s) to look for the rollback deployment's ID, and how often.
ROLLBACK_ID_WAIT = 60
ROLLBACK_ID_POLL = 5


class DeploymentError(Exception):
    """A deployment cannot be made, or did not end well; ``result`` goes to fail_json."""

    def __init__(self, message, **result):
        super().__init__(message)
        self.result = result


def is_finished(deployment):
    return deployment.get("status") in TERMINAL_STATUSES


def in_termination_wait(deployment):
    return deployment.get("status") == "InProgress" and bool(deployment.get("instanceTerminationWaitTimeStarted"))


def rerouted(deployment):
    """After continuing a Ready deployment: finished, or only the blue instances' wait is left."""
    return is_finished(deployment) or in_termination_wait(deployment)


def revision_text(revision):
    location = (revision or {}).get("s3Location") or {}
    if not location:
        return (revision or {}).get("revisionType") or "unknown revision"
    return s3_url(location.get("bucket"), location.get("key"), location.get("version"))


class Deployer:
    """One task's work on one deployment group; ``progress`` collects every wait's snapshots."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.app = self.params["application_name"]
        self.group_name = self.params["deployment_group_name"]
        self.progress = []
        self.waited = 0.0

    # --- reads ---------------------------------------------------------------

    def group(self):
        if get_application(self.client, self.app) is None:
            raise DeploymentError(f"CodeDeploy application {self.app} not found in {self.client.meta.region_name}")
        group = get_deployment_group(self.client, self.app, self.group_name)
        if group is None:
            raise DeploymentError(f"Deployment group {self.group_name} of CodeDeploy application {self.app} not found")
        return group

    def active_deployments(self):
        ids = list_deployments(self.client, self.app, self.group_name, ACTIVE_STATUSES)
        return newest_first(describe_deployments(self.client, ids))

    def resolve(self):
        """The deployment named by deployment_id, or the group's active one (None when it has none)."""
        self.group()
        if self.params["deployment_id"]:
            deployment = get_deployment(self.client, self.params["deployment_id"])
            if deployment is None:
                raise DeploymentError(f"Deployment {self.params['deployment_id']} not found")
            if (deployment.get("applicationName"), deployment.get("deploymentGroupName")) != (self.app, self.group_name):
                raise DeploymentError(
                    f"Deployment {self.params['deployment_id']} belongs to {deployment.get('applicationName')}/"
                    f"{deployment.get('deploymentGroupName')}, not {self.app}/{self.group_name}"
                )
            return deployment
        active = self.active_deployments()
        return active[0] if active else None

    def pinned_revision(self, s3_client):
        """The S3 revision, checked to exist and pinned to its ETag (and version)."""
        wanted = self.params["revision"]
        bucket, key, version = wanted["bucket"], wanted["key"], wanted["version"]
        head = head_revision(s3_client, bucket, key, version)
        if head is None:
            raise DeploymentError(
                f"Revision {s3_url(bucket, key, version)} not found in S3 (bucket, key or version missing); "
                "no deployment was created"
            )
        etag = (head.get("ETag") or "").strip('"')
        if wanted["etag"] and wanted["etag"].strip('"') != etag:
            raise DeploymentError(
                f"Revision {s3_url(bucket, key, version)} has ETag {etag}, not {wanted['etag'].strip(chr(34))}; "
                "no deployment was created"
            )
        found_version = head.get("VersionId")
        if found_version in (None, "null"):
            found_version = None
        return s3_revision(bucket, key, wanted["bundle_type"], version or found_version, etag)

    # --- waits ---------------------------------------------------------------

    def wait(self, deployment, until):
        """Wait for an already described deployment (unless it is there already)."""
        if not self.params["wait"] or self.module.check_mode or until(deployment):
            return deployment
        return self.follow(deployment["deploymentId"], until)

    def follow(self, deployment_id, until):
        """Read the deployment once, or with wait=true poll it until ``until`` (bounded)."""
        if not self.params["wait"]:
            return get_deployment(self.client, deployment_id)
        remaining = self.params["wait_timeout"] - self.waited
        deployment, progress, timed_out = wait_for_deployment(
            self.client,
            deployment_id,
            timeout=max(remaining, 0),
            interval=self.params["poll_interval"],
            until=until,
            log=self.module.log,
        )
        if progress:
            self.waited += progress[-1]["elapsed"]
        self.progress.extend(progress)
        if timed_out:
            raise DeploymentError(
                f"Timed out after {self.params['wait_timeout']}s waiting for deployment {deployment_id}; "
                f"it is {deployment.get('status')} and keeps running in AWS (run the task again to wait for it)",
                deployment=deployment,
            )
        return deployment

    def check_outcome(self, deployment, stopping=False):
        """Fail with the reasons when the deployment failed (or stopped unasked)."""
        status = deployment.get("status")
        if status == "Failed" or (status == "Stopped" and not stopping):
            failures = []
            try:
                failures = instance_failures(self.client, deployment["deploymentId"])
            except AnsibleBlueGreenCodeDeployError as e:
                self.module.warn(f"Could not read the failed instances: {e.message}")
            raise DeploymentError(failure_message(deployment, failures), deployment=deployment, instance_failures=failures)

    def await_rollback_id(self, deployment):
        """Read a stopped deployment again until CodeDeploy names its rollback (bounded).

        StopDeployment with autoRollbackEnabled starts the rollback
        deployment on its own schedule: ``rollbackInfo.rollbackDeploymentId``
        may be missing from the first ``Stopped`` description. Returns
        ``(deployment, rollback_id)``; warns when none appeared in time.
        """
        remaining = self.params["wait_timeout"] - self.waited
        timeout = max(min(ROLLBACK_ID_WAIT, remaining), 0)
        latest, elapsed = wait_for_rollback_id(
            self.client, deployment["deploymentId"], timeout, min(self.params["poll_interval"], ROLLBACK_ID_POLL)
        )
        self.waited += elapsed
        deployment = latest or deployment
        rollback_id = rollback_id_of(deployment)
        if not rollback_id:
            message = (deployment.get("rollbackInfo") or {}).get("rollbackMessage")
            self.module.warn(
                f"Deployment {deployment['deploymentId']} stopped with auto_rollback, but CodeDeploy named no "
                f"rollback deployment within {round(elapsed)}s"
                + (f" ({message})" if message else " (the group may have no earlier successful revision)")
                + "; check the deployment group's last deployments"
            )
        return deployment, rollback_id

    # --- states --------------------------------------------------------------

    def present(self, s3_client):
        group = self.group()
        try:
            target_instances = target_instances_request(
                group, self.params["target_instances"], f"{self.app}/{self.group_name}"
            )
        except CodeDeployValidationError as e:
            raise DeploymentError(str(e)) from e
        revision = self.pinned_revision(s3_client)
        existing = None
        if not self.params["force"]:
            active = self.active_deployments()
            existing = next((d for d in active if same_revision(d.get("revision"), revision)), None)
            if existing is None and active:
                raise DeploymentError(busy_message(self.app, self.group_name, active[0], revision))
            last_id = last_deployed_id(group)
            if existing is None and last_id:
                last = get_deployment(self.client, last_id)
                if last and same_revision(last.get("revision"), revision):
                    existing = last
        if existing is not None:
            deployment = self.wait(existing, is_settled)
            self.check_outcome(deployment)
            return False, existing, deployment

        if self.module.check_mode:
            predicted = dict(
                applicationName=self.app, deploymentGroupName=self.group_name, revision=revision, status=None
            )
            return True, None, predicted
        request = dict(revision=revision)
        if target_instances:
            request["targetInstances"] = target_instances
        for option, field in (
            ("description", "description"),
            ("file_exists_behavior", "fileExistsBehavior"),
            ("deployment_config_name", "deploymentConfigName"),
        ):
            if self.params[option]:
                request[field] = self.params[option]
        deployment_id = create_deployment(self.client, self.app, self.group_name, request)
        self.module.log(f"created deployment {deployment_id} of {revision_text(revision)}")
        deployment = self.follow(deployment_id, is_settled)
        self.check_outcome(deployment)
        return True, None, deployment

    def continued(self):
        deployment = self.resolve()
        if deployment is None:
            self.module.warn(f"Deployment group {self.app}/{self.group_name} has no active deployment to continue")
            return False, None, None
        wait_type = self.params["wait_type"]
        can_continue = (lambda d: d.get("status") == "Ready") if wait_type == "READY_WAIT" else in_termination_wait
        if not can_continue(deployment) and not is_finished(deployment):
            deployment = self.wait(deployment, is_settled)
        if is_finished(deployment):
            self.check_outcome(deployment)
            return False, deployment, deployment
        if not can_continue(deployment):
            if wait_type == "READY_WAIT" and in_termination_wait(deployment):
                # Traffic was already rerouted; only the blue instances' wait is left.
                return False, deployment, deployment
            self.module.warn(
                f"Deployment {deployment['deploymentId']} is {deployment.get('status')}; nothing to continue "
                f"for {wait_type} now"
            )
            return False, deployment, deployment
        before = deployment
        if self.module.check_mode:
            return True, before, dict(deployment, status="InProgress")
        continue_deployment(self.client, deployment["deploymentId"], wait_type)
        self.module.log(f"continued deployment {deployment['deploymentId']} ({wait_type})")
        until = rerouted if wait_type == "READY_WAIT" else is_finished
        deployment = self.follow(deployment["deploymentId"], until)
        self.check_outcome(deployment)
        return True, before, deployment

    def stopped(self):
        deployment = self.resolve()
        if deployment is None:
            return False, None, None, {}
        if is_finished(deployment):
            return False, deployment, deployment, {}
        before = deployment
        if self.module.check_mode:
            return True, before, dict(deployment, status="Stopped"), {}
        stop = stop_deployment(self.client, deployment["deploymentId"], self.params["auto_rollback"])
        self.module.log(f"stopping deployment {deployment['deploymentId']}: {stop['status']} {stop['status_message']}")
        deployment = self.follow(deployment["deploymentId"], is_finished)
        extra = dict(stop_status=stop)
        rollback_id = rollback_id_of(deployment)
        if not rollback_id and self.params["auto_rollback"] and self.params["wait"] and deployment.get("status") == "Stopped":
            deployment, rollback_id = self.await_rollback_id(deployment)
        if rollback_id:
            rollback = self.follow(rollback_id, is_finished) or {"deploymentId": rollback_id}
            extra["rollback_deployment"] = camel_dict_to_snake_dict(rollback)
            if rollback.get("status") in ("Failed", "Stopped"):
                raise DeploymentError(
                    f"Deployment {deployment['deploymentId']} was stopped, but its rollback {rollback_id} "
                    f"ended {rollback.get('status')}: {error_text(rollback)}",
                    deployment=deployment,
                    **extra,
                )
        return True, before, deployment, extra


def rollback_id_of(deployment):
    return ((deployment or {}).get("rollbackInfo") or {}).get("rollbackDeploymentId")


def busy_message(app, group_name, other, revision):
    """Why a deployment of ``revision`` cannot start while ``other`` is active, and what to do."""
    head = (
        f"Deployment group {app}/{group_name} already has an active deployment {other['deploymentId']} "
        f"({other.get('status')}, {revision_text(other.get('revision'))})"
    )
    if in_termination_wait(other):
        return (
            f"{head}, which has already rerouted traffic and only waits before terminating the original "
            "instances; end that wait with state=continued and wait_type=TERMINATION_WAIT (or let it run out) "
            f"before deploying {revision_text(revision)} (state=stopped would roll it back)"
        )
    return f"{head}; wait for it to finish or stop it (state=stopped) before deploying {revision_text(revision)}"


def error_text(deployment):
    error = deployment.get("errorInformation") or {}
    if not error:
        return "no error information"
    return f"{error.get('code', 'UNKNOWN')}: {error.get('message', '')}".strip()


def failure_message(deployment, failures):
    message = f"Deployment {deployment.get('deploymentId')} {deployment.get('status', '').lower()}: {error_text(deployment)}"
    for failure in failures:
        detail = ", ".join(str(failure[k]) for k in ("error_code", "script_name", "message") if failure.get(k))
        message += (
            f"; instance {failure['instance_id']} failed at lifecycle event "
            f"{failure.get('lifecycle_event') or 'unknown'}" + (f" ({detail})" if detail else "")
        )
    rollback_id = (deployment.get("rollbackInfo") or {}).get("rollbackDeploymentId")
    if rollback_id:
        message += f"; rolled back by deployment {rollback_id}"
    return message


def diff_view(deployment):
    if not deployment:
        return {}
    return dict(
        deployment_id=deployment.get("deploymentId"),
        status=deployment.get("status"),
        revision=revision_text(deployment.get("revision")),
    )


def main():
    argument_spec = dict(
        application_name=dict(type="str", required=True),
        deployment_group_name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "continued", "stopped"]),
        deployment_id=dict(type="str"),
        revision=dict(
            type="dict",
            options=dict(
                bucket=dict(type="str", required=True),
                key=dict(type="str", required=True, no_log=False),
                bundle_type=dict(type="str", default="zip", choices=["zip", "tar", "tgz", "YAML", "JSON"]),
                version=dict(type="str"),
                etag=dict(type="str"),
            ),
        ),
        target_instances=dict(
            type="dict",
            options=dict(
                auto_scaling_groups=dict(type="list", elements="str"),
                tag_filters=dict(
                    type="list",
                    elements="dict",
                    options=dict(
                        key=dict(type="str", no_log=False),
                        value=dict(type="str"),
                        type=dict(type="str", default="KEY_AND_VALUE", choices=["KEY_ONLY", "VALUE_ONLY", "KEY_AND_VALUE"]),
                    ),
                ),
            ),
        ),
        description=dict(type="str"),
        file_exists_behavior=dict(type="str", choices=["DISALLOW", "OVERWRITE", "RETAIN"]),
        deployment_config_name=dict(type="str"),
        force=dict(type="bool", default=False),
        wait_type=dict(type="str", default="READY_WAIT", choices=["READY_WAIT", "TERMINATION_WAIT"]),
        auto_rollback=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        poll_interval=dict(type="int", default=15),
    )
    module = AnsibleBlueGreenAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["revision"])],
    )
    params = module.params
    if params["state"] == "present" and not params["revision"]:
        module.fail_json(msg="revision is required with state=present (the S3 bundle to deploy)")
    if params["wait_timeout"] < 1 or params["poll_interval"] < 1:
        module.fail_json(
            msg=f"wait_timeout and poll_interval must be at least 1 second, got {params['wait_timeout']} "
            f"and {params['poll_interval']}"
        )

    client = module.client("codedeploy")
    deployer = Deployer(module, client)
    extra = {}
    try:
        if params["state"] == "present":
            changed, before, after = deployer.present(module.client("s3"))
        elif params["state"] == "continued":
            changed, before, after = deployer.continued()
        else:
            changed, before, after, extra = deployer.stopped()
    except AnsibleBlueGreenCodeDeployError as e:
        module.fail_json_aws_error(e)
    except DeploymentError as e:
        result = dict(e.result)
        result["deployment"] = camel_dict_to_snake_dict(result.get("deployment") or {})
        result.setdefault("instance_failures", [])
        module.fail_json(msg=str(e), progress=deployer.progress, **result)

    result = dict(
        changed=changed,
        deployment=camel_dict_to_snake_dict(after or {}),
        progress=deployer.progress,
        instance_failures=[],
        **extra,
    )
    if module._diff:
        result["diff"] = dict(before=diff_view(before), after=diff_view(after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
