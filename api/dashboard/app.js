// econgraph dashboard: plain JavaScript, charts as inline SVG, data from the /v1 API (no external assets).
"use strict";

const $ = (sel) => document.querySelector(sel);
const SVGNS = "http://www.w3.org/2000/svg";
const state = { impact: [], sortKey: "automatable_wage_bill_usd", sortDir: "desc", selected: null };

function apiKey() { return sessionStorage.getItem("econgraph-api-key") || ""; }

async function api(path) {
  const headers = { "Accept": "application/json" };
  if (apiKey()) headers["X-API-Key"] = apiKey();
  const r = await fetch(path, { headers });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) { const e = new Error(body.detail || `${r.status} ${r.statusText}`); e.status = r.status; throw e; }
  return body;
}

function showError(msg) { const el = $("#error"); el.textContent = msg; el.hidden = !msg; }
const billions = (v) => v == null ? "n/a" : (v / 1e9).toLocaleString(undefined, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const pct = (v) => v == null ? "n/a" : (100 * v).toFixed(1) + "%";
const fixed = (v, d = 3) => v == null ? "n/a" : Number(v).toFixed(d);
const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

function el(tag, attrs = {}, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

// Horizontal bar chart: rows [{label, value, lo, hi, title}], optional whiskers (lo..hi).
function barChart(container, rows, { fmt = (v) => v, labelWidth = 230, width = 900, unit = "" } = {}) {
  container.replaceChildren();
  if (!rows.length) { container.innerHTML = '<p class="empty">nothing to show</p>'; return; }
  const rowH = 18, top = 6, bottom = 22, right = 70;
  const h = top + rows.length * rowH + bottom;
  const max = Math.max(...rows.map((r) => Math.max(r.value || 0, r.hi || 0))) || 1;
  const scale = (v) => labelWidth + (width - labelWidth - right) * Math.max(0, v) / max;
  const svg = el("svg", { viewBox: `0 0 ${width} ${h}`, preserveAspectRatio: "xMinYMin meet" });
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const maxChars = Math.floor((labelWidth - 12) / 6.4);  // ~6.4 px per character at 11 px
    const label = r.label.length > maxChars ? r.label.slice(0, maxChars - 1) + "…" : r.label;
    const text = el("text", { x: labelWidth - 6, y: y + 12, "text-anchor": "end" }, label);
    text.appendChild(el("title", {}, r.label));
    svg.appendChild(text);
    const bar = el("rect", { x: labelWidth, y: y + 2, width: Math.max(1, scale(r.value || 0) - labelWidth), height: rowH - 5, class: "bar" + (r.alt ? " alt" : "") });
    bar.appendChild(el("title", {}, r.title || `${r.label}: ${fmt(r.value)}${unit}`));
    svg.appendChild(bar);
    if (r.lo != null && r.hi != null) {
      const cy = y + 2 + (rowH - 5) / 2;
      svg.appendChild(el("line", { x1: scale(r.lo), x2: scale(r.hi), y1: cy, y2: cy, class: "whisker" }));
      svg.appendChild(el("line", { x1: scale(r.lo), x2: scale(r.lo), y1: cy - 4, y2: cy + 4, class: "whisker" }));
      svg.appendChild(el("line", { x1: scale(r.hi), x2: scale(r.hi), y1: cy - 4, y2: cy + 4, class: "whisker" }));
    }
    svg.appendChild(el("text", { x: Math.max(scale(r.value || 0), r.hi != null ? scale(r.hi) : 0) + 4, y: y + 12, class: "muted" }, fmt(r.value) + unit));
  });
  const axisY = top + rows.length * rowH + 4;
  svg.appendChild(el("line", { x1: labelWidth, x2: width - right, y1: axisY, y2: axisY, class: "axis" }));
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    svg.appendChild(el("text", { x: scale(max * f), y: axisY + 14, "text-anchor": "middle", class: "muted" }, fmt(max * f)));
  }
  container.appendChild(svg);
}

