// The entity page: /entity/{id}/data drawn as a record, a network and diversion paths.
"use strict";

const id = decodeURIComponent(location.pathname.replace(/^\/entity\//, ""));
const el = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};
const link = (ref) => {
  const a = el("a", ref.name);
  a.href = "/entity/" + encodeURIComponent(ref.id);
  a.title = ref.id;
  return a;
};
const show = (v) => Array.isArray(v) ? v.join(", ") : String(v);
const dates = (s, u) => (s || u) ? `${s || "…"} .. ${u || "now"}` : "";

function meta(parts) {
  return el("span", " " + parts.filter(Boolean).join(" · "), "meta");
}

function drawNetwork(rep) {
  const nodes = new Map([[rep.entity.id, {data: {id: rep.entity.id, label: rep.entity.name,
                                                  kind: rep.entity.label, center: 1}}]]);
  const edges = [];
  for (const g of rep.relationships) {
    for (const r of g.relationships) {
      if (!nodes.has(r.other.id)) {
        nodes.set(r.other.id, {data: {id: r.other.id, label: r.other.name, kind: r.other.label}});
      }
      const [s, t] = g.direction === "out" ? [rep.entity.id, r.other.id] : [r.other.id, rep.entity.id];
      edges.push({data: {id: `${g.type}|${s}|${t}|${edges.length}`, source: s, target: t, label: g.type}});
    }
  }
  const cy = cytoscape({
    container: document.getElementById("network"),
    elements: [...nodes.values(), ...edges],
    layout: {name: "concentric", concentric: n => n.data("center") ? 2 : 1, levelWidth: () => 1,
             animate: false},
    style: [
      {selector: "node", style: {label: "data(label)", "font-size": 10, "background-color": "#4f81bd",
                                 width: 18, height: 18, "text-wrap": "ellipsis", "text-max-width": 120}},
      {selector: "node[center]", style: {"background-color": "#c0504d", width: 30, height: 30,
                                         "font-weight": "bold"}},
      {selector: "edge", style: {label: "data(label)", "font-size": 7, width: 1, "line-color": "#9aa5b1",
                                 "target-arrow-shape": "triangle", "target-arrow-color": "#9aa5b1",
                                 "curve-style": "bezier", color: "#5b6472"}},
    ],
  });
  cy.on("tap", "node", ev => {
    if (!ev.target.data("center")) location.href = "/entity/" + encodeURIComponent(ev.target.id());
  });
  window.entityGraph = cy;  // for the browser test
}

function fill(data) {
  const rep = data.report;
  document.title = `stackgraph: ${rep.entity.name}`;
  document.getElementById("title").textContent = `${rep.entity.name} (${rep.entity.id}, ${rep.labels.join(", ")})`;
  const props = document.querySelector("#props tbody");
  const add = (k, v) => { const tr = el("tr"); tr.append(el("th", k), el("td", v)); props.append(tr); };
  for (const [k, v] of Object.entries(rep.properties)) add(k, show(v));
  if (rep.confidence) add("confidence", rep.confidence);
  if (rep.sources.length) add("sources", rep.sources.join(", "));
  if (rep.dated.length) {
    const box = document.getElementById("dated");
    box.append(el("h3", "Dated values"));
    const ul = el("ul");
    for (const d of rep.dated) {
      const li = el("li", `${d.property}: ${show(d.value)}`);
      li.append(meta([dates(d.since, d.until), d.confidence, d.sources.join(", ")]));
      ul.append(li);
    }
    box.append(ul);
  }
  if (rep.listings.length) {
    const box = document.getElementById("listings");
    box.append(el("h3", "Listed on"));
    const ul = el("ul");
    for (const l of rep.listings) { const li = el("li"); li.append(link(l.control_list)); ul.append(li); }
    box.append(ul);
  }
  const own = document.getElementById("ownership");
  for (const [title, chains] of [["Owners", rep.owners], ["Holdings", rep.holdings]]) {
    if (!chains.length) continue;
    own.append(el("h3", title));
    const ul = el("ul");
    for (const c of chains) {
      const li = el("li");
      li.append(link(c.hops[0].owner));
      for (const h of c.hops) {
        li.append(` → ${h.share == null ? "?" : (h.share * 100).toFixed(1) + " %"} → `);
        li.append(link(h.owned));
      }
      ul.append(li);
    }
    own.append(ul);
  }
  const rels = document.getElementById("rels");
  for (const g of rep.relationships) {
    const box = el("div", undefined, "rel-group");
    box.append(el("h3", `${g.direction === "out" ? "-[" + g.type + "]->" : "<-[" + g.type + "]-"} (${g.count})`));
    const ul = el("ul");
    for (const r of g.relationships) {
      const li = el("li");
      li.append(link(r.other));
      const p = Object.entries(r.properties).map(([k, v]) => `${k}: ${show(v)}`).join("; ");
      li.append(meta([p, dates(r.since, r.until), r.confidence, r.sources.join(", ")]));
      ul.append(li);
    }
    box.append(ul);
    rels.append(box);
  }
  const paths = document.getElementById("paths");
  if (!data.diversion) {
    paths.append(el("p", "Diversion paths start from chips, models, data centers and firms."));
  } else if (!data.diversion.paths.length) {
    paths.append(el("p", `No path reaches a destination of concern within ${data.diversion.max_hops} hops (scenario ${data.diversion.scenario}).`));
  }
  for (const [i, p] of ((data.diversion && data.diversion.paths) || []).entries()) {
    const box = el("div", undefined, "path");
    box.dataset.destination = p.destination.id;
    const h = el("h3", `${i + 1}. score ${p.score.toFixed(3)} → `);
    h.append(link(p.destination), ` (${p.reasons.join("; ")})`);
    box.append(h);
    const ol = el("ol");
    for (const hop of p.hops) {
      const li = el("li", undefined, "hop");
      li.append(link({id: hop.from_id, name: hop.from_name}),
                hop.direction === "forward" ? ` -[${hop.type}]-> ` : ` <-[${hop.type}]- `,
                link({id: hop.to_id, name: hop.to_name}));
      li.append(meta([`factor ${hop.factor}`, hop.confidence,
                      hop.sources.map(s => s.title ? `${s.id} (${s.title})` : s.id).join(", ")]));
      ol.append(li);
    }
    box.append(ol);
    paths.append(box);
  }
  const sources = document.getElementById("sources");
  for (const s of rep.cited) {
    const li = el("li", `${s.id}: ` + [s.publisher, s.title, s.published].filter(Boolean).join(" — "));
    if (s.url) { const a = el("a", " link"); a.href = s.url; a.rel = "noopener"; li.append(a); }
    sources.append(li);
  }
  drawNetwork(rep);
}

async function main() {
  const url = "/entity/" + encodeURIComponent(id) + "/data";
  document.getElementById("link-json").href = url;
  const status = document.getElementById("status");
  try {
    const res = await fetch(url);
    const body = await res.json();
    if (!res.ok) {
      const err = body.error || body.detail || body;
      throw new Error((err.message || JSON.stringify(err)) + (err.hint ? " — " + err.hint : ""));
    }
    fill(body);
    status.textContent = "";
    document.body.dataset.ready = id;
  } catch (e) {
    status.textContent = "Could not load " + id + ": " + e.message;
    status.className = "error";
    document.body.dataset.ready = "error";
  }
}
main();
