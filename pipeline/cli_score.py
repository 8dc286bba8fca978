"""``econgraph score``: the task-automatability raters (:mod:`pipeline.scoring`).

* ``score run --rater embedding|llm|human|gpt4 [--limit N]``: score every O*NET 29.1/30.1 and emerging task with
  one rater, then refresh the consensus and its band across raters (re-run ``econgraph build`` to use them).
* ``score evaluate [--seed S] [--split duplicate|occupation]``: each rater against the human labels on held-out
  groups: Cohen's kappa (3-class E0/E1/E2 and binary), occupation-level beta correlation, expected calibration
  error, with an occupation bootstrap interval for the kappa difference between raters.
* ``score show TASK_ID``: every rater's answer for one task.
"""
from __future__ import annotations

import json
from typing import Optional

import typer

from ingest.errors import IngestError

from .cli_common import _fail, _print_json, _table, console, out
from .settings import get_settings

score_app = typer.Typer(no_args_is_help=True, help="LLM-automatability raters: run, evaluate, show.")


@score_app.command("run")
def score_run(
    rater: str = typer.Option(..., "--rater", help="embedding | llm | human | gpt4"),
    limit: Optional[int] = typer.Option(None, "--limit", help="score only the first N tasks (trial)"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Score every O*NET 29.1/30.1 and emerging task; refresh the consensus and band (re-run `build` after)."""
    from .scoring import ScoringError, run as run_score

    try:
        with console.status(f"scoring tasks with {rater}"):
            info = run_score(get_settings(), rater, limit)
    except (ScoringError, IngestError, ValueError) as exc:
        _fail(exc)
    if fmt == "json":
        _print_json(info)
    else:
        out.print(f"{rater}: scored {info['scored']:,} of {info['tasks']:,} tasks {info['by_class']}; consensus over "
                  f"{info['consensus']['raters']} (mean band width {info['consensus']['mean_band_width']:.3f}); "
                  "run `econgraph build` to use them")


@score_app.command("evaluate")
def score_evaluate(
    seed: int = typer.Option(0, "--seed", help="split seed"),
    split: str = typer.Option("duplicate", "--split",
                              help="duplicate (occupations + 6-digit SOC + near-duplicate tasks held out together) "
                                   "| occupation (former split, leaks through duplicated task texts)"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Each rater against the human labels on held-out groups: kappa, binary kappa, occupation beta r, ECE."""
    from .scoring import ScoringError, evaluate as run_eval

    try:
        with console.status("evaluating raters on held-out groups"):
            res = run_eval(get_settings(), seed, split)
    except (ScoringError, IngestError, ValueError) as exc:
        _fail(exc)
    if fmt == "json":
        _print_json(res)
        return
    first = next(iter(res.values()))["split"]
    t = _table(f"raters vs human labels ({first['description']})",
               ("rater", "kappa_3class", "kappa_binary", "occupation_beta_r", "ece", "accuracy", "n_test"))
    for name, m in res.items():
        t.add_row(name, *[f"{m[k]:.3f}" for k in ("kappa_3class", "kappa_binary", "occupation_beta_r", "ece",
                                                   "accuracy")], str(m.get("n_test")))
    out.print(t)
    for name, m in res.items():
        d = m.get("kappa_difference")
        if d:
            out.print(f"{name} - {d['versus']}: kappa_3class {d['kappa_3class']['difference']:+.3f} "
                      f"[{d['kappa_3class']['ci_low']:+.3f}, {d['kappa_3class']['ci_high']:+.3f}], kappa_binary "
                      f"{d['kappa_binary']['difference']:+.3f} [{d['kappa_binary']['ci_low']:+.3f}, "
                      f"{d['kappa_binary']['ci_high']:+.3f}] ({d['level']:.0%} occupation bootstrap, "
                      f"{d['n_boot']} resamples)")


@score_app.command("show")
def score_show(task_id: int = typer.Argument(..., help="O*NET Task ID")) -> None:
    """All raters' answers for one task."""
    from .scoring import ScoringError, show

    try:
        out.print_json(json.dumps(show(get_settings(), task_id)))
    except ScoringError as exc:
        _fail(exc)
