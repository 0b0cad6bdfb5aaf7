# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's one AWS error type, and the handler that wraps every AWS call with it.

In the style of ``amazon.aws.plugins.module_utils.errors``: a failed call
raises ``AnsibleBlueGreenAWSError`` whose message says what was being done
and on which resource ("Failed to modify listener <arn>: <AWS message>"); a
"not found" error on a lookup returns a default value instead. Modules catch
the one exception type in ``main`` and hand it to ``fail_json_aws_error``.
Used by every ``*_calls.py`` (ELBv2, CloudWatch, S3).
"""

from __future__ import annotations

import functools
import inspect

try:
    import botocore
except ImportError:
    pass  # Modules are responsible for handling this (AnsibleAWSModule does).

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class AnsibleBlueGreenAWSError(AnsibleAWSError):
    pass


_NOT_FOUND = object()


def aws_error_handler(description, missing_codes=(), default_value=_NOT_FOUND):
    """Wrap a call: errors become AnsibleBlueGreenAWSError("Failed to <description>").

    ``description`` is formatted with the wrapped function's arguments, so the
    message names the resource ("modify listener {listener_arn}"). When one of
    ``missing_codes`` is returned by AWS, ``default_value`` is returned instead.
    """

    def wrapper(func):
        signature = inspect.signature(func)

        @functools.wraps(func)
        def handler(*args, **kwargs):
            arguments = signature.bind(*args, **kwargs).arguments
            what = description.format(**{k: _readable(v) for k, v in arguments.items()})
            try:
                return func(*args, **kwargs)
            except botocore.exceptions.ClientError as e:
                if e.response.get("Error", {}).get("Code") in missing_codes and default_value is not _NOT_FOUND:
                    return default_value
                raise AnsibleBlueGreenAWSError(message=f"Failed to {what}", exception=e) from e
            except botocore.exceptions.WaiterError as e:
                raise AnsibleBlueGreenAWSError(message=f"Timeout trying to {what}", exception=e) from e
            except botocore.exceptions.BotoCoreError as e:
                raise AnsibleBlueGreenAWSError(message=f"Failed to {what}", exception=e) from e

        return handler

    return wrapper


def _readable(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value
