# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.bluegreen.aws.plugins.module_utils.fleet_lookup import FleetLookupError
from ansible_collections.bluegreen.aws.plugins.module_utils.fleet_lookup import auto_scaling_group_pattern
from ansible_collections.bluegreen.aws.plugins.module_utils.fleet_lookup import current_auto_scaling_groups


def _current_auto_scaling_groups(groups, app, colors=("blue", "green"), deployment_group=None):
    try:
        return current_auto_scaling_groups(groups, app, colors, deployment_group or None)
    except FleetLookupError as e:
        raise AnsibleFilterError(str(e)) from e


def _auto_scaling_group_pattern(app, deployment_group=None):
    try:
        return auto_scaling_group_pattern(app, deployment_group or None)
    except FleetLookupError as e:
        raise AnsibleFilterError(str(e)) from e


class FilterModule:
    def filters(self):
        return {
            "current_auto_scaling_groups": _current_auto_scaling_groups,
            "auto_scaling_group_pattern": _auto_scaling_group_pattern,
        }
