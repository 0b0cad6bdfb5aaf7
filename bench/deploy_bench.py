"""Time a release with deploy.yml (strategy ami, switch included) against the floor.

Starts the embedded AWS (moto server) on a free 127.0.0.1 port, provisions the
stack with site.yml, then times:

  floor   aws elbv2 modify-listener (N times; the one API call a switch needs at least)
  deploy  ansible-playbook deploy.yml -e version=V -e strategy=ami, for V = 2, 3, ...
          (each run releases a new version to the idle color, waits until it is
          healthy and switches production traffic to it)

and prints the medians, the ratio deploy / floor and the absolute seconds. The
emulator is stopped at the end, whatever happens. Run with the project's Python:

  .venv/bin/python bench/deploy_bench.py [--runs N]
"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import line, provisioned_stack, ratio, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command (default 3)")
    args = parser.parse_args()

    with provisioned_stack() as bench:
        listener, arns = bench.traffic_path()
        floor = [bench.modify_listener(listener, arns["blue"]) for _run in range(args.runs)]
        deploy = []
        for run in range(args.runs):
            version = str(run + 2)
            deploy.append(timed(bench.playbook + [
                "deploy.yml", "-e", "version=" + version, "-e", "strategy=ami",
                "-e", "bluegreen_deploy_poll_interval=1"], bench.env))
            print("bench: deploy.yml -e version=%s took %.1f s" % (version, deploy[-1]), flush=True)

    print()
    line("floor:  aws elbv2 modify-listener", floor)
    line("deploy: ansible-playbook deploy.yml (ami + switch)", deploy)
    ratio("ratio:  deploy / floor", deploy, floor)
    print("%-50s %6.1f s" % ("absolute: deploy median", statistics.median(deploy)))


if __name__ == "__main__":
    main()
