"""controller: whether the Ansible run that started a watcher is still there."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import controller

# pid -> (ppid, session), as Ansible lays a local task out: the run (ansible-playbook, 100, in the
# terminal's session 50), its worker (200, session leader after setsid), the shell (300), the module (400).
RUNNING = {100: (50, 50), 200: (100, 200), 300: (200, 200), 400: (300, 200)}


def stat_of(table):
    return table.get


def test_the_worker_is_the_nearest_session_leader():
    assert controller.session_leader(400, stat_of(RUNNING)) == (200, 100)


def test_a_run_that_goes_on_is_not_gone():
    run = controller.Controller(pid=400, stat=stat_of(RUNNING))
    assert run.watched == (200, 100) and not run.gone()


def test_a_killed_run_reparents_the_worker_and_is_gone():
    table = dict(RUNNING)
    run = controller.Controller(pid=400, stat=table.get)
    del table[100]
    table[200] = (1, 200)  # the orphaned worker now belongs to init
    assert run.gone()


COMMANDS = {100: b"python3\0/usr/bin/ansible-playbook\0site.yml", 200: b"python3\0/usr/bin/ansible-playbook\0site.yml",
            1: b"/sbin/init", 50: b"-bash"}


def test_a_worker_whose_run_died_before_the_module_started_is_gone_from_the_start():
    table = dict(RUNNING)
    del table[100]
    table[200] = (1, 200)
    run = controller.Controller(pid=400, stat=table.get, cmdline=lambda pid: COMMANDS.get(pid, b""))
    assert run.watched == (200, 1) and run.gone()


def test_ansible_as_the_first_process_of_a_container_is_a_run_that_goes_on():
    table = {1: (0, 1), 200: (1, 200), 300: (200, 200), 400: (300, 200)}
    commands = {**COMMANDS, 1: COMMANDS[100]}
    run = controller.Controller(pid=400, stat=table.get, cmdline=lambda pid: commands.get(pid, b""))
    assert run.watched == (200, 1) and not run.gone()


def test_a_session_not_of_ansible_whose_parent_is_init_is_watched_as_it_is():
    """A login shell on a remote host (sshd's child) or a terminal: not an Ansible worker, nothing to conclude."""
    table = {1: (0, 1), 200: (1, 200), 400: (200, 200)}
    run = controller.Controller(pid=400, stat=table.get, cmdline=lambda pid: {200: b"-bash"}.get(pid, b"/sbin/init"))
    assert not run.gone()


def test_a_reparented_run_that_is_still_running_is_not_gone():
    """``nohup ansible-playbook ... &`` and the terminal closed: the run itself moved, its worker did not."""
    table = dict(RUNNING)
    run = controller.Controller(pid=400, stat=table.get)
    table[100] = (1, 50)
    assert not run.gone()


def test_a_worker_that_vanished_is_gone():
    table = dict(RUNNING)
    run = controller.Controller(pid=400, stat=table.get)
    del table[200]
    assert run.gone()


@pytest.mark.parametrize("table", [
    {},                                              # no /proc (not Linux)
    {400: (300, 1), 300: (1, 1)},                    # no session leader below init
    {i: (i - 1, 1) for i in range(2, 400 + 1)},     # none within reach
])
def test_without_a_session_leader_to_watch_nothing_is_ever_gone(table):
    run = controller.Controller(pid=400, stat=table.get)
    assert run.watched is None and not run.gone()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_proc_stat_reads_this_process_and_a_name_with_spaces_and_parentheses(tmp_path, monkeypatch):
    assert controller.proc_stat(os.getpid()) == (os.getppid(), os.getsid(0))
    stat = tmp_path / "stat"
    stat.write_text("4242 (a (b) c) S 17 4242 4242 0 -1\n")
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: real_open(stat if path == "/proc/4242/stat" else path, *a, **k))
    assert controller.proc_stat(4242) == (17, 4242)
    assert controller.proc_stat(2 ** 22 + 1) is None  # no such process


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks and reads /proc")
def test_a_real_orphan_sees_its_run_gone():
    """A "run" process forks a session-leading "worker" that forks the "module"; the run is killed outright."""
    read_end, write_end = os.pipe()
    run = os.fork()
    if run == 0:  # the run
        worker = os.fork()
        if worker == 0:  # the worker
            os.setsid()
            module = os.fork()
            if module == 0:  # the module: report gone() before and after the run is killed
                watch = controller.Controller()
                before = watch.gone()
                deadline = time.monotonic() + 10
                while not watch.gone() and time.monotonic() < deadline:
                    time.sleep(0.05)
                os.write(write_end, b"%d%d" % (before, watch.gone()))
                os._exit(0)
            os.waitpid(module, 0)
            os._exit(0)
        time.sleep(60)
        os._exit(0)
    os.close(write_end)
    time.sleep(0.5)
    os.kill(run, signal.SIGKILL)
    os.waitpid(run, 0)
    with os.fdopen(read_end, "rb") as answer:
        assert answer.read() == b"01", "not gone while the run lives, gone once it was killed"
