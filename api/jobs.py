"""Operate jobs (a graph build, a rebalance) run one at a time in a background thread.

One worker: two writers never touch the same econgraph home at once (the embedded store allows one writer per
root). A job's record (``id``, ``kind``, ``status`` queued | running | succeeded | failed, timestamps, ``params``,
``result`` or ``error``) lives in memory for the life of the process, the latest 200 kept. Errors are reported with
their message (input errors name file, row and column); unexpected ones are logged with the traceback.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Callable

log = logging.getLogger("econgraph.api")

KEEP = 200


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class JobRunner:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="econgraph-job")
        self._jobs: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, kind: str, params: dict, fn: Callable[[], Any], on_success: Callable[[], None] | None = None,
               expected: tuple[type[BaseException], ...] = ()) -> dict:
        job = {"id": uuid.uuid4().hex, "kind": kind, "status": "queued", "params": params, "submitted_at": _now(),
               "started_at": None, "finished_at": None, "result": None, "error": None}
        with self._lock:
            self._jobs[job["id"]] = job
            while len(self._jobs) > KEEP:
                self._jobs.popitem(last=False)

        def run() -> None:
            job["status"], job["started_at"] = "running", _now()
            try:
                job["result"] = fn()
                job["status"] = "succeeded"
                if on_success:
                    on_success()
            except expected as exc:
                job["status"], job["error"] = "failed", str(exc)
            except Exception as exc:  # noqa: BLE001 - recorded on the job, traceback in the log
                log.exception("job %s (%s) failed", job["id"], kind)
                job["status"], job["error"] = "failed", f"{type(exc).__name__}: {exc}"
            finally:
                job["finished_at"] = _now()

        self._pool.submit(run)
        return dict(job)

    def get(self, job_id: str) -> dict | None:
        with self._lock:
            j = self._jobs.get(job_id)
            return dict(j) if j else None

    def list(self) -> list[dict]:
        with self._lock:
            return [dict(j) for j in reversed(self._jobs.values())]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
