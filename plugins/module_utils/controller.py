# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether the Ansible run that started this module is still there.

Ansible runs each task in a worker process that leaves the run's session
(``setsid``) and whose parent is the ``ansible-playbook`` process. When that
process is killed outright (``kill -9``, a cancelled job whose signal reaches
only the run's process group), the worker and the module it started are not:
they go on, orphaned. A watcher holding the flow's lease would then renew it
for the whole pause of its canary step and block every other run, although
nobody will ever read its result.

So a watcher records, when it starts, the nearest ancestor that leads a
session (the worker, or on a remote host the login session) and that
ancestor's parent; at each poll it checks that the parent is still the same.
When it is not, the run is gone and the watcher stops without another write,
so the lease expires within its ttl. The run may also have been killed in the
second between forking the worker and starting the module: then the worker
(an Ansible process) already has a parent that is not one, and the run is
gone from the start. Where ``/proc`` is not readable (not Linux) the check is
off: nothing is ever reported gone.
"""

from __future__ import annotations

import os

# How far up from the module to look for the session leader: module -> shell -> worker.
_LEVELS = 6


def proc_stat(pid):
    """``(ppid, session)`` of process ``pid`` from ``/proc``, or None when it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return None
    # "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
    fields = text[text.rfind(")") + 2:].split()
    try:
        return int(fields[1]), int(fields[3])
    except (IndexError, ValueError):
        return None


def proc_cmdline(pid):
    """The command line of process ``pid`` (bytes, NUL-separated), or ``b""`` when it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read()
    except OSError:
        return b""


def _ansible(command_line):
    return b"ansible" in command_line


def session_leader(pid, stat=proc_stat, levels=_LEVELS):
    """``(leader, its parent)`` for the nearest ancestor of ``pid`` that leads a session, or None."""
    current = stat(pid)
    for _level in range(levels):
        if current is None or current[0] <= 1:
            return None
        parent = current[0]
        current = stat(parent)
        if current is not None and current[1] == parent:
            return parent, current[0]
    return None


class Controller:
    """``gone()``: whether the run that started this process has ended (see the module docstring)."""

    def __init__(self, pid=None, stat=proc_stat, cmdline=proc_cmdline):
        self.stat = stat
        self.watched = session_leader(os.getpid() if pid is None else pid, stat)
        # A worker of Ansible's whose parent is no longer Ansible: the run died before this module started.
        self.orphaned = bool(self.watched) and _ansible(cmdline(self.watched[0])) and not _ansible(cmdline(self.watched[1]))

    def gone(self):
        if self.watched is None:
            return False
        if self.orphaned:
            return True
        leader, parent = self.watched
        now = self.stat(leader)
        return now is None or now[0] != parent
