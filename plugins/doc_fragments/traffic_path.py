# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options naming an application's traffic path: the ALB, its production
    # and test listeners, and the blue and green target groups.
    DOCUMENTATION = r"""
options:
  application:
    description:
      - The application. Names O(load_balancer_name) (C({application}-alb)) and
        O(target_groups) (C({application}-blue), C({application}-green)) by the
        collection's naming convention when they are not given.
      - Defaults to O(load_balancer_name) without its C(-alb) suffix.
    type: str
  load_balancer_name:
    description:
      - Name of the Application Load Balancer in front of both colors.
      - Required unless O(application) is given.
    type: str
  listener_port:
    description:
      - Port of the production listener, the one whose default action decides
        which color is live.
    type: int
    default: 80
  test_listener_port:
    description:
      - Port of the test listener, which forwards to the idle color so it can
        be checked before it goes live.
      - Must differ from O(listener_port).
    type: int
  target_groups:
    description:
      - The two target groups the production listener switches between.
      - Required unless O(application) is given.
    type: dict
    suboptions:
      blue:
        description:
          - Name or ARN of the blue target group.
        type: str
        required: true
      green:
        description:
          - Name or ARN of the green target group.
        type: str
        required: true
"""
