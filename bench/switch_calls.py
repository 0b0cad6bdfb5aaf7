"""AWS API calls per switch, and the reaction time of a guarded canary.

Runs bluegreen.aws.listener_switch (and alarm_watch) in-process against an embedded AWS (moto
server on a free 127.0.0.1 port, stopped at the end) and prints:

* calls and writes of a switch to the idle color, and of a switch to the
  color that is already live (target: 0 writes);
* the same for the whole ``switch.yml`` playbook (the pre-switch read, the
  lock, the switch, the release), counted by the emulator itself: every AWS
  request that reaches it is recorded by a small WSGI wrapper (service and
  operation), so calls made by every module process are seen;
* reaction time of a canary step: the time from CloudWatch SetAlarmState
  (ALARM) to the moment the listener was restored, median of N runs, for each
  poll interval given (target: at most poll_interval + 2 s).

  .venv/bin/python bench/switch_calls.py [--runs N] [--poll 1 --poll 5] [--no-playbook]
"""

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import urllib.parse
from datetime import datetime
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "collections"))
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_var, None)

import logging  # noqa: E402

import boto3  # noqa: E402
from botocore.client import BaseClient  # noqa: E402

REGION = "us-east-1"
BUCKET = "web-artifacts-123456789012-%s" % REGION
READS = ("Describe", "List", "Get", "Head", "BatchGet")


class Done(Exception):
    def __init__(self, ok, result):
        super().__init__()
        self.ok, self.result = ok, result


def run_module(main, args):
    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args

    def exit_json(_self, **kwargs):
        raise Done(True, kwargs)

    def fail_json(_self, msg, **kwargs):
        raise Done(False, dict(kwargs, msg=msg))

    with patch_module_args(args), mock.patch.object(basic.AnsibleModule, "exit_json", exit_json), \
            mock.patch.object(basic.AnsibleModule, "fail_json", fail_json):
        try:
            main()
        except Done as done:
            return done.ok, done.result
    raise RuntimeError("module returned without a result")


class CountingApp:
    """WSGI wrapper around the emulator that records ``(service, operation)`` of every AWS request."""

    def __init__(self, app):
        self.app = app
        self.calls = []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/moto-api"):
            self.calls.append(self.operation(environ, path))
        return self.app(environ, start_response)

    @staticmethod
    def operation(environ, path):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
        service = match.group(1) if match else "?"
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return service, target.rsplit(".", 1)[-1]
        match = re.search(r"/operation/(\w+)$", path)  # smithy rpc-v2-cbor (CloudWatch)
        if match:
            return service, match.group(1)
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if "Action" in query:
            return service, query["Action"][0]
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
            if "Action" in form:
                return service, form["Action"][0]
        method = environ["REQUEST_METHOD"]
        if service == "s3":
            if method == "GET" and "versions" in query:
                return service, "ListObjectVersions"
            return service, {"GET": "GetObject", "PUT": "PutObject", "HEAD": "HeadObject",
                             "DELETE": "DeleteObject"}.get(method, method)
        return service, method + " " + path


