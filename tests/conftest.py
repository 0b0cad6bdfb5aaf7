"""Shared pytest fixtures: an embedded AWS (moto server) on 127.0.0.1.

One server per test session (so one per xdist worker), on a free port,
stopped at the end of the session; ``aws`` resets its state before each test
so tests never see each other's resources. The reset is moto's own, done in
process and without the work it throws away (see ``InProcessEmulator``).
"""

import os
import pathlib
import socket
import sys
import urllib.request

import pytest

# Must be set before moto is imported: AWS managed IAM policies
# (AWSCodeDeployRole, ...) exist only when loaded at start-up.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# A stray endpoint or profile from the developer's shell must not leak in.
for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_URL"):
    os.environ.pop(_var, None)

REPO = pathlib.Path(__file__).resolve().parent.parent
REGION = "us-east-1"

# Make `ansible_collections.bluegreen.aws` importable from the checkout.
sys.path.insert(0, str(REPO / "collections"))


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Emulator:
    """Handle on the running moto server."""

    def __init__(self, url):
        self.url = url

    def reset(self):
        req = urllib.request.Request(self.url + "/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()

    def client(self, service, region=REGION):
        import boto3

        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


class InProcessEmulator(Emulator):
    """The moto server running in this process (``emulator_server``), reset in place.

    ``POST /moto-api/reset`` first re-initialises every backend that was used
    (IAM loads its ~1,600 managed policies again, EC2 its ~1,300 images with a
    volume and a snapshot each: 1.5-2 s of CPU) and then drops them all, so
    the next request builds them once more. Dropping them is the part that
    wipes the state; ``reset`` does only that, under moto's backend lock. The
    backends are built again on first use, as after moto's reset.
    """

    def reset(self):
        from moto.core.base_backend import BackendDict, backend_lock
        from moto.core.model_instances import reset_model_data

        with backend_lock:
            for backend in BackendDict._instances:
                backend.clear()
            BackendDict._instances.clear()
        reset_model_data()


def _fast_resource_ids():
    """EC2 resource IDs from one ``getrandbits`` call instead of a ``random.choice`` per hex digit.

    Same alphabet, length and random source (moto's seedable one); building
    the EC2 backend (1,300 images, each with a volume and a snapshot) spends
    half its time there, and the tests build it again after every reset.
    """
    from moto.ec2 import utils

    def random_resource_id(size=8):
        return "%0*x" % (size, utils.random.getrandbits(4 * size))

    utils.random_resource_id = random_resource_id


@pytest.fixture(scope="session")
def emulator_server():
    """One moto server for the whole session (one per xdist worker), stopped at the end."""
    from moto.server import ThreadedMotoServer

    _fast_resource_ids()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield InProcessEmulator("http://%s:%d" % (host, port))
    finally:
        server.stop()


@pytest.fixture
def aws(emulator_server):
    """The emulator with all state wiped before the test."""
    emulator_server.reset()
    return emulator_server


@pytest.fixture(scope="module")
def role_playbook(emulator_server, tmp_path_factory):
    """``role_playbook(*roles, show=None, **variables)`` -> ``run(*args, **extra_vars)`` -> ``(rc, output)``.

    The one playbook of the role tests (playbook_stack.RolePlaybook): the roles
    applied in order on localhost against this worker's emulator, ``variables``
    as extra vars on every run. Module scope: the tests of a module share what
    the runs build (no reset between them; a module that needs a clean
    emulator resets it once in its own fixture).
    """
    from playbook_stack import RolePlaybook

    def make(*roles, **options):
        directory = tmp_path_factory.mktemp("playbook")
        return RolePlaybook(emulator_server.url, directory, roles, **options).run

    return make


# --- Running this collection's modules in-process -----------------------------


class ModuleExit(Exception):
    """Raised instead of exit_json; ``.result`` is what the module returned."""

    def __init__(self, result):
        super().__init__(result.get("msg", "module exited"))
        self.result = result


class ModuleFail(Exception):
    """Raised instead of fail_json; ``.result`` holds msg and the rest."""

    def __init__(self, result):
        super().__init__(result.get("msg", "module failed"))
        self.result = result


class ApiCalls:
    """Every AWS API call made in this process, as (service, operation)."""

    def __init__(self):
        self.calls = []

    def clear(self):
        self.calls = []

    def operations(self, service=None):
        return [op for svc, op in self.calls if service is None or svc == service]

    def count(self, operation):
        return self.operations().count(operation)

    def writes(self):
        """Calls that are not reads (Describe*, List*, Get*, Head*, BatchGet*)."""
        return [op for op in self.operations() if not op.startswith(("Describe", "List", "Get", "Head", "BatchGet"))]


@pytest.fixture
def aws_calls(monkeypatch):
    """Record every botocore API call (any client, any session) for the test.

    Wraps ``BaseClient._make_api_call``, the single path all generated client
    methods take, so calls made by modules through their own sessions and
    retry wrappers are counted too.
    """
    from botocore.client import BaseClient

    recorder = ApiCalls()
    original = BaseClient._make_api_call

    def recording(client, operation_name, api_params):
        recorder.calls.append((client.meta.service_model.service_name, operation_name))
        return original(client, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return recorder


@pytest.fixture
def run_module(aws, aws_calls):
    """``run_module(main, args)`` -> ``(ok, result)``; connection options point at the emulator.

    ``aws_calls`` is cleared first, so after the call it holds only the calls
    the module made.
    """
    from unittest import mock

    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args

    def exit_json(_self, **kwargs):
        raise ModuleExit(kwargs)

    def fail_json(_self, msg, **kwargs):
        kwargs["msg"] = msg
        kwargs.pop("exception", None)
        raise ModuleFail(kwargs)

    def run(module_main, args):
        full_args = dict(endpoint_url=aws.url, region=REGION, access_key="testing", secret_key="testing")
        full_args.update(args)
        aws_calls.clear()
        with patch_module_args(full_args), mock.patch.object(
            basic.AnsibleModule, "exit_json", exit_json
        ), mock.patch.object(basic.AnsibleModule, "fail_json", fail_json):
            try:
                module_main()
            except ModuleExit as e:
                return True, e.result
            except ModuleFail as e:
                return False, e.result
        raise AssertionError("module returned without calling exit_json or fail_json")

    return run


# --- A minimal blue-green traffic path in the emulator -------------------------


@pytest.fixture
def bluegreen_stack(aws):
    """VPC, 2 subnets in 2 AZs, ALB ``web-alb``, target groups ``web-blue`` /
    ``web-green`` (``Version`` tags 1.0.0 / 1.1.0) with two running instances
    each, production listener :80 forwarding to blue and test listener :8080
    forwarding to green. Returns the names and ARNs.
    """
    ec2 = aws.client("ec2")
    elbv2 = aws.client("elbv2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.20.1.0/24", REGION + "a"), ("10.20.2.0/24", REGION + "b"))
    ]
    lb_arn = elbv2.create_load_balancer(Name="web-alb", Subnets=subnet_ids, Type="application")["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    stack = dict(load_balancer_name="web-alb", load_balancer_arn=lb_arn, vpc_id=vpc_id, subnet_ids=subnet_ids)
    stack["target_group_names"] = {"blue": "web-blue", "green": "web-green"}
    stack["target_group_arns"] = {}
    stack["instance_ids"] = {}
    for color, version in (("blue", "1.0.0"), ("green", "1.1.0")):
        arn = elbv2.create_target_group(
            Name="web-" + color,
            Protocol="HTTP",
            Port=80,
            VpcId=vpc_id,
            TargetType="instance",
            Tags=[{"Key": "Version", "Value": version}],
        )["TargetGroups"][0]["TargetGroupArn"]
        instances = ec2.run_instances(ImageId="ami-b7e93bce", MinCount=2, MaxCount=2, SubnetId=subnet_ids[0])
        ids = [i["InstanceId"] for i in instances["Instances"]]
        elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": i, "Port": 80} for i in ids])
        stack["target_group_arns"][color] = arn
        stack["instance_ids"][color] = ids
    for key, port, color in (("listener_arn", 80, "blue"), ("test_listener_arn", 8080, "green")):
        stack[key] = elbv2.create_listener(
            LoadBalancerArn=lb_arn,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": stack["target_group_arns"][color]}],
        )["Listeners"][0]["ListenerArn"]
    return stack


# --- Order: the slowest test files first ---------------------------------------

# `make pytest` hands whole files to the xdist workers in collection order
# (--dist loadfile --no-loadscope-reorder). The files that provision stacks with
# ansible-playbook take minutes each; started first, they run while the other
# worker works through everything else, and both workers end at about the same
# time. Slowest first, as measured; a file not named here runs after them, in
# the usual order.
SLOWEST_FIRST = (
    "test_playbooks.py",
    "test_playbook_deploy.py",
    "test_mode_codedeploy.py",
    "test_role_stack.py",
    "test_role_logs.py",
    "test_check_mode_site.py",
    "test_https.py",
    "test_pipeline_idempotent.py",
    "test_windows_roles.py",
    "test_role_pipeline.py",
    "test_role_codedeploy.py",
    "test_role_monitoring.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: index for index, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOWEST_FIRST)))
