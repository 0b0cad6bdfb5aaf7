# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one bounded polling loop of the collection, with an injectable clock.

Alarm watching (``analysis.watch_alarms``), URL verification
(``verify.probe``) and the canary watcher all wait the same way: read, judge,
stop when the judgement is final or the time is up, else sleep one interval
(never past the deadline). ``clock`` and ``sleep`` are parameters so that
unit tests run the loop without waiting.
"""

from __future__ import annotations

import time


def poll(read, done, duration, interval, clock=time.monotonic, sleep=time.sleep, before_read=None):
    """Call ``read()`` until ``done(value)`` is true or ``duration`` seconds pass.

    The first read happens at once, then every ``interval`` seconds, and a last
    one at the deadline, so a change is seen at most ``interval`` seconds late.
    ``before_read()`` (optional) runs before every read after the first sleep,
    for example to renew a lease; an exception from it ends the loop.
    Returns ``(value, reads, elapsed)``: the last value read, how many reads,
    and the seconds spent.
    """
    started = clock()
    deadline = started + duration
    reads = 0
    while True:
        value = read()
        reads += 1
        remaining = deadline - clock()
        if done(value) or remaining <= 0:
            return value, reads, clock() - started
        sleep(min(interval, remaining))
        if before_read is not None:
            before_read()
