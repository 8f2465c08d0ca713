"""Asking the media service to end a camera's open segment now (``POST /record/<id>/close``).

A hand-off from a live tile needs the last seconds in an indexed, hashed segment at once; with
minute-long segments it would otherwise wait for the minute to be up. The service answers once
the segment that holds ``at`` is indexed, or says why it cannot.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from urllib.parse import urlencode

CLOSE_WAIT_S = 20.0  # a keyframe interval and the indexing, with room for a busy machine
CLOSE_AHEAD_S = 120.0  # how far past now a close may be asked for


class SegmentNotClosed(RuntimeError):
    """The media service did not close the segment; the message is its reason."""


def close_segment(base_url: str, camera_id: int, at: datetime) -> datetime:
    """Block until the camera's footage up to ``at`` is indexed; the indexed segment's end."""
    ahead = max(0.0, (at - datetime.now(at.tzinfo)).total_seconds())
    url = f"{base_url}/record/{camera_id}/close?{urlencode({'at': at.isoformat()})}"
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=ahead + CLOSE_WAIT_S + 10) as reply:
            return datetime.fromisoformat(json.loads(reply.read(4096))["indexed_until"])
    except urllib.error.HTTPError as exc:
        with exc:  # its response stays open until closed
            reason = exc.read(2048).decode("utf-8", "replace").strip() or exc.reason
        raise SegmentNotClosed(str(reason)) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SegmentNotClosed(f"the media service at {base_url} did not answer: {exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise SegmentNotClosed(f"the media service at {base_url} answered oddly: {exc}") from exc
