"""The LLM rater against the local OpenAI-compatible test server (loopback, random port)."""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time

import pandas as pd
import pytest

from scoring.raters.llm import AnswerCache, LLMConfig, LLMEndpointError, LLMRater, _retry_after_s, prompt_key
from scoring.rubric import REQUEST_SCHEMA, RUBRIC_VERSION, SCORE_COLUMNS
from scoring.testserver import ChatServer, expected_answer

API_KEY = "sk-test-0123456789abcdefSECRET"


def make_tasks(n: int, prefix: str = "Prepare") -> pd.DataFrame:
    texts = [f"{prefix} the quarterly statement number {i} for the board." for i in range(n)]
    return pd.DataFrame({"onet_soc": [f"13-20{i % 5:02d}.00" for i in range(n)], "task_id": range(1, n + 1),
                         "task_text": texts})


@pytest.fixture(scope="module")
def server():
    with ChatServer(api_key=API_KEY) as srv:
        yield srv


@pytest.fixture
def srv(server):
    server.mode = "valid"
    server.fail_times = None
    server.latency_s = 0.0
    server.reset()
    return server


def rater(srv: ChatServer, tmp_path, **config) -> LLMRater:
    config = {"concurrency": 4, "backoff_base_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 10.0, **config}
    return LLMRater(LLMConfig(srv.base_url, "test-model", api_key=API_KEY, **config), tmp_path / "llm.sqlite",
                    seed=0)


def test_valid_answers_are_parsed_and_accounted(srv, tmp_path):
    tasks = make_tasks(12)
    dup = tasks.iloc[[0]].assign(onet_soc="11-1011.00", task_id=999)  # same text in another occupation
    tasks = pd.concat([tasks, dup], ignore_index=True)
    r = rater(srv, tmp_path, price_prompt_per_1k=0.01, price_completion_per_1k=0.03)
    out = r.score(tasks)
    assert list(out.columns) == list(SCORE_COLUMNS)
    assert len(out) == 13
    for row in out.itertuples():
        text = tasks.loc[tasks.task_id == row.task_id, "task_text"].iloc[0]
        want = expected_answer(text)
        assert (row.exposure_class, row.score, row.rationale) == (want["exposure_class"], want["score"],
                                                                  want["rationale"])
    assert set(out.rater) == {"llm"} and set(out.source) == {"llm"}
    assert set(out.rubric_version) == {RUBRIC_VERSION} and set(out.model) == {"test-model"}
    assert out[["p_E0", "p_E1", "p_E2"]].isna().all().all()
    stats = r.last_run
    assert srv.calls == 12 and stats.calls == 12 and stats.prompts == 12  # the duplicate text is asked once
    assert 1 <= srv.max_in_flight <= 4
    assert stats.prompt_tokens == 12 * 250 and stats.completion_tokens == 12 * 40
    assert stats.cost_usd == pytest.approx(12 * 250 / 1000 * 0.01 + 12 * 40 / 1000 * 0.03)
    assert stats.failures == 0 and stats.answered == 12
    request = srv.last_request
    assert request["model"] == "test-model" and request["temperature"] == 0
    assert request["response_format"]["json_schema"]["schema"] == REQUEST_SCHEMA
    assert "minimum" not in json.dumps(REQUEST_SCHEMA)  # enforced locally, not asked of strict providers


def test_concurrency_is_bounded(srv, tmp_path):
    srv.latency_s = 0.05
    r = rater(srv, tmp_path, concurrency=3)
    r.score(make_tasks(15))
    assert srv.max_in_flight == 3


def test_fenced_answer_is_accepted(srv, tmp_path):
    srv.mode = "fenced"
    out = rater(srv, tmp_path).score(make_tasks(3))
    assert len(out) == 3 and srv.calls == 3


def test_malformed_json_is_retried_then_recorded_as_failure(srv, tmp_path):
    srv.mode = "malformed"
    r = rater(srv, tmp_path, max_invalid=2)
    out = r.score(make_tasks(4))
    assert out.empty
    assert srv.calls == 4 * 3 and set(srv.calls_by_task.values()) == {3}
    assert r.last_run.failures == 4 and r.last_run.invalid_answers == 12
    with sqlite3.connect(tmp_path / "llm.sqlite") as db:
        rows = db.execute("SELECT status, error, calls FROM answers").fetchall()
    assert len(rows) == 4
    assert all(s == "failed" and "not JSON" in e and c == 3 for s, e, c in rows)
    # a later run retries the failures; now the server answers properly
    srv.mode = "valid"
    out = r.score(make_tasks(4))
    assert len(out) == 4 and r.last_run.calls == 4


def test_schema_violation_then_valid_answer(srv, tmp_path):
    srv.mode, srv.fail_times = "invalid", 1
    r = rater(srv, tmp_path)
    out = r.score(make_tasks(5))
    assert len(out) == 5 and set(srv.calls_by_task.values()) == {2} and r.last_run.invalid_answers == 5


def test_429_with_retry_after_is_retried_and_succeeds(srv, tmp_path):
    srv.mode, srv.fail_times, srv.retry_after = "429", 2, "0.3"
    r = rater(srv, tmp_path, backoff_base_s=30.0, backoff_max_s=30.0)  # Retry-After, not the backoff, sets the wait
    t0 = time.perf_counter()
    out = r.score(make_tasks(3))
    elapsed = time.perf_counter() - t0
    assert len(out) == 3 and set(srv.calls_by_task.values()) == {3}
    assert r.last_run.retries == 6
    assert 0.55 <= elapsed < 10


def test_500s_are_retried_then_give_up(srv, tmp_path):
    srv.mode, srv.fail_times = "500", 1
    r = rater(srv, tmp_path)
    assert len(r.score(make_tasks(3))) == 3 and set(srv.calls_by_task.values()) == {2}
    srv.reset()
    srv.fail_times = None
    r2 = rater(srv, tmp_path / "b", max_retries=2)
    assert r2.score(make_tasks(2, "Audit")).empty
    assert set(srv.calls_by_task.values()) == {3} and r2.last_run.failures == 2


def test_slow_answer_times_out_and_is_retried(srv, tmp_path):
    srv.mode, srv.fail_times, srv.delay_s = "slow", 1, 2.0
    r = rater(srv, tmp_path, timeout_s=0.3)
    out = r.score(make_tasks(2))
    assert len(out) == 2 and set(srv.calls_by_task.values()) == {2} and r.last_run.retries == 2


def test_interrupted_run_resumes_without_repeating_finished_tasks(srv, tmp_path):
    srv.latency_s = 0.02
    tasks = make_tasks(40)
    r = rater(srv, tmp_path, concurrency=4)

    async def interrupted() -> None:
        enough = asyncio.Event()
        r.progress = lambda done, total: enough.set() if done >= 10 else None
        job = asyncio.create_task(r.ascore(tasks))
        await enough.wait()
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job

    asyncio.run(interrupted())
    cache = AnswerCache(tmp_path / "llm.sqlite")
    finished = cache.count("ok")
    with sqlite3.connect(tmp_path / "llm.sqlite") as db:
        finished_texts = [t for (t,) in db.execute("SELECT task_text FROM answers WHERE status = 'ok'")]
    cache.close()
    assert 10 <= finished < 40
    calls_before = srv.calls
    r.progress = None
    out = r.score(tasks)
    assert len(out) == 40 and out.task_id.is_unique
    assert r.last_run.cache_hits == finished
    assert all(srv.calls_by_task[t] == 1 for t in finished_texts)
    assert srv.calls - calls_before == r.last_run.calls <= 40 - finished + 4  # at most the in-flight ones redone


def test_cache_hits_make_no_calls(srv, tmp_path):
    tasks = make_tasks(8)
    first = rater(srv, tmp_path).score(tasks)
    calls = srv.calls
    r = rater(srv, tmp_path)
    again = r.score(tasks)
    assert srv.calls == calls and r.last_run.calls == 0 and r.last_run.cache_hits == 8
    pd.testing.assert_frame_equal(first, again)
    # another model or rubric version is another identity: no cache hit
    other = LLMRater(LLMConfig(srv.base_url, "other-model", api_key=API_KEY), tmp_path / "llm.sqlite")
    other.score(tasks)
    assert srv.calls == calls + 8
    assert prompt_key("x", None, "m") != prompt_key("x", None, "m", rubric_version="econgraph-rubric-0.9")


def test_api_key_never_in_cache_logs_or_repr(srv, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    srv.mode, srv.fail_times = "500", 1
    r = rater(srv, tmp_path)
    r.score(make_tasks(3))
    srv.mode, srv.fail_times = "malformed", None
    r.score(make_tasks(2, "Audit"))
    assert f"Bearer {API_KEY}" in srv.seen_auth  # the key was sent ...
    assert "retry" in caplog.text and "recorded as failure" in caplog.text  # ... logs were written ...
    assert API_KEY not in caplog.text  # ... without it
    for f in tmp_path.iterdir():
        assert API_KEY.encode() not in f.read_bytes(), f.name
    assert API_KEY not in repr(r.config) and API_KEY not in str(r.last_run.as_dict())


def test_rejected_key_stops_the_run(srv, tmp_path):
    bad = LLMRater(LLMConfig(srv.base_url, "test-model", api_key="wrong"), tmp_path / "llm.sqlite")
    with pytest.raises(LLMEndpointError, match="HTTP 401"):
        bad.score(make_tasks(3))


def test_config_from_environment():
    env = {"ECONGRAPH_LLM_BASE_URL": "http://127.0.0.1:9/v1", "ECONGRAPH_LLM_MODEL": "m",
           "ECONGRAPH_LLM_API_KEY": API_KEY, "ECONGRAPH_LLM_CONCURRENCY": "16",
           "ECONGRAPH_LLM_PRICE_PROMPT_PER_1K": "0.5"}
    cfg = LLMConfig.from_env(env, timeout_s=5.0)
    assert (cfg.concurrency, cfg.api_key, cfg.price_prompt_per_1k, cfg.timeout_s) == (16, API_KEY, 0.5, 5.0)
    with pytest.raises(ValueError, match="ECONGRAPH_LLM_MODEL"):
        LLMConfig.from_env({"ECONGRAPH_LLM_BASE_URL": "http://x/v1"})
    with pytest.raises(ValueError, match="ECONGRAPH_LLM_CONCURRENCY"):
        LLMConfig.from_env({**env, "ECONGRAPH_LLM_CONCURRENCY": "many"})


def test_retry_after_header_forms():
    assert _retry_after_s("2") == 2.0
    assert _retry_after_s(None) is None and _retry_after_s("soon") is None
    assert _retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: retry now
