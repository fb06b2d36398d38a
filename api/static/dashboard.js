// The dashboard: consortium exposure from /exposure/consortia.json as Chart.js charts.
// Everything is served locally (Chart.js is vendored under /static/vendor): no CDN.
"use strict";

const state = { rows: [], charts: {}, scenario: null, asOf: null };
window.stackgraphDashboard = state;

const PALETTE = ["#4C8EDA", "#F79767", "#8DCC93", "#C990C0", "#57C7E3", "#F16667",
  "#FFC454", "#DA7194", "#A5ABB6", "#6DCE9E", "#FF75EA", "#68BDF6", "#D9C8AE", "#ECB5C9"];
const TIERS = [["members_trusted", "trusted", "#5db665"], ["members_between", "between", "#FFC454"],
  ["members_concern", "concern", "#eb2728"]];

function apiKey() { return window.localStorage.getItem("stackgraphApiKey"); }

async function getJSON(url) {
  const headers = {};
  if (apiKey()) headers["X-API-Key"] = apiKey();
  let res = await fetch(url, { headers });
  if (res.status === 401) {
    const key = window.prompt("This API needs a key (X-API-Key):");
    if (key) { window.localStorage.setItem("stackgraphApiKey", key); return getJSON(url); }
  }
  const body = await res.json();
  if (!res.ok) throw new Error((body.error && body.error.message) || res.statusText);
  return body;
}

function parseMap(text) {
  // "ARE:2;USA:3" -> {ARE: 2, USA: 3}
  const out = {};
  if (!text) return out;
  for (const part of text.split(";")) {
    const i = part.lastIndexOf(":");
    if (i > 0) out[part.slice(0, i)] = Number(part.slice(i + 1));
  }
  return out;
}

function entityUrl(id) { return "/entity/" + encodeURIComponent(id); }

function chart(id, config) {
  if (state.charts[id]) state.charts[id].destroy();
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: "bottom" } },
    // a click on a consortium's bars opens its entity page
    onClick: (ev, elements) => {
      if (elements.length) location.href = entityUrl(state.rows[elements[0].index].consortium_id);
    } }, config.options || {});
  state.charts[id] = new Chart(document.getElementById(id), config);
}

function render() {
  const rows = state.rows;
  const labels = rows.map(r => r.consortium_name);
  const maps = rows.map(r => parseMap(r.members_by_country));
  const countries = [...new Set(maps.flatMap(m => Object.keys(m)))].sort();
  chart("chart-country", { type: "bar", data: { labels, datasets: countries.map((c, i) => ({
      label: c, data: maps.map(m => m[c] || 0), backgroundColor: PALETTE[i % PALETTE.length] })) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 } } } } });
  chart("chart-tier", { type: "bar", data: { labels, datasets: TIERS.map(([col, name, colour]) => ({
      label: name, data: rows.map(r => r[col]), backgroundColor: colour })) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 } } } } });
  chart("chart-american", { type: "bar", data: { labels, datasets: [{ label: "American share (%)",
      data: rows.map(r => r.american_share === null ? null : Math.round(r.american_share * 1000) / 10),
      backgroundColor: "#4C8EDA" }] },
    options: { scales: { y: { min: 0, max: 100 } } } });
  chart("chart-risk", { type: "bar", data: { labels, datasets: [
      { label: "listed members", data: rows.map(r => r.listed_members), backgroundColor: "#DA7194" },
      { label: "chokepoint inputs", data: rows.map(r => r.chokepoints), backgroundColor: "#FFC454" },
      { label: "diversion paths", data: rows.map(r => r.diversion_paths), backgroundColor: "#F16667" },
      { label: "parties needing a license (scenario)", data: rows.map(r => r.license_needed), backgroundColor: "#8DCC93" }] },
    options: { scales: { y: { ticks: { precision: 0 } } } } });
  renderTable(rows);
}

function renderTable(rows) {
  const cols = state.columns;
  const thead = document.querySelector("#rows thead");
  const tbody = document.querySelector("#rows tbody");
  thead.innerHTML = "";
  tbody.innerHTML = "";
  const tr = document.createElement("tr");
  for (const c of cols) { const th = document.createElement("th"); th.textContent = c; tr.appendChild(th); }
  thead.appendChild(tr);
  for (const r of rows) {
    const row = document.createElement("tr");
    row.dataset.consortium = r.consortium_id;
    for (const c of cols) {
      const td = document.createElement("td");
      td.dataset.column = c;
      if (c === "consortium_name" || c === "consortium_id") {
        const a = document.createElement("a");
        a.href = entityUrl(r.consortium_id);
        a.textContent = r[c];
        td.appendChild(a);
      } else {
        td.textContent = r[c] === null ? "" : String(r[c]);
      }
      row.appendChild(td);
    }
    tbody.appendChild(row);
  }
}

async function load(scenario) {
  const status = document.getElementById("status");
  status.className = "";
  status.textContent = "Loading…";
  document.body.dataset.ready = "";
  try {
    const q = scenario ? "?scenario=" + encodeURIComponent(scenario) : "";
    const data = await getJSON("/exposure/consortia.json" + q);
    state.rows = data.rows;
    state.columns = data.columns;
    state.scenario = data.scenario;
    state.asOf = data.as_of;
    document.getElementById("link-csv").href = "/exposure/consortia.csv" + q;
    document.getElementById("link-json").href = "/exposure/consortia.json" + q;
    render();
    status.textContent = `${data.rows.length} consortia, scenario ${data.scenario}, as of ${data.as_of}`;
    document.body.dataset.ready = data.scenario;
  } catch (err) {
    status.className = "error";
    status.textContent = "Could not load exposure: " + err.message;
    document.body.dataset.ready = "error";
  }
}

async function search(text) {
  // full-text search over names and aliases (GraphQL `search`), results link to entity pages
  const list = document.getElementById("search-results");
  list.innerHTML = "";
  if (!text.trim()) return;
  const headers = { "Content-Type": "application/json" };
  if (apiKey()) headers["X-API-Key"] = apiKey();
  const res = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({
    query: "query Search($t: String!) { search(text: $t, limit: 10) { entity { id name label } } }",
    variables: { t: text } }) });
  const body = await res.json();
  for (const hit of (body.data && body.data.search) || []) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = entityUrl(hit.entity.id);
    a.textContent = `${hit.entity.name} (${hit.entity.label}, ${hit.entity.id})`;
    li.appendChild(a);
    list.appendChild(li);
  }
  if (!list.children.length) list.textContent = "no match";
}

async function init() {
  const form = document.getElementById("search");
  form.addEventListener("submit", ev => { ev.preventDefault(); search(form.elements.q.value); });
  const sel = document.getElementById("scenario");
  try {
    const cfg = await getJSON("/dashboard/config.json");
    document.getElementById("link-browser").href = cfg.neo4j_browser;
    document.getElementById("link-graphiql").href = cfg.graphiql;
    const sc = await getJSON("/exposure/scenarios.json");
    for (const s of sc.scenarios) {
      const opt = document.createElement("option");
      opt.value = s.id; opt.textContent = s.name;
      if (s.id === sc.default) opt.selected = true;
      sel.appendChild(opt);
    }
  } catch (err) { /* load() reports */ }
  sel.addEventListener("change", () => load(sel.value));
  await load(sel.value || null);
}

init();
