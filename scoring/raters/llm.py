"""LLM rater: any OpenAI-compatible chat-completions endpoint, asked the econgraph rubric for every task.

Client (``httpx.AsyncClient``):

* bounded concurrency: ``concurrency`` workers take tasks from a queue, so at most that many requests are in flight;
  their connections are spread over pools of at most :data:`POOL_CONNECTIONS`;
* retries of 429, 408, 5xx, timeouts and connection errors, at most ``max_retries`` per task, sleeping
  ``Retry-After`` when the server sends it (seconds or an HTTP date, capped at ``retry_after_max_s``), otherwise
  exponential backoff with jitter: d_n = min(backoff_max_s, backoff_base_s·2^(n−1))·U(0.5, 1);
* 401/403/404 stop the whole run (:class:`LLMEndpointError`): every task would fail the same way;
* every answer is validated against :data:`scoring.rubric.ANSWER_SCHEMA` (the request asks for
  :data:`scoring.rubric.REQUEST_SCHEMA` with ``response_format`` json_schema, or for json_object, or for nothing,
  per ``response_format``; a Markdown fence is tolerated); an invalid answer is asked again up to ``max_invalid`` more times, then recorded as a failure.

Cache (:class:`AnswerCache`, SQLite, one committed row per finished task): the key is
sha256(rubric version, model, user message) where the user message holds the whitespace-normalised task text (and
the occupation title when the tasks carry an ``occupation_title`` column). Re-running costs no call for a cached
answer, and a run interrupted at any point keeps every answer it finished. Failures are recorded too (status
``failed``, with the error) and retried on the next run unless ``retry_failed=False``. Identical prompts within one
run are asked once.

Accounting (:class:`RunStats`, kept as ``last_run``): HTTP calls, retries, cache hits, failures, prompt and
completion tokens from the ``usage`` field of every answered call (invalid answers cost tokens too) and
cost_usd = prompt_tokens/1000·price_prompt_per_1k + completion_tokens/1000·price_completion_per_1k.

Secrets: the API key lives only in the ``Authorization`` header of the client; it is excluded from ``repr``,
never logged and never written to the cache (which stores no endpoint URL either).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal, Mapping

import httpx
import pandas as pd

from ..rubric import PROBA_COLUMNS, REQUEST_SCHEMA, RUBRIC_VERSION, AnswerInvalid, build_messages, parse_answer
from . import Rater

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
ENV_PREFIX = "ECONGRAPH_LLM_"
#: connections per httpx pool: httpcore scans its whole pool for every request, so the client spreads ``concurrency``
#: connections over several small pools (measured against the local test server: one pool of 64 connections gave
#: fewer answers per second than one of 16)
POOL_CONNECTIONS = 16


class LLMEndpointError(RuntimeError):
    """The endpoint refuses every request (bad key, unknown model or URL): the run stops."""


@dataclass(frozen=True)
class LLMConfig:
    """Endpoint and client settings. ``api_key`` is excluded from ``repr`` and never stored."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 8
    timeout_s: float = 60.0
    max_retries: int = 6
    max_invalid: int = 2
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 120.0
    price_prompt_per_1k: float = 0.0
    price_completion_per_1k: float = 0.0
    response_format: Literal["json_schema", "json_object", "none"] = "json_schema"
    temperature: float = 0.0
    max_tokens: int = 300

    def __post_init__(self):
        if not self.base_url or not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"LLM base_url must be an http(s) URL, got {self.base_url!r}")
        if not self.model:
            raise ValueError("LLM model must be named")
        if not 1 <= self.concurrency <= 1024:
            raise ValueError(f"LLM concurrency must be in 1..1024, got {self.concurrency}")
        if self.timeout_s <= 0 or self.max_retries < 0 or self.max_invalid < 0:
            raise ValueError(f"LLM timeout_s must be > 0 and retries >= 0, got timeout_s={self.timeout_s}, "
                             f"max_retries={self.max_retries}, max_invalid={self.max_invalid}")
        if self.response_format not in ("json_schema", "json_object", "none"):
            raise ValueError(f"response_format must be json_schema, json_object or none, got {self.response_format!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "LLMConfig":
        """Read ``ECONGRAPH_LLM_BASE_URL``, ``_MODEL``, ``_API_KEY``, ``_CONCURRENCY``, ``_TIMEOUT_S``,
        ``_PRICE_PROMPT_PER_1K``, ``_PRICE_COMPLETION_PER_1K``, ``_RESPONSE_FORMAT`` (keyword overrides win)."""
        env = os.environ if env is None else env
        values: dict = {}
        for name, conv in (("base_url", str), ("model", str), ("api_key", str), ("concurrency", int),
                           ("timeout_s", float), ("price_prompt_per_1k", float),
                           ("price_completion_per_1k", float), ("response_format", str)):
            raw = env.get(ENV_PREFIX + name.upper())
            if raw not in (None, ""):
                try:
                    values[name] = conv(raw)
                except ValueError:
                    shown = "<hidden>" if name == "api_key" else repr(raw)
                    raise ValueError(f"{ENV_PREFIX}{name.upper()}: expected {conv.__name__}, got {shown}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        missing = [ENV_PREFIX + k.upper() for k in ("base_url", "model") if k not in values]
        if missing:
            raise ValueError(f"LLM rater not configured: set {', '.join(missing)}")
        return cls(**values)


@dataclass
class RunStats:
    tasks: int = 0
    prompts: int = 0
    cache_hits: int = 0
    calls: int = 0
    retries: int = 0
    invalid_answers: int = 0
    answered: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    elapsed_s: float = 0.0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Prompt:
    key: str
    task_text: str
    occupation: str | None

    @property
    def messages(self) -> list[dict[str, str]]:
        return build_messages(self.task_text, self.occupation)


def prompt_key(task_text: str, occupation: str | None, model: str, rubric_version: str = RUBRIC_VERSION) -> str:
    """Cache key: sha256 of (rubric version, model, user message)."""
    user = build_messages(task_text, occupation)[1]["content"]
    return hashlib.sha256(json.dumps([rubric_version, model, user]).encode()).hexdigest()


class AnswerCache:
    """SQLite store of finished answers (WAL journal, one committed row per task, safe to interrupt)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("""CREATE TABLE IF NOT EXISTS answers (
            key TEXT PRIMARY KEY, rubric_version TEXT NOT NULL, model TEXT NOT NULL, task_text TEXT NOT NULL,
            occupation TEXT, status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), exposure_class TEXT,
            score REAL, rationale TEXT, error TEXT, calls INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL, created_at TEXT NOT NULL)""")

    def get(self, keys: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        cur = self._db.cursor()
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = cur.execute(f"SELECT * FROM answers WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            names = [d[0] for d in rows.description]
            for row in rows:
                rec = dict(zip(names, row))
                out[rec["key"]] = rec
        return out

    def put(self, rec: dict) -> None:
        cols = ("key", "rubric_version", "model", "task_text", "occupation", "status", "exposure_class", "score",
                "rationale", "error", "calls", "prompt_tokens", "completion_tokens", "created_at")
        self._db.execute(f"INSERT OR REPLACE INTO answers ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                         [rec.get(c) for c in cols])

    def count(self, status: str | None = None) -> int:
        if status is None:
            return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM answers WHERE status = ?", (status,)).fetchone()[0]

    def close(self) -> None:
        self._db.close()


def _retry_after_s(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


class LLMRater(Rater):
    """Rates tasks by asking an LLM endpoint; ``cache_path`` is the SQLite answer cache."""

    source = "llm"

    def __init__(self, config: LLMConfig, cache_path: str | Path, name: str = "llm",
                 rubric_version: str = RUBRIC_VERSION, retry_failed: bool = True, progress: Progress | None = None,
                 seed: int | None = None):
        self.config = config
        self.cache_path = Path(cache_path)
        self.name = name
        self.rubric_version = rubric_version
        self.retry_failed = retry_failed
        self.progress = progress
        self._rng = random.Random(seed)
        self.last_run = RunStats()

    @property
    def model(self) -> str:
        return self.config.model

    # ------------------------------------------------------------------ public API
    def _score(self, tasks: pd.DataFrame) -> pd.DataFrame:
        """Synchronous entry point (runs its own event loop); inside a running loop use :meth:`ascore`."""
        return asyncio.run(self.ascore(tasks))

    async def ascore(self, tasks: pd.DataFrame) -> pd.DataFrame:
        """Score ``tasks`` (the async twin of :meth:`score`; tasks are validated by :meth:`score` only)."""
        t0 = time.perf_counter()
        stats = self.last_run = RunStats(tasks=len(tasks))
        occupations = tasks["occupation_title"].tolist() if "occupation_title" in tasks.columns else [None] * len(tasks)
        keys = []
        prompts: dict[str, Prompt] = {}
        for text, occ in zip(tasks["task_text"].tolist(), occupations):
            occ = occ if isinstance(occ, str) and occ.strip() else None
            key = prompt_key(text, occ, self.config.model, self.rubric_version)
            keys.append(key)
            prompts.setdefault(key, Prompt(key, " ".join(str(text).split()), occ))
        stats.prompts = len(prompts)
        cache = AnswerCache(self.cache_path)
        try:
            records = cache.get(list(prompts))
            todo = [p for k, p in prompts.items()
                    if k not in records or (records[k]["status"] == "failed" and self.retry_failed)]
            stats.cache_hits = len(prompts) - len(todo)
            done = stats.cache_hits
            self._report(done, len(prompts))
            if todo:
                queue: asyncio.Queue[Prompt] = asyncio.Queue()
                for prompt in todo:
                    queue.put_nowait(prompt)
                workers = min(self.config.concurrency, len(todo))
                pools = -(-workers // POOL_CONNECTIONS)
                per_pool = -(-workers // pools)
                headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}

                async def worker(client: httpx.AsyncClient) -> None:
                    nonlocal done
                    while not queue.empty():
                        prompt = queue.get_nowait()
                        rec = await self._ask(client, prompt, stats)
                        cache.put(rec)
                        records[prompt.key] = rec
                        done += 1
                        self._report(done, len(prompts))

                async with contextlib.AsyncExitStack() as stack:
                    clients = [await stack.enter_async_context(httpx.AsyncClient(
                        headers=headers, timeout=httpx.Timeout(self.config.timeout_s),
                        limits=httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool)))
                        for _ in range(pools)]
                    try:
                        async with asyncio.TaskGroup() as group:
                            for i in range(workers):
                                group.create_task(worker(clients[i % pools]))
                    except ExceptionGroup as errors:  # the first error (e.g. LLMEndpointError) stopped the run
                        raise errors.exceptions[0] from None
        finally:
            cache.close()
            stats.cost_usd = (stats.prompt_tokens / 1000 * self.config.price_prompt_per_1k
                              + stats.completion_tokens / 1000 * self.config.price_completion_per_1k)
            stats.elapsed_s = time.perf_counter() - t0
        stats.answered = sum(1 for r in records.values() if r["status"] == "ok")
        stats.failures = len(prompts) - stats.answered
        return self._frame(tasks, keys, records)

    # ------------------------------------------------------------------ internals
    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _body(self, prompt: Prompt) -> dict:
        body = {"model": self.config.model, "messages": prompt.messages, "temperature": self.config.temperature,
                "max_tokens": self.config.max_tokens}
        if self.config.response_format == "json_schema":
            body["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "exposure_rating", "strict": True, "schema": REQUEST_SCHEMA}}
        elif self.config.response_format == "json_object":
            body["response_format"] = {"type": "json_object"}
        return body

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.config.retry_after_max_s)
        cap = min(self.config.backoff_max_s, self.config.backoff_base_s * 2 ** (attempt - 1))
        return cap * self._rng.uniform(0.5, 1.0)

    async def _ask(self, client: httpx.AsyncClient, prompt: Prompt, stats: RunStats) -> dict:
        """One task until a valid answer or a recorded failure (the returned dict is a cache row)."""
        url = self.config.base_url.rstrip("/") + "/chat/completions"
        body = self._body(prompt)
        rec = {"key": prompt.key, "rubric_version": self.rubric_version, "model": self.config.model,
               "task_text": prompt.task_text, "occupation": prompt.occupation, "calls": 0, "prompt_tokens": 0,
               "completion_tokens": 0}
        transient = invalid = 0
        tag = prompt.key[:12]
        while True:
            retry_after = None
            rec["calls"] += 1
            stats.calls += 1
            try:
                resp = await client.post(url, json=body)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = f"{type(exc).__name__} after {self.config.timeout_s:g}s timeout" \
                    if isinstance(exc, httpx.TimeoutException) else f"{type(exc).__name__}"
            else:
                status = resp.status_code
                if status in (401, 403, 404):
                    raise LLMEndpointError(f"endpoint {url} answered HTTP {status} for model {self.config.model!r}: "
                                           f"{resp.text[:200]!r}; check the base URL, model and API key")
                if status == 429 or status == 408 or status >= 500:
                    problem = f"HTTP {status}"
                    retry_after = _retry_after_s(resp.headers.get("retry-after"))
                elif status >= 400:
                    return self._failed(rec, f"HTTP {status}: {resp.text[:200]}")
                else:
                    try:
                        answer = self._parse(resp, rec, stats)
                    except AnswerInvalid as exc:
                        invalid += 1
                        stats.invalid_answers += 1
                        log.info("task %s: invalid answer (%d of %d allowed): %s", tag, invalid,
                                 self.config.max_invalid + 1, exc)
                        if invalid > self.config.max_invalid:
                            return self._failed(rec, f"invalid answer after {invalid} tries: {exc}")
                        continue
                    rec.update(status="ok", exposure_class=answer.exposure_class, score=answer.score,
                               rationale=answer.rationale, error=None, created_at=_now())
                    return rec
            transient += 1
            if transient > self.config.max_retries:
                return self._failed(rec, f"{problem}; gave up after {transient} tries")
            delay = self._backoff(transient, retry_after)
            stats.retries += 1
            log.info("task %s: %s, retry %d of %d in %.2fs", tag, problem, transient, self.config.max_retries, delay)
            await asyncio.sleep(delay)

    @staticmethod
    def _parse(resp: httpx.Response, rec: dict, stats: RunStats):
        try:
            payload = resp.json()
        except ValueError:
            raise AnswerInvalid(f"response body is not JSON: {resp.text[:80]!r}") from None
        usage = (payload.get("usage") or {}) if isinstance(payload, dict) else {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        rec["prompt_tokens"] += prompt_tokens
        rec["completion_tokens"] += completion_tokens
        stats.prompt_tokens += prompt_tokens
        stats.completion_tokens += completion_tokens
        try:
            content = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise AnswerInvalid("response has no choices[0].message.content") from None
        return parse_answer(content)

    @staticmethod
    def _failed(rec: dict, error: str) -> dict:
        log.warning("task %s: recorded as failure: %s", rec["key"][:12], error)
        rec.update(status="failed", exposure_class=None, score=None, rationale=None, error=error, created_at=_now())
        return rec

    def _frame(self, tasks: pd.DataFrame, keys: list[str], records: dict[str, dict]) -> pd.DataFrame:
        ok = [records.get(k, {}).get("status") == "ok" for k in keys]
        rows = [records[k] for k, good in zip(keys, ok) if good]
        out = pd.DataFrame({"onet_soc": tasks["onet_soc"].to_numpy()[ok],
                            "task_id": tasks["task_id"].astype("int64").to_numpy()[ok],
                            "exposure_class": [r["exposure_class"] for r in rows],
                            "score": [float(r["score"]) for r in rows]})
        for c in PROBA_COLUMNS:
            out[c] = float("nan")
        out["rater"] = self.name
        out["rubric_version"] = self.rubric_version
        out["model"] = self.config.model
        out["source"] = self.source
        out["rationale"] = [r["rationale"] for r in rows]
        return out


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
