"""The dashboard in headless Chromium (Debian's ``chromium`` package): served by the app over real HTTP, its
JavaScript loads the API, and the rendered page shows the AI-impact chart and table, the supply chain of the
largest industry, the latest weights and exposure, and the compliance status with the open breach. A screenshot is
written for a person to look at (``.pytest_cache/econgraph-dashboard.png``)."""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.main import create_app
from api.settings import ApiSettings
from pipeline.settings import Settings

from .conftest import api_settings_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="headless Chromium not installed: apt-get install -y chromium")
SHOT = Path(__file__).resolve().parents[2] / ".pytest_cache" / "econgraph-dashboard.png"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, app) -> None:
        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def chromium(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={tmp / 'profile'}", "--hide-scrollbars",
           "--virtual-time-budget=20000", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def open_app(built, embedded_store):
    """Development settings without keys (reads open), as `make run` serves the dashboard locally."""
    cfg = ApiSettings(core=Settings(home=built["home"], environment="development"), keys=[], warm_on_startup=True,
                      rate_limit_per_second=1000, rate_limit_burst=1000)
    return create_app(cfg, store=embedded_store)


def _view(base: str, tmp: Path, fragment: str) -> str:
    dom = chromium(f"{base}/dashboard/#{fragment}", tmp, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert 'data-loaded="true"' in html, fragment
    assert re.search(r'<div id="error" class="error" hidden="">', html), (fragment, html.split('id="error"')[1][:300])
    return html


def _part(html: str, elem_id: str, end: str) -> str:
    return html.split(f'id="{elem_id}"')[1].split(end)[0]


def test_dashboard_drives_every_view(open_app, built, tmp_path):
    """Each view opened from its shareable URL (the view's state is in the fragment) shows its content."""
    with Server(open_app) as base:
        impact = _view(base, tmp_path, "view=impact&q=2024Q3")
        industry = _view(base, tmp_path, "view=industry&code=5415&q=2024Q3")
        whatif = _view(base, tmp_path, "view=whatif&min=0.5&red=0.2&run=1")
        forecasts = _view(base, tmp_path, "view=forecasts")
        portfolio = _view(base, tmp_path, "view=portfolio&universe=synth20")
        compliance = _view(base, tmp_path, "view=compliance")
        journal = _view(base, tmp_path, "view=journal")
        shot = chromium(f"{base}/dashboard/#view=impact", tmp_path, f"--screenshot={tmp_path / 'dash.png'}",
                        "--window-size=1400,2400")
        narrow = chromium(f"{base}/dashboard/#view=industry&code=5415", tmp_path,
                          f"--screenshot={tmp_path / 'narrow.png'}", "--window-size=420,1800")
    # impact: every industry in the table, the 20 largest as bars with the raters' band, round axis ticks
    table = _part(impact, "impact-table", "</table>")
    assert table.count("<tr data-code=") == 71 and "Computer systems design and related services" in table
    chart = _part(impact, "impact-chart", "</svg>")
    assert chart.count('class="bar"') == 20 and chart.count('class="whisker"') == 60
    ticks = [float(t.replace(",", "")) for t in re.findall(r'class="muted tick">([0-9.,]+)<', chart)]
    assert len(ticks) >= 3 and all(abs(t * 4 - round(t * 4)) < 1e-9 or t >= 1 for t in ticks), ticks
    # sector-level OEWS layer: identical shares within sectors are explained on screen
    assert "publishes occupations by sector" in _part(impact, "sector-note", "</p>")
    assert 'href="#view=industry&amp;code=5415"' in table  # every code links to its industry view
    # industry: history chart and table over the built quarters, supply chain, occupations
    assert _part(industry, "history-chart", "</svg>").count('class="line s1"') == 1
    assert _part(industry, "history-table", "</table>").count("<tr><td>2024Q") == 2
    assert _part(industry, "suppliers-chart", "</svg>").count('class="bar"') == 10
    assert "automatability" in _part(industry, "top-occupations", "</ul>")
    # what-if: every industry's price change, the largest falls charted
    assert _part(whatif, "whatif-table", "</table>").count("<tr><td><a href=") == 71
    assert _part(whatif, "whatif-chart", "</svg>").count('class="bar"') >= 10
    assert "Labour cost saved $" in _part(whatif, "whatif-summary", "</p>")
    # forecasts: the fixture's 30 industries with quantile bands
    assert _part(forecasts, "forecast-table", "</table>").count("<tr>") == 30 + 1
    assert _part(forecasts, "forecast-chart", "</svg>").count('class="median"') == 30
    # portfolio: weights with industry links, exposure, the backtest section says what is missing
    weights = _part(portfolio, "weights-table", "</table>")
    latest = max(p.name for p in (built["home"] / "portfolio" / "synth20").iterdir() if p.name[:2] == "20")
    assert weights.count("<tr><td>S0") >= 10 and f"synth20 on {latest}" in portfolio
    assert _part(portfolio, "exposure-chart", "</svg>").count('class="bar"') >= 3
    assert "no backtest of synth20" in portfolio
    # compliance: the open breach of the recorded universe, the verified chain
    breaches = _part(compliance, "breaches-table", "</table>")
    assert "prospectus_max_issuer_weight" in breaches and "testfund" in breaches
    assert "open breach" in compliance and "verified" in compliance
    assert "decision" in _part(journal, "journal-meta", "</small>")
    assert shot.returncode == 0 and (tmp_path / "dash.png").stat().st_size > 50_000
    assert narrow.returncode == 0 and (tmp_path / "narrow.png").stat().st_size > 20_000
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "dash.png", SHOT)
    shutil.copy(tmp_path / "narrow.png", SHOT.with_name("econgraph-dashboard-420px.png"))


def test_dashboard_shows_the_mandate_and_active_risk_of_a_mandated_book(open_app, built, tmp_path):
    """A book produced under a mandate (pipeline/daily.py writes ``mandate`` and ``active`` into summary.json)
    shows its mandate version, benchmark basis, ex-ante tracking error against the budget and the largest active
    positions with what drove each."""
    import json
    src = built["home"] / "portfolio" / "synth20"
    day = max(p for p in src.iterdir() if p.name[:2] == "20")
    dst = built["home"] / "portfolio" / "mandated" / day.name
    shutil.copytree(day, dst)
    try:
        summ = json.loads((dst / "summary.json").read_text())
        summ["mandate"] = "testfund@2.1.0"
        summ["active"] = {"benchmark": {"ticker": "SPY", "method": "cap_weighted", "n_constituents": 18,
                                        "n_members": 20, "n_members_unpriced": 2,
                                        "unpriced_share_by_market_cap": 0.031},
                          "tracking_error_ex_ante": 0.0081, "tracking_error_budget": 0.02, "active_share": 0.117,
                          "cash": 0.02, "binding": ["upper_bounds (3)"],
                          "top_active": [{"security": "S001", "weight": 0.0475, "benchmark_weight": 0.0742,
                                          "active": -0.0267,
                                          "driver": "capped by regulatory/prospectus limit (0.0475)"}]}
        (dst / "summary.json").write_text(json.dumps(summ))
        with Server(open_app) as base:
            page = _view(base, tmp_path, "view=portfolio&universe=mandated")
    finally:
        shutil.rmtree(dst.parent)
    why = _part(page, "portfolio-why", "</div>")
    assert "mandate testfund@2.1.0" in _part(page, "portfolio-meta", "</small>")
    assert "<b>testfund@2.1.0</b> against SPY (cap weighted: 18 of 20 members; 2 without a price, 3.1% " in why
    assert "ex-ante tracking error 0.81% (budget 2.0%)" in why and "Binding: upper_bounds (3)" in why
    assert "S001" in why and "capped by regulatory/prospectus limit" in why


def test_dashboard_task_search_view(built, tmp_path):
    """The task view on a small real quarter: hits above the floor with every rater's score."""
    from graph.embedded import EmbeddedGraphStore

    from .conftest import subset_graph

    home = tmp_path / "home"
    store = EmbeddedGraphStore(home)
    store.write_quarter(subset_graph(built["graphs"]["2024Q3"]))
    cache = api_settings_for(home).embedding_cache_dir
    cfg = ApiSettings(core=Settings(home=home, environment="development"), keys=[], task_index_on_startup=True,
                      embedding_cache_dir=cache, rate_limit_per_second=1000, rate_limit_burst=1000)
    app = create_app(cfg, store=store)
    with Server(app) as base:
        assert app.state.econ.task_index.wait(timeout=300)
        html = _view(base, tmp_path, "view=tasks&tq=give%20patients%20medication&tmin=0.3")
    rows = _part(html, "tasks-table", "</table>")
    assert "Registered Nurses" in rows and "human " in rows and "gpt4 " in rows
    assert "repeated statements collapsed" in html


def test_dashboard_asks_for_a_key_when_keys_are_required(built, embedded_store, tmp_path):
    app = create_app(api_settings_for(built["home"]), store=embedded_store)
    with Server(app) as base:
        dom = chromium(f"{base}/dashboard/", tmp_path, "--dump-dom")
        headers = httpx.get(f"{base}/dashboard/app.js").headers
    assert "enter an API key with role read" in dom.stdout
    assert "<tr data-code=" not in dom.stdout and 'class="bar"' not in dom.stdout  # no data shown without a key
    assert "default-src 'self'" in headers["content-security-policy"]
