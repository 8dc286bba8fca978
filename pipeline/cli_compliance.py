"""``econgraph compliance``: checks, reports, audit replay and verification (:mod:`compliance.service`).

* ``compliance check --date D [--universe U]``: the holdings published for D against every rule, recorded in the
  hash-chained audit log (:func:`pipeline.daily.compliance_check`).
* ``compliance report --date D --out DIR``: the daily HTML + PDF report of a recorded check (RIC report on quarter
  ends).
* ``compliance replay --date D``: re-run a past check from its recorded inputs; exit 1 unless the result hash
  reproduces.
* ``compliance verify``: walk the audit log's hash chain (each entry hashes its predecessor); exit 1 on any edited,
  deleted or reordered entry.
"""
from __future__ import annotations

import typer

from ingest.errors import IngestError

from .cli_common import _fail, _print_json, _table, out
from .settings import get_settings

compliance_app = typer.Typer(no_args_is_help=True, help="Fund-rule compliance: checks, reports, audit replay.")


@compliance_app.command("check")
def compliance_check(
    date: str = typer.Option(..., "--date"),
    universe: str = typer.Option("sp500", "--universe"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Check the holdings published for a date against every rule (recorded in the audit log)."""
    from .daily import DailyError, compliance_check as run_check

    settings = get_settings()
    try:
        res = run_check(settings, date, universe)
    except (DailyError, IngestError, ValueError) as exc:
        _fail(exc)
    if fmt == "json":
        _print_json(res)
        return
    t = _table(f"compliance {universe} {date}",
               ("rule_id", "citation", "value", "limit", "status", "breach_class", "cure_deadline"))
    for r in res["rules"]:
        t.add_row(r["rule_id"], str(r["citation"])[:38], _fmt_num(r.get("value")), _fmt_num(r.get("limit")),
                  r["status"], str(r.get("breach_class") or ""), str(r.get("cure_deadline") or ""))
    out.print(t)


def _fmt_num(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return "" if v is None else str(v)


@compliance_app.command("report")
def compliance_report(
    date: str = typer.Option(..., "--date"),
    out_dir: str = typer.Option(..., "--out"),
    universe: str = typer.Option("sp500", "--universe"),
) -> None:
    """Daily compliance report (HTML + PDF; RIC report on quarter ends) of a recorded check."""
    from compliance import service

    from .daily import compliance_dir

    settings = get_settings()
    try:
        files = service.report(date, compliance_dir(settings, universe), out_dir)
    except (LookupError, ValueError, OSError) as exc:
        _fail(exc)
    for kind, path in files.items():
        out.print(f"{kind}: {path}")


@compliance_app.command("replay")
def compliance_replay(
    date: str = typer.Option(..., "--date"),
    universe: str = typer.Option("sp500", "--universe"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Re-run a past date's check from its recorded inputs and show whether it reproduces."""
    from compliance import service

    from .daily import compliance_dir

    settings = get_settings()
    try:
        res = service.replay(date, compliance_dir(settings, universe))
    except (LookupError, ValueError, OSError) as exc:
        _fail(exc)
    if fmt == "json":
        _print_json(res)
        return
    same = res["matches"]
    out.print(f"replay {date} (audit seq {res['seq']}): {'reproduced' if same else 'DIFFERENT'}; recorded "
              f"{res['recorded_result_hash'][:16]}, replayed {res['replayed_result_hash'][:16]}")
    for r in res["result"]["rules"]:
        out.print(f"  {r['rule_id']:<28} {r['status']}")
    if not same:
        raise typer.Exit(1)


@compliance_app.command("verify")
def compliance_verify(universe: str = typer.Option("sp500", "--universe")) -> None:
    """Verify the hash chain of the audit log (any edited, deleted or reordered entry is reported)."""
    from compliance import service

    from .daily import compliance_dir

    res = service.verify(compliance_dir(get_settings(), universe))
    out.print(f"audit log: {'OK' if res['ok'] else 'TAMPERED'}; {res['entries']} entries; head {res['head']}")
    for p in res["problems"]:
        out.print(f"[red]{p}[/red]")
    if not res["ok"]:
        raise typer.Exit(1)
