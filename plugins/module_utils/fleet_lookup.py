# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which Auto Scaling group serves a color now (pure, no AWS calls).

In ``bluegreen_mode: codedeploy`` a BLUE_GREEN deployment with
COPY_AUTO_SCALING_GROUP replaces the application's Auto Scaling group by a
copy named ``CodeDeploy_<deployment group>_d-<deployment id>``, and deletes
the original when the blue instances are terminated. So the name
``{app}-blue`` cannot be trusted after the first deployment: playbooks and
roles look the group up by its ``App`` and ``Color`` tags (CodeDeploy copies
the tags), and by the copy's name pattern when the tags are missing.

Groups are the dicts of ``amazon.aws.autoscaling_group_info`` (snake_case:
``auto_scaling_group_name``, ``tags`` as ``[{key, value}]``, ``created_time``,
``status``) or of boto3 ``describe_auto_scaling_groups`` (CamelCase).
"""

from __future__ import annotations

import re


class FleetLookupError(ValueError):
    pass


def _field(group, snake, camel, default=None):
    if snake in group:
        return group[snake]
    return group.get(camel, default)


def group_name(group):
    return _field(group, "auto_scaling_group_name", "AutoScalingGroupName", "")


def group_tags(group):
    """``{key: value}`` of a group's tags, from either tag shape."""
    tags = _field(group, "tags", "Tags", []) or []
    if isinstance(tags, dict):
        return dict(tags)
    return {_field(t, "key", "Key"): _field(t, "value", "Value") for t in tags}


def is_codedeploy_copy(name, deployment_group):
    """True when ``name`` is CodeDeploy's copy for ``deployment_group`` (``CodeDeploy_<group>_d-<id>``)."""
    if not deployment_group:
        return False
    return re.fullmatch(r"CodeDeploy_" + re.escape(deployment_group) + r"_d-[A-Z0-9]+", name or "") is not None


def _deleting(group):
    return str(_field(group, "status", "Status", "") or "").startswith("Delete")


def _created(group):
    return str(_field(group, "created_time", "CreatedTime", "") or "")


def color_of(group, app, colors, deployment_group=None):
    """The color ``group`` serves for ``app``, or None when it belongs to something else."""
    tags = group_tags(group)
    name = group_name(group)
    if tags.get("App") == app and tags.get("Color") in colors:
        return tags["Color"]
    for color in colors:
        if name == f"{app}-{color}":
            return color
    if is_codedeploy_copy(name, deployment_group) and len(colors) == 1:
        # An untagged copy: with one color (the codedeploy mode) it can only be that one.
        return colors[0]
    return None


def current_auto_scaling_groups(groups, app, colors=("blue", "green"), deployment_group=None):
    """``{color: name or None}``: for each color, the newest group of ``app`` serving it.

    Groups that are being deleted are skipped. When CodeDeploy has made a copy
    and still keeps the original (blue instances KEEP_ALIVE, or a deployment
    in progress), the newer group - the copy - wins.
    """
    if not app:
        raise FleetLookupError("current_auto_scaling_groups needs the application name, got %r" % (app,))
    if isinstance(colors, str):
        colors = [colors]
    colors = list(colors)
    bad = [c for c in colors if c not in ("blue", "green")]
    if bad or not colors:
        raise FleetLookupError("colors must be a non-empty list of blue and green, got %r" % (colors,))
    found = {color: None for color in colors}
    newest = {}
    for group in groups or []:
        if not isinstance(group, dict) or _deleting(group):
            continue
        color = color_of(group, app, colors, deployment_group)
        if color is None:
            continue
        if color not in newest or _created(group) > newest[color]:
            newest[color] = _created(group)
            found[color] = group_name(group)
    return found


def auto_scaling_group_pattern(app, deployment_group=None):
    """A regex for the names a group of ``app`` can have: ``{app}-blue``, ``{app}-green``
    and CodeDeploy's copies for ``deployment_group`` (default: the application name).

    For ``amazon.aws.autoscaling_group_info``'s ``name``, which matches before it
    makes its per-group calls, so a read stays small in a busy account.
    """
    if not app:
        raise FleetLookupError("auto_scaling_group_pattern needs the application name, got %r" % (app,))
    return r"^(%s-(blue|green)|CodeDeploy_%s_d-[A-Z0-9]+)$" % (re.escape(app), re.escape(deployment_group or app))
