# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Release hooks: the inventory shape, and the HTTP hook check. Pure functions, fetch and clock injected.

An application's hooks (``bluegreen_hooks``) list, per stage, HTTP hooks
(``url`` with the expected ``status`` and optional ``body`` text, retried until
``timeout``) and task-file hooks (``tasks``)::

    bluegreen_hooks:
      after_delivery: [{name: smoke, url: "https://test.example.com:8443/health", status: 200, body: ok, timeout: 60}]
      after_step: [{name: business-kpi, tasks: hooks/kpi.yml}]
      after_switch: []
      after_rollback: []

An HTTP hook is checked with ``check``: asked until an answer has one of the
expected statuses and contains the body text, or the timeout passes; the
result is ``pass`` or ``fail`` with the evidence (every attempt, the last one).
"""

from __future__ import annotations

import time

from ansible_collections.bluegreen.aws.plugins.module_utils.verify import KEEP_ATTEMPTS
from ansible_collections.bluegreen.aws.plugins.module_utils.verify import summary

STAGES = ("after_delivery", "after_step", "after_switch", "after_rollback")
PASS, FAIL, NOT_RUN = "pass", "fail", "not_run"
HOOK_KEYS = ("name", "url", "status", "body", "timeout", "interval", "headers", "validate_certs", "tasks")


class HookError(ValueError):
    """A hook definition or check option the release must not start with."""


def validate_check(url, statuses, timeout, interval, request_timeout):
    """Raises HookError naming the bad value; returns None when the check may run."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise HookError(f"url must be an http:// or https:// URL, got {url!r}")
    if not statuses:
        raise HookError("status must name at least one expected HTTP status")
    for status in statuses:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise HookError(f"status must be HTTP statuses (100-599), got {status!r}")
    for name, value in (("timeout", timeout), ("interval", interval), ("request_timeout", request_timeout)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1:
            raise HookError(f"{name} must be at least 1 second, got {value!r}")


def judge(answer, statuses, body):
    """``(ok, why)`` for one answer ``{status, headers, body}`` (or ``{error}``)."""
    if answer.get("error"):
        return False, f"no answer ({answer['error']})"
    status = answer.get("status")
    if status not in statuses:
        return False, f"status {status}, expected {' or '.join(str(s) for s in statuses)}"
    if body and body not in (answer.get("body") or ""):
        return False, f"status {status} but the body does not contain {body!r}"
    return True, f"status {status}" + (f" with {body!r}" if body else "")


def check(fetch, statuses, body, timeout, interval, clock=time.monotonic, sleep=time.sleep):
    """Ask ``fetch()`` until an answer passes ``judge`` or ``timeout`` seconds pass.

    Returns ``dict(verdict, attempts, elapsed, last, progress)``: ``progress``
    holds the last attempts (each as ``verify.summary`` writes it), ``last``
    the final one.
    """
    started = clock()
    deadline = started + timeout
    attempts, progress = 0, []
    while True:
        answer = fetch()
        attempts += 1
        ok, why = judge(answer, statuses, body)
        progress.append(summary(answer, ok, why))
        del progress[:-KEEP_ATTEMPTS]
        remaining = deadline - clock()
        if ok or remaining <= 0:
            return dict(verdict=PASS if ok else FAIL, attempts=attempts, elapsed=round(clock() - started, 1),
                        last=progress[-1], progress=progress)
        sleep(min(interval, remaining))


def failure_message(name, url, timeout, result):
    """Why the hook failed: its name, the URL, how long and how often it was asked, the last answer."""
    last = result["last"]
    what = f"hook {name} ({url})" if name else url
    return (f"{what} did not pass within {timeout} s ({result['attempts']} attempts); last answer: {last['why']}"
            + (f", body {last['body']!r}" if last.get("body") else ""))


def validate_hooks(hooks):
    """Check the ``bluegreen_hooks`` shape; raises HookError naming the stage, the hook and the bad field."""
    if hooks is None:
        return
    if not isinstance(hooks, dict):
        raise HookError(f"bluegreen_hooks must be a mapping of stages ({', '.join(STAGES)}), got {type(hooks).__name__}")
    for stage, entries in hooks.items():
        if stage not in STAGES:
            raise HookError(f"bluegreen_hooks: unknown stage {stage!r}; stages: {', '.join(STAGES)}")
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise HookError(f"bluegreen_hooks.{stage} must be a list of hooks, got {type(entries).__name__}")
        names = set()
        for index, hook in enumerate(entries):
            where = f"bluegreen_hooks.{stage}[{index}]"
            if not isinstance(hook, dict):
                raise HookError(f"{where} must be a mapping with name and url or tasks, got {hook!r}")
            name = hook.get("name")
            if not name or not isinstance(name, str):
                raise HookError(f"{where} needs a name")
            where = f"bluegreen_hooks.{stage}[{index}] ({name})"
            if name in names:
                raise HookError(f"{where}: the name is used twice in {stage}")
            names.add(name)
            unknown = sorted(set(hook) - set(HOOK_KEYS))
            if unknown:
                raise HookError(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(HOOK_KEYS)}")
            if bool(hook.get("url")) == bool(hook.get("tasks")):
                raise HookError(f"{where} needs exactly one of url (an HTTP hook) or tasks (a task file)")
            if hook.get("url"):
                status = hook.get("status", 200)
                try:
                    validate_check(hook["url"], status if isinstance(status, list) else [status],
                                   hook.get("timeout", 60), hook.get("interval", 5), 10)
                except HookError as e:
                    raise HookError(f"{where}: {e}") from None
            elif not isinstance(hook["tasks"], str):
                raise HookError(f"{where}: tasks must be the path of a task file, got {hook['tasks']!r}")


def plan(hooks, stage):
    """What the hooks of ``stage`` would do, one line each (for check mode)."""
    lines = []
    for hook in (hooks or {}).get(stage) or []:
        if hook.get("url"):
            lines.append(f"{stage}: {hook['name']}: GET {hook['url']} until status {hook.get('status', 200)}"
                         + (f" with {hook['body']!r}" if hook.get("body") else "")
                         + f" (timeout {hook.get('timeout', 60)} s)")
        else:
            lines.append(f"{stage}: {hook['name']}: run the tasks in {hook['tasks']}")
    return lines
