"""Reports: the daily compliance report, the quarter-end RIC test report and the CCO's annual summary.

Each report is rendered twice from the same rows: HTML (jinja2, templates/) and PDF (reportlab, landscape letter).
Charts are matplotlib PNGs (issuer weights against the 5% and 25% lines, industry weights against 25%), embedded
as data URIs in the HTML and as images in the PDF. PDFs are written with reportlab's ``invariant`` mode so the same
inputs give the same bytes (their hashes are recorded in the audit log).
"""
from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any, Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from jinja2 import Environment, FileSystemLoader, select_autoescape  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import landscape, letter  # noqa: E402
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # noqa: E402
from reportlab.lib.units import inch  # noqa: E402
from reportlab.platypus import (Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table,  # noqa: E402
                                TableStyle)

from .audit import AuditLog, VerifyResult  # noqa: E402
from .inputs import Book  # noqa: E402
from .rules import RuleSet  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATUS_COLOURS = {"pass": "#e5f4e8", "warn": "#fff4d6", "breach": "#fbe0e0", "not_evaluable": "#e8e4f4"}


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))


def _pct(v: float | None, digits: int = 2) -> str:
    return "n/a" if v is None else f"{100 * v:.{digits}f}%"


def _rows(rules: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rules:
        row = dict(r)
        row["value_s"] = _pct(r.get("value"))
        row["limit_s"] = f"{r['comparison']} {_pct(r['limit'])}"
        row["headroom_s"] = _pct(r.get("headroom"))
        if r.get("breach_class"):
            row["class_s"] = f"{r['breach_class']} / {r.get('hardness') or ''}"
        else:
            row["class_s"] = "-"
        row["cure_s"] = r.get("cure_deadline") or ("none required" if r["status"] == "breach" else "-")
        out.append(row)
    return out


# --------------------------------------------------------------------------------------------------- charts
def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def issuer_chart(book: Book, cfg: Mapping[str, Any], top: int = 20) -> bytes:
    """Horizontal bars: the largest issuers (% of total assets), coloured by whether they sit in the 75% bucket,
    with the 5% and 25% lines."""
    rules = RuleSet.from_config(cfg)
    bucket_rule = next((r for r in rules if r.rule_id in ("ica_5b1_diversification", "irc_851b3A_50pct_bucket")),
                       None)
    pos = book.positions
    other = pos[~pos["asset_type"].isin(["government"]) & (pos["value_usd"] > 0)]
    val = (other.groupby("issuer_id")["value_usd"].sum() / book.total_assets_usd).sort_values(ascending=False)
    val = val.head(top)[::-1]
    table = bucket_rule.issuer_table(book) if bucket_rule is not None else None
    colours = []
    for i in val.index:
        inside = table is None or i not in table.index or bool(table.at[i, "in_bucket_worst"])
        colours.append("#4c78a8" if inside else "#e45756")
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.28 * len(val) + 1)))
    ax.barh([str(i) for i in val.index], 100 * val.to_numpy(), color=colours)
    ax.axvline(5, color="#b3261e", ls="--", lw=1, label="5% of total assets")
    if len(val) and val.max() > 0.2:
        ax.axvline(25, color="#6b3fa0", ls=":", lw=1, label="25% (IRC single issuer)")
    ax.set_xlabel("% of total assets")
    ax.set_title(f"Largest issuers on {book.as_of.isoformat()} (red: outside the diversification bucket)")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def industry_chart(book: Book, cfg: Mapping[str, Any]) -> bytes | None:
    col = cfg["classification"]["industry_column"]
    pos = book.positions
    p = pos[~pos["asset_type"].isin(["government", "investment_company", "derivative"]) & (pos["value_usd"] > 0)]
    if p.empty:
        return None
    lab = p[col].map(lambda v: "(unclassified)" if v is None or (isinstance(v, float) and v != v) else str(v))
    val = (p.groupby(lab)["value_usd"].sum() / book.total_assets_usd).sort_values(ascending=True).tail(20)
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.28 * len(val) + 1)))
    ax.barh(list(val.index), 100 * val.to_numpy(), color=["#e45756" if v > 0.25 else "#72b7b2" for v in val])
    ax.axvline(25, color="#b3261e", ls="--", lw=1, label="25% concentration line")
    ax.set_xlabel("% of total assets")
    ax.set_title(f"Industries ({col})")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


