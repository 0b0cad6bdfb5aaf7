"""Time a blue/green switch against the floor: one bare AWS CLI call.

Starts the embedded AWS (moto server) on a free 127.0.0.1 port, provisions the
stack with site.yml, then times, N times each:

  floor   aws elbv2 modify-listener (the one API call a switch needs at least)
  switch  ansible-playbook switch.yml -e color=green, then blue, alternately

and prints the medians and their ratio. The emulator is stopped at the end,
whatever happens. Run from anywhere with the project's Python:

  .venv/bin/python bench/switch_bench.py [--runs N]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import line, provisioned_stack, ratio, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command (default 3)")
    args = parser.parse_args()

    with provisioned_stack() as bench:
        listener, arns = bench.traffic_path()
        order = ["green", "blue"] * args.runs
        floor, switch = [], []
        for color in order[:args.runs]:
            floor.append(bench.modify_listener(listener, arns[color]))
        # Back to where site.yml left it, so every switch below really switches.
        bench.modify_listener(listener, arns["blue"])
        for color in order[:args.runs]:
            switch.append(timed(bench.playbook + ["switch.yml", "-e", "color=" + color], bench.env))

    print()
    line("floor:  aws elbv2 modify-listener", floor)
    line("switch: ansible-playbook switch.yml (alternating)", switch)
    ratio("ratio:  switch / floor", switch, floor)


if __name__ == "__main__":
    main()
