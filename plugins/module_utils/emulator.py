# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers for the embedded AWS emulator: URL checks (pure) and the daemon launcher."""

from __future__ import annotations

import ipaddress
import subprocess
from urllib.parse import urlsplit


def is_loopback(host):
    """True for localhost and any address in 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_endpoint(endpoint_url):
    """Split an emulator URL into (normalised url, bind host, port).

    Raises ValueError naming the bad value when the URL is not plain HTTP on a
    loopback address with an explicit port.
    """
    parts = urlsplit(endpoint_url or "")
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError("endpoint_url must look like http://127.0.0.1:PORT, got %r" % endpoint_url)
    if not is_loopback(parts.hostname):
        raise ValueError(
            "The embedded AWS listens on loopback only; endpoint_url host %r is not a loopback address"
            % parts.hostname
        )
    try:
        port = parts.port
    except ValueError:
        port = None
    if not port:
        raise ValueError("endpoint_url %r needs an explicit port, for example http://127.0.0.1:4575" % endpoint_url)
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    return "http://%s:%d" % (host, port), host, port


def start_daemon(argv, log_file, env):
    """Start ``argv`` detached from the caller (own session, no stdin, output to ``log_file``).

    The emulator must outlive the module that starts it, so this is a plain
    ``Popen`` that is never waited for, not ``run_command`` (which waits).
    Returns the ``Popen`` object so the caller can notice an early exit.
    """
    with open(log_file, "ab") as log:
        return subprocess.Popen(  # pylint: disable=consider-using-with
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
