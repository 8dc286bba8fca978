"""``econgraph text``: the Beige Book industry indexes (:mod:`scoring.text.index`).

* ``text build [--force]``: passages -> industries -> raters -> ``<home>/text/index.parquet`` (free when inputs and
  code are unchanged); prints timings, thresholds, rater agreement and coverage.
* ``text index --industry CODE [--format table|json|csv] [--as-of DATE]``: one industry's release-dated series.
* ``text coverage``: editions and passages per industry.
* ``text llm-sample``: the LLM rater (``ECONGRAPH_LLM_*`` endpoint) on the labelled sample: agreement with the
  hand labels and the cost (answers cached in ``<home>/cache/text_llm.sqlite``).
* ``text evaluate``: correlation with next BEA gross-output growth and the walk-forward with/without the index
  (:mod:`scoring.text.evaluate`).
"""
from __future__ import annotations

import json
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from .settings import get_settings

text_app = typer.Typer(no_args_is_help=True, help="Beige Book text as point-in-time industry indexes.")
console = Console(stderr=True)
out = Console()


@text_app.command("build")
def build_cmd(force: bool = typer.Option(False, "--force", help="rebuild even if inputs and code are unchanged")):
    """Build the Beige Book industry indexes under <home>/text."""
    from ingest.warehouse import Warehouse
    from scoring.text.index import build

    settings = get_settings()
    wh = Warehouse(settings.home)
    wh.ingest("text", progress=lambda m: console.print(m))
    report = build(wh, settings.home, force=force, progress=lambda m: console.print(m))
    out.print_json(json.dumps(report, default=str))


@text_app.command("index")
def index_cmd(industry: str = typer.Option(..., "--industry", help="BEA summary industry code, e.g. 334"),
              fmt: str = typer.Option("table", "--format", help="table | json | csv"),
              as_of: Optional[str] = typer.Option(None, "--as-of", help="only editions released by this date")):
    """One industry's index by edition (release date = point in time)."""
    from scoring.text.index import industry_series

    if fmt not in ("table", "json", "csv"):
        raise typer.BadParameter(f"--format must be table, json or csv, got {fmt!r}")
    try:
        df = industry_series(get_settings().home, industry, as_of)
    except (FileNotFoundError, KeyError) as exc:
        console.print(f"[red]{exc.args[0] if isinstance(exc, KeyError) else exc}[/red]")
        raise typer.Exit(1)
    df = df.assign(published_date=df["published_date"].dt.strftime("%Y-%m-%d"))
    if fmt == "csv":
        df.to_csv(sys.stdout, index=False, float_format="%.6g")
    elif fmt == "json":
        recs = json.loads(df.to_json(orient="records", double_precision=6))
        sys.stdout.write(json.dumps({"bea_code": industry, "name": df["name"].iloc[0] if len(df) else None,
                                     "editions": len(recs), "points": recs}) + "\n")
    else:
        t = Table(title=f"Beige Book index, {industry} ({df['name'].iloc[0] if len(df) else ''})")
        for c in ("edition", "index", "band_low", "band_high", "index_se", "level", "n_passages", "n_districts"):
            t.add_column(c, justify="right")
        for r in df.itertuples():
            t.add_row(r.edition, f"{r.index:+.3f}", f"{r.band_low:+.3f}", f"{r.band_high:+.3f}",
                      f"{r.index_se:.3f}", r.level, str(r.n_passages), str(r.n_districts))
        out.print(t)


@text_app.command("coverage")
def coverage_cmd(fmt: str = typer.Option("table", "--format", help="table | csv")):
    """Editions and passages per industry."""
    import pandas as pd

    from scoring.text.index import out_dir

    path = out_dir(get_settings().home) / "coverage.parquet"
    if not path.exists():
        console.print(f"[red]{path} not found; run `econgraph text build`[/red]")
        raise typer.Exit(1)
    cov = pd.read_parquet(path)
    if fmt == "csv":
        cov.to_csv(sys.stdout, index=False)
        return
    t = Table(title="Beige Book coverage per industry")
    for c in ("bea_code", "name", "editions", "editions_industry_level", "passages", "first", "last"):
        t.add_column(c)
    for r in cov.itertuples():
        t.add_row(r.bea_code, str(r.name)[:40], str(r.editions), str(r.editions_industry_level), str(r.passages),
                  str(r.first), str(r.last))
    out.print(t)


@text_app.command("evaluate")
def evaluate_cmd():
    """Does the index add information? Correlation with next BEA gross-output growth; walk-forward with/without."""
    from ingest.warehouse import Warehouse
    from scoring.text.evaluate import evaluate

    settings = get_settings()
    res = evaluate(Warehouse(settings.home), settings.home)
    out.print_json(json.dumps(res, default=str))


@text_app.command("llm-sample")
def llm_sample_cmd():
    """Score the labelled sample with the configured LLM endpoint; agreement with the hand labels and cost."""
    from scoring.raters.llm import LLMConfig
    from scoring.text.labels import load_sample, rater_agreement
    from scoring.text.llm import TextLLMRater

    try:
        cfg = LLMConfig.from_env()
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1)
    sample = load_sample()
    rater = TextLLMRater(cfg, get_settings().home / "cache" / "text_llm.sqlite")
    scored = rater.score(sample)
    agreement = rater_agreement(sample, scored["direction"])
    out.print_json(json.dumps({"model": rater.model, "agreement_vs_pass_a": agreement, "run": rater.last_run}))
