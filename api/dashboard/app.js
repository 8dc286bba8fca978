// econgraph dashboard: plain JavaScript, charts as inline SVG, data from the /v1 API (no external assets).
// Every view's state lives in the URL hash (#view=industry&code=5415&q=2024Q3), so a link reproduces the view.
"use strict";

const $ = (sel) => document.querySelector(sel);
const SVGNS = "http://www.w3.org/2000/svg";
const VIEWS = ["impact", "industry", "whatif", "forecasts", "tasks", "portfolio", "compliance", "journal"];
const state = { impact: [], sortKey: "automatable_wage_bill_usd", sortDir: "desc", names: {} };

function apiKey() { return sessionStorage.getItem("econgraph-api-key") || ""; }

// Clear every data container: after an authentication error nothing fetched with an earlier key stays on screen.
function clearData() {
  for (const e of document.querySelectorAll("[data-clear]")) e.replaceChildren();
  for (const e of document.querySelectorAll("#journal-table thead tr")) e.replaceChildren();
}

async function request(path, opts = {}) {
  const headers = { "Accept": "application/json", ...(opts.headers || {}) };
  if (apiKey()) headers["X-API-Key"] = apiKey();
  const r = await fetch(path, { ...opts, headers });
  if (r.status === 401) clearData();
  return r;
}

async function api(path, opts = {}) {
  const r = await request(path, opts);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) { const e = new Error(body.detail || `${r.status} ${r.statusText}`); e.status = r.status; throw e; }
  return body;
}

