# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure functions behind codedeploy_deployment_group and codedeploy_deployment (no AWS).

Deployment groups are compared in one canonical shape, keyed like the API
(``autoScalingGroups``, ``deploymentStyle``, ...), with AWS defaults filled in
and lists sorted:

* ``desired_deployment_group(params, service_role_arn)`` - what the module
  options ask for; an option left unset is absent, meaning "keep what is there".
* ``normalize_deployment_group(info)`` - a GetDeploymentGroup description in
  that shape.
* ``plan_deployment_group(current, desired, name)`` - the state after the
  change and the exact UpdateDeploymentGroup parameters (only the top-level
  fields that differ, each sent whole).
* ``validate_params`` / ``validate_deployment_group`` - clear messages for
  what AWS would reject or what would not do what was meant, before any write.

Deployments: ``s3_revision``, ``same_revision``, ``last_deployed_id`` (what
the group's instances last received) and ``target_instances_request`` (the
green fleet of a DISCOVER_EXISTING blue/green group).
"""

from __future__ import annotations

import copy
import re

COMPARED_KEYS = (
    "serviceRoleArn",
    "deploymentConfigName",
    "autoScalingGroups",
    "deploymentStyle",
    "blueGreenDeploymentConfiguration",
    "loadBalancerInfo",
    "alarmConfiguration",
    "autoRollbackConfiguration",
    "triggerConfigurations",
    "outdatedInstancesStrategy",
)

# What AWS uses when CreateDeploymentGroup leaves a field out.
DEFAULTS = {
    "deploymentConfigName": "CodeDeployDefault.OneAtATime",
    "autoScalingGroups": [],
    "deploymentStyle": {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"},
    "blueGreenDeploymentConfiguration": {},
    "loadBalancerInfo": {"targetGroupInfoList": []},
    "alarmConfiguration": {"enabled": False, "ignorePollAlarmFailure": False, "alarms": []},
    "autoRollbackConfiguration": {"enabled": False, "events": []},
    "triggerConfigurations": [],
    "outdatedInstancesStrategy": "UPDATE",
}

DEFAULT_DEPLOYMENT_OPTION = {"IN_PLACE": "WITHOUT_TRAFFIC_CONTROL", "BLUE_GREEN": "WITH_TRAFFIC_CONTROL"}
MAX_WAIT_MINUTES = 2880  # AWS limit for both blue/green waits (2 days)
MAX_ALARMS = 10


class CodeDeployValidationError(Exception):
    pass


# --- module options -> desired shape ----------------------------------------------


def _sorted_names(names):
    return [{"name": n} for n in sorted(set(names))]


def _trigger(trigger):
    return {
        "triggerName": trigger["name"],
        "triggerTargetArn": trigger["target_arn"],
        "triggerEvents": sorted(set(trigger["events"])),
    }


def _drop_none(value):
    if isinstance(value, dict):
        cleaned = {k: _drop_none(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in cleaned.items() if v != {}}
    return value


def desired_deployment_group(params, service_role_arn=None):
    """The fields the module options set, in the canonical shape.

    ``params`` are the module parameters (snake_case); ``service_role_arn`` is
    ``params['service_role']`` turned into an ARN by the caller. Absent keys
    mean "leave as it is" (or "AWS default" on create).
    """
    desired = {}
    if service_role_arn:
        desired["serviceRoleArn"] = service_role_arn
    if params.get("deployment_config_name"):
        desired["deploymentConfigName"] = params["deployment_config_name"]
    if params.get("auto_scaling_groups") is not None:
        desired["autoScalingGroups"] = sorted(set(params["auto_scaling_groups"]))
    style = params.get("deployment_style")
    if style:
        desired["deploymentStyle"] = _drop_none(
            {"deploymentType": style.get("deployment_type"), "deploymentOption": style.get("deployment_option")}
        )
    blue_green = params.get("blue_green")
    if blue_green:
        ready_wait = blue_green.get("ready_wait_minutes")
        if ready_wait is None and blue_green.get("ready_action") == "CONTINUE_DEPLOYMENT":
            # The wait applies only to STOP_DEPLOYMENT: 0, not the wait AWS has now
            # (merged over it, a STOP_DEPLOYMENT wait would be kept and refused).
            ready_wait = 0
        blue_wait = blue_green.get("blue_instances_wait_minutes")
        if blue_wait is None and blue_green.get("blue_instances_action") == "KEEP_ALIVE":
            blue_wait = 0  # applies only to TERMINATE, as above
        desired["blueGreenDeploymentConfiguration"] = _drop_none(
            {
                "greenFleetProvisioningOption": {"action": blue_green.get("green_fleet_provisioning")},
                "deploymentReadyOption": {
                    "actionOnTimeout": blue_green.get("ready_action"),
                    "waitTimeInMinutes": ready_wait,
                },
                "terminateBlueInstancesOnDeploymentSuccess": {
                    "action": blue_green.get("blue_instances_action"),
                    "terminationWaitTimeInMinutes": blue_wait,
                },
            }
        )
    if params.get("target_group_names") is not None:
        desired["loadBalancerInfo"] = {"targetGroupInfoList": _sorted_names(params["target_group_names"])}
    alarms = params.get("alarm_configuration")
    if alarms and alarms.get("alarms") == []:
        # No alarms: nothing to watch. AWS keeps watching the old ones unless
        # the configuration is disabled too.
        desired["alarmConfiguration"] = _drop_none(
            {"enabled": False, "ignorePollAlarmFailure": alarms.get("ignore_poll_alarm_failure"), "alarms": []}
        )
    elif alarms:
        desired["alarmConfiguration"] = _drop_none(
            {
                "enabled": alarms.get("enabled"),
                "ignorePollAlarmFailure": alarms.get("ignore_poll_alarm_failure"),
                "alarms": _sorted_names(alarms["alarms"]) if alarms.get("alarms") is not None else None,
            }
        )
    rollback = params.get("auto_rollback")
    if rollback:
        desired["autoRollbackConfiguration"] = _drop_none(
            {
                "enabled": rollback.get("enabled"),
                "events": sorted(set(rollback["events"])) if rollback.get("events") is not None else None,
            }
        )
    if params.get("triggers") is not None:
        desired["triggerConfigurations"] = sorted(
            (_trigger(t) for t in params["triggers"]), key=lambda t: t["triggerName"]
        )
    if params.get("outdated_instances_strategy"):
        desired["outdatedInstancesStrategy"] = params["outdated_instances_strategy"]
    return desired


# --- AWS description -> canonical shape -----------------------------------------


def normalize_deployment_group(info):
    """A GetDeploymentGroup ``deploymentGroupInfo`` in the canonical shape (AWS defaults filled in)."""
    info = info or {}
    normalized = copy.deepcopy(DEFAULTS)
    if info.get("serviceRoleArn"):
        normalized["serviceRoleArn"] = info["serviceRoleArn"]
    if info.get("deploymentConfigName"):
        normalized["deploymentConfigName"] = info["deploymentConfigName"]
    normalized["autoScalingGroups"] = sorted(
        {g["name"] if isinstance(g, dict) else g for g in info.get("autoScalingGroups") or [] if g}
    )
    style = info.get("deploymentStyle") or {}
    deployment_type = style.get("deploymentType") or "IN_PLACE"
    normalized["deploymentStyle"] = {
        "deploymentType": deployment_type,
        "deploymentOption": style.get("deploymentOption") or "WITHOUT_TRAFFIC_CONTROL",
    }
    blue_green = _drop_none(copy.deepcopy(info.get("blueGreenDeploymentConfiguration") or {}))
    # A wait that does not apply to the action is 0 (AWS may leave it out).
    ready = blue_green.get("deploymentReadyOption")
    if ready and ready.get("actionOnTimeout") == "CONTINUE_DEPLOYMENT":
        ready.setdefault("waitTimeInMinutes", 0)
    blue = blue_green.get("terminateBlueInstancesOnDeploymentSuccess")
    if blue and blue.get("action") == "KEEP_ALIVE":
        blue.setdefault("terminationWaitTimeInMinutes", 0)
    normalized["blueGreenDeploymentConfiguration"] = blue_green
    lb = info.get("loadBalancerInfo") or {}
    load_balancer = {"targetGroupInfoList": _sorted_names(g["name"] for g in lb.get("targetGroupInfoList") or [])}
    # Not managed by the module, but kept so that an update does not drop them.
    for passthrough in ("elbInfoList", "targetGroupPairInfoList"):
        if lb.get(passthrough):
            load_balancer[passthrough] = copy.deepcopy(lb[passthrough])
    normalized["loadBalancerInfo"] = load_balancer
    alarms = info.get("alarmConfiguration") or {}
    normalized["alarmConfiguration"] = {
        "enabled": bool(alarms.get("enabled", False)),
        "ignorePollAlarmFailure": bool(alarms.get("ignorePollAlarmFailure", False)),
        "alarms": _sorted_names(a["name"] for a in alarms.get("alarms") or []),
    }
    rollback = info.get("autoRollbackConfiguration") or {}
    normalized["autoRollbackConfiguration"] = {
        "enabled": bool(rollback.get("enabled", False)),
        "events": sorted(set(rollback.get("events") or [])),
    }
    normalized["triggerConfigurations"] = sorted(
        (
            {
                "triggerName": t.get("triggerName"),
                "triggerTargetArn": t.get("triggerTargetArn"),
                "triggerEvents": sorted(set(t.get("triggerEvents") or [])),
            }
            for t in info.get("triggerConfigurations") or []
        ),
        key=lambda t: t["triggerName"] or "",
    )
    normalized["outdatedInstancesStrategy"] = info.get("outdatedInstancesStrategy") or "UPDATE"
    return normalized


# --- desired over current -> after ---------------------------------------------------


def _deep_merge(current, desired):
    merged = copy.deepcopy(current)
    for key, value in desired.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge_deployment_group(current, desired):
    """The canonical state once ``desired`` is applied over ``current`` (both canonical)."""
    after = copy.deepcopy(current)
    for key, value in desired.items():
        if key == "deploymentStyle":
            style = dict(after.get("deploymentStyle") or DEFAULTS["deploymentStyle"])
            new_type = value.get("deploymentType", style["deploymentType"])
            if "deploymentOption" in value:
                style["deploymentOption"] = value["deploymentOption"]
            elif new_type != style["deploymentType"]:
                # A new type without an option gets that type's usual option.
                style["deploymentOption"] = DEFAULT_DEPLOYMENT_OPTION[new_type]
            style["deploymentType"] = new_type
            after[key] = style
        elif key in ("blueGreenDeploymentConfiguration", "alarmConfiguration", "autoRollbackConfiguration"):
            after[key] = _deep_merge(after.get(key) or {}, value)
        elif key == "loadBalancerInfo":
            after[key] = dict(after.get(key) or {}, targetGroupInfoList=copy.deepcopy(value["targetGroupInfoList"]))
        else:
            after[key] = copy.deepcopy(value)
    return after


def codedeploy_managed_copy(name, deployment_group_name):
    """True for the Auto Scaling group a COPY_AUTO_SCALING_GROUP deployment created.

    After a successful blue/green deployment that copies the Auto Scaling
    group, CodeDeploy points the deployment group at the copy, named
    ``CodeDeploy_<deployment group>_d-<deployment id>``.
    """
    return re.fullmatch(r"CodeDeploy_" + re.escape(deployment_group_name) + r"_d-[A-Z0-9]+", name) is not None


def _is_copy(state):
    style = state.get("deploymentStyle") or {}
    green = (state.get("blueGreenDeploymentConfiguration") or {}).get("greenFleetProvisioningOption") or {}
    return style.get("deploymentType") == "BLUE_GREEN" and green.get("action") == "COPY_AUTO_SCALING_GROUP"


def plan_deployment_group(current, desired, deployment_group_name):
    """Compare; returns ``(after, changes, notes)``.

    ``current`` is canonical (``normalize_deployment_group``), ``desired`` from
    ``desired_deployment_group``. ``changes`` holds the UpdateDeploymentGroup
    parameters that differ (empty when in sync), each top-level structure
    complete so AWS does not reset the parts not asked for, plus what AWS
    requires alongside them: a changed COPY_AUTO_SCALING_GROUP
    ``blueGreenDeploymentConfiguration`` always goes with ``autoScalingGroups``.
    ``notes`` explains differences deliberately left alone.
    """
    after = merge_deployment_group(current, desired)
    notes = []
    if (
        "autoScalingGroups" in desired
        and _is_copy(after)
        and len(desired["autoScalingGroups"]) == 1
        and len(current["autoScalingGroups"]) == 1
        and codedeploy_managed_copy(current["autoScalingGroups"][0], deployment_group_name)
    ):
        # Not drift: the copy now serves traffic and the original is gone.
        after["autoScalingGroups"] = list(current["autoScalingGroups"])
        notes.append(
            f"Auto Scaling group {current['autoScalingGroups'][0]} was created by a COPY_AUTO_SCALING_GROUP "
            f"deployment to replace {desired['autoScalingGroups'][0]}; it is kept"
        )
    changes = {key: copy.deepcopy(after[key]) for key in COMPARED_KEYS if key in after and after[key] != current.get(key)}
    if "blueGreenDeploymentConfiguration" in changes and _is_copy(after):
        # AWS refuses a COPY_AUTO_SCALING_GROUP configuration sent without the
        # group to copy ("Exactly one AutoScaling group must be specified when
        # selecting the COPY_AUTO_SCALING_GROUP green fleet provisioning
        # option"), even when autoScalingGroups itself does not change.
        changes["autoScalingGroups"] = list(after["autoScalingGroups"])
    return after, changes, notes


def create_request(desired):
    """CreateDeploymentGroup parameters (without names and tags) for ``desired``.

    Structures AWS defaults sensibly are left out when not asked for; a
    deployment type given without an option gets the type's usual option.
    """
    request = copy.deepcopy(desired)
    style = request.get("deploymentStyle")
    if style and "deploymentOption" not in style:
        style["deploymentOption"] = DEFAULT_DEPLOYMENT_OPTION[style.get("deploymentType", "IN_PLACE")]
    if style and "deploymentType" not in style:
        style["deploymentType"] = "IN_PLACE"
    # The 0-minute waits of CONTINUE_DEPLOYMENT / KEEP_ALIVE only matter on an
    # update (to replace the old wait); a new group does not need them.
    blue_green = request.get("blueGreenDeploymentConfiguration") or {}
    ready = blue_green.get("deploymentReadyOption") or {}
    if ready.get("actionOnTimeout") == "CONTINUE_DEPLOYMENT" and not ready.get("waitTimeInMinutes"):
        ready.pop("waitTimeInMinutes", None)
    blue = blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    if blue.get("action") == "KEEP_ALIVE" and not blue.get("terminationWaitTimeInMinutes"):
        blue.pop("terminationWaitTimeInMinutes", None)
    # Likewise "no alarms" is what a new group has anyway.
    alarms = request.get("alarmConfiguration")
    if alarms is not None and not alarms.get("alarms") and not alarms.get("enabled") and not alarms.get("ignorePollAlarmFailure"):
        del request["alarmConfiguration"]
    return request


# --- validation ------------------------------------------------------------------------


def validate_params(params):
    """Problems visible in the options alone; raises CodeDeployValidationError."""
    blue_green = params.get("blue_green") or {}
    style = params.get("deployment_style") or {}
    if blue_green and style.get("deployment_type") == "IN_PLACE":
        raise CodeDeployValidationError(
            "blue_green applies only to deployment_style.deployment_type=BLUE_GREEN, not IN_PLACE"
        )
    for option in ("ready_wait_minutes", "blue_instances_wait_minutes"):
        value = blue_green.get(option)
        if value is not None and not 0 <= value <= MAX_WAIT_MINUTES:
            raise CodeDeployValidationError(
                f"blue_green.{option} must be between 0 and {MAX_WAIT_MINUTES} minutes, got {value}"
            )
    names = [t["name"] for t in params.get("triggers") or []]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CodeDeployValidationError(f"triggers must have distinct names; repeated: {', '.join(duplicates)}")
    for trigger in params.get("triggers") or []:
        if not trigger.get("events"):
            raise CodeDeployValidationError(f"trigger {trigger['name']} needs at least one event")


def validate_deployment_group(state, deployment_group_name):
    """Problems with the state a create or update would produce; raises CodeDeployValidationError."""
    style = state.get("deploymentStyle") or DEFAULTS["deploymentStyle"]
    deployment_type = style.get("deploymentType", "IN_PLACE")
    option = style.get("deploymentOption", DEFAULT_DEPLOYMENT_OPTION[deployment_type])
    load_balancer = state.get("loadBalancerInfo") or {}
    has_load_balancer = any(load_balancer.get(k) for k in ("targetGroupInfoList", "elbInfoList", "targetGroupPairInfoList"))
    if option == "WITH_TRAFFIC_CONTROL" and not has_load_balancer:
        raise CodeDeployValidationError(
            f"Deployment group {deployment_group_name}: deployment_type {deployment_type} with "
            "WITH_TRAFFIC_CONTROL (the default for BLUE_GREEN) routes traffic through a load balancer; "
            "set target_group_names"
        )
    blue_green = state.get("blueGreenDeploymentConfiguration") or {}
    if deployment_type == "BLUE_GREEN":
        groups = state.get("autoScalingGroups") or []
        if _is_copy(state) and len(groups) != 1:
            raise CodeDeployValidationError(
                f"Deployment group {deployment_group_name}: green_fleet_provisioning COPY_AUTO_SCALING_GROUP "
                f"copies exactly one Auto Scaling group; auto_scaling_groups has {len(groups)}"
                + (f" ({', '.join(groups)})" if groups else "")
            )
        ready = blue_green.get("deploymentReadyOption") or {}
        if ready.get("actionOnTimeout") == "CONTINUE_DEPLOYMENT" and ready.get("waitTimeInMinutes"):
            raise CodeDeployValidationError(
                "blue_green.ready_wait_minutes applies only to ready_action STOP_DEPLOYMENT "
                "(CONTINUE_DEPLOYMENT reroutes traffic at once)"
            )
        blue = blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}
        if blue.get("action") == "KEEP_ALIVE" and blue.get("terminationWaitTimeInMinutes"):
            raise CodeDeployValidationError(
                "blue_green.blue_instances_wait_minutes applies only to blue_instances_action TERMINATE"
            )
    alarms = state.get("alarmConfiguration") or {}
    alarm_names = alarms.get("alarms") or []
    if alarms.get("enabled") and not alarm_names:
        raise CodeDeployValidationError("alarm_configuration is enabled but names no alarms")
    if len(alarm_names) > MAX_ALARMS:
        raise CodeDeployValidationError(
            f"alarm_configuration.alarms can name at most {MAX_ALARMS} alarms, got {len(alarm_names)}"
        )
    rollback = state.get("autoRollbackConfiguration") or {}
    events = rollback.get("events") or []
    if rollback.get("enabled") and not events:
        raise CodeDeployValidationError("auto_rollback is enabled but has no events")
    if rollback.get("enabled") and "DEPLOYMENT_STOP_ON_ALARM" in events and not alarms.get("enabled"):
        raise CodeDeployValidationError(
            "auto_rollback event DEPLOYMENT_STOP_ON_ALARM needs alarm_configuration with alarms enabled"
        )


# --- revisions ------------------------------------------------------------------------


def s3_revision(bucket, key, bundle_type, version=None, etag=None):
    """A RevisionLocation for an S3 bundle (ETag without quotes, as CodeDeploy wants it)."""
    location = {"bucket": bucket, "key": key, "bundleType": bundle_type}
    if version:
        location["version"] = version
    if etag:
        location["eTag"] = etag.strip('"')
    return {"revisionType": "S3", "s3Location": location}


def same_revision(deployed, wanted):
    """True only when ``deployed`` is certainly the same S3 object as ``wanted``.

    Bucket, key and bundle type must match, and every pin ``wanted`` has
    (version, ETag) must be present and equal in ``deployed``; a deployed
    revision without those pins cannot be proven identical, so it is not.
    """
    if (deployed or {}).get("revisionType") != "S3" or wanted.get("revisionType") != "S3":
        return False
    have, want = deployed.get("s3Location") or {}, wanted["s3Location"]
    if any(have.get(k) != want.get(k) for k in ("bucket", "key", "bundleType")):
        return False
    pins = [k for k in ("version", "eTag") if want.get(k)]
    if not pins:
        return False
    return all((have.get(k) or "").strip('"') == want[k].strip('"') for k in pins)


def last_deployed_id(group_info):
    """The deployment whose revision the group's instances run, as far as AWS says; or None.

    That is the last successful deployment, but only when it is also the last
    attempted one: a later deployment that failed or was stopped (without a
    rollback that then succeeded) may have left some instances on its
    revision and others on none, so the last success proves nothing.
    """
    last_ok = ((group_info or {}).get("lastSuccessfulDeployment") or {}).get("deploymentId")
    last_try = ((group_info or {}).get("lastAttemptedDeployment") or {}).get("deploymentId")
    if not last_ok:
        return None
    if last_try and last_try != last_ok:
        return None
    return last_ok


def discovers_existing_instances(group_info):
    """True for a blue/green EC2 group whose green fleet is not copied by CodeDeploy (DISCOVER_EXISTING)."""
    info = group_info or {}
    if (info.get("computePlatform") or "Server") != "Server":
        return False
    if ((info.get("deploymentStyle") or {}).get("deploymentType") or "IN_PLACE") != "BLUE_GREEN":
        return False
    green = ((info.get("blueGreenDeploymentConfiguration") or {}).get("greenFleetProvisioningOption") or {})
    # AWS's default green fleet provisioning is DISCOVER_EXISTING.
    return (green.get("action") or "DISCOVER_EXISTING") == "DISCOVER_EXISTING"


def target_instances_request(group_info, target_instances, group_label):
    """CreateDeployment ``targetInstances`` for the group, or None; raises CodeDeployValidationError.

    A DISCOVER_EXISTING blue/green group has no green fleet until the
    deployment names one: ``target_instances`` (Auto Scaling groups and/or
    EC2 tag filters) is required there, and refused anywhere else (CodeDeploy
    uses it only for the replacement fleet of such a deployment).
    """
    wanted = target_instances or {}
    groups = sorted(set(wanted.get("auto_scaling_groups") or []))
    filters = [
        {"Key": f.get("key"), "Value": f.get("value"), "Type": f.get("type") or "KEY_AND_VALUE"}
        for f in wanted.get("tag_filters") or []
    ]
    discover = discovers_existing_instances(group_info)
    if not discover:
        if groups or filters:
            raise CodeDeployValidationError(
                f"target_instances applies only to blue/green deployment groups with green_fleet_provisioning "
                f"DISCOVER_EXISTING; {group_label} is not one (no deployment was created)"
            )
        return None
    if not (groups or filters):
        raise CodeDeployValidationError(
            f"Deployment group {group_label} is blue/green with green_fleet_provisioning DISCOVER_EXISTING: "
            "CodeDeploy deploys to instances that already exist, so say which ones form the green fleet with "
            "target_instances.auto_scaling_groups or target_instances.tag_filters (no deployment was created)"
        )
    needs = {"KEY_ONLY": ("Key",), "VALUE_ONLY": ("Value",), "KEY_AND_VALUE": ("Key", "Value")}
    for f in filters:
        if not all(f[field] for field in needs[f["Type"]]):
            raise CodeDeployValidationError(
                f"target_instances.tag_filters: type {f['Type']} needs "
                + " and ".join(field.lower() for field in needs[f["Type"]])
                + f", got key={f['Key']!r} value={f['Value']!r}"
            )
    request = {}
    if groups:
        request["autoScalingGroups"] = groups
    if filters:
        request["tagFilters"] = [{k: v for k, v in f.items() if v is not None} for f in filters]
    return request