# ------------------------------------------------------------------------------------------------------ PDF
def _styles():
    ss = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=ss["BodyText"], fontSize=7.5, leading=9)
    cell = ParagraphStyle("cell", parent=ss["BodyText"], fontSize=8, leading=9.6)
    return ss, small, cell


def _table(header: list[str], rows: list[list[Any]], widths: list[float], status_col: int | None = None,
           statuses: list[str] | None = None) -> Table:
    _, _, cell = _styles()
    data = [[Paragraph(f"<b>{h}</b>", cell) for h in header]]
    for r in rows:
        data.append([c if not isinstance(c, str) else Paragraph(c, cell) for c in r])
    t = Table(data, colWidths=widths, repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9cfd6")),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    if statuses:
        for i, s in enumerate(statuses, start=1):
            if s in STATUS_COLOURS:
                style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor(STATUS_COLOURS[s])))
    t.setStyle(TableStyle(style))
    return t


def _esc(s: Any) -> str:
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _header(story: list, title: str, meta: Mapping[str, Any]) -> None:
    ss, small, _ = _styles()
    story.append(Paragraph(_esc(title), ss["Title"]))
    line = (f"{_esc(meta['fund_name'])} &middot; as of {meta['as_of']} &middot; rules configuration "
            f"v{_esc(meta['config_version'])} (sha256 {meta['config_hash'][:16]}...)")
    if meta.get("audit"):
        line += f" &middot; audit entry #{meta['audit']['seq']} ({meta['audit']['entry_hash'][:16]}...)"
    head = meta.get("head")
    if head is not None:
        line += (f" &middot; audit log {head.entries} entries, head {head.head[:16]}..., "
                 + ("chain verified" if head.ok else "<b>CHAIN VERIFICATION FAILED</b>"))
    story.append(Paragraph(line, small))
    story.append(Spacer(1, 6))