// ---------------------------------------------------------------------------------------------- AI impact
async function loadImpact() {
  const q = $("#quarter").value, r = $("#rater").value;
  const params = new URLSearchParams({ limit: "500" });
  if (q) params.set("quarter", q);
  if (r) params.set("rater", r);
  const page = await api(`/v1/impact?${params}`);
  state.impact = page.items;
  if (!$("#rater").options.length) {
    for (const name of page.raters) $("#rater").add(new Option(name, name, false, name === page.rater));
  }
  const n = page.national;
  $("#impact-meta").textContent = `${page.quarter}, rater ${page.rater}`;
  $("#national").textContent = `National: wage bill $${billions(n.wage_bill_usd)}B, automatable $${billions(n.automatable_wage_bill_usd)}B (${pct(n.automatable_share)}); across raters $${billions(n.automatable_wage_bill_usd_band.min)}B–$${billions(n.automatable_wage_bill_usd_band.max)}B.`;
  const b = page.basis;
  $("#basis").textContent = `Basis: OEWS ${b.oews_period}${b.backcast ? " (backcast)" : ""}, IO table ${b.io_year}, as of ${b.as_of}, scores ${b.score_scheme}, task weights ${b.weight_scheme}. ${b.note || ""}`;
  const top = [...state.impact].filter((x) => x.automatable_wage_bill_usd != null)
    .sort((a, c) => c.automatable_wage_bill_usd - a.automatable_wage_bill_usd).slice(0, 20);
  barChart($("#impact-chart"), top.map((x) => ({
    label: `${x.bea_code} ${x.name}`, value: x.automatable_wage_bill_usd,
    lo: x.automatable_wage_bill_usd_band.min, hi: x.automatable_wage_bill_usd_band.max,
    title: `${x.name}: $${billions(x.automatable_wage_bill_usd)}B automatable (raters $${billions(x.automatable_wage_bill_usd_band.min)}B–$${billions(x.automatable_wage_bill_usd_band.max)}B)`,
  })), { fmt: billions, unit: "B" });
  renderImpactTable();
  if (!state.selected && top.length) state.selected = top[0].bea_code;
  if (state.selected) await loadSupply(state.selected);
}

function sortValue(row, key) {
  if (key === "band") return row.automatable_wage_bill_usd_band.max;
  return row[key];
}

function renderImpactTable() {
  const rows = [...state.impact];
  const k = state.sortKey, dir = state.sortDir === "asc" ? 1 : -1;
  rows.sort((a, b) => {
    const va = sortValue(a, k), vb = sortValue(b, k);
    if (va == null && vb == null) return 0;
    if (va == null) return 1;
    if (vb == null) return -1;
    return (typeof va === "string" ? va.localeCompare(vb) : va - vb) * dir;
  });
  const tbody = $("#impact-table tbody");
  tbody.innerHTML = rows.map((x) => `<tr data-code="${esc(x.bea_code)}" class="${x.bea_code === state.selected ? "selected" : ""}">
    <td>${esc(x.bea_code)}</td><td>${esc(x.name)}</td>
    <td class="num">${billions(x.wage_bill_usd)}</td><td class="num">${billions(x.automatable_wage_bill_usd)}</td>
    <td class="num">${pct(x.automatable_share)}</td><td class="num">${fixed(x.supply_chain_automatable_per_usd_final_demand)}</td>
    <td class="num">${billions(x.automatable_wage_bill_usd_band.min)}–${billions(x.automatable_wage_bill_usd_band.max)}</td></tr>`).join("");
  for (const th of document.querySelectorAll("#impact-table th")) {
    th.classList.toggle("asc", th.dataset.key === k && state.sortDir === "asc");
    th.classList.toggle("desc", th.dataset.key === k && state.sortDir === "desc");
  }
}

