"""A bounded gate for CPU-bound request work (the what-if's Leontief solve, paging over its result).

FastAPI runs a synchronous route in a pool of 40 threads: 30 concurrent what-ifs then hold 30 threads that compete for
the interpreter lock with the event loop, and a health check waits seconds. Instead, CPU-bound work goes through one
:class:`ComputeGate`: at most ``workers`` jobs run at a time on its own threads, at most ``queue`` wait for a slot,
and a request beyond that is refused at once with 503 and ``Retry-After`` (load shedding: a client retries later
instead of every client waiting longer). The event loop only awaits; it never computes.
"""
from __future__ import annotations

import asyncio
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from .errors import ApiError


class ComputeGate:
    def __init__(self, workers: int, queue: int) -> None:
        self.workers, self.queue = int(workers), int(queue)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="compute")
        self._sem: asyncio.Semaphore | None = None
        self._waiting = 0
        self.mean_seconds = 0.05  # running estimate of one job's time, for Retry-After
        self.rejected = 0

    def _semaphore(self) -> asyncio.Semaphore:
        if self._sem is None:  # created on the serving loop
            self._sem = asyncio.Semaphore(self.workers)
        return self._sem

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        sem = self._semaphore()
        if sem.locked() and self._waiting >= self.queue:
            self.rejected += 1
            retry = max(1, math.ceil(self.mean_seconds * (self._waiting + 1) / self.workers))
            raise ApiError(503, f"the server is busy: {self.workers} computation(s) running and {self._waiting} "
                                f"waiting (limit {self.queue}); retry in {retry} s", "busy",
                           headers={"Retry-After": str(retry)})
        self._waiting += 1
        try:
            await sem.acquire()
        finally:
            self._waiting -= 1
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        finally:
            self.mean_seconds = 0.8 * self.mean_seconds + 0.2 * (loop.time() - t0)
            sem.release()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
