"""Shared pieces of the playbook benchmarks: an embedded AWS of their own, the
provisioned stack, timing, and the floor (one bare AWS CLI call).

Used by switch_bench.py and deploy_bench.py.
"""

import base64
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "us-east-1"
APP = "web"  # the application host of inventories/local


def tool(name):
    """A command next to this Python (the venv) first, then on PATH."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    found = local if os.access(local, os.X_OK) else shutil.which(name)
    if not found:
        sys.exit("bench: %s not found; run `make test` once to create .venv" % name)
    return found


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("bench: the emulator exited with code %d" % proc.returncode)
        try:
            with urllib.request.urlopen(url + "/moto-api/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("bench: the emulator did not answer on %s within %ds" % (url, timeout))


def timed(argv, env):
    """Run a command; return its wall time in seconds, exit on failure."""
    start = time.perf_counter()
    result = subprocess.run(
        argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    took = time.perf_counter() - start
    if result.returncode:
        sys.stdout.write(result.stdout[-4000:])
        sys.exit("bench: failed (exit %d): %s" % (result.returncode, " ".join(argv)))
    return took


def aws_json(env, url, *args):
    out = subprocess.run(
        [tool("aws"), "--endpoint-url", url, "--region", REGION, "--output", "json", *args],
        env=env, check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    return json.loads(out)


class Bench:
    """An embedded AWS on a free port with the stack of site.yml; ``playbook`` is
    the ansible-playbook command line that points at it."""

    def __init__(self, url, env):
        self.url, self.env = url, env
        self.playbook = [tool("ansible-playbook"), "-e", "bluegreen_endpoint_url=" + url]

    def aws(self, *args):
        return aws_json(self.env, self.url, *args)

    def traffic_path(self):
        """(production listener ARN, {color: target group ARN})."""
        alb = self.aws("elbv2", "describe-load-balancers", "--names", APP + "-alb")["LoadBalancers"][0]
        listeners = self.aws("elbv2", "describe-listeners", "--load-balancer-arn", alb["LoadBalancerArn"])
        listener = next(item for item in listeners["Listeners"] if item["Port"] == 80)
        groups = self.aws("elbv2", "describe-target-groups", "--names", APP + "-blue", APP + "-green")
        arns = {g["TargetGroupName"][len(APP) + 1:]: g["TargetGroupArn"] for g in groups["TargetGroups"]}
        return listener["ListenerArn"], arns

    def modify_listener(self, listener_arn, target_group_arn):
        """The floor: one bare `aws elbv2 modify-listener` call; returns its wall time."""
        return timed([
            tool("aws"), "--endpoint-url", self.url, "--region", REGION, "elbv2", "modify-listener",
            "--listener-arn", listener_arn, "--default-actions", "Type=forward,TargetGroupArn=" + target_group_arn,
        ], self.env)


@contextlib.contextmanager
def provisioned_stack():
    """Start the emulator on a free 127.0.0.1 port, run site.yml, yield a Bench;
    the emulator is stopped at the end, whatever happens."""
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    env = dict(os.environ)
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        env.pop(var, None)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        MOTO_IAM_LOAD_MANAGED_POLICIES="true",
        # Recorded only between start-recording and download (Recorder), into a temporary file.
        MOTO_RECORDER_FILEPATH=os.path.join(tempfile.gettempdir(), "bluegreen-bench-recording-%d" % os.getpid()),
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
    )
    bench = Bench(url, env)
    print("bench: embedded AWS on %s" % url)
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(url, server)
        print("bench: site.yml ...", flush=True)
        print("bench: site.yml took %.1f s" % timed(bench.playbook + ["site.yml"], env))
        yield bench
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


class Recorder:
    """AWS calls as the emulator saw them (moto's recorder): every request of every process."""

    def __init__(self, url):
        self.url = url

    def _post(self, path):
        request = urllib.request.Request(self.url + "/moto-api/recorder/" + path, method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def start(self):
        self._post("reset-recording")
        self._post("start-recording")

    def stop(self):
        """``[(operation, is_write)]`` since start()."""
        with urllib.request.urlopen(self.url + "/moto-api/recorder/download-recording", timeout=30) as response:
            lines = response.read().decode().splitlines()
        self._post("stop-recording")
        return [operation(json.loads(entry)) for entry in lines if entry.strip()]


def operation(entry):
    """``(name, is_write)`` of one recorded request: the query Action, or the S3 method and path."""
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    if isinstance(body, dict):
        body = urllib.parse.urlencode(body)
    action = urllib.parse.parse_qs(body).get("Action") or urllib.parse.parse_qs(
        urllib.parse.urlsplit(entry.get("url", "")).query).get("Action")
    if action:
        return action[0], not action[0].startswith(("Describe", "List", "Get"))
    target = (entry.get("headers") or {}).get("X-Amz-Target")
    if target:
        name = target.split(".")[-1]
        return name, not name.startswith(("Describe", "List", "Get"))
    method = entry.get("method", "GET")
    return "S3 %s %s" % (method, urllib.parse.urlsplit(entry.get("url", "")).path), method not in ("GET", "HEAD")


def line(label, samples):
    runs = " ".join("%.2f" % s for s in samples)
    print("%-50s median %6.2f s   (%s)" % (label, statistics.median(samples), runs))


def ratio(label, samples, floor):
    print("%-50s %6.1fx" % (label, statistics.median(samples) / statistics.median(floor)))
