"""bluegreen.aws.release_notification: an SQS queue subscribed to an SNS topic on the emulator, and a webhook
on a local HTTP server (127.0.0.1, free port, stopped by each test).

The emulator is not reset for this file: each test has a topic and queue of its own.
"""

from __future__ import annotations

import json
import uuid

import pytest

from ansible_collections.bluegreen.aws.plugins.modules import release_notification
from local_http import LocalServer

FIELDS = dict(application="web", operation="switch to green (10% > 100%)", outcome="rolled_back",
              from_color="blue", to_color="green", weights=dict(blue=100, green=0), version="2",
              holder="alice@ops-1", duration=125.0, stopped_by="alarm web-green-5xx",
              started_at="2026-12-02T07:40:00Z", ended_at="2026-12-02T07:42:05Z")
SUBJECT = "web: switch to green (10% > 100%) ROLLED BACK by alarm web-green-5xx in 2m05s"


@pytest.fixture(scope="module")
def _emulator_once(emulator_server):
    return emulator_server


@pytest.fixture
def aws(_emulator_once):
    """Overrides conftest's ``aws`` (a reset per test) for this file: see the module docstring."""
    return _emulator_once


@pytest.fixture
def topic(aws):
    """``(topic_arn, queue_url)``: a topic with an SQS queue subscribed."""
    sns, sqs = aws.client("sns"), aws.client("sqs")
    name = "web-releases-" + uuid.uuid4().hex[:8]
    topic_arn = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return topic_arn, queue_url


@pytest.fixture
def webhook():
    servers = []

    def start(*answers):
        servers.append(LocalServer(answers or [(200, "ok")]))
        return servers[-1]

    yield start
    for each in servers:
        each.stop()


def received(aws, queue_url):
    messages = aws.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                                 WaitTimeSeconds=1).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_the_topic_receives_one_message_with_every_field(run_module, aws, topic, aws_calls):
    topic_arn, queue_url = topic
    ok, result = run_module(release_notification.main, dict(FIELDS, topic_arn=topic_arn))
    assert ok and result["changed"], result
    assert result["subject"] == SUBJECT
    assert aws_calls.operations() == ["Publish"]
    envelopes = received(aws, queue_url)
    assert len(envelopes) == 1
    assert envelopes[0]["Subject"] == SUBJECT
    body = json.loads(envelopes[0]["Message"])
    assert body == dict(FIELDS, detail=None)
    assert envelopes[0]["MessageAttributes"]["outcome"]["Value"] == "rolled_back"
    assert result["sent"]["sns"] == envelopes[0]["MessageId"]


def test_the_webhook_receives_the_json_body(run_module, aws, topic, webhook):
    topic_arn, queue_url = topic
    hook = webhook()
    ok, result = run_module(release_notification.main, dict(
        FIELDS, topic_arn=topic_arn, webhook_url=hook.url + "/releases", webhook_headers={"Authorization": "Bearer x"}))
    assert ok and result["sent"]["webhook"] == 200 and result["sent"]["sns"]
    assert len(hook.requests) == 1
    request = hook.requests[0]
    assert request["method"] == "POST" and request["path"] == "/releases"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Authorization"] == "Bearer x"
    posted = json.loads(request["body"])
    assert {k: posted[k] for k in FIELDS} == FIELDS
    assert posted["subject"] == SUBJECT and posted["text"].startswith(SUBJECT + "\nblue -> green")
    assert len(received(aws, queue_url)) == 1


def test_an_unreachable_webhook_is_a_warning_not_a_failure(run_module, aws, topic, webhook):
    topic_arn, queue_url = topic
    hook = webhook()
    url = hook.url + "/releases"
    hook.stop()
    ok, result = run_module(release_notification.main, dict(FIELDS, topic_arn=topic_arn, webhook_url=url,
                                                            webhook_timeout=2))
    assert ok, result
    assert result["sent"]["webhook"] is None and result["sent"]["sns"]
    assert any(w.startswith(f"Could not notify {url}") for w in result["warnings"])
    assert len(received(aws, queue_url)) == 1


def test_a_webhook_answering_500_is_a_warning(run_module, webhook):
    hook = webhook((500, "down"))
    ok, result = run_module(release_notification.main, dict(FIELDS, webhook_url=hook.url))
    assert ok and not result["changed"]
    assert result["warnings"] == [f"Could not notify {hook.url}: it answered 500"]


def test_a_missing_topic_is_a_warning(run_module, aws):
    arn = "arn:aws:sns:us-east-1:123456789012:no-such-topic-" + uuid.uuid4().hex[:8]
    ok, result = run_module(release_notification.main, dict(FIELDS, topic_arn=arn))
    assert ok and not result["changed"] and result["sent"]["sns"] is None
    assert any(f"Could not notify {arn}" in w for w in result["warnings"])


def test_check_mode_sends_nothing_and_says_what(run_module, aws, topic, webhook, aws_calls):
    topic_arn, queue_url = topic
    hook = webhook()
    ok, result = run_module(release_notification.main, dict(FIELDS, topic_arn=topic_arn, webhook_url=hook.url,
                                                            _ansible_check_mode=True))
    assert ok and result["changed"]
    assert result["would_send"] == [f"sns {topic_arn}", f"webhook {hook.url}"]
    assert result["message"]["stopped_by"] == "alarm web-green-5xx" and SUBJECT in result["msg"]
    assert aws_calls.operations() == [] and hook.requests == []
    assert received(aws, queue_url) == []


@pytest.mark.parametrize("extra, words", [
    (dict(), "one of the following is required: topic_arn, webhook_url"),
    (dict(webhook_url="ftp://x"), "webhook_url must be an http"),
    (dict(topic_arn="web-releases"), "topic_arn must be an SNS topic ARN"),
    (dict(webhook_url="http://127.0.0.1:1", outcome="great"), "outcome must be one of"),
    (dict(webhook_url="http://127.0.0.1:1", duration=-1), "duration must be 0 or more"),
])
def test_bad_input_is_refused(run_module, aws_calls, extra, words):
    ok, result = run_module(release_notification.main, dict(FIELDS, **extra))
    assert not ok and words in result["msg"]
    assert aws_calls.operations() == []
