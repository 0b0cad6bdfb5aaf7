"""The stack of the playbook tests: the playbooks run as a user runs them.

``Stack`` runs ``ansible-playbook`` from the repository root with the default
``inventories/local`` against an embedded AWS on a URL of the test's choosing
(site.yml starts it, teardown.yml stops it) and reads the state back with boto3.
Shared by ``tests/integration/test_playbooks.py`` and the other playbook tests.
"""

import os
import re
import subprocess
import sys
import urllib.request

from conftest import REPO, Emulator

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
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        cmd = ["ansible-playbook", *args, "-e", "bluegreen_endpoint_url=" + self.url, *self.extra]
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False)
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


def answers(url):
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=2):
            return True
    except OSError:
        return False
