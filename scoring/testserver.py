"""A local OpenAI-compatible chat-completions server for tests and benchmarks (loopback only, random port).

``POST /v1/chat/completions`` answers the econgraph rubric for the task in the user message. Modes:

* ``valid``: a schema-valid answer that depends only on the task text (:func:`expected_answer`);
* ``fenced``: the same answer inside a Markdown ```json fence;
* ``malformed``: content that is not JSON; ``invalid``: JSON that breaks the schema (class ``E3``);
* ``429``: HTTP 429 with ``Retry-After: <retry_after>``; ``500``: HTTP 500;
* ``slow``: the valid answer after ``delay_s`` seconds.

With ``fail_times=k`` only a task's first k calls get the mode's behaviour and later calls get the valid answer
(``None``: every call). ``latency_s`` delays every answer (simulated model time, for benchmarks). If ``api_key`` is
set, requests without ``Authorization: Bearer <api_key>`` get 401. The server counts calls in total and per task,
the largest number of requests in flight at once, and keeps each request's ``Authorization`` header (``seen_auth``)
and the last request body (``last_request``) for tests.

Run it by hand: ``python -m scoring.testserver --mode valid`` prints its base URL.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import signal
import socket
import threading
import time
from collections import Counter

import uvicorn

from .rubric import CLASS_SCORE, EXPOSURE_CLASSES, task_text_from_user_message

MODES = ("valid", "fenced", "malformed", "invalid", "429", "500", "slow")


def expected_answer(task_text: str) -> dict:
    """The ``valid`` mode's answer for a task text (class from its sha256; score = beta of the class)."""
    digest = hashlib.sha256(" ".join(task_text.split()).encode()).hexdigest()
    cls = EXPOSURE_CLASSES[int(digest[:8], 16) % 3]
    return {"exposure_class": cls, "score": CLASS_SCORE[cls], "rationale": f"test answer {digest[:8]}"}


class ChatServer:
    """The server, run by uvicorn in a background thread; use as a context manager or ``start()``/``stop()``."""

    def __init__(self, mode: str = "valid", *, fail_times: int | None = None, delay_s: float = 1.0,
                 retry_after: str = "0", latency_s: float = 0.0, api_key: str | None = None,
                 prompt_tokens: int = 250, completion_tokens: int = 40):
        self.mode = mode
        self.fail_times = fail_times
        self.delay_s = delay_s
        self.retry_after = retry_after
        self.latency_s = latency_s
        self.api_key = api_key
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.reset()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"unknown test server mode {value!r}; modes: {', '.join(MODES)}")
        self._mode = value

    def reset(self) -> None:
        self.calls = 0
        self.calls_by_task: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.seen_auth: list[str | None] = []
        self.last_request: dict | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "ChatServer":
        # proto=IPPROTO_TCP so that asyncio sets TCP_NODELAY on accepted connections (with proto 0 it does not, and
        # Nagle + delayed ACK add ~40 ms to every response); the option is also set here and inherited on Linux
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app, log_level="warning", access_log=False, lifespan="off", interface="asgi3",
                                timeout_graceful_shutdown=1, backlog=2048)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name=f"chat-test-server-{self.port}")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the chat test server did not start within 10 s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self) -> "ChatServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ ASGI app
    async def _app(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] != "POST" or not scope["path"].endswith("/chat/completions"):
            await _respond(send, 404, {"error": {"message": "not found"}})
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        auth = headers.get("authorization")
        self.seen_auth.append(auth)
        if self.api_key is not None and auth != f"Bearer {self.api_key}":
            await _respond(send, 401, {"error": {"message": "invalid api key", "type": "invalid_request_error"}})
            return
        try:
            request = json.loads(body)
            user = next(m["content"] for m in request["messages"] if m["role"] == "user")
            task = task_text_from_user_message(user)
        except (ValueError, KeyError, StopIteration, TypeError):
            await _respond(send, 400, {"error": {"message": "bad request"}})
            return
        self.last_request = request
        self.calls += 1
        self.calls_by_task[task] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self._answer(send, request, task)
        finally:
            self.in_flight -= 1

    async def _answer(self, send, request: dict, task: str) -> None:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        mode = self.mode
        failing = self.fail_times is None or self.calls_by_task[task] <= self.fail_times
        if failing and mode == "429":
            await _respond(send, 429, {"error": {"message": "rate limited", "type": "rate_limit_error"}},
                           [(b"retry-after", self.retry_after.encode())])
            return
        if failing and mode == "500":
            await _respond(send, 500, {"error": {"message": "internal error"}})
            return
        if failing and mode == "slow":
            await asyncio.sleep(self.delay_s)
        content = json.dumps(expected_answer(task))
        if failing and mode == "fenced":
            content = f"```json\n{content}\n```"
        elif failing and mode == "malformed":
            content = content[: len(content) // 2]
        elif failing and mode == "invalid":
            content = json.dumps({**expected_answer(task), "exposure_class": "E3"})
        await _respond(send, 200, {
            "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
            "model": request.get("model", "test"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                      "total_tokens": self.prompt_tokens + self.completion_tokens}})


async def _respond(send, status: int, payload: dict, extra_headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *extra_headers]})
    await send({"type": "http.response.body", "body": body})


def main() -> None:  # pragma: no cover - manual use
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="valid", choices=MODES)
    parser.add_argument("--latency-s", type=float, default=0.0)
    args = parser.parse_args()
    stop = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # the server thread inherits the mask; this thread waits for them
    with ChatServer(args.mode, latency_s=args.latency_s) as server:
        print(f"chat test server at {server.base_url} (mode {server.mode}); Ctrl-C or SIGTERM stops it", flush=True)
        signal.sigwait(stop)


if __name__ == "__main__":  # pragma: no cover
    main()
