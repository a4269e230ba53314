"""Posting webhook pushes over HTTP, outside any transaction, several at a time.

A slow or dead robot holds only its own thread until the timeout; the others go on.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from workbench.domain.delivery import accepted
from workbench.services.webhooks import Push, push_json

TIMEOUT = 5.0


def post(push: Push, timeout: float = TIMEOUT) -> str | None:
    """POST one push; None when the robot took it, else a short reason."""
    request = urllib.request.Request(
        push.url, data=push_json(push), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "workbench",
                 "X-Workbench-Delivery": str(push.id)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https checked)
            return accepted(response.status, response.read(65536))
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{type(reason).__name__}: {reason}"[:300]


def post_all(pushes: Iterable[Push], workers: int = 8, timeout: float = TIMEOUT) -> list[tuple[Push, str | None]]:
    pushes = list(pushes)
    if not pushes:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(pushes)), thread_name_prefix="push") as pool:
        return list(zip(pushes, pool.map(lambda p: post(p, timeout), pushes)))