def start_counting_server():
    """A moto server on a free 127.0.0.1 port whose app records every AWS call; returns (server, thread, app, url)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from moto.moto_server.werkzeug_app import create_backend_app
    from werkzeug.serving import make_server

    app = CountingApp(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, app, "http://127.0.0.1:%d" % server.server_address[1]


def make_bucket(url):
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=url, aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})


def prepare_playbook_stack(url):
    """What switch.yml needs besides the traffic path: the alarms of both colors and the artifact bucket."""
    cloudwatch = build_stack(url)
    make_bucket(url)
    for color in ("blue", "green"):
        for suffix in ("p99-latency", "unhealthy-hosts"):
            cloudwatch.put_metric_alarm(AlarmName="web-%s-%s" % (color, suffix), Namespace="AWS/ApplicationELB",
                                        MetricName="UnHealthyHostCount", Statistic="Maximum", Period=60,
                                        EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold")


def playbook_calls(report):
    """Calls and writes of ``ansible-playbook switch.yml`` to the idle color, to the live one, and back without preview."""
    import urllib.request

    server, thread, app, url = start_counting_server()
    try:
        # moto's state is per process: start from nothing, whatever ran before in this process.
        urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"), timeout=60).read()
        prepare_playbook_stack(url)
        env = dict(os.environ, ANSIBLE_NOCOLOR="1")
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        runs = (("switch.yml to the idle color", "green", []), ("switch.yml to the live color", "green", []),
                ("switch.yml back to blue", "blue", []))
        for label, color, extra in runs:
            app.calls.clear()
            proc = subprocess.run(["ansible-playbook", "switch.yml", "-e", "color=" + color,
                                   "-e", "bluegreen_endpoint_url=" + url, *extra],
                                  cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
            operations = ["%s:%s" % call for call in app.calls]
            writes = [op for op in operations if not op.split(":", 1)[1].startswith(READS)]
            report[label] = dict(calls=len(operations), writes=len(writes), operations=operations)
            print("%-30s %2d calls, %d writes: %s" % (label, len(operations), len(writes), " ".join(operations)))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def build_stack(url):
    def client(service):
        return boto3.client(service, region_name=REGION, endpoint_url=url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    ec2, elbv2, cloudwatch = client("ec2"), client("elbv2"), client("cloudwatch")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.%d.0/24" % i, AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
               for i, az in ((1, "a"), (2, "b"))]
    lb = elbv2.create_load_balancer(Name="web-alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    arns = {}
    for color in ("blue", "green"):
        arns[color] = elbv2.create_target_group(Name="web-" + color, Protocol="HTTP", Port=80, VpcId=vpc)[
            "TargetGroups"][0]["TargetGroupArn"]
        ids = [i["InstanceId"] for i in ec2.run_instances(ImageId="ami-b7e93bce", MinCount=2, MaxCount=2,
                                                          SubnetId=subnets[0])["Instances"]]
        elbv2.register_targets(TargetGroupArn=arns[color], Targets=[{"Id": i} for i in ids])
        cloudwatch.put_metric_alarm(AlarmName="web-%s-5xx" % color, Namespace="AWS/ApplicationELB",
                                    MetricName="HTTPCode_Target_5XX_Count", Statistic="Sum", Period=60,
                                    EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold")
    for port, color in ((80, "blue"), (8080, "green")):
        elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=port,
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": arns[color]}])
    return cloudwatch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--poll", type=int, action="append")
    parser.add_argument("--no-playbook", action="store_true", help="skip the switch.yml count (about 20 s)")
    parser.add_argument("--no-reaction", action="store_true", help="skip the reaction times")
    options = parser.parse_args()
    polls = [] if options.no_reaction else options.poll or [1, 5]

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from ansible_collections.bluegreen.aws.plugins.modules import alarm_watch
    from ansible_collections.bluegreen.aws.plugins.modules import listener_switch

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    url = "http://%s:%d" % server.get_host_and_port()
    calls = []
    original = BaseClient._make_api_call

    def recording(client, operation, params):
        calls.append(operation)
        return original(client, operation, params)

    report = {}
    try:
        cloudwatch = build_stack(url)
        make_bucket(url)
        connection = dict(endpoint_url=url, region=REGION, access_key="testing", secret_key="testing")
        base = dict(connection, application="web", test_listener_port=8080, lock_bucket=BUCKET)
        with mock.patch.object(BaseClient, "_make_api_call", recording):
            for label, color in (("switch to the idle color", "green"), ("switch to the live color", "green")):
                calls.clear()
                ok, result = run_module(listener_switch.main, dict(base, color=color))
                assert ok, result
                writes = [c for c in calls if not c.startswith(READS)]
                report[label] = dict(calls=len(calls), writes=len(writes), operations=list(calls))
                print("%-26s %2d calls, %d writes: %s" % (label, len(calls), len(writes), " ".join(calls)))
        run_module(listener_switch.main, dict(base, color="blue"))

        for poll in polls:
            reactions = []
            for _run in range(options.runs):
                cloudwatch.set_alarm_state(AlarmName="web-green-5xx", StateValue="OK", StateReason="bench")
                fired_at = {}

                def fire():
                    cloudwatch.set_alarm_state(AlarmName="web-green-5xx", StateValue="ALARM", StateReason="bench")
                    fired_at["t"] = datetime.utcnow()

                # A canary step as the release role runs it: the weight, the watcher, the restore.
                ok, result = run_module(listener_switch.main, dict(base, color="green", weight=10))
                assert ok, result
                timer = threading.Timer(poll + 0.5, fire)
                timer.start()
                ok, result = run_module(alarm_watch.main, dict(connection, alarms=["web-green-5xx"], duration=60,
                                                               poll_interval=poll))
                timer.join()
                assert not ok and result["verdict"] == "fail", result
                ok, result = run_module(listener_switch.main, dict(base, color="blue"))
                assert ok and result["changed"], result
                reactions.append((datetime.utcnow() - fired_at["t"]).total_seconds())
            median = statistics.median(reactions)
            report["reaction poll %ds" % poll] = dict(median=median, runs=reactions, target=poll + 2)
            print("reaction, poll %ds: median %.2f s (runs %s), target <= %d s: %s" % (
                poll, median, ", ".join("%.2f" % r for r in reactions), poll + 2,
                "met" if median <= poll + 2 else "NOT met"))
    finally:
        server.stop()
    if not options.no_playbook:
        playbook_calls(report)
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
