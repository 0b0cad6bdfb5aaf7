# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The message sent when a release operation ends. Pure functions.

One JSON body with every field (``FIELDS``) and a one-line human subject,
short and plain enough for an SNS subject (at most 100 printable ASCII
characters, no line breaks).
"""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timezone

FIELDS = ("application", "operation", "from_color", "to_color", "weights", "version", "holder", "outcome",
          "duration", "stopped_by", "detail", "started_at", "ended_at")
OUTCOMES = ("succeeded", "failed", "rolled_back", "aborted")
SUBJECT_MAX = 100
_WORDS = dict(succeeded="succeeded", failed="FAILED", rolled_back="ROLLED BACK", aborted="ABORTED")


def duration_text(seconds):
    """``2m05s``, ``45s``, ``1h02m``; empty for None."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def weights_text(weights):
    """``blue 90% / green 10%`` from ``{blue: 90, green: 10}``; empty for none."""
    if not weights:
        return ""
    return " / ".join(f"{color} {weights[color]}%" for color in sorted(weights))


def _seconds_between(start, end):
    """Seconds from one ISO 8601 time to another, or None when either is missing or unreadable."""
    try:
        times = [datetime.fromisoformat(str(t).replace("Z", "+00:00")) for t in (start, end)]
        times = [t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in times]
    except ValueError:
        return None
    return max(0.0, (times[1] - times[0]).total_seconds())


def message(fields):
    """The JSON body: every field of ``FIELDS`` (missing ones as null); the duration from the times when not given."""
    body = {key: fields.get(key) for key in FIELDS}
    if body["duration"] is None and body["started_at"] and body["ended_at"]:
        body["duration"] = _seconds_between(body["started_at"], body["ended_at"])
    return body


def subject(body):
    """One line: ``web: switch to green (100%) succeeded in 4s`` / ``... ROLLED BACK by web-green-5xx in 2m05s``."""
    text = f"{body.get('application')}: {body.get('operation') or 'operation'} {_WORDS.get(body.get('outcome'), body.get('outcome'))}"
    if body.get("stopped_by"):
        text += f" by {body['stopped_by']}"
    if body.get("duration") is not None:
        text += f" in {duration_text(body['duration'])}"
    text = re.sub(r"[^\x20-\x7e]", "?", " ".join(text.split()))
    return text if len(text) <= SUBJECT_MAX else text[:SUBJECT_MAX - 3] + "..."


def text(body):
    """A few readable lines for a chat webhook's ``text`` (the JSON fields stay beside it)."""
    lines = [subject(body)]
    if body.get("from_color") or body.get("to_color"):
        lines.append(f"{body.get('from_color') or '?'} -> {body.get('to_color') or '?'}"
                     + (f" ({weights_text(body.get('weights'))})" if body.get("weights") else ""))
    if body.get("version"):
        lines.append(f"version {body['version']}")
    if body.get("holder"):
        lines.append(f"by {body['holder']}")
    if body.get("detail"):
        lines.append(str(body["detail"]))
    return "\n".join(lines)
