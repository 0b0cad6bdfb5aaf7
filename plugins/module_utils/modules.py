# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AnsibleAWSModule that reports this collection in the AWS user agent."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

BLUEGREEN_AWS_COLLECTION_NAME = "bluegreen.aws"
BLUEGREEN_AWS_COLLECTION_VERSION = "0.1.0"


class AnsibleBlueGreenAWSModule(AnsibleAWSModule):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        set_collection_info(
            collection_name=BLUEGREEN_AWS_COLLECTION_NAME,
            collection_version=BLUEGREEN_AWS_COLLECTION_VERSION,
        )