// ---------------------------------------------------------------------------------------------- supply chain
async function loadSupply(code) {
  state.selected = code;
  renderImpactTable();
  const q = $("#quarter").value, r = $("#rater").value;
  const qs = new URLSearchParams({ limit: "10" });
  if (q) qs.set("quarter", q);
  const is = new URLSearchParams();
  if (q) is.set("quarter", q);
  if (r) is.set("rater", r);
  const [sup, cus, imp] = await Promise.all([
    api(`/v1/industries/${encodeURIComponent(code)}/suppliers?${qs}`),
    api(`/v1/industries/${encodeURIComponent(code)}/customers?${qs}`),
    api(`/v1/industries/${encodeURIComponent(code)}/impact?${is}`),
  ]);
  $("#supply-meta").textContent = `${imp.bea_code} ${imp.name}: direct ${fixed(imp.automatable_share_of_gross_output)} and supply-chain ${fixed(imp.supply_chain_automatable_per_usd_final_demand)} automatable $ per $`;
  const fmtM = (v) => Math.round(v).toLocaleString();
  barChart($("#suppliers-chart"), sup.items.map((f) => ({ label: `${f.src_bea_code} ${f.src_name}`, value: f.flow_usd_millions })), { fmt: fmtM, labelWidth: 210, width: 640 });
  barChart($("#customers-chart"), cus.items.map((f) => ({ label: `${f.dst_bea_code} ${f.dst_name}`, value: f.flow_usd_millions, alt: true })), { fmt: fmtM, labelWidth: 210, width: 640 });
  $("#top-occupations").innerHTML = imp.top_occupations.map((o) => `<li><b>$${billions(o.automatable_wage_bill_usd)}B</b> ${esc(o.title)} <span class="note">(${esc(o.soc)}, automatability ${pct(o.automatability)})</span></li>`).join("") || '<li class="empty">none</li>';
  $("#top-tasks").innerHTML = imp.top_tasks.map((t) => `<li><b>$${billions(t.automatable_wage_bill_usd)}B</b> ${esc(t.text)}</li>`).join("") || '<li class="empty">none</li>';
}

// ---------------------------------------------------------------------------------------------- portfolio
async function loadPortfolio() {
  const page = await api("/v1/portfolio");
  const sel = $("#universe");
  if (!page.items.length) {
    $("#portfolio-meta").textContent = "no rebalance has been run yet";
    sel.replaceChildren();
    $("#weights-table tbody").innerHTML = '<tr><td colspan="3" class="empty">no target weights</td></tr>';
    $("#exposure-chart").innerHTML = '<p class="empty">no exposure</p>';
    return;
  }
  if (!sel.options.length) for (const u of page.items) sel.add(new Option(u, u));
  const u = sel.value;
  let day;
  try { day = await api(`/v1/portfolio/${encodeURIComponent(u)}/latest`); } catch (e) {
    $("#portfolio-meta").textContent = e.message; return;
  }
  const s = day.summary;
  $("#portfolio-meta").textContent = `${u} on ${day.date}: ${s.status}, ${s.n_positions} positions, turnover ${pct(s.turnover)}, cash $${Math.round(s.cash_usd).toLocaleString()}`;
  const w = await api(`/v1/portfolio/${encodeURIComponent(u)}/${day.date}/weights?limit=15`);
  $("#weights-table tbody").innerHTML = w.items.map((x) => `<tr><td>${esc(x.identifier)}</td><td class="num">${pct(x.weight)}</td><td class="num">${x.quantity.toLocaleString()}</td></tr>`).join("")
    + (w.total > w.items.length ? `<tr><td colspan="3" class="note">${w.total - w.items.length} more positions</td></tr>` : "");
  try {
    const ex = await api(`/v1/portfolio/${encodeURIComponent(u)}/${day.date}/exposure?limit=12`);
    barChart($("#exposure-chart"), ex.items.map((x) => ({ label: `${x.bea_code} ${x.name || ""}`, value: x.weight })), { fmt: pct, labelWidth: 220, width: 640 });
  } catch (e) { $("#exposure-chart").innerHTML = `<p class="empty">${esc(e.message)}</p>`; }
}

