# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils.polling import poll


class Clock:
    """A fake monotonic clock that ``sleep`` advances."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_reads_at_once_then_every_interval_and_once_at_the_deadline():
    clock = Clock()
    value, reads, elapsed = poll(lambda: "quiet", lambda v: False, 10, 3, clock, clock.sleep)
    assert value == "quiet" and reads == 5 and clock.sleeps == [3, 3, 3, 1] and elapsed == 10


def test_stops_at_the_first_final_value():
    clock = Clock()
    values = iter(["a", "b", "done", "never"])
    value, reads, _elapsed = poll(lambda: next(values), lambda v: v == "done", 60, 5, clock, clock.sleep)
    assert (value, reads, clock.sleeps) == ("done", 3, [5, 5])


def test_zero_duration_reads_once():
    clock = Clock()
    assert poll(lambda: 1, lambda v: False, 0, 5, clock, clock.sleep)[:2] == (1, 1) and clock.sleeps == []


def test_before_read_runs_before_every_later_read_and_can_end_the_loop():
    clock = Clock()
    renewals = []

    def renew():
        renewals.append(clock.now)
        if len(renewals) == 2:
            raise RuntimeError("lease lost")

    with pytest.raises(RuntimeError, match="lease lost"):
        poll(lambda: "quiet", lambda v: False, 60, 5, clock, clock.sleep, before_read=renew)
    assert renewals == [105.0, 110.0]
