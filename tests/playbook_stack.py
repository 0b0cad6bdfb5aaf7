"""The stack of the playbook tests: the playbooks run as a user runs them.

``Stack`` runs ``ansible-playbook`` from the repository root with the default
``inventories/local`` against an embedded AWS on a URL of the test's choosing
(site.yml starts it, teardown.yml stops it) and reads the state back with boto3.
Shared by ``tests/integration/test_playbooks.py`` and the other playbook tests.

``RolePlaybook`` applies roles of this collection alone (the role tests'
one playbook, instead of a template per test file); the ``role_playbook``
fixture of conftest.py builds one against the worker's emulator.
"""

import json
import os
import re
import subprocess
import sys
import urllib.request

import yaml

from conftest import REGION, REPO, Emulator

APP = "web"


def recap(output, host=APP):
    """The PLAY RECAP counters of ``host`` as a dict of ints."""
    match = re.search(r"^%s\s+:\s+(.*)$" % re.escape(host), output, re.MULTILINE)
    assert match, "no PLAY RECAP for %s in:\n%s" % (host, output[-3000:])
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


class Stack:
    """``extra`` (e.g. ``["-e", "bluegreen_mode=codedeploy"]``) goes on every ansible-playbook command line."""

    def __init__(self, url, extra=()):
        self.url = url
        self.aws = Emulator(url)
        self.extra = list(extra)

    def playbook(self, *args, check=True):
        cmd = ["ansible-playbook", *args, "-e", "bluegreen_endpoint_url=" + self.url, *self.extra]
        proc = subprocess.run(cmd, cwd=REPO, env=ansible_env(), capture_output=True, text=True, timeout=900, check=False)
        output = proc.stdout + proc.stderr
        if check:
            assert proc.returncode == 0, "%s failed:\n%s" % (" ".join(args), output[-6000:])
        return proc.returncode, output

    # --- read back --------------------------------------------------------

    def elbv2(self):
        return self.aws.client("elbv2")

    def listener(self, port):
        elbv2 = self.elbv2()
        lb = elbv2.describe_load_balancers(Names=[APP + "-alb"])["LoadBalancers"][0]
        listeners = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        return next(item for item in listeners if item["Port"] == port)

    def target_group_arns(self):
        groups = self.elbv2().describe_target_groups(Names=[APP + "-blue", APP + "-green"])["TargetGroups"]
        return {g["TargetGroupName"].rsplit("-", 1)[1]: g["TargetGroupArn"] for g in groups}

    def weights(self, port=80):
        """{color: weight} of the listener's forward action, 0 for absent colors."""
        action = self.listener(port)["DefaultActions"][0]
        assert action["Type"] == "forward"
        by_arn = {}
        if "ForwardConfig" in action:
            for tg in action["ForwardConfig"]["TargetGroups"]:
                by_arn[tg["TargetGroupArn"]] = tg.get("Weight", 1)
        else:
            by_arn[action["TargetGroupArn"]] = 1
        total = sum(by_arn.values())
        return {color: round(100 * by_arn.get(arn, 0) / total) for color, arn in self.target_group_arns().items()}

    def group(self, color):
        groups = self.aws.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=["%s-%s" % (APP, color)])
        return groups["AutoScalingGroups"][0]

    def instance_ids(self, color):
        return [i["InstanceId"] for i in self.group(color)["Instances"]]


def ansible_env(**extra):
    """The environment of every ansible-playbook run: the tests' own Python first on PATH, no colors."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1", **extra)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


class RolePlaybook:
    """One playbook applying ``roles`` (short names, in order) against the emulator at ``url``.

    ``hosts`` is ``localhost`` (inventory ``localhost,``) unless an inventory is
    given, e.g. ``REPO / "inventories/local"`` with ``hosts="applications"``.
    ``show`` (a Jinja expression such as ``"monitoring_alarms | to_json"``) adds
    a last task printing ``<first word of show>=<value>``; ``shown()`` reads it
    back. ``variables`` go on every run as extra vars, each run's keyword
    arguments on top. The result format is JSON: messages never wrap.
    """

    def __init__(self, url, directory, roles, show=None, hosts="localhost", inventory=None, **variables):
        self.url = url
        self.inventory = str(inventory) if inventory else "localhost,"
        self.variables = dict(url=url, bluegreen_endpoint_url=url, **variables)
        self.path = directory / ("%s.yml" % "-".join(roles))
        play = {
            "name": "Apply %s" % ", ".join(roles),
            "hosts": hosts,
            "gather_facts": False,
            "module_defaults": {"group/bluegreen.aws.aws": {
                "region": "{{ bluegreen_region | default('%s') }}" % REGION,
                "endpoint_url": "{{ url }}", "access_key": "testing", "secret_key": "testing"}},
            "roles": [{"role": "bluegreen.aws." + role} for role in roles],
        }
        if hosts == "localhost":
            play["connection"] = "local"
        if show:
            play["post_tasks"] = [{"name": "Show what the roles published",
                                   "ansible.builtin.debug": {"msg": "%s={{ %s }}" % (show.split()[0], show)}}]
        self.path.write_text("---\n" + yaml.safe_dump([play], sort_keys=False))

    def run(self, *args, **extra_vars):
        """``ansible-playbook`` with ``args`` (e.g. ``--check``) -> (returncode, stdout + stderr)."""
        variables = dict(self.variables, **extra_vars)
        env = ansible_env(ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_CALLBACK_RESULT_FORMAT="json",
                          ANSIBLE_PIPELINING="1")
        proc = subprocess.run(
            ["ansible-playbook", "-i", self.inventory, str(self.path), "-e", json.dumps(variables), *args],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
        )
        return proc.returncode, proc.stdout + proc.stderr


def shown(output, label):
    """The value a ``show`` task (RolePlaybook) printed as ``label=<JSON>``, decoded; the last one wins."""
    found = re.findall(r'"msg": ("%s=(?:[^"\\]|\\.)*")' % re.escape(label), output)
    assert found, "no %s= in:\n%s" % (label, output[-3000:])
    return json.loads(json.loads(found[-1])[len(label) + 1:])


def answers(url):
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=2):
            return True
    except OSError:
        return False
