"""The Beige Book LLM rater against an in-process OpenAI-compatible endpoint (httpx.MockTransport)."""
from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest

from scoring.raters.llm import LLMConfig, LLMEndpointError
from scoring.text.llm import TextLLMRater


def _endpoint(calls):
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        text = body["messages"][1]["content"]
        calls.append(text)
        if "busy" in text and calls.count(text) == 1:
            return httpx.Response(429)
        if "garbled" in text:
            content = "not json"
        else:
            content = "```json\n" + json.dumps({"direction": "up" if "rose" in text else "down"}) + "\n```"
        return httpx.Response(200, json={"choices": [{"message": {"content": content}}],
                                         "usage": {"prompt_tokens": 100, "completion_tokens": 10}})
    return httpx.MockTransport(handler)


def test_llm_rater_scores_caches_resumes_and_prices(tmp_path):
    cfg = LLMConfig(base_url="http://llm.test/v1", model="m", backoff_base_s=0.0, max_invalid=1,
                    price_prompt_per_1k=1.0, price_completion_per_1k=2.0)
    calls: list[str] = []
    rater = TextLLMRater(cfg, tmp_path / "llm.sqlite", transport=_endpoint(calls))
    passages = pd.DataFrame({"text": ["Sales rose.", "Output fell  sharply.", "busy: orders rose.", "garbled text"]})
    out = rater.score(passages)
    assert list(out["direction"]) == ["up", "down", "up", "na"]
    assert out["weight"].iloc[3] == 0.0 and out["score"].iloc[0] == 1.0
    run = rater.last_run
    assert run["retries"] == 1 and run["failed"] == 1
    # 3 answered calls + one 429 + two invalid answers for the garbled passage = 6 calls, 5 with usage
    assert run["calls"] == 6 and run["prompt_tokens"] == 500
    assert run["cost_usd"] == pytest.approx(500 / 1000 * 1.0 + 50 / 1000 * 2.0)
    calls.clear()
    again = TextLLMRater(cfg, tmp_path / "llm.sqlite", transport=_endpoint(calls)).score(
        pd.DataFrame({"text": ["Output fell sharply.", "Sales rose."]}))
    assert calls == [] and list(again["direction"]) == ["down", "up"]


def test_llm_rater_stops_on_auth_error(tmp_path):
    cfg = LLMConfig(base_url="http://llm.test/v1", model="m")
    rater = TextLLMRater(cfg, tmp_path / "c.sqlite", transport=httpx.MockTransport(lambda r: httpx.Response(401)))
    with pytest.raises(LLMEndpointError, match="401"):
        rater.score(pd.DataFrame({"text": ["Sales rose."]}))


def test_cli_llm_sample_needs_an_endpoint(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.delenv("ECONGRAPH_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("ECONGRAPH_LLM_MODEL", raising=False)
    monkeypatch.setenv("ECONGRAPH_HOME", str(tmp_path))
    res = CliRunner().invoke(app, ["text", "llm-sample"])
    assert res.exit_code == 1 and "not configured" in res.output