// ---------------------------------------------------------------------------------------------- compliance
async function loadCompliance() {
  const st = await api("/v1/compliance/status");
  const badge = (cls, text) => `<span class="badge ${cls}">${esc(text)}</span>`;
  const unis = st.universes || [];
  if (!st.checks_recorded || !unis.length) {
    $("#compliance-status").innerHTML = badge("none", "no check recorded");
  } else {
    $("#compliance-status").innerHTML = unis.map((u, i) => {
      const s = u.summary || {};
      const cls = u.open_breaches ? (u.overdue_breaches ? "bad" : "warn") : "ok";
      const sev = Object.entries(u.open_by_severity || {}).map(([k, v]) => `${v} ${k}`).join(", ");
      return `<p class="universe-status" data-universe="${esc(u.universe)}"><b>${esc(u.universe)}</b>
        ${badge(cls, u.open_breaches ? `${u.open_breaches} open breach${u.open_breaches > 1 ? "es" : ""}${sev ? ` (${sev})` : ""}` : "no open breach")}
        latest check ${esc(u.as_of)}: pass ${s.pass ?? "?"}, warn ${s.warn ?? "?"}, breach ${s.breach ?? "?"}, not evaluable ${s.not_evaluable ?? "?"}
        · audit chain ${u.audit.ok ? badge("ok", "verified") : badge("bad", "BROKEN")} (${u.audit.entries} entries)
        · report <a href="#" class="report-link" data-i="${i}">HTML</a></p>`;
    }).join("");
    for (const a of document.querySelectorAll(".report-link")) {
      a.addEventListener("click", (ev) => { ev.preventDefault(); const u = unis[+a.dataset.i]; openReport(u.as_of, u.universe); });
    }
  }
  $("#compliance-meta").textContent = st.config_version ? `rules version ${st.config_version}` : "";
  const br = await api("/v1/compliance/breaches?limit=50");
  $("#breaches-table tbody").innerHTML = br.items.map((b) => `<tr><td>${esc(b.universe)}</td><td title="${esc(b.citation)}">${esc(b.rule_id)}</td><td>${esc(b.severity)}</td>
    <td>${esc(b.status)}${b.overdue ? " " + badge("bad", "overdue") : ""}</td><td>${esc(b.detected)}</td><td>${esc(b.cure_deadline || "none")}</td>
    <td class="num">${b.last_value == null ? "n/a" : pct(b.last_value)}</td><td class="num">${b.comparison || ""} ${b.limit == null ? "" : pct(b.limit)}</td></tr>`).join("")
    || '<tr><td colspan="8" class="empty">no open breaches</td></tr>';
}

async function openReport(date, universe) {
  const headers = {};
  if (apiKey()) headers["X-API-Key"] = apiKey();
  const r = await fetch(`/v1/compliance/reports/${date}?format=html&universe=${encodeURIComponent(universe)}`, { headers });
  if (!r.ok) { showError(`report: ${r.status}`); return; }
  const url = URL.createObjectURL(await r.blob());
  window.open(url, "_blank");
}

// ---------------------------------------------------------------------------------------------- start
async function guarded(fn, what) {
  try { await fn(); } catch (e) {
    const hint = e.status === 401 ? " (enter an API key with role read above)" : "";
    showError(`${what}: ${e.message}${hint}`);
  }
}

async function refreshAll() {
  showError("");
  await guarded(loadImpact, "AI impact");
  await guarded(loadPortfolio, "portfolio");
  await guarded(loadCompliance, "compliance");
  document.body.dataset.loaded = "true";
}

async function start() {
  $("#apikey").value = apiKey();
  $("#apikey").addEventListener("change", (ev) => { sessionStorage.setItem("econgraph-api-key", ev.target.value.trim()); start(); });
  try {
    const qs = await api("/v1/quarters?limit=500");
    const sel = $("#quarter");
    sel.replaceChildren();
    for (const q of qs.items) sel.add(new Option(q.quarter, q.quarter));
    if (qs.items.length) sel.value = qs.items[qs.items.length - 1].quarter;
  } catch (e) {
    showError(`quarters: ${e.message}${e.status === 401 ? " (enter an API key with role read above)" : ""}`);
    document.body.dataset.loaded = "true";
    return;
  }
  await refreshAll();
}

$("#quarter").addEventListener("change", () => guarded(loadImpact, "AI impact"));
$("#rater").addEventListener("change", () => guarded(loadImpact, "AI impact"));
$("#universe").addEventListener("change", () => guarded(loadPortfolio, "portfolio"));
$("#impact-table thead").addEventListener("click", (ev) => {
  const key = ev.target.dataset && ev.target.dataset.key;
  if (!key) return;
  state.sortDir = state.sortKey === key && state.sortDir === "desc" ? "asc" : "desc";
  state.sortKey = key;
  renderImpactTable();
});
$("#impact-table tbody").addEventListener("click", (ev) => {
  const tr = ev.target.closest("tr");
  if (tr) guarded(() => loadSupply(tr.dataset.code), "supply chain");
});
start();
