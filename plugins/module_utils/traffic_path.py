# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Locate an application's traffic path (read only).

The traffic path is the ALB, its production listener, its optional test
listener and the blue and green target groups with their health. Both
``listener_switch`` and ``bluegreen_info`` name it with the same options
(``traffic_path_argument_spec``) and resolve it with ``resolve_traffic_path``.
"""

from __future__ import annotations

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_listeners
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_load_balancer
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_target_group
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_target_groups
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_target_health
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import is_arn
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import COLORS
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import count_health
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import normalize_weights


def traffic_path_argument_spec():
    return dict(
        application=dict(type="str"),
        load_balancer_name=dict(type="str"),
        listener_port=dict(type="int", default=80),
        test_listener_port=dict(type="int"),
        target_groups=dict(
            type="dict",
            options=dict(
                blue=dict(type="str", required=True),
                green=dict(type="str", required=True),
            ),
        ),
    )


def by_convention(application):
    """The traffic path names of ``application`` (docs/ARCHITECTURE.md, "AWS resource names")."""
    return dict(
        load_balancer_name=f"{application}-alb",
        target_groups={color: f"{application}-{color}" for color in COLORS},
    )


def complete_traffic_path(params):
    """``params`` with ``load_balancer_name`` and ``target_groups`` filled in from ``application``.

    Explicit names win over the convention. Returns ``(params, problem)``;
    ``problem`` names what is missing (no AWS call made yet).
    """
    params = dict(params)
    if params.get("application"):
        for key, value in by_convention(params["application"]).items():
            params[key] = params.get(key) or value
    elif params.get("load_balancer_name"):
        params["application"] = params["load_balancer_name"].removesuffix("-alb")
    missing = [key for key in ("load_balancer_name", "target_groups") if not params.get(key)]
    if missing:
        return params, f"{' and '.join(missing)} required, or application to name them by convention"
    return params, None


def target_group_name(name_or_arn):
    """The name in a target group ARN (``...:targetgroup/NAME/ID``), or the name itself."""
    if is_arn(name_or_arn) and ":targetgroup/" in name_or_arn:
        return name_or_arn.split(":targetgroup/", 1)[1].split("/", 1)[0]
    return name_or_arn


def arns_from_listeners(listeners, target_groups):
    """``{color: arn}`` for the colors whose target group the listeners' actions name (pure; no call).

    The production and test listener usually forward to both colors between
    them, so the switch needs no DescribeTargetGroups call.
    """
    seen = {}
    for listener in listeners:
        for arn in normalize_weights(listener.get("DefaultActions") or []):
            seen[arn] = seen[target_group_name(arn)] = arn
    return {color: seen[target_groups[color]] for color in COLORS if target_groups[color] in seen}


def validate_ports(listener_port, test_listener_port):
    """An error message when the two listener ports are the same, else None."""
    if test_listener_port is not None and test_listener_port == listener_port:
        return (
            f"test_listener_port must differ from listener_port; both are {listener_port} "
            "(the test listener always forwards to the idle color)"
        )
    return None


def _fail(message):
    raise AnsibleBlueGreenAWSError(message=message)


def _listener_on(listeners, port, load_balancer_name, option):
    for listener in listeners:
        if listener["Port"] == port:
            return listener
    ports = ", ".join(str(p) for p in sorted(listener["Port"] for listener in listeners)) or "none"
    _fail(f"Load balancer {load_balancer_name} has no listener on port {port} ({option}); its listener ports: {ports}")


def _describe_colors(client, target_groups):
    """``{color: target group}``: one call when both are names or both ARNs, else (or when one is missing) one each."""
    wanted = [target_groups[color] for color in COLORS]
    if is_arn(wanted[0]) == is_arn(wanted[1]) and wanted[0] != wanted[1]:
        found = describe_target_groups(client, wanted) or []
        by_key = {}
        for group in found:
            by_key[group["TargetGroupArn"]] = by_key[group["TargetGroupName"]] = group
        if all(key in by_key for key in wanted):
            return {color: by_key[target_groups[color]] for color in COLORS}
    groups = {}
    for color in COLORS:
        group = describe_target_group(client, target_groups[color])
        if group is None:
            _fail(f"Target group {target_groups[color]} (target_groups.{color}) not found")
        groups[color] = group
    return groups


def read_listeners(client, load_balancer_name, listener_port, test_listener_port):
    """``(load_balancer, listener, test_listener)``: two calls (DescribeLoadBalancers, DescribeListeners)."""
    load_balancer = describe_load_balancer(client, load_balancer_name)
    if load_balancer is None:
        _fail(f"Load balancer {load_balancer_name} not found in this region")
    listeners = describe_listeners(client, load_balancer["LoadBalancerArn"])
    listener = _listener_on(listeners, listener_port, load_balancer_name, "listener_port")
    test_listener = None
    if test_listener_port is not None:
        test_listener = _listener_on(listeners, test_listener_port, load_balancer_name, "test_listener_port")
    return load_balancer, listener, test_listener


def color_arns(client, target_groups, listeners):
    """``{color: target group ARN}``: from the listeners when they name both colors, else one DescribeTargetGroups."""
    arns = arns_from_listeners([each for each in listeners if each], target_groups)
    if len(arns) < len(COLORS):
        arns = {color: group["TargetGroupArn"] for color, group in _describe_colors(client, target_groups).items()}
    if arns["blue"] == arns["green"]:
        _fail(f"target_groups.blue and target_groups.green name the same target group {arns['blue']}")
    return arns


def resolve_traffic_path(client, load_balancer_name, listener_port, test_listener_port, target_groups):
    """Read everything the modules need; raise AnsibleBlueGreenAWSError on anything missing.

    Returns a dict with ``load_balancer``, ``listener``, ``test_listener``
    (None without ``test_listener_port``), ``target_groups`` and
    ``arns_by_color`` (per color), and ``health`` (``{color: {healthy, total}}``).
    """
    load_balancer, listener, test_listener = read_listeners(client, load_balancer_name, listener_port,
                                                            test_listener_port)
    groups = _describe_colors(client, target_groups)
    arns_by_color = {color: groups[color]["TargetGroupArn"] for color in COLORS}
    if arns_by_color["blue"] == arns_by_color["green"]:
        _fail(f"target_groups.blue and target_groups.green name the same target group {arns_by_color['blue']}")

    health = {color: count_health(describe_target_health(client, arns_by_color[color])) for color in COLORS}
    return dict(
        load_balancer=load_balancer,
        listener=listener,
        test_listener=test_listener,
        target_groups=groups,
        arns_by_color=arns_by_color,
        health=health,
    )
