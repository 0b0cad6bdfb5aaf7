# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Canary steps and alarm analysis: pure functions, clock and reader injected.

A *step* is ``{"weight": percent for the target color, "pause": seconds}``:
the switch sets the weight, then watches the alarms for ``pause`` seconds.
"""

from __future__ import annotations

import time
from datetime import datetime
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils.polling import poll

ALARM = "ALARM"


class AnalysisError(ValueError):
    """A step plan or alarm list the switch must not start with."""


def validate_steps(steps):
    """Normalised copy of ``steps`` (``pause`` defaults to 0); AnalysisError names the bad entry."""
    if not steps:
        raise AnalysisError("steps must list at least one step, for example [{weight: 10, pause: 60}, {weight: 100}]")
    plan = []
    for number, step in enumerate(steps, 1):
        weight, pause = step.get("weight"), step.get("pause") or 0
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            raise AnalysisError(f"step {number}: weight must be a percentage from 0 to 100, got {weight!r}")
        if not isinstance(pause, int) or isinstance(pause, bool) or pause < 0:
            raise AnalysisError(f"step {number}: pause must be a number of seconds (0 or more), got {pause!r}")
        plan.append({"weight": weight, "pause": pause})
    return plan


def validate_poll_interval(poll_interval):
    if not isinstance(poll_interval, int) or poll_interval < 1:
        raise AnalysisError(f"poll_interval must be at least 1 second, got {poll_interval!r}")


def missing_alarms(requested, states):
    """Alarm names that were asked for but do not exist."""
    return [name for name in requested if name not in states]


def firing(states):
    """Names of the alarms in ALARM, in name order."""
    return sorted(name for name, state in states.items() if state == ALARM)


def preflight_message(requested, states, color):
    """None when the watched alarms exist and none is in ALARM; else why the switch must not start."""
    missing = missing_alarms(requested, states)
    if missing:
        return f"Alarms to watch for {color} do not exist: {', '.join(missing)}"
    already = firing({name: states[name] for name in requested})
    if already:
        return f"Refusing to send traffic to {color}: alarm {', '.join(already)} is already in ALARM"
    return None


def utc_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def watch_alarms(read_states, duration, poll_interval, clock=time.monotonic, sleep=time.sleep, before_read=None):
    """Poll ``read_states()`` until ``duration`` seconds pass or an alarm fires (``polling.poll``).

    Returns ``(fired_names, last_states, polls)``; ``fired_names`` is empty when
    the whole pause passed quietly. The first read happens at once, then every
    ``poll_interval`` seconds, and a last one at the end of the pause, so an
    alarm is noticed at most ``poll_interval`` seconds after it fires.
    ``before_read`` runs before every later read (the canary renews its lease there).
    """
    states, polls, _elapsed = poll(read_states, firing, duration, poll_interval, clock, sleep, before_read)
    return firing(states), states, polls


def rollback_message(fired, step_number, color, weight, restored_weights):
    return (
        f"Alarm {', '.join(fired)} went to ALARM during step {step_number} ({color} at {weight}%): "
        f"production traffic restored to blue {restored_weights['blue']}% / green {restored_weights['green']}%"
    )
