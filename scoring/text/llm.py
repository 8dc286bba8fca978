"""LLM rater of passage direction through any OpenAI-compatible chat-completions endpoint.

Same interface as the other text raters (:class:`scoring.text.raters.TextRater`). Endpoint, model, key, prices and
retry settings come from :class:`scoring.raters.llm.LLMConfig` (``ECONGRAPH_LLM_*`` environment variables).

Prompt: the rubric of ``RUBRIC.md`` (direction part) as the system message; the user message holds the
whitespace-normalised passage. Answer: a JSON object ``{"direction": "down" | "flat" | "up" | "na"}`` (a Markdown
fence is tolerated); an answer that does not parse is asked again up to ``max_invalid`` more times, then recorded as
a failure. The rater's probabilities are one-hot on the answer; a failed passage gets p_na = 1 (weight 0), so it
never moves an index.

Client: one synchronous ``httpx.Client``; 429, 408, 5xx, timeouts and connection errors are retried up to
``max_retries`` times with exponential backoff d_n = min(backoff_max_s, backoff_base_s 2^(n-1)); 401/403/404 stop
the run (:class:`scoring.raters.llm.LLMEndpointError`).

Cache (SQLite, one committed row per answered passage): key = sha256(rubric version NUL model NUL passage), so a
re-run costs no call for a cached answer and an interrupted run keeps every answer it finished (resumable); failures
are stored and retried next run. Cost: prompt and completion tokens from each answer's ``usage`` times the
configured prices per 1,000 tokens (``last_run``).
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from ..raters.llm import LLMConfig, LLMEndpointError
from .raters import CLASSES, TextRater, _frame

RUBRIC_VERSION = "bb-1"
SYSTEM = (
    "You label one sentence of a Federal Reserve Beige Book report. Answer with a JSON object "
    '{"direction": "down" | "flat" | "up" | "na"}. up: increased, rose, improved, strong/robust/solid activity, '
    "rising prices or wages, a bad (unemployment, bankruptcies) fell. down: decreased, fell, weakened, weak/poor, "
    "tighter credit, excess inventories, falling prices or wages, a bad rose. flat: unchanged, steady, stable. "
    "na: no direction. Mixed sentences: the first-named subject. Current conditions take precedence over outlook.")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def _norm(text: str) -> str:
    return " ".join(str(text).split())


class TextLLMRater(TextRater):
    name = "llm"

    def __init__(self, config: LLMConfig, cache_path: str | Path, transport: httpx.BaseTransport | None = None):
        self.config = config
        self.cache_path = Path(cache_path)
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        self._transport = transport
        self.last_run: dict = {}
        with sqlite3.connect(self.cache_path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, status TEXT NOT NULL, "
                       "direction TEXT, error TEXT, prompt_tokens INTEGER, completion_tokens INTEGER)")

    @property
    def model(self) -> str:
        return f"llm:{self.config.model};rubric={RUBRIC_VERSION}"

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{RUBRIC_VERSION}\0{self.config.model}\0{_norm(text)}".encode()).hexdigest()

    def _cached(self, keys: list[str]) -> dict[str, tuple[str, str | None]]:
        with sqlite3.connect(self.cache_path) as db:
            out = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                q = f"SELECT key, status, direction FROM answers WHERE key IN ({','.join('?' * len(chunk))})"
                out.update({k: (s, d) for k, s, d in db.execute(q, chunk)})
            return out

    def _store(self, key: str, status: str, direction: str | None, error: str | None, usage: dict) -> None:
        with sqlite3.connect(self.cache_path) as db:
            db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                       (key, status, direction, error, int(usage.get("prompt_tokens", 0)),
                        int(usage.get("completion_tokens", 0))))

    def _ask(self, client: httpx.Client, text: str, stats: dict) -> tuple[str | None, str | None, dict]:
        body = {"model": self.config.model, "temperature": self.config.temperature,
                "max_tokens": self.config.max_tokens,
                "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": _norm(text)}]}
        if self.config.response_format != "none":
            body["response_format"] = {"type": "json_object"}
        usage_total = {"prompt_tokens": 0, "completion_tokens": 0}
        invalid = 0
        attempt = 0
        while True:
            try:
                resp = client.post("/chat/completions", json=body)
                stats["calls"] += 1
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                resp, err = None, f"{type(exc).__name__}"
            if resp is not None and resp.status_code in (401, 403, 404):
                raise LLMEndpointError(f"LLM endpoint answered {resp.status_code}; check the URL, key and model")
            if resp is None or resp.status_code in (408, 429) or resp.status_code >= 500:
                attempt += 1
                err = err if resp is None else f"HTTP {resp.status_code}"
                if attempt > self.config.max_retries:
                    return None, err, usage_total
                stats["retries"] += 1
                time.sleep(min(self.config.backoff_max_s, self.config.backoff_base_s * 2 ** (attempt - 1)))
                continue
            try:
                doc = resp.json()
                for k in usage_total:
                    usage_total[k] += int((doc.get("usage") or {}).get(k, 0))
                content = _FENCE.sub("", doc["choices"][0]["message"]["content"].strip())
                direction = json.loads(content)["direction"]
                if direction not in CLASSES:
                    raise ValueError(direction)
                return direction, None, usage_total
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                invalid += 1
                if invalid > self.config.max_invalid:
                    return None, f"invalid answer: {exc!r}"[:200], usage_total

    def _score(self, passages: pd.DataFrame) -> pd.DataFrame:
        texts = passages["text"].tolist()
        keys = [self.key(t) for t in texts]
        cached = self._cached(list(dict.fromkeys(keys)))
        stats = {"calls": 0, "retries": 0, "cache_hits": 0, "failed": 0, "prompt_tokens": 0,
                 "completion_tokens": 0}
        answers: dict[str, str | None] = {k: d for k, (s, d) in cached.items() if s == "ok"}
        stats["cache_hits"] = sum(1 for k in keys if k in answers)
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        with httpx.Client(base_url=self.config.base_url.rstrip("/"), headers=headers,
                          timeout=self.config.timeout_s, transport=self._transport) as client:
            for k, t in zip(keys, texts):
                if k in answers:
                    continue
                direction, error, usage = self._ask(client, t, stats)
                stats["prompt_tokens"] += usage["prompt_tokens"]
                stats["completion_tokens"] += usage["completion_tokens"]
                self._store(k, "ok" if direction else "failed", direction, error, usage)
                answers[k] = direction
                stats["failed"] += direction is None
        stats["cost_usd"] = (stats["prompt_tokens"] / 1000 * self.config.price_prompt_per_1k
                             + stats["completion_tokens"] / 1000 * self.config.price_completion_per_1k)
        self.last_run = stats
        proba = np.zeros((len(texts), len(CLASSES)))
        for i, k in enumerate(keys):
            proba[i, CLASSES.index(answers.get(k) or "na")] = 1.0
        return _frame(proba, self.name, self.model)
