"""The building blocks together, as the release layer will wire them: a switch, an after_switch HTTP hook
(release_hooks role), the restore in rescue, and one notification (release_notification) - run by
ansible-playbook against the emulator; the weights are read back from the listener and the message from an
SQS queue subscribed to the topic. The hook is a local HTTP server (127.0.0.1, free port, stopped by the test).

The switch and the restore are plain bluegreen.aws.listener_switch calls here; in the release layer they are
its switch entry point and its restore.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REGION
from conftest import REPO
from local_http import LocalServer

PLAYBOOK = """
- name: Switch with an after_switch hook
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/bluegreen.aws.aws:
      region: {region}
      endpoint_url: "{{{{ url }}}}"
      access_key: testing
      secret_key: testing
    bluegreen.aws.listener_switch:
      load_balancer_name: web-alb
      target_groups: {{blue: web-blue, green: web-green}}
  tasks:
    - name: Switch and run the hooks
      block:
        - name: Move production traffic to green
          bluegreen.aws.listener_switch:
            color: green
          register: switch

        - name: Hooks after the switch
          ansible.builtin.include_role:
            name: bluegreen.aws.release_hooks
          vars:
            release_hooks_stage: after_switch
            release_hooks_definitions: "{{{{ hooks }}}}"
            release_hooks_context: {{app: web, color: green, weights: "{{{{ switch.weights }}}}"}}

        - name: Note the outcome
          ansible.builtin.set_fact:
            outcome: succeeded
      rescue:
        - name: Restore the weights from before the switch
          bluegreen.aws.listener_switch:
            color: blue
            weight: "{{{{ switch.previous_weights.blue }}}}"
          register: restored

        - name: Note the outcome
          ansible.builtin.set_fact:
            outcome: rolled_back
            error: "{{{{ ansible_failed_result.msg }}}}"
      always:
        - name: Tell the team
          bluegreen.aws.release_notification:
            application: web
            operation: switch to green (100%)
            outcome: "{{{{ outcome }}}}"
            from_color: blue
            to_color: green
            weights: "{{{{ (restored | default(switch)).weights }}}}"
            stopped_by: "{{{{ ('hook ' ~ release_hooks_failed.name) if release_hooks_failed else omit }}}}"
            detail: "{{{{ error | default(omit) }}}}"
            topic_arn: "{{{{ topic_arn }}}}"

    - name: Fail the play naming the hook
      ansible.builtin.fail:
        msg: "{{{{ error }}}}"
      when: outcome == 'rolled_back'
""".format(region=REGION)


@pytest.fixture
def topic(aws):
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic_arn = sns.create_topic(Name="web-releases")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="web-releases")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return topic_arn, queue_url


@pytest.fixture
def hook_server():
    servers = []

    def start(*answers):
        servers.append(LocalServer(answers))
        return servers[-1]

    yield start
    for each in servers:
        each.stop()


def run(aws, tmp_path, **variables):
    playbook = tmp_path / "switch_with_hooks.yml"
    playbook.write_text(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", str(playbook),
                           "-e", json.dumps(dict(url=aws.url, **variables))],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def weights(aws, stack):
    listener = aws.client("elbv2").describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0]
    action = listener["DefaultActions"][0]
    groups = action.get("ForwardConfig", {}).get("TargetGroups") or [
        dict(TargetGroupArn=action["TargetGroupArn"], Weight=1)]
    total = sum(g.get("Weight", 1) for g in groups) or 1
    by_arn = {g["TargetGroupArn"]: 100 * g.get("Weight", 1) // total for g in groups}
    return {color: by_arn.get(arn, 0) for color, arn in stack["target_group_arns"].items()}


def messages(aws, queue_url):
    found = aws.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(json.loads(m["Body"])["Message"]) for m in found.get("Messages", [])]


def test_a_hook_answering_500_undoes_the_switch_and_is_named(aws, bluegreen_stack, topic, hook_server, tmp_path):
    topic_arn, queue_url = topic
    down = hook_server((500, "broken"))
    hooks = dict(after_switch=[dict(name="smoke", url=down.url + "/health", timeout=2, interval=1)])
    rc, out = run(aws, tmp_path, hooks=hooks, topic_arn=topic_arn)
    assert rc != 0
    assert "Hook smoke (after_switch) failed" in out
    assert weights(aws, bluegreen_stack) == dict(blue=100, green=0)
    sent = messages(aws, queue_url)
    assert len(sent) == 1
    assert sent[0]["outcome"] == "rolled_back" and sent[0]["stopped_by"] == "hook smoke"
    assert sent[0]["weights"] == dict(blue=100, green=0) and "Hook smoke" in sent[0]["detail"]


def test_a_hook_answering_200_keeps_the_switch(aws, bluegreen_stack, topic, hook_server, tmp_path):
    topic_arn, queue_url = topic
    up = hook_server((200, "ok"))
    hooks = dict(after_switch=[dict(name="smoke", url=up.url + "/health", body="ok", timeout=5)])
    rc, out = run(aws, tmp_path, hooks=hooks, topic_arn=topic_arn)
    assert rc == 0, out[-4000:]
    assert weights(aws, bluegreen_stack) == dict(blue=0, green=100)
    sent = messages(aws, queue_url)
    assert len(sent) == 1 and sent[0]["outcome"] == "succeeded" and sent[0]["stopped_by"] is None
