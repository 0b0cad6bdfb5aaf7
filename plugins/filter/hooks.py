# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.bluegreen.aws.plugins.module_utils.hooks import HookError
from ansible_collections.bluegreen.aws.plugins.module_utils.hooks import plan
from ansible_collections.bluegreen.aws.plugins.module_utils.hooks import validate_hooks


def _checked_hooks(hooks):
    try:
        validate_hooks(hooks)
    except HookError as e:
        raise AnsibleFilterError(str(e)) from e
    return hooks or {}


def _hooks_plan(hooks, stage):
    return plan(_checked_hooks(hooks), stage)


class FilterModule:
    def filters(self):
        return {
            "checked_hooks": _checked_hooks,
            "hooks_plan": _hooks_plan,
        }