function showError(msg) { const e = $("#error"); e.textContent = msg; e.hidden = !msg; }
const billions = (v) => v == null ? "n/a" : (v / 1e9).toLocaleString(undefined, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const pct = (v, d = 1) => v == null ? "n/a" : (100 * v).toFixed(d) + "%";
const fixed = (v, d = 3) => v == null ? "n/a" : Number(v).toFixed(d);
const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

// ---------------------------------------------------------------------------------------------- URL state
function readHash() { return Object.fromEntries(new URLSearchParams(location.hash.replace(/^#/, ""))); }
function setHash(patch) {
  const h = { ...readHash(), ...patch };
  for (const k of Object.keys(h)) if (h[k] == null || h[k] === "") delete h[k];
  const next = "#" + new URLSearchParams(h).toString();
  if (next !== location.hash) location.hash = next; else route();
}
function industryLink(code, label) { return `<a href="#view=industry&code=${encodeURIComponent(code)}">${esc(label || code)}</a>`; }

// ---------------------------------------------------------------------------------------------- charts
function el(tag, attrs = {}, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

// Round axis ticks (1, 2, 2.5, 5 x 10^k) covering [lo, hi].
function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const start = Math.floor(lo / step) * step, end = Math.ceil(hi / step) * step;
  const ticks = [];
  for (let v = start; v <= end + step / 2; v += step) ticks.push(Math.abs(v) < step / 1e6 ? 0 : +v.toPrecision(12));
  return ticks;
}

// Horizontal bar chart: rows [{label, value, lo, hi, title, alt}], optional whiskers (lo..hi). Full labels in <title>.
function barChart(container, rows, { fmt = (v) => v, labelWidth = 230, width = 900, unit = "" } = {}) {
  container.replaceChildren();
  if (!rows.length) { container.innerHTML = '<p class="empty">nothing to show</p>'; return; }
  const rowH = 18, top = 6, bottom = 22, right = 70;
  const h = top + rows.length * rowH + bottom;
  const ticks = niceTicks(0, Math.max(...rows.map((r) => Math.max(r.value || 0, r.hi || 0))) || 1);
  const max = ticks[ticks.length - 1];
  const scale = (v) => labelWidth + (width - labelWidth - right) * Math.max(0, v) / max;
  const svg = el("svg", { viewBox: `0 0 ${width} ${h}`, preserveAspectRatio: "xMinYMin meet" });
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const maxChars = Math.floor((labelWidth - 12) / 6.4);
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
  for (const t of ticks) svg.appendChild(el("text", { x: scale(t), y: axisY + 14, "text-anchor": "middle", class: "muted tick" }, fmt(t)));
  container.appendChild(svg);
}

// Line chart over categories (quarters or dates): series [{name, values, cls}], optional band {lo, hi}, shaded
// spans [{from, to, cls, label}] (indices into x), y formatter.
function lineChart(container, x, series, { band = null, spans = [], yfmt = (v) => v, width = 900, height = 260 } = {}) {
  container.replaceChildren();
  const all = series.flatMap((s) => s.values).concat(band ? band.lo.concat(band.hi) : []).filter((v) => v != null && isFinite(v));
  if (!x.length || !all.length) { container.innerHTML = '<p class="empty">nothing to show</p>'; return; }
  const left = 64, right = 16, top = 10, bottom = 38;
  const ticks = niceTicks(Math.min(0, ...all), Math.max(...all));
  const lo = ticks[0], hi = ticks[ticks.length - 1];
  const X = (i) => left + (width - left - right) * (x.length === 1 ? 0.5 : i / (x.length - 1));
  const Y = (v) => top + (height - top - bottom) * (1 - (v - lo) / (hi - lo || 1));
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "xMinYMin meet" });
  const step = x.length > 1 ? X(1) - X(0) : 20;
  for (const s of spans) {
    svg.appendChild(el("rect", { x: X(s.from) - step / 2, y: top, width: X(s.to) - X(s.from) + step, height: height - top - bottom, class: "span " + s.cls }))
      .appendChild(el("title", {}, s.label));
  }
  for (const t of ticks) {
    svg.appendChild(el("line", { x1: left, x2: width - right, y1: Y(t), y2: Y(t), class: t === 0 ? "axis" : "grid" }));
    svg.appendChild(el("text", { x: left - 6, y: Y(t) + 4, "text-anchor": "end", class: "muted tick" }, yfmt(t)));
  }
  const every = Math.max(1, Math.ceil(x.length / 10));
  x.forEach((lab, i) => { if (i % every === 0 || i === x.length - 1) svg.appendChild(el("text", { x: X(i), y: height - bottom + 16, "text-anchor": "middle", class: "muted tick" }, lab)); });
  const path = (vals) => vals.map((v, i) => (v == null || !isFinite(v)) ? null : `${X(i)},${Y(v)}`).filter(Boolean).join(" L");
  if (band) {
    const up = band.hi.map((v, i) => [i, v]).filter(([, v]) => v != null);
    const dn = band.lo.map((v, i) => [i, v]).filter(([, v]) => v != null).reverse();
    if (up.length) svg.appendChild(el("path", { d: "M" + up.concat(dn).map(([i, v]) => `${X(i)},${Y(v)}`).join(" L") + " Z", class: "band" }));
  }
  series.forEach((s) => {
    const d = path(s.values);
    if (d) svg.appendChild(el("path", { d: "M" + d, class: "line " + (s.cls || "") })).appendChild(el("title", {}, s.name));
  });
  const legend = series.map((s) => `<span class="legend ${s.cls || ""}">${esc(s.name)}</span>`).join(" ") + spans.filter((s, i, a) => a.findIndex((z) => z.cls === s.cls) === i).map((s) => `<span class="legend span-${s.cls}">${esc(s.label)}</span>`).join(" ");
  container.appendChild(svg);
  container.insertAdjacentHTML("beforeend", `<p class="note">${legend}</p>`);
}

// Quantile ranges on one shared axis: rows [{label, q05, q25, q50, q75, q95}].
function rangeChart(container, rows, { fmt = (v) => pct(v), labelWidth = 230, width = 900 } = {}) {
  container.replaceChildren();
  if (!rows.length) { container.innerHTML = '<p class="empty">nothing to show</p>'; return; }
  const rowH = 18, top = 6, bottom = 22, right = 20;
  const vals = rows.flatMap((r) => [r.q05, r.q95]).filter((v) => v != null);
  const ticks = niceTicks(Math.min(...vals), Math.max(...vals));
  const lo = ticks[0], hi = ticks[ticks.length - 1];
  const S = (v) => labelWidth + (width - labelWidth - right) * (v - lo) / (hi - lo || 1);
  const h = top + rows.length * rowH + bottom;
  const svg = el("svg", { viewBox: `0 0 ${width} ${h}`, preserveAspectRatio: "xMinYMin meet" });
  svg.appendChild(el("line", { x1: S(0), x2: S(0), y1: top, y2: h - bottom + 4, class: "axis" }));
  rows.forEach((r, i) => {
    const y = top + i * rowH, cy = y + rowH / 2;
    const t = el("text", { x: labelWidth - 6, y: y + 12, "text-anchor": "end" }, r.label.length > 34 ? r.label.slice(0, 33) + "…" : r.label);
    t.appendChild(el("title", {}, r.label));
    svg.appendChild(t);
    svg.appendChild(el("line", { x1: S(r.q05), x2: S(r.q95), y1: cy, y2: cy, class: "whisker" }));
    svg.appendChild(el("rect", { x: S(r.q25), y: y + 3, width: Math.max(1, S(r.q75) - S(r.q25)), height: rowH - 6, class: "bar q" }))
      .appendChild(el("title", {}, `${r.label}: median ${fmt(r.q50)}, 50% ${fmt(r.q25)}..${fmt(r.q75)}, 90% ${fmt(r.q05)}..${fmt(r.q95)}`));
    svg.appendChild(el("line", { x1: S(r.q50), x2: S(r.q50), y1: y + 2, y2: y + rowH - 2, class: "median" }));
  });
  const axisY = top + rows.length * rowH + 4;
  for (const t of ticks) svg.appendChild(el("text", { x: S(t), y: axisY + 14, "text-anchor": "middle", class: "muted tick" }, fmt(t)));
  container.appendChild(svg);
}

// ---------------------------------------------------------------------------------------------- CSV export
function tableCSV(table) {
  const q = (s) => { s = String(s).replace(/\s+/g, " ").trim(); return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  return [...table.querySelectorAll("tr")].map((tr) => [...tr.children].map((c) => q(c.dataset.csv ?? c.textContent)).join(",")).join("\n") + "\n";
}
document.addEventListener("click", (ev) => {
  const b = ev.target.closest("button.csv");
  if (!b) return;
  const t = document.getElementById(b.dataset.table);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([tableCSV(t)], { type: "text/csv" }));
  a.download = `${b.dataset.name}${$("#quarter").value ? "-" + $("#quarter").value : ""}.csv`;
  document.body.appendChild(a); a.click(); a.remove();
});

// ---------------------------------------------------------------------------------------------- AI impact
function qr() { const p = new URLSearchParams(); if ($("#quarter").value) p.set("quarter", $("#quarter").value); if ($("#rater").value) p.set("rater", $("#rater").value); return p; }

async function loadImpact() {
  const params = qr(); params.set("limit", "500");
  const page = await api(`/v1/impact?${params}`);
  state.impact = page.items;
  for (const x of page.items) state.names[x.bea_code] = x.name;
  if (!$("#rater").options.length) {
    for (const name of page.raters) $("#rater").add(new Option(name, name, false, name === page.rater));
  }
  const n = page.national, b = page.basis;
  const flags = [b.backcast ? "backcast labour layer" : "", b.nowcast ? "nowcast quarter" : ""].filter(Boolean).join(", ");
  $("#impact-meta").textContent = `${page.quarter}${flags ? ` (${flags})` : ""}, rater ${page.rater}`;
  $("#national").textContent = `National: wage bill $${billions(n.wage_bill_usd)}B, automatable $${billions(n.automatable_wage_bill_usd)}B (${pct(n.automatable_share)}); across raters $${billions(n.automatable_wage_bill_usd_band.min)}B–$${billions(n.automatable_wage_bill_usd_band.max)}B.`;
  $("#basis").textContent = `Basis: OEWS ${b.oews_period}${b.backcast ? " (backcast)" : ""}, IO table ${b.io_year}, as of ${b.as_of}, scores ${b.score_scheme}, task weights ${b.weight_scheme}. ${b.note || ""}`;
  sectorNote(page);
  const top = [...state.impact].filter((x) => x.automatable_wage_bill_usd != null)
    .sort((a, c) => c.automatable_wage_bill_usd - a.automatable_wage_bill_usd).slice(0, 20);
  barChart($("#impact-chart"), top.map((x) => ({
    label: `${x.bea_code} ${x.name}`, value: x.automatable_wage_bill_usd,
    lo: x.automatable_wage_bill_usd_band.min, hi: x.automatable_wage_bill_usd_band.max,
    title: `${x.name}: $${billions(x.automatable_wage_bill_usd)}B automatable (raters $${billions(x.automatable_wage_bill_usd_band.min)}B–$${billions(x.automatable_wage_bill_usd_band.max)}B)`,
  })), { fmt: billions, unit: "B" });
  renderImpactTable();
}

// Industries whose automatable share equals another industry's come from a sector-level OEWS file: say so.
function sectorNote(page) {
  const by = {};
  for (const x of page.items) if (x.automatable_share != null) (by[x.automatable_share.toFixed(6)] ||= []).push(x.bea_code);
  const groups = Object.values(by).filter((g) => g.length > 1);
  const n = groups.reduce((s, g) => s + g.length, 0);
  const note = $("#sector-note");
  note.hidden = !n;
  note.textContent = n ? `${n} of ${page.items.length} industries share their automatable share with another industry (${groups.length} groups, e.g. ${groups.slice(0, 3).map((g) => g.join("/")).join("; ")}): the OEWS layer of this quarter (${page.basis.oews_period}) publishes occupations by sector, so industries of one sector get the sector's occupation mix and their shares are identical. Occupation lists of those industries are the sector's.` : "";
}

function sortValue(row, key) { return key === "band" ? row.automatable_wage_bill_usd_band.max : row[key]; }

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
  $("#impact-table tbody").innerHTML = rows.map((x) => `<tr data-code="${esc(x.bea_code)}">
    <td>${industryLink(x.bea_code)}</td><td>${esc(x.name)}</td>
    <td class="num">${billions(x.wage_bill_usd)}</td><td class="num">${billions(x.automatable_wage_bill_usd)}</td>
    <td class="num">${pct(x.automatable_share)}</td><td class="num">${fixed(x.supply_chain_automatable_per_usd_final_demand)}</td>
    <td class="num">${billions(x.automatable_wage_bill_usd_band.min)}–${billions(x.automatable_wage_bill_usd_band.max)}</td></tr>`).join("");
  for (const th of document.querySelectorAll("#impact-table th")) {
    th.classList.toggle("asc", th.dataset.key === k && state.sortDir === "asc");
    th.classList.toggle("desc", th.dataset.key === k && state.sortDir === "desc");
  }
}

// ---------------------------------------------------------------------------------------------- industry
async function loadIndustry() {
  let code = readHash().code;
  const sel = $("#industry-select");
  if (!sel.options.length) {
    const p = new URLSearchParams({ limit: "500" }); if ($("#quarter").value) p.set("quarter", $("#quarter").value);
    const inds = await api(`/v1/industries?${p}`);
    for (const i of inds.items) { sel.add(new Option(`${i.bea_code} ${i.name}`, i.bea_code)); state.names[i.bea_code] = i.name; }
  }
  if (!code) code = sel.options.length ? (state.impact[0] ? [...state.impact].sort((a, b) => b.automatable_wage_bill_usd - a.automatable_wage_bill_usd)[0].bea_code : sel.options[0].value) : null;
  if (!code) return;
  sel.value = code;
  const p = qr(), lim = new URLSearchParams({ limit: "10" }); if ($("#quarter").value) lim.set("quarter", $("#quarter").value);
  const hp = new URLSearchParams({ limit: "500" }); if ($("#rater").value) hp.set("rater", $("#rater").value);
  const [imp, sup, cus, hist] = await Promise.all([
    api(`/v1/industries/${encodeURIComponent(code)}/impact?${p}`),
    api(`/v1/industries/${encodeURIComponent(code)}/suppliers?${lim}`),
    api(`/v1/industries/${encodeURIComponent(code)}/customers?${lim}`),
    api(`/v1/industries/${encodeURIComponent(code)}/impact/history?${hp}`),
  ]);
  $("#supply-meta").textContent = `${imp.bea_code} ${imp.name} (${imp.quarter}): direct ${fixed(imp.automatable_share_of_gross_output)} and supply-chain ${fixed(imp.supply_chain_automatable_per_usd_final_demand)} automatable $ per $`;
  const H = hist.items;
  const spans = [];
  H.forEach((h, i) => {
    const cls = h.nowcast ? "nowcast" : (h.backcast ? "backcast" : null);
    if (!cls) return;
    const last = spans[spans.length - 1];
    if (last && last.cls === cls && last.to === i - 1) last.to = i; else spans.push({ from: i, to: i, cls, label: cls === "nowcast" ? "nowcast quarters" : "backcast labour layer" });
  });
  lineChart($("#history-chart"), H.map((h) => h.quarter), [
    { name: "automatable share of the wage bill", values: H.map((h) => h.automatable_share), cls: "s1" },
    { name: "automatable wages per $ of gross output", values: H.map((h) => h.automatable_share_of_gross_output), cls: "s2" },
  ], { spans, yfmt: (v) => pct(v, 0) });
  $("#history-table tbody").innerHTML = H.map((h) => `<tr><td>${esc(h.quarter)}</td><td class="num">${billions(h.wage_bill_usd)}</td><td class="num">${billions(h.automatable_wage_bill_usd)}</td><td class="num">${pct(h.automatable_share)}</td><td class="num">${pct(h.automatable_share_of_gross_output)}</td><td>OEWS ${esc(h.oews_period)}${h.backcast ? " (backcast)" : ""}${h.nowcast ? " (nowcast)" : ""}, IO ${esc(h.io_year)}</td></tr>`).join("");
  const fmtM = (v) => Math.round(v).toLocaleString();
  barChart($("#suppliers-chart"), sup.items.map((f) => ({ label: `${f.src_bea_code} ${f.src_name}`, value: f.flow_usd_millions })), { fmt: fmtM, labelWidth: 210, width: 640 });
  barChart($("#customers-chart"), cus.items.map((f) => ({ label: `${f.dst_bea_code} ${f.dst_name}`, value: f.flow_usd_millions, alt: true })), { fmt: fmtM, labelWidth: 210, width: 640 });
  $("#top-occupations").innerHTML = imp.top_occupations.map((o) => `<li><b>$${billions(o.automatable_wage_bill_usd)}B</b> ${esc(o.title)} <span class="note">(${esc(o.soc)}, automatability ${pct(o.automatability)})</span></li>`).join("") || '<li class="empty">none</li>';
  $("#top-tasks").innerHTML = imp.top_tasks.map((t) => `<li><b>$${billions(t.automatable_wage_bill_usd)}B</b> ${esc(t.text)}</li>`).join("") || '<li class="empty">none</li>';
  await loadTextIndex(code, H);
}

async function loadTextIndex(code) {
  const block = $("#text-index-block");
  let page;
  try { page = await api(`/v1/text/industries/${encodeURIComponent(code)}`); } catch (e) { block.hidden = true; return; }
  // one point per edition; the chart keeps editions since 2000 so it stays readable
  const pts = (page.points || []).filter((r) => r.published_date >= "2000-01-01");
  block.hidden = !pts.length;
  if (!pts.length) return;
  $("#text-index-meta").textContent = `${page.editions} editions since ${page.points[0].published_date}, dated by release (shown from 2000); the band is the raters' range`;
  lineChart($("#text-index-chart"), pts.map((r) => r.published_date.slice(0, 7)),
    [{ name: "Beige Book activity index (down −1 .. up +1)", values: pts.map((r) => r.index), cls: "s1" }],
    { band: { lo: pts.map((r) => r.band_low), hi: pts.map((r) => r.band_high) }, yfmt: (v) => v.toFixed(1) });
}

// ---------------------------------------------------------------------------------------------- what-if
async function loadWhatIf() {
  const h = readHash();
  if (h.min != null) $("#wi-min").value = h.min;
  if (h.red != null) $("#wi-red").value = h.red;
  if (h.ind != null) $("#wi-ind").value = h.ind;
  if (!h.run) { $("#whatif-summary").textContent = "Set the shock and press Run."; return; }
  const body = { min_score: +$("#wi-min").value, labour_cost_reduction: +$("#wi-red").value };
  const ind = $("#wi-ind").value.split(",").map((s) => s.trim()).filter(Boolean);
  if (ind.length) body.industries = ind;
  if ($("#quarter").value) body.quarter = $("#quarter").value;
  if ($("#rater").value) body.rater = $("#rater").value;
  const page = await api("/v1/whatif/automation?limit=500", { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  const s = page.summary;
  $("#whatif-meta").textContent = `${s.quarter}, rater ${s.rater}${s.backcast ? " (backcast labour layer)" : ""}`;
  $("#whatif-summary").textContent = `Labour cost saved $${billions(s.labour_cost_saved_usd)}B a year; final-demand-weighted price change ${pct(s.final_demand_weighted_price_change, 2)}; largest fall ${s.largest_price_fall.bea_code} ${pct(s.largest_price_fall.price_change, 2)}. Assumptions: ${s.assumptions.join("; ")}.`;
  const warn = s.warnings || [];
  $("#whatif-warnings").hidden = !warn.length;
  $("#whatif-warnings").textContent = warn.join(" ");
  const falls = page.items.filter((x) => x.price_change < 0).slice(0, 20);
  barChart($("#whatif-chart"), falls.map((x) => ({ label: `${x.bea_code} ${x.name}`, value: -x.price_change, title: `${x.name}: price ${pct(x.price_change, 2)} (direct ${pct(x.value_added_change_per_usd, 2)}, through suppliers ${pct(x.indirect_price_change, 2)})` })), { fmt: (v) => pct(v, 1), unit: " fall" });
  $("#whatif-table tbody").innerHTML = page.items.map((x) => `<tr><td>${industryLink(x.bea_code)}</td><td>${esc(x.name)}</td><td class="num">${billions(x.labour_cost_change_usd)}</td><td class="num">${pct(x.value_added_change_per_usd, 2)}</td><td class="num">${pct(x.indirect_price_change, 2)}</td><td class="num">${pct(x.price_change, 2)}</td></tr>`).join("");
}

// ---------------------------------------------------------------------------------------------- forecasts
async function loadForecasts() {
  let page;
  try { page = await api("/v1/forecasts/latest?limit=500"); } catch (e) {
    if (e.status === 404) { $("#forecast-meta").textContent = "no forecasts yet: run `econgraph forecast predict`"; return; }
    throw e;
  }
  const items = [...page.items].sort((a, b) => b.q50 - a.q50);
  $("#forecast-meta").textContent = `quarter ${page.quarter}, ${page.target}; model ${items[0] ? items[0].model_id : "n/a"}, as of ${items[0] ? items[0].as_of_date : "n/a"}`;
  rangeChart($("#forecast-chart"), items.slice(0, 30).map((f) => ({ label: `${f.bea_code} ${f.name || state.names[f.bea_code] || ""}`, ...f })));
  $("#forecast-table tbody").innerHTML = items.map((f) => `<tr><td>${industryLink(f.bea_code)}</td><td>${esc(f.name || state.names[f.bea_code] || "")}</td>${["q05", "q25", "q50", "q75", "q95"].map((k) => `<td class="num">${pct(f[k], 2)}</td>`).join("")}</tr>`).join("");
}

// ---------------------------------------------------------------------------------------------- tasks
async function loadTasks() {
  const h = readHash();
  if (h.tq != null) $("#task-q").value = h.tq;
  if (h.tmin != null) $("#task-min").value = h.tmin;
  const q = $("#task-q").value.trim();
  if (q.length < 2) { $("#tasks-meta").textContent = "type what a task does"; return; }
  const p = new URLSearchParams({ q, min_similarity: $("#task-min").value || "0.3", limit: "50" });
  let page;
  try { page = await api(`/v1/tasks/search?${p}`); } catch (e) {
    if (e.status === 503) { $("#tasks-meta").textContent = e.message; setTimeout(() => guarded(loadTasks, "task search"), 10000); return; }
    throw e;
  }
  $("#tasks-meta").textContent = `${page.total} statements at similarity >= ${page.min_similarity} (${page.quarter}, ${page.model}); repeated statements collapsed`;
  $("#tasks-table tbody").innerHTML = page.items.map((t) => `<tr><td>${esc(t.text)}${t.duplicate_task_ids.length ? ` <span class="note">(+${t.duplicate_task_ids.length} identical)</span>` : ""}</td>
    <td>${esc((t.occupations.length ? t.occupations : [t.occupation]).join("; "))}</td><td class="num">${fixed(t.similarity, 3)}</td>
    <td>${Object.entries(t.scores || {}).map(([r, v]) => `${esc(r)} ${v == null ? "n/a" : v.toFixed(2)}`).join(", ")}</td></tr>`).join("")
    || '<tr><td colspan="4" class="empty">no task above the similarity floor</td></tr>';
}

// ---------------------------------------------------------------------------------------------- portfolio
async function loadPortfolio() {
  const page = await api("/v1/portfolio");
  const sel = $("#universe");
  if (!page.items.length) { $("#portfolio-meta").textContent = "no rebalance or backtest has been run yet"; return; }
  if (!sel.options.length) for (const u of page.items) sel.add(new Option(u, u));
  const u = readHash().universe || (page.items.includes("sp500") ? "sp500" : page.items[0]);
  sel.value = u;
  let day = null;
  try { day = await api(`/v1/portfolio/${encodeURIComponent(u)}/latest`); } catch (e) {
    if (e.status !== 404) throw e;
    $("#portfolio-meta").textContent = `${u}: no daily rebalance (${e.message})`;
  }
  if (day) {
    const s = day.summary;
    $("#portfolio-meta").textContent = `${u} on ${day.date}: ${s.status}, ${s.n_positions} positions, turnover ${pct(s.turnover)}, cash $${Math.round(s.cash_usd).toLocaleString()}${s.mandate ? `, mandate ${s.mandate}` : ""}`;
    $("#portfolio-why").innerHTML = explain(s);
    const w = await api(`/v1/portfolio/${encodeURIComponent(u)}/${day.date}/weights?limit=200`);
    $("#weights-table tbody").innerHTML = w.items.map((x) => `<tr><td>${esc(x.identifier)}</td><td>${x.bea_code ? industryLink(x.bea_code, `${x.bea_code} ${state.names[x.bea_code] || ""}`) : ""}</td><td class="num">${pct(x.weight, 2)}</td><td class="num">${x.quantity.toLocaleString()}</td></tr>`).join("")
      || '<tr><td colspan="4" class="empty">no positions (see why above)</td></tr>';
    try {
      const ex = await api(`/v1/portfolio/${encodeURIComponent(u)}/${day.date}/exposure?limit=12`);
      barChart($("#exposure-chart"), ex.items.map((x) => ({ label: `${x.bea_code} ${x.name || ""}`, value: x.weight })), { fmt: pct, labelWidth: 220, width: 640 });
    } catch (e) { $("#exposure-chart").innerHTML = `<p class="empty">${esc(e.message)}</p>`; }
  }
  await loadBacktest(u);
}

// The day's status in plain words: what was relaxed, which rules blocked or could not be evaluated, the notes.
function explain(s) {
  const c = s.compliance || {}, out = [];
  const a = s.active;
  if (a) {  // the mandate's benchmark-relative program: risk budget, benchmark basis, what moved the book
    const b = a.benchmark || {};
    const basis = b.method ? ` (${esc(b.method.replace("_", " "))}: ${b.n_constituents} of ${b.n_members} members` +
      (b.n_members_unpriced ? `; ${b.n_members_unpriced} without a price, ${pct(b.unpriced_share_by_market_cap, 1)} of the index by cap` : "") + ")" : "";
    out.push(`<p>Mandate <b>${esc(s.mandate)}</b> against ${esc(b.ticker || "its benchmark")}${basis}: ex-ante tracking error ${pct(a.tracking_error_ex_ante, 2)} (budget ${pct(a.tracking_error_budget, 1)}), active share ${pct(a.active_share, 1)}, cash ${pct(a.cash, 2)}.` +
      ((a.binding || []).length ? ` Binding: ${a.binding.map(esc).join(", ")}.` : "") + "</p>");
    if ((a.top_active || []).length) out.push(`<table class="compact"><thead><tr><th>Largest active positions</th><th class="num">Weight</th><th class="num">Benchmark</th><th class="num">Active</th><th>Driver</th></tr></thead><tbody>${a.top_active.map((x) => `<tr><td>${esc(x.security)}</td><td class="num">${pct(x.weight, 2)}</td><td class="num">${pct(x.benchmark_weight, 2)}</td><td class="num">${pct(x.active, 2)}</td><td>${esc(x.driver)}</td></tr>`).join("")}</tbody></table>`);
  }
  if (!s.n_positions) out.push(`<p><b>No position was bought.</b> The optimizer's status is “${esc(s.status)}”.</p>`);
  if ((s.relaxed || []).length) out.push(`<p>Relaxed to find a feasible book: ${s.relaxed.map(esc).join(", ")}.</p>`);
  if ((c.violations || []).length) out.push(`<p>Rules violated by the rounded book: ${c.violations.map(esc).join(", ")}.</p>`);
  if ((c.not_evaluable || []).length) out.push(`<p>Rules that could not be evaluated (data missing), which forbid acquisitions under <i>${esc(c.mode)}</i>:</p><ul>${c.not_evaluable.map((r) => `<li><b>${esc(r.rule_id)}</b>: ${esc((r.reasons || []).join("; "))}</li>`).join("")}</ul>`);
  if ((s.notes || []).length) out.push(`<details><summary>${s.notes.length} notes</summary><ul>${s.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></details>`);
  return out.join("");
}

async function loadBacktest(u) {
  let bt;
  try { bt = await api(`/v1/portfolio/${encodeURIComponent(u)}/backtest`); } catch (e) {
    if (e.status === 404) { $("#backtest-meta").textContent = `no backtest of ${u}: run \`econgraph backtest --universe ${u}\``; return; }
    throw e;
  }
  const m = bt.metrics;
  const bench = (m.mandate && m.mandate.name ? `${m.mandate.name} (mandate ${m.mandate.mandate}) ` : "") + (m.benchmark ? `against ${m.benchmark} ` : "");
  $("#backtest-meta").textContent = `${bench}${m.start || ""}..${m.end || ""}, rebalance every ${m.rebalance_every_days || "?"} days, compliance ${m.compliance_mode || "?"}` +
    (m.tracking_error != null ? `; tracking error ${pct(m.tracking_error)} (budget ${pct(m.tracking_error_budget)}), information ratio ${fixed(m.information_ratio, 2)} (t ${fixed(m.information_ratio_t, 2)})` : "") +
    (m.forecast_contribution ? `; forecasts' contribution ${pct(m.forecast_contribution.active_return, 2)}/yr (t ${fixed(m.forecast_contribution.t_stat, 2)})` : "") +
    (m.active_breaches != null ? `; active breaches ${typeof m.active_breaches === "object" ? JSON.stringify(m.active_breaches) : m.active_breaches}` : "") +
    (m.skill_note ? `. ${m.skill_note}` : "");
  const rows = [["policy", m], ...Object.entries(m.alternatives || {})];
  $("#backtest-table tbody").innerHTML = rows.map(([name, r]) => `<tr><td>${esc(name)}</td><td class="num">${pct(r.cagr, 2)}</td><td class="num">${pct(r.volatility, 1)}</td><td class="num">${fixed(r.sharpe, 2)}</td><td class="num">${pct(r.max_drawdown, 1)}</td><td class="num">${pct(r.turnover_annual, 1)}</td><td class="num">${pct(r.cost_annual, 3)}</td></tr>`).join("");
  const box = $("#backtest-plots");
  box.replaceChildren();
  for (const name of ["equity_curve", "drawdown", "weights"]) {
    const r = await request(`/v1/portfolio/${encodeURIComponent(u)}/backtest/plots/${name}`, { headers: { Accept: "image/png" } });
    if (!r.ok) continue;
    const blob = await r.blob();
    const data = await new Promise((res) => { const fr = new FileReader(); fr.onload = () => res(fr.result); fr.readAsDataURL(blob); });
    const fig = document.createElement("figure");
    fig.innerHTML = `<img alt="${esc(name.replace("_", " "))}" src="${data}"><figcaption>${esc(name.replace("_", " "))}</figcaption>`;
    box.appendChild(fig);
  }
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
  const br = await api("/v1/compliance/breaches?limit=200");
  $("#breaches-table tbody").innerHTML = br.items.map((b) => `<tr><td>${esc(b.universe)}</td><td title="${esc(b.citation)}">${esc(b.rule_id)}</td><td>${esc(b.severity)}</td>
    <td>${esc(b.status)}${b.overdue ? " " + badge("bad", "overdue") : ""}</td><td>${esc(b.detected)}</td><td>${esc(b.cure_deadline || "none")}</td>
    <td class="num">${b.last_value == null ? "n/a" : pct(b.last_value)}</td><td class="num">${b.comparison || ""} ${b.limit == null ? "" : pct(b.limit)}</td></tr>`).join("")
    || '<tr><td colspan="8" class="empty">no open breaches</td></tr>';
}

async function openReport(date, universe) {
  const r = await request(`/v1/compliance/reports/${date}?format=html&universe=${encodeURIComponent(universe)}`);
  if (!r.ok) { showError(`report: ${r.status}`); return; }
  window.open(URL.createObjectURL(await r.blob()), "_blank");
}

// ---------------------------------------------------------------------------------------------- journal
async function loadJournal() {
  let page;
  try { page = await api("/v1/journal?limit=200"); } catch (e) {
    if (e.status === 404) { $("#journal-meta").textContent = "no decision recorded yet: every rebalance writes one"; return; }
    throw e;
  }
  const items = page.items || [];
  $("#journal-meta").textContent = `${page.total ?? items.length} decisions, newest first (\`econgraph journal show ID\` for one whole, with its realised outcomes)`;
  const scalar = (v) => v == null || typeof v !== "object";
  const preferred = ["id", "date", "kind", "universe", "mandate", "benchmark", "status", "tracking_error_ex_ante", "active_share", "rules_version"];
  const cols = items.length ? preferred.filter((k) => k in items[0] && scalar(items[0][k])) : [];
  $("#journal-table thead tr").innerHTML = cols.map((c) => `<th>${esc(c.replace(/_/g, " "))}</th>`).join("");
  $("#journal-table tbody").innerHTML = items.map((r) => `<tr>${cols.map((c) => `<td>${esc(typeof r[c] === "number" ? +r[c].toPrecision(6) : r[c])}</td>`).join("")}</tr>`).join("")
    || '<tr><td class="empty">no decisions</td></tr>';
}

// ---------------------------------------------------------------------------------------------- routing
const LOADERS = { impact: loadImpact, industry: loadIndustry, whatif: loadWhatIf, forecasts: loadForecasts, tasks: loadTasks, portfolio: loadPortfolio, compliance: loadCompliance, journal: loadJournal };

async function guarded(fn, what) {
  try { await fn(); } catch (e) {
    const hint = e.status === 401 ? " (enter an API key with role read above)" : "";
    showError(`${what}: ${e.message}${hint}`);
  }
}

async function route() {
  const h = readHash();
  const view = VIEWS.includes(h.view) ? h.view : "impact";
  if (h.q && [...$("#quarter").options].some((o) => o.value === h.q)) $("#quarter").value = h.q;
  if (h.rater && [...$("#rater").options].some((o) => o.value === h.rater)) $("#rater").value = h.rater;
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.dataset.view !== view;
  for (const a of document.querySelectorAll("#views a")) a.classList.toggle("active", a.dataset.view === view);
  showError("");
  document.body.dataset.loaded = "false";
  if (view !== "impact" && !state.impact.length) await guarded(loadImpact, "AI impact");  // names and raters
  await guarded(LOADERS[view], view);
  document.body.dataset.view = view;
  document.body.dataset.loaded = "true";
}

async function start() {
  $("#apikey").value = apiKey();
  try {
    const qs = await api("/v1/quarters?limit=500");
    const sel = $("#quarter");
    sel.replaceChildren();
    for (const q of qs.items) sel.add(new Option(q.quarter + (q.nowcast ? " (nowcast)" : ""), q.quarter));
    if (qs.items.length) sel.value = qs.items[qs.items.length - 1].quarter;
  } catch (e) {
    showError(`quarters: ${e.message}${e.status === 401 ? " (enter an API key with role read above)" : ""}`);
    document.body.dataset.loaded = "true";
    return;
  }
  await route();
}

$("#apikey").addEventListener("change", (ev) => { sessionStorage.setItem("econgraph-api-key", ev.target.value.trim()); clearData(); state.impact = []; start(); });
$("#quarter").addEventListener("change", () => { state.impact = []; setHash({ q: $("#quarter").value }); });
$("#rater").addEventListener("change", () => { state.impact = []; setHash({ rater: $("#rater").value }); });
$("#universe").addEventListener("change", () => setHash({ universe: $("#universe").value }));
$("#industry-select").addEventListener("change", () => setHash({ view: "industry", code: $("#industry-select").value }));
$("#whatif-form").addEventListener("submit", (ev) => { ev.preventDefault(); setHash({ view: "whatif", min: $("#wi-min").value, red: $("#wi-red").value, ind: $("#wi-ind").value, run: "1" }); });
$("#tasks-form").addEventListener("submit", (ev) => { ev.preventDefault(); setHash({ view: "tasks", tq: $("#task-q").value, tmin: $("#task-min").value }); });
$("#impact-table thead").addEventListener("click", (ev) => {
  const key = ev.target.dataset && ev.target.dataset.key;
  if (!key) return;
  state.sortDir = state.sortKey === key && state.sortDir === "desc" ? "asc" : "desc";
  state.sortKey = key;
  renderImpactTable();
});
window.addEventListener("hashchange", route);
start();
