"""Count the AWS calls that reach the embedded AWS, with moto's request recorder.

The recorder sees every request of every process (ansible-playbook forks
included), so "zero write calls" is measured at the emulator, not guessed from
``changed``. The operation of a request is ``Action=`` in its query string or
form body (EC2, ELBv2, IAM, Auto Scaling, CloudWatch, STS), its
``X-Amz-Target`` header (CodeDeploy, CodePipeline, ACM, SSM, Logs), or, for S3,
its method and path.
"""

import base64
import json
import os
import sys
import tempfile
import urllib.parse
import urllib.request

READ_PREFIXES = ("Describe", "List", "Get", "Head", "BatchGet", "Lookup")


def _post(url):
    req = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


def operation(entry):
    """``(service-ish, operation, is_write)`` of one recorded request."""
    service, op, write, _params = call(entry)
    return service, op, write


def call(entry):
    """``(service-ish, operation, is_write, form parameters)`` of one recorded request."""
    headers = {k.lower(): v for k, v in (entry.get("headers") or {}).items()}
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    url = urllib.parse.urlsplit(entry["url"])
    target = headers.get("x-amz-target")
    if target:
        service, _dot, op = target.rpartition(".")
        return service, op, not op.startswith(READ_PREFIXES), {}
    params = urllib.parse.parse_qs(url.query)
    if "application/x-www-form-urlencoded" in headers.get("content-type", ""):
        params.update(urllib.parse.parse_qs(body))
    if "Action" in params:
        op = params["Action"][0]
        credential = headers.get("authorization", "")
        service = credential.split("/")[3] if credential.count("/") >= 3 else "?"
        return service, op, not op.startswith(READ_PREFIXES), {k: v[0] for k, v in params.items()}
    method = entry.get("method", "GET").upper()
    return "s3", "%s %s" % (method, url.path + ("?" + url.query if url.query else "")), method not in ("GET", "HEAD"), {}


def _own_recording_file():
    """moto writes the recording to ./moto_recording by default: two test processes in one
    directory (pytest -n) would read each other's requests. Give this process a file of its own
    (the test emulator runs in this process, so its recorder is patched too)."""
    path = os.path.join(tempfile.gettempdir(), "bluegreen-moto-recording-%d" % os.getpid())
    os.environ["MOTO_RECORDER_FILEPATH"] = path
    moto_api = sys.modules.get("moto.moto_api")
    if moto_api is not None:
        moto_api.recorder._location = path  # pylint: disable=protected-access


class Recorder:
    def __init__(self, url):
        self.url = url.rstrip("/")
        _own_recording_file()

    def start(self):
        _post(self.url + "/moto-api/recorder/reset-recording")
        _post(self.url + "/moto-api/recorder/start-recording")

    def stop(self):
        _post(self.url + "/moto-api/recorder/stop-recording")

    def calls(self):
        """Every recorded AWS request, in order, as ``(service, operation, is_write, form parameters)``."""
        with urllib.request.urlopen(self.url + "/moto-api/recorder/download-recording", timeout=60) as resp:
            text = resp.read().decode()
        entries = [json.loads(line) for line in text.splitlines() if line.strip()]
        return [call(e) for e in entries if "/moto-api/" not in e.get("url", "")]

    def requests(self):
        return [c[:3] for c in self.calls()]

    def writes(self):
        return [(service, op) for service, op, write in self.requests() if write]
