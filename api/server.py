"""Run the API with uvicorn (``econgraph serve`` calls :func:`serve`).

It lives in ``api/`` (the layer it starts), not in ``pipeline/``: the pipeline layer sits below the API and never
imports it; only the CLI, the composition root, reaches both."""
from __future__ import annotations

import logging

from pipeline.settings import Settings


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info") -> None:
    """Serve the API and dashboard on ``host:port`` until interrupted (one process; the app owns its store).

    The API settings (keys, CORS, limits) are read from the ``ECONGRAPH_API_*`` environment around ``settings``
    and validated before the socket opens: outside development a missing or placeholder key stops the start-up.
    """
    import uvicorn

    from .main import create_app
    from .settings import api_settings

    cfg = api_settings(settings)
    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(cfg)
    # uvicorn's own access log would repeat ours; ours never logs query strings or headers.
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, server_header=False,
                proxy_headers=False, limit_concurrency=1000, timeout_keep_alive=30)
