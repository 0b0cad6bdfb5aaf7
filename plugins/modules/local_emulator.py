#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: local_emulator
short_description: Start or stop the embedded AWS emulator on the controller
version_added: 0.1.0
description:
  - Starts a local AWS emulator (moto server) on a loopback address when it is
    not already answering, waits until it is ready, and leaves it running in
    the background for the next playbooks.
  - Stops an emulator that this module started (it keeps a PID file per port).
    An emulator started by something else is left alone, with a warning.
  - AWS managed IAM policies are loaded at start, so attaching policies such as
    C(AWSCodeDeployRole) works as on AWS.
  - Needs C(moto[server]) in the Python that runs the module
    (C(ansible_python_interpreter)); the project's C(requirements.txt) installs it.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  endpoint_url:
    description:
      - URL the emulator answers on, for example C(http://127.0.0.1:4575).
      - The host must be a loopback address (C(127.0.0.0/8) or C(localhost));
        the emulator never listens on other addresses.
    type: str
    required: true
  state:
    description:
      - C(started) starts the emulator unless it already answers.
      - C(stopped) stops the emulator this module started on that port.
    type: str
    choices: [started, stopped]
    default: started
  state_dir:
    description:
      - Directory for the PID file and log of each emulator, one per port.
    type: path
    default: ~/.cache/bluegreen.aws
  timeout:
    description:
      - Seconds to wait for the emulator to answer after start, or to exit after stop.
    type: int
    default: 60
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
notes:
  - Requests to the emulator are plain HTTP on loopback; nothing leaves the machine.
"""

EXAMPLES = r"""
- name: Start the embedded AWS for the local inventory
  bluegreen.aws.local_emulator:
    endpoint_url: http://127.0.0.1:4575

- name: Stop it again
  bluegreen.aws.local_emulator:
    endpoint_url: http://127.0.0.1:4575
    state: stopped
"""

RETURN = r"""
endpoint_url:
  description: The emulator's URL.
  returned: always
  type: str
  sample: http://127.0.0.1:4575
running:
  description: Whether the emulator answers when the module returns (predicted in check mode).
  returned: always
  type: bool
  sample: true
pid:
  description: Process ID of the emulator started by this module, if known.
  returned: when known
  type: int
  sample: 41234
log_file:
  description: Log file of the emulator started by this module.
  returned: always
  type: str
  sample: /home/user/.cache/bluegreen.aws/emulator-4575.log
"""

import errno
import os
import signal
import sys
import time
from urllib.error import URLError

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.bluegreen.aws.plugins.module_utils.emulator import parse_endpoint
from ansible_collections.bluegreen.aws.plugins.module_utils.emulator import start_daemon

MOTO_MARKER = b"<title>Moto"


def probe(url):
    """'moto' when the emulator answers, 'other' when something else does, None when nothing does."""
    try:
        with open_url(url + "/moto-api/", timeout=2, use_proxy=False) as resp:
            return "moto" if MOTO_MARKER in resp.read(4096) else "other"
    except URLError as e:
        if isinstance(getattr(e, "reason", None), OSError) and e.reason.errno == errno.ECONNREFUSED:
            return None
        return "other" if hasattr(e, "code") else None
    except (OSError, ValueError):
        return None


def read_pid(pid_file):
    try:
        with open(pid_file) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def pid_alive(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def log_tail(log_file, lines=20):
    try:
        with open(log_file, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def start(module, url, host, port, pid_file, log_file):
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    env.pop("AWS_ENDPOINT_URL", None)
    try:
        import moto.server  # noqa: F401 pylint: disable=unused-import
    except ImportError:
        module.fail_json(
            msg="The embedded AWS needs moto[server] in %s; install the project's requirements "
            "(pip install -r requirements.txt)" % sys.executable
        )
    proc = start_daemon([sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)], log_file, env)
    with open(pid_file, "w") as f:
        f.write("%d\n" % proc.pid)
    deadline = time.monotonic() + module.params["timeout"]
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            os.unlink(pid_file)
            module.fail_json(
                msg="The embedded AWS exited with code %s while starting on %s; its log:\n%s"
                % (proc.returncode, url, log_tail(log_file))
            )
        if probe(url) == "moto":
            return proc.pid
        time.sleep(0.2)
    proc.terminate()
    os.unlink(pid_file)
    module.fail_json(msg="The embedded AWS did not answer on %s within %ss; its log:\n%s" % (url, module.params["timeout"], log_tail(log_file)))


def stop(module, pid):
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + module.params["timeout"]
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoint_url=dict(type="str", required=True),
            state=dict(type="str", choices=["started", "stopped"], default="started"),
            state_dir=dict(type="path", default="~/.cache/bluegreen.aws"),
            timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    try:
        url, host, port = parse_endpoint(module.params["endpoint_url"])
    except ValueError as e:
        module.fail_json(msg=str(e))

    state_dir = module.params["state_dir"]
    os.makedirs(state_dir, exist_ok=True)
    pid_file = os.path.join(state_dir, "emulator-%d.pid" % port)
    log_file = os.path.join(state_dir, "emulator-%d.log" % port)
    result = dict(changed=False, endpoint_url=url, log_file=log_file)
    pid = read_pid(pid_file)
    if not pid_alive(pid):
        pid = None
    answer = probe(url)

    if module.params["state"] == "started":
        if answer == "other":
            module.fail_json(msg="Something other than the AWS emulator answers on %s; choose another port "
                             "in bluegreen_endpoint_url" % url, **result)
        if answer == "moto":
            module.exit_json(running=True, pid=pid, **result)
        result["changed"] = True
        if not module.check_mode:
            pid = start(module, url, host, port, pid_file, log_file)
        module.exit_json(running=True, pid=pid, **result)

    # stopped
    if pid is None:
        if answer == "moto":
            module.warn("The emulator on %s was not started by bluegreen.aws (no PID file in %s); leaving it running"
                        % (url, state_dir))
        module.exit_json(running=answer is not None, **result)
    result["changed"] = True
    if not module.check_mode:
        stop(module, pid)
        os.unlink(pid_file)
    module.exit_json(running=False, pid=pid, **result)


if __name__ == "__main__":
    main()