def _build_pdf(path: Path, story: list) -> None:
    doc = SimpleDocTemplate(str(path), pagesize=landscape(letter), leftMargin=0.5 * inch, rightMargin=0.5 * inch,
                            topMargin=0.5 * inch, bottomMargin=0.5 * inch, invariant=1,
                            title=path.stem, author="econgraph.compliance")

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(0.5 * inch, 0.3 * inch, "econgraph compliance - rule texts abridged; the statute or rule "
                                                   "is authoritative; thresholds are configuration reviewed by counsel")
        canvas.drawRightString(landscape(letter)[0] - 0.5 * inch, 0.3 * inch, f"page {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def _image(png: bytes, max_w: float = 9.5 * inch, max_h: float = 6.2 * inch) -> Image:
    img = Image(io.BytesIO(png))
    scale = min(max_w / img.imageWidth, max_h / img.imageHeight)
    img.drawWidth = img.imageWidth * scale
    img.drawHeight = img.imageHeight * scale
    return img


def _rule_table_rows(rows: list[dict[str, Any]], cell_note: bool = True) -> list[list[Any]]:
    out = []
    for r in rows:
        first = f"<b>{_esc(r['title'])}</b><br/><font size=6.5 color='#556677'>{_esc(r['citation'])} · " \
                f"{r['severity']} · basis {r['basis'].replace('_', ' ')}</font>"
        if cell_note and r.get("reasons"):
            first += f"<br/><font size=6.5 color='#556677'>{_esc('; '.join(r['reasons']))[:400]}</font>"
        out.append([first, r["value_s"], r["limit_s"], r["headroom_s"], r["status"].replace("_", " "),
                    r["class_s"], _esc(r["cure_s"])])
    return out


RULE_COLS = [4.6 * inch, 0.8 * inch, 0.85 * inch, 0.8 * inch, 0.85 * inch, 0.95 * inch, 1.15 * inch]


# ---------------------------------------------------------------------------------------------------- daily
def render_daily(check: Mapping[str, Any], breaches: Mapping[str, Any], book: Book, cfg: Mapping[str, Any],
                 out_dir: Path, audit_head: VerifyResult | None = None) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = _rows(check["rules"])
    open_b = []
    for b in breaches["breaches"]:
        if b["status"] in ("open", "overridden"):
            bb = dict(b)
            bb["values_s"] = f"{_pct(b['first_value'])} / {_pct(b['last_value'])}"
            open_b.append(bb)
    charts = [("issuer weights against the 5% line", issuer_chart(book, cfg))]
    ind = industry_chart(book, cfg)
    if ind is not None:
        charts.append(("industry weights against the 25% line", ind))
    meta = {"title": f"Daily compliance report {check['as_of']}", "fund_name": cfg["fund"]["name"],
            "as_of": check["as_of"], "config_version": check["config_version"], "config_hash": check["config_hash"],
            "audit": check.get("audit"), "head": audit_head}
    html = _env().get_template("daily.html.j2").render(
        **meta, check=check, rows=rows, breaches=open_b,
        charts=[{"alt": a, "b64": base64.b64encode(p).decode()} for a, p in charts])
    stem = f"compliance_{check['as_of']}"
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")

    ss, small, cell = _styles()
    story: list = []
    _header(story, meta["title"], meta)
    s = check["summary"]
    story.append(Paragraph(
        f"Net assets <b>${check['nav_usd']:,.0f}</b> · total assets <b>${check['total_assets_usd']:,.0f}</b> · "
        f"cash and cash items <b>${check['cash_usd']:,.0f}</b> · pass {s['pass']} · warn {s['warn']} · "
        f"breach {s['breach']} · not evaluable {s['not_evaluable']} · violations <b>{s['violations']}</b> · "
        f"fiscal quarter end {check['fiscal_quarter_end']}" + (" (quarter-end test date)" if check['is_quarter_end']
                                                               else ""), cell))
    story.append(Spacer(1, 6))
    story.append(_table(["Rule", "Value", "Limit", "Headroom", "Status", "Breach class", "Cure deadline"],
                        _rule_table_rows(rows), RULE_COLS, statuses=[r["status"] for r in rows]))
    story.append(Spacer(1, 10))
    story.append(Paragraph("Open breaches", ss["Heading2"]))
    if open_b:
        brow = []
        for b in open_b:
            st = b["status"] + (f" by {_esc(b['override']['approver'])}: {_esc(b['override']['reason'])}"
                                if b.get("override") else "")
            brow.append([f"{_esc(b['breach_id'])}<br/><font size=6.5>{_esc(b['citation'])}</font>", b["detected"],
                         f"{b['breach_class']} / {b['hardness']}", b["values_s"],
                         (b["cure_deadline"] or "none required") + (" <b>(overdue)</b>" if b["overdue"] else ""), st])
        story.append(_table(["Breach", "Detected", "Class", "Value first / last", "Cure deadline", "Status"], brow,
                            [3.2 * inch, 0.9 * inch, 1.0 * inch, 1.2 * inch, 1.3 * inch, 2.4 * inch]))
    else:
        story.append(Paragraph("None.", cell))
    imgs = [_image(png, max_w=4.9 * inch, max_h=4.6 * inch) for _, png in charts]
    grid = Table([imgs], colWidths=[5.0 * inch] * len(imgs))
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(KeepTogether([Spacer(1, 8), Paragraph("Charts", ss["Heading2"]), grid]))
    story.append(Paragraph("Rule texts", ss["Heading2"]))
    for r in rows:
        story.append(Paragraph(f"<b>{_esc(r['citation'])}</b> — {_esc(r['text'])}", small))
        story.append(Spacer(1, 3))
    pdf_path = out_dir / f"{stem}.pdf"
    _build_pdf(pdf_path, story)
    return {"daily_html": html_path, "daily_pdf": pdf_path}


# ------------------------------------------------------------------------------------------------------ RIC
def render_ric(check: Mapping[str, Any], book: Book, cfg: Mapping[str, Any], out_dir: Path,
               audit_head: VerifyResult | None = None) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    ric_ids = ("irc_851b3A_50pct_bucket", "irc_851b3Bi_single_issuer", "irc_851b3Bii_controlled_group",
               "irc_851b3Biii_qualified_ptp")
    rows = _rows([r for r in check["rules"] if r["rule_id"] in ric_ids])
    ta = book.total_assets_usd
    pos = book.positions
    gov = float(pos.loc[pos["asset_type"].eq("government") & (pos["value_usd"] > 0), "value_usd"].sum())
    ric = float(pos.loc[pos["asset_type"].eq("investment_company") & pos["is_ric"] & (pos["value_usd"] > 0),
                        "value_usd"].sum())
    rules = RuleSet.from_config(cfg)
    bucket_rule = rules.get("irc_851b3A_50pct_bucket")
    t = bucket_rule.issuer_table(book)
    lim_a = float(bucket_rule.params["issuer_max_assets"])
    lim_v = float(bucket_rule.params["issuer_max_voting"])
    small_v = float(t.loc[t["in_bucket_worst"], "value_usd"].sum())
    bucket = [{"name": "Cash and cash items (including receivables)", "value": book.cash_usd},
              {"name": "Government securities", "value": gov},
              {"name": "Securities of other regulated investment companies", "value": ric},
              {"name": f"Other issuers at <= {lim_a:.0%} of assets and <= {lim_v:.0%} of voting securities",
               "value": small_v}]
    total = sum(b["value"] for b in bucket)
    bucket.append({"name": "Bucket total", "value": total})
    for b in bucket:
        b["pct"] = b["value"] / ta
    excluded = []
    for issuer, r in t[~t["in_bucket_worst"]].iterrows():
        why = []
        if r["over_assets"]:  # decided in money by the rule (allowance below one cent)
            why.append(f"over {lim_a:.0%} of total assets")
        if pd_isna(r["voting"]):
            why.append("voting securities outstanding unknown")
        elif r["over_voting"]:  # decided in units (allowance below one share)
            why.append(f"over {lim_v:.0%} of voting securities")
        excluded.append({"subject": issuer, "value_usd": float(r["value_usd"]), "pct_assets": float(r["pct_assets"]),
                         "voting": None if pd_isna(r["voting"]) else float(r["voting"]), "reason": ", ".join(why)})
    dm = bucket_rule.params.get("de_minimis", {"fraction_of_total_assets": 0.01, "usd": 10_000_000})
    de_minimis = min(float(dm["fraction_of_total_assets"]) * ta, float(dm["usd"]))
    png = issuer_chart(book, cfg)
    meta = {"title": f"RIC diversification test, quarter ending {check['fiscal_quarter_end']}",
            "fund_name": cfg["fund"]["name"], "as_of": check["as_of"], "config_version": check["config_version"],
            "config_hash": check["config_hash"], "audit": check.get("audit"), "head": audit_head}
    html = _env().get_template("ric.html.j2").render(
        **meta, quarter_end=check["fiscal_quarter_end"], total_assets=ta, rows=rows, bucket=bucket,
        excluded=excluded, de_minimis=de_minimis,
        charts=[{"alt": "issuer weights", "b64": base64.b64encode(png).decode()}])
    stem = f"ric_test_{check['fiscal_quarter_end']}"
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")

    ss, small, cell = _styles()
    story: list = []
    _header(story, meta["title"], meta)
    story.append(Paragraph(f"Quarter-end diversification test under IRC s.851(b)(3). Total assets ${ta:,.0f}. "
                           f"De minimis amount (s.851(d)(2)(A)): lesser of 1% of total assets and $10,000,000 = "
                           f"<b>${de_minimis:,.0f}</b>.", cell))
    story.append(Spacer(1, 6))
    story.append(_table(["Test", "Value", "Limit", "Headroom", "Status", "Breach class", "Cure deadline"],
                        _rule_table_rows(rows), RULE_COLS, statuses=[r["status"] for r in rows]))
    story.append(Spacer(1, 8))
    story.append(Paragraph("50% bucket composition (s.851(b)(3)(A))", ss["Heading2"]))
    story.append(_table(["Component", "Value (USD)", "% of total assets"],
                        [[_esc(b["name"]), f"{b['value']:,.0f}", _pct(b["pct"])] for b in bucket],
                        [6.0 * inch, 1.8 * inch, 1.6 * inch]))
    story.append(Paragraph("Issuers outside the bucket", ss["Heading2"]))
    if excluded:
        story.append(_table(["Issuer", "Value (USD)", "% of total assets", "% of voting securities", "Reason"],
                            [[_esc(e["subject"]), f"{e['value_usd']:,.0f}", _pct(e["pct_assets"]),
                              _pct(e["voting"]), _esc(e["reason"])] for e in excluded],
                            [2.0 * inch, 1.5 * inch, 1.3 * inch, 1.5 * inch, 3.6 * inch]))
    else:
        story.append(Paragraph("None.", cell))
    for r in rows:
        if r["status"] == "breach":
            story.append(Paragraph(
                f"{_esc(r['title'])}: assets to dispose of to pass ${r['excess_usd']:,.0f} — "
                + ("within" if r["excess_usd"] <= de_minimis else "above") + " the de minimis amount. "
                + _esc(r.get("cure_note") or ""), cell))
    story.append(KeepTogether([Spacer(1, 8), _image(png)]))
    pdf_path = out_dir / f"{stem}.pdf"
    _build_pdf(pdf_path, story)
    return {"ric_html": html_path, "ric_pdf": pdf_path}


def pd_isna(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


# --------------------------------------------------------------------------------------------------- annual
def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def config_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Human-readable list of changed configuration keys (thresholds, severities, elections)."""
    a, b = _flatten(old), _flatten(new)
    out = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            out.append(f"{k}: {a.get(k)!r} -> {b.get(k)!r}")
    return out


def annual_summary(year: int, log: AuditLog) -> dict[str, Any]:
    entries = [e for e in log.entries() if e["as_of"].startswith(f"{year}-")]
    checks = [e for e in entries if e["kind"] == "check"]
    breaches: dict[str, dict[str, Any]] = {}
    not_eval_days = 0
    viol_days = 0
    changes = []
    prev_cfg_hash = None
    prev_cfg = None
    for e in entries:
        if "breaches_after_snapshot" not in e["payload"]:
            continue
        state = log.get(e["payload"]["breaches_after_snapshot"])
        for b in state["breaches"]:
            if b["detected"].startswith(f"{year}-") or b["status"] in ("open", "overridden"):
                breaches[b["breach_id"]] = b
    for e in checks:
        res = log.get(e["payload"]["result_snapshot"])
        if any(r["status"] == "not_evaluable" and r["severity"] == "regulatory" for r in res["rules"]):
            not_eval_days += 1
        if res["summary"]["violations"]:
            viol_days += 1
        if e["config_hash"] != prev_cfg_hash:
            cfg = log.get(e["inputs"]["config"])
            if prev_cfg is not None:
                changes.append({"date": e["as_of"], "version": cfg.get("version"), "hash": e["config_hash"],
                                "diff": config_diff(prev_cfg, cfg)})
            prev_cfg, prev_cfg_hash = cfg, e["config_hash"]
    overrides = [{"date": e["as_of"], "breach_id": e["payload"]["breach_id"], "approver": e["payload"]["approver"],
                  "reason": e["payload"]["reason"]} for e in entries if e["kind"] == "override"]
    blist = sorted(breaches.values(), key=lambda b: (b["detected"], b["breach_id"]))
    material = []
    for b in blist:
        if b.get("material"):
            what = "overdue cure" if b.get("overdue") else f"{b['severity']} violation"
            material.append(f"{what}: {b['breach_id']} ({b['citation']}), {b['breach_class']}/{b['hardness']}, "
                            f"detected {b['detected']}, status {b['status']}"
                            + (f" on {b['resolved_on']}" if b.get("resolved_on") else ""))
    for o in overrides:
        material.append(f"override of {o['breach_id']} on {o['date']} by {o['approver']}: {o['reason']}")
    if not_eval_days:
        material.append(f"{not_eval_days} day(s) with a regulatory rule not evaluable for missing data")
    v = log.verify()
    if not v.ok:
        material.append("audit trail verification failed: " + "; ".join(v.problems[:5]))
    return {"year": year, "n_checks": len(checks), "first": checks[0]["as_of"] if checks else None,
            "last": checks[-1]["as_of"] if checks else None, "days_with_violations": viol_days,
            "days_not_evaluable": not_eval_days, "breaches": blist, "overrides": overrides, "changes": changes,
            "material": material, "head": v,
            "config": log.get(checks[-1]["inputs"]["config"]) if checks else None}


def render_annual(year: int, log: AuditLog, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    s = annual_summary(year, log)
    cfg = s["config"] or {"fund": {"name": "-"}, "version": "-"}
    from .rules import config_hash

    meta = {"title": f"Annual compliance summary {year}", "fund_name": cfg["fund"]["name"],
            "as_of": s["last"] or f"{year}-12-31", "config_version": cfg.get("version", "-"),
            "config_hash": config_hash(cfg), "audit": None, "head": s["head"]}
    html = _env().get_template("annual.html.j2").render(**meta, **{k: v for k, v in s.items() if k != "head"})
    html_path = out_dir / f"cco_annual_{year}.html"
    html_path.write_text(html, encoding="utf-8")
    ss, small, cell = _styles()
    story: list = []
    _header(story, meta["title"], meta)
    story.append(Paragraph(f"{s['n_checks']} daily checks from {s['first']} to {s['last']}; "
                           f"{s['days_with_violations']} day(s) with a violation; {s['days_not_evaluable']} day(s) "
                           f"with a regulatory rule not evaluable.", cell))
    story.append(Paragraph("Material matters", ss["Heading2"]))
    for m in s["material"] or ["None."]:
        story.append(Paragraph("• " + _esc(m), cell))
    story.append(Paragraph("Breaches", ss["Heading2"]))
    if s["breaches"]:
        story.append(_table(["Breach", "Severity", "Class", "Detected", "Cure deadline", "Outcome"],
                            [[f"{_esc(b['breach_id'])}<br/><font size=6.5>{_esc(b['citation'])}</font>",
                              b["severity"], f"{b['breach_class']} / {b['hardness']}", b["detected"],
                              (b["cure_deadline"] or "none required") + (" (overdue)" if b["overdue"] else ""),
                              b["status"] + (f" on {b['resolved_on']}" if b.get("resolved_on") else "")]
                             for b in s["breaches"]],
                            [3.6 * inch, 0.9 * inch, 1.1 * inch, 0.9 * inch, 1.4 * inch, 2.0 * inch]))
    else:
        story.append(Paragraph("None.", cell))
    story.append(Paragraph("Overrides", ss["Heading2"]))
    if s["overrides"]:
        story.append(_table(["Date", "Breach", "Approver", "Reason"],
                            [[o["date"], _esc(o["breach_id"]), _esc(o["approver"]), _esc(o["reason"])]
                             for o in s["overrides"]], [0.9 * inch, 3.0 * inch, 1.5 * inch, 4.5 * inch]))
    else:
        story.append(Paragraph("None.", cell))
    story.append(Paragraph("Rule changes", ss["Heading2"]))
    if s["changes"]:
        story.append(_table(["Effective (first check)", "Version", "Changes"],
                            [[c["date"], f"{_esc(c['version'])} ({c['hash'][:12]}...)", _esc("; ".join(c["diff"]))]
                             for c in s["changes"]], [1.4 * inch, 1.6 * inch, 6.9 * inch]))
    else:
        story.append(Paragraph("No change to the rules configuration during the year.", cell))
    pdf_path = out_dir / f"cco_annual_{year}.pdf"
    _build_pdf(pdf_path, story)
    return {"annual_html": html_path, "annual_pdf": pdf_path}


__all__ = ["render_daily", "render_ric", "render_annual", "annual_summary", "config_diff", "issuer_chart",
           "industry_chart"]
