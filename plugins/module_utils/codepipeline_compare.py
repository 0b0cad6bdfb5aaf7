# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure functions behind codepipeline_pipeline (no AWS).

A pipeline is compared on what the module options set - the role, the
artifact store and the stages - in the shape GetPipeline returns, with the
defaults AWS fills in (an action's ``runOrder`` 1, empty artifact lists) and
configuration values as strings (AWS stores them so). Whatever the options do
not set (``version``, ``pipelineType``, ``executionMode``, variables,
triggers, a stage's ``onFailure``) is kept as AWS has it, so a re-run with the
same options compares equal and nothing is written: UpdatePipeline is called
only when something differs, and each call raises the pipeline's version.
"""

from __future__ import annotations

import copy

COMPARED_KEYS = ("roleArn", "artifactStore", "stages")
ACTION_DEFAULTS = {"runOrder": 1, "inputArtifacts": [], "outputArtifacts": []}


class PipelineValidationError(Exception):
    pass


def _string_values(configuration):
    out = {}
    for key, value in (configuration or {}).items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = str(value)
    return out


def normalize_action(action):
    normalized = dict(ACTION_DEFAULTS)
    normalized.update(copy.deepcopy(action))
    if "configuration" in normalized:
        normalized["configuration"] = _string_values(normalized["configuration"])
    if "runOrder" in normalized:
        normalized["runOrder"] = int(normalized["runOrder"])
    return normalized


def normalize_stage(stage):
    normalized = copy.deepcopy(stage)
    normalized["actions"] = [normalize_action(a) for a in stage.get("actions") or []]
    return normalized


def desired_pipeline(name, role_arn, artifact_store, stages):
    """What the options ask for, in the API shape, normalized."""
    if not stages or len(stages) < 2:
        raise PipelineValidationError(
            f"pipeline {name}: a pipeline needs at least two stages (a source and a deploy stage), got {len(stages or [])}"
        )
    for stage in stages:
        if not stage.get("name") or not stage.get("actions"):
            raise PipelineValidationError(f"pipeline {name}: every stage needs a name and actions, got {stage!r}")
    return {
        "name": name,
        "roleArn": role_arn,
        "artifactStore": copy.deepcopy(artifact_store),
        "stages": [normalize_stage(s) for s in stages],
    }


def _covers(current, desired):
    """Whether ``current`` has every key ``desired`` sets, with the same value (dicts recursively; lists by position)."""
    if isinstance(desired, dict):
        return isinstance(current, dict) and all(k in current and _covers(current[k], v) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(current, list) and len(current) == len(desired) and all(
            _covers(c, d) for c, d in zip(current, desired)
        )
    return current == desired


def differences(current, desired):
    """The compared keys whose value differs (empty: nothing to update)."""
    current_normalized = dict(current)
    current_normalized["stages"] = [normalize_stage(s) for s in current.get("stages") or []]
    return [key for key in COMPARED_KEYS if not _covers(current_normalized.get(key), desired[key])]


def update_request(current, desired):
    """The ``pipeline`` argument of UpdatePipeline: the current pipeline with the compared keys replaced."""
    request = copy.deepcopy(current)
    for key in COMPARED_KEYS:
        request[key] = copy.deepcopy(desired[key])
    return request


def comparable(pipeline):
    """The compared keys of a pipeline (for the diff)."""
    if not pipeline:
        return {}
    return {key: pipeline.get(key) for key in ("name",) + COMPARED_KEYS}
