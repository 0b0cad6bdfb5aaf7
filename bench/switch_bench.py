"""Time a blue/green switch against the floor (one bare AWS CLI call), and count its AWS calls.

Starts the embedded AWS (moto server) on a free 127.0.0.1 port, provisions the
stack with site.yml, then, in this one run:

  floor    aws elbv2 modify-listener (the one API call a switch needs at least), N times
  switch   ansible-playbook switch.yml -e color=<idle>, N times (green, blue, ...)
  calls    AWS calls and writes of one switch to the idle color and of one to the
           live color, counted by the emulator itself (moto's recorder: every process)
  fleet    with --apps M: M applications switched by one switch.yml run against one
           application's run (the extra applications get their own ALB, target groups,
           listeners and artifact bucket, made with boto3; their targets are web's instances)

and prints the medians and their ratios. The emulator is stopped at the end,
whatever happens. Run from anywhere with the project's Python:

  .venv/bin/python bench/switch_bench.py [--runs N] [--apps 20]
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import APP, REGION, Recorder, line, provisioned_stack, ratio, timed  # noqa: E402

ACCOUNT = "123456789012"


def count(bench, recorder, color):
    recorder.start()
    timed(bench.playbook + ["switch.yml", "-e", "color=" + color], bench.env)
    calls = recorder.stop()
    writes = [name for name, write in calls if write]
    return len(calls), writes


def make_apps(bench, names):
    """Traffic paths of the extra applications, beside web's (its VPC, subnets and instances)."""
    import boto3

    def client(service):
        return boto3.client(service, region_name=REGION, endpoint_url=bench.url, aws_access_key_id="testing",
                            aws_secret_access_key="testing")

    elbv2, s3, cloudwatch = client("elbv2"), client("s3"), client("cloudwatch")
    web = elbv2.describe_load_balancers(Names=[APP + "-alb"])["LoadBalancers"][0]
    subnets = [zone["SubnetId"] for zone in web["AvailabilityZones"]]
    targets = {}
    for color in ("blue", "green"):
        arn = elbv2.describe_target_groups(Names=["%s-%s" % (APP, color)])["TargetGroups"][0]["TargetGroupArn"]
        targets[color] = [{"Id": t["Target"]["Id"], "Port": 80}
                          for t in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]]
    for name in names:
        arns = {}
        for color in ("blue", "green"):
            arns[color] = elbv2.create_target_group(Name="%s-%s" % (name, color), Protocol="HTTP", Port=80,
                                                    VpcId=web["VpcId"], TargetType="instance")["TargetGroups"][0][
                "TargetGroupArn"]
            elbv2.register_targets(TargetGroupArn=arns[color], Targets=targets[color])
        lb = elbv2.create_load_balancer(Name=name + "-alb", Subnets=subnets, Type="application")["LoadBalancers"][0]
        for port, color in ((80, "blue"), (8080, "green")):
            elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=port,
                                  DefaultActions=[{"Type": "forward", "TargetGroupArn": arns[color]}])
        for color in ("blue", "green"):
            for suffix in ("5xx", "p99-latency", "unhealthy-hosts"):  # what the switch's gate reads
                cloudwatch.put_metric_alarm(AlarmName="%s-%s-%s" % (name, color, suffix), Namespace="AWS/ApplicationELB",
                                            MetricName="HTTPCode_Target_5XX_Count", Statistic="Sum", Period=60,
                                            EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold")
        bucket = "%s-artifacts-%s-%s" % (name, ACCOUNT, REGION)
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def fleet(bench, apps, runs):
    """(one application's switch times, all applications' switch times), in one switch.yml run each."""
    names = ["app%02d" % i for i in range(1, apps)]
    make_apps(bench, names)
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as extra:
        extra.write("applications:\n  hosts:\n" + "".join("    %s: {}\n" % n for n in names))
    inventory = ["-i", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "inventories/local"),
                 "-i", extra.name, "-f", str(apps)]
    one, many = [], []
    # web is on blue here; the new applications too.
    for color in (["green", "blue"] * runs)[:runs]:
        many.append(timed(bench.playbook + inventory + ["switch.yml", "-e", "color=" + color], bench.env))
        one.append(timed(bench.playbook + inventory + ["-l", APP, "switch.yml", "-e",
                                                       "color=" + ("blue" if color == "green" else "green")],
                         bench.env))
        timed(bench.playbook + inventory + ["-l", APP, "switch.yml", "-e", "color=" + color], bench.env)
    os.unlink(extra.name)
    return one, many


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command (default 3)")
    parser.add_argument("--apps", type=int, default=0, help="also switch this many applications in one run")
    args = parser.parse_args()

    with provisioned_stack() as bench:
        recorder = Recorder(bench.url)
        listener, arns = bench.traffic_path()
        order = (["green", "blue"] * args.runs)[:args.runs]
        floor, switch = [], []
        for color in order:
            floor.append(bench.modify_listener(listener, arns[color]))
        # Back to where site.yml left it, so every switch below really switches.
        bench.modify_listener(listener, arns["blue"])
        for color in order:
            switch.append(timed(bench.playbook + ["switch.yml", "-e", "color=" + color], bench.env))
        idle = "green" if order[-1] == "blue" else "blue"
        idle_calls, idle_writes = count(bench, recorder, idle)
        live_calls, live_writes = count(bench, recorder, idle)
        print()
        line("floor:  aws elbv2 modify-listener", floor)
        line("switch: ansible-playbook switch.yml (to the idle color)", switch)
        ratio("ratio:  switch / floor (target <= 3x)", switch, floor)
        print("calls:  switch to the idle color: %d calls, %d writes (%s) (target <= 9 and <= 4)"
              % (idle_calls, len(idle_writes), ", ".join(idle_writes)))
        print("calls:  switch to the live color: %d calls, %d writes (target 0 writes)" % (live_calls, len(live_writes)),
              flush=True)
        if args.apps > 1:
            one, many = fleet(bench, args.apps, args.runs)
    if args.apps > 1:
        line("fleet:  one application (-l web)", one)
        line("fleet:  %d applications in one run" % args.apps, many)
        ratio("ratio:  %d applications / one (target <= 3x)" % args.apps, many, one)


if __name__ == "__main__":
    main()
