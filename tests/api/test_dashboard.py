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


def test_dashboard_renders_every_panel(open_app, built, tmp_path):
    with Server(open_app) as base:
        dom = chromium(f"{base}/dashboard/", tmp_path, "--dump-dom")
        assert dom.returncode == 0, dom.stderr[-2000:]
        html = dom.stdout
        shot = chromium(f"{base}/dashboard/", tmp_path, f"--screenshot={tmp_path / 'dash.png'}",
                        "--window-size=1400,2900")
    assert 'data-loaded="true"' in html
    assert re.search(r'<div id="error" class="error" hidden="">', html), "the page shows an error"
    table = html.split('id="impact-table"')[1].split("</table>")[0]
    assert table.count("<tr data-code=") == 71
    assert "Computer systems design and related services" in table
    chart = html.split('id="impact-chart"')[1].split("</svg>")[0]
    assert chart.count('class="bar"') == 20 and chart.count('class="whisker"') == 60  # bars with rater bands
    assert html.split('id="suppliers-chart"')[1].split("</svg>")[0].count('class="bar"') == 10
    assert "automatability" in html.split('id="top-occupations"')[1].split("</ul>")[0]
    weights = html.split('id="weights-table"')[1].split("</table>")[0]
    latest = max(p.name for p in (built["home"] / "portfolio" / "synth20").iterdir())  # other tests may add days
    assert weights.count("<tr><td>S0") >= 10 and f"synth20 on {latest}" in html
    assert html.split('id="exposure-chart"')[1].split("</svg>")[0].count('class="bar"') >= 3
    breaches = html.split('id="breaches-table"')[1].split("</table>")[0]
    assert "prospectus_max_issuer_weight" in breaches and "open breach" in html and "verified" in html
    assert shot.returncode == 0 and (tmp_path / "dash.png").stat().st_size > 50_000
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "dash.png", SHOT)


def test_dashboard_asks_for_a_key_when_keys_are_required(built, embedded_store, tmp_path):
    app = create_app(api_settings_for(built["home"]), store=embedded_store)
    with Server(app) as base:
        dom = chromium(f"{base}/dashboard/", tmp_path, "--dump-dom")
        headers = httpx.get(f"{base}/dashboard/app.js").headers
    assert "enter an API key with role read" in dom.stdout
    assert "default-src 'self'" in headers["content-security-policy"]
