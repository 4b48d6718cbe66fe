// The service graph page, #/graph?mode=window|change&color=p95|errors&since=..&until=..&a_since=..
// Services are boxes in columns by call depth (laid out here, inline SVG, no library); every
// caller -> callee is one edge, coloured by its p95 or error rate over a window, or (change mode) by
// how its own time (gap + server self time) changed between windows A and B.  Clicking an edge
// shows its numbers and example traces.  Data: /api/graph, /api/graph/change, /api/graph/edge.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const BOX_W = 140, BOX_H = 32, COL_GAP = 100, ROW_GAP = 20, PAD = 20;
  const CHANGE_COLOURS = { slower: "#e03131", faster: "#2f9e44", same: "#98a2b3", new: "#1971c2", gone: "#c0c6d0", few: "#d0d5dd" };
  const h = (...a) => GT.h(...a);

  // graph.css and humane.js are loaded by the graph and recipes pages themselves (once), so that
  // index.html stays the shell's; GT.needs(path) resolves when the asset has loaded.
  function needs(path) {
    GT._assets = GT._assets || {};
    if (!GT._assets[path]) {
      GT._assets[path] = new Promise((resolve, reject) => {
        const el = path.endsWith(".css") ? h("link", { rel: "stylesheet", href: path }) : h("script", { src: path });
        el.addEventListener("load", resolve);
        el.addEventListener("error", () => reject(new Error("cannot load " + path)));
        document.head.append(el);
      });
    }
    return GT._assets[path];
  }
  // GT.api, with the answer parsed exactly (integers beyond 2^53, such as epoch ns, as BigInt:
  // GT.humane.exactJson); a POST when `json` is given.
  async function exactApi(path, json) {
    await needs("static/humane.js");
    const headers = {};
    const token = sessionStorage.getItem("graphtrace-token");
    if (token) headers.Authorization = "Bearer " + token;
    const options = { headers };
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      Object.assign(options, { method: "POST", body: JSON.stringify(json) });
    }
    const response = await fetch(path, options);
    if (response.status === 401) {
      const given = window.prompt("This graphtrace serve needs its API token:");
      if (given) {
        sessionStorage.setItem("graphtrace-token", given);
        return exactApi(path, json);
      }
    }
    const text = await response.text();
    let body;
    try { body = GT.humane.exactJson(text); } catch (e) { body = { error: "bad answer", detail: response.statusText }; }
    if (!response.ok) {
      const err = new Error((body.error || "error") + ": " + (body.detail || response.statusText));
      err.status = response.status;
      throw err;
    }
    return body;
  }
  GT.exactApi = exactApi;
  GT.needs = needs;
  GT.needsUi = () => Promise.all([needs("static/graph.css"), needs("static/humane.js")]);
  const dur = (ns) => (ns === null || ns === undefined ? "–" : GT.humane.duration(ns));

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v);
    }
    children.flat().forEach((c) => c && el.append(c));
    return el;
  }

  // Green -> amber -> red for t in [0, 1].
  function heat(t) {
    const stops = [[47, 158, 68], [245, 159, 0], [224, 49, 49]];
    const x = Math.max(0, Math.min(1, t)) * 2, i = Math.min(1, Math.floor(x)), f = x - i;
    const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
    return `rgb(${c.join(",")})`;
  }

  function edgeColour(edge, view, range) {
    if (view.mode === "change") return CHANGE_COLOURS[edge.change] || "#98a2b3";
    if (view.color === "errors") return edge.error_rate > 0 ? heat(0.35 + 6.5 * edge.error_rate) : "#98a2b3";
    if (!edge.p95_ns || range.lo === range.hi) return heat(0);
    return heat(Math.log(edge.p95_ns / range.lo) / Math.log(range.hi / range.lo));
  }

  function edgeLabel(edge, view) {
    if (view.mode === "change") {
      const r = edge.own_ratio_p95;
      return edge.change === "new" || edge.change === "gone" ? edge.change : (r === null ? edge.change : GT.humane.significant(r) + "x");
    }
    if (view.color === "errors") return GT.humane.share(edge.error_rate);
    return dur(edge.p95_ns);
  }

  // Columns by depth; inside a column, services ordered by the mean row of their callers, then name.
  function layout(nodes, edges) {
    const columns = [];
    nodes.forEach((n) => (columns[n.depth] = columns[n.depth] || []).push(n.name));
    const row = {};
    columns.forEach((col, depth) => {
      const key = (name) => {
        const rows = edges.filter((e) => e.callee === name && row[e.caller] !== undefined).map((e) => row[e.caller]);
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : -1;
      };
      if (depth > 0) col.sort((a, b) => key(a) - key(b) || (a < b ? -1 : 1));
      col.forEach((name, i) => (row[name] = i));
    });
    const tallest = Math.max(1, ...columns.map((c) => (c || []).length));
    const height = PAD * 2 + tallest * BOX_H + (tallest - 1) * ROW_GAP;
    const pos = {};
    columns.forEach((col, depth) => {
      const used = col.length * BOX_H + (col.length - 1) * ROW_GAP;
      col.forEach((name, i) => {
        pos[name] = { x: PAD + depth * (BOX_W + COL_GAP), y: (height - used) / 2 + i * (BOX_H + ROW_GAP) };
      });
    });
    return { pos, width: PAD * 2 + columns.length * BOX_W + Math.max(0, columns.length - 1) * COL_GAP, height };
  }

  function edgePath(a, b) {
    const y1 = a.y + BOX_H / 2, y2 = b.y + BOX_H / 2;
    if (b.x > a.x) {
      const x1 = a.x + BOX_W, x2 = b.x - 2, mid = (x1 + x2) / 2;
      // the label sits at t = 0.72 along the curve, where fanned-out edges are apart
      const t = 0.72, u = 1 - t, bez = (p0, p1, p2, p3) => u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
      return { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, lx: bez(x1, mid, mid, x2), ly: bez(y1, y1, y2, y2) + 4 };
    }
    if (a === b) {  // a service calling itself: a loop under its box
      const xl = a.x + BOX_W * 0.3, xr = a.x + BOX_W * 0.7, y = a.y + BOX_H, low = y + ROW_GAP + 6;
      return { d: `M${xl},${y} C${xl - 10},${low} ${xr + 10},${low} ${xr},${y + 1}`, lx: xr + 28, ly: y + ROW_GAP / 2 + 6 };
    }
    // a call back to this column or an earlier one: an arc over the top
    const x1 = a.x + BOX_W / 2, x2 = b.x + BOX_W / 2, top = Math.max(-12, Math.min(a.y, b.y) - 18 - Math.abs(x1 - x2) / 8);
    return { d: `M${x1},${a.y} C${x1},${top} ${x2},${top} ${x2},${b.y}`, lx: (x1 + x2) / 2, ly: top + 6 };
  }

  function drawGraph(data, view, onPick) {
    const { pos, width, height } = layout(data.nodes, data.edges);
    const p95s = data.edges.map((e) => e.p95_ns).filter((v) => v > 0);
    const range = { lo: Math.min(...p95s), hi: Math.max(...p95s) };
    const maxCalls = Math.max(1, ...data.edges.map((e) => (e.b || e.a || e).calls || 1));
    const svg = s("svg", { width, height: height + 28, viewBox: `0 -16 ${width} ${height + 28}`, class: "gt-graph", "data-testid": "service-graph", role: "img", "aria-label": "service graph" });
    const defs = s("defs");
    svg.append(defs);
    const markers = {};
    const marker = (colour) => {
      if (!markers[colour]) {
        markers[colour] = "arrow" + Object.keys(markers).length;
        defs.append(s("marker", { id: markers[colour], viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto" },
          s("path", { d: "M0,0 L10,5 L0,10 z", fill: colour })));
      }
      return `url(#${markers[colour]})`;
    };
    for (const edge of data.edges) {
      const a = pos[edge.caller], b = pos[edge.callee];
      if (!a || !b) continue;
      const geo = edgePath(a, b), colour = edgeColour(edge, view, range);
      const calls = (edge.b || edge.a || edge).calls || 1;
      const width_ = 1.5 + 4 * Math.log(1 + calls) / Math.log(1 + maxCalls);
      const label = edgeLabel(edge, view);
      const g = s("g", { class: "gt-edge", "data-testid": "edge", "data-caller": edge.caller, "data-callee": edge.callee,
                         "data-change": edge.change || null, tabindex: 0, onclick: () => onPick(edge, g), onkeydown: (ev) => ev.key === "Enter" && onPick(edge, g) },
        s("title", { text: `${edge.caller} → ${edge.callee}: ${label}` }),
        s("path", { d: geo.d, class: "gt-edge-hit" }),
        s("path", { d: geo.d, class: "gt-edge-line", stroke: colour, "stroke-width": width_.toFixed(1), "marker-end": marker(colour),
                    "stroke-dasharray": edge.change === "gone" || edge.change === "few" ? "5 4" : null }),
        s("text", { x: geo.lx, y: geo.ly - 4, class: "gt-edge-label", "text-anchor": "middle", text: label }));
      svg.append(g);
    }
    for (const node of data.nodes) {
      const p = pos[node.name];
      svg.append(s("g", { class: "gt-node", "data-testid": "node", "data-service": node.name },
        s("rect", { x: p.x, y: p.y, width: BOX_W, height: BOX_H, rx: 6 }),
        s("text", { x: p.x + BOX_W / 2, y: p.y + BOX_H / 2 + 4, "text-anchor": "middle", text: node.name.length > 22 ? node.name.slice(0, 10) + "…" + node.name.slice(-10) : node.name },
          s("title", { text: node.name }))));
    }
    return svg;
  }

  function legend(view) {
    if (view.mode === "change") {
      return h("div", { class: "gt-legend" }, "Own time (gap + server self time) p95, B vs A: ",
        ...Object.entries(CHANGE_COLOURS).map(([name, colour]) => h("span", { class: "gt-key" }, h("i", { style: `background:${colour}` }), name)));
    }
    return h("div", { class: "gt-legend" }, view.color === "errors" ? "Edge colour: error rate (grey: none; amber → red: 0% → 10%+); label: error rate"
      : "Edge colour: client p95 (green: fastest edge → red: slowest, log scale); label: p95; width: calls");
  }

  function statsRows(stats) {
    if (!stats) return [h("tr", {}, h("td", { colspan: 2, class: "muted" }, "no calls"))];
    const row = (name, value) => h("tr", {}, h("th", {}, name), h("td", { class: "num" }, value));
    return [
      row("calls / traces", `${GT.humane.value("count", stats.calls)} / ${GT.humane.value("count", stats.traces)}`),
      row("p50 / p95 / p99", `${dur(stats.p50_ns)} / ${dur(stats.p95_ns)} / ${dur(stats.p99_ns)}`),
      row("client/server gap p50 / p95", `${dur(stats.gap_p50_ns)} / ${dur(stats.gap_p95_ns)}`),
      row("own time p50 / p95", `${dur(stats.own_p50_ns)} / ${dur(stats.own_p95_ns)}`),
      row("errors", `${GT.humane.value("count", stats.errors)} (${GT.humane.share(stats.error_rate)})`),
      row("calls on the critical path", GT.humane.value("count", stats.cp_calls)),
    ];
  }

  function traceList(title, rows, testid) {
    return h("div", { "data-testid": testid }, h("h4", {}, title),
      rows.length ? h("ol", {}, ...rows.map((r) => h("li", {},
        h("a", { href: "#/trace/" + encodeURIComponent(r.trace_id), class: "mono" }, r.trace_id.slice(0, 16) + "…"),
        " ", dur(r.max_ns), r.calls > 1 ? h("span", { class: "muted" }, ` (slowest of ${r.calls} calls)`) : null)))
        : h("p", { class: "muted" }, "none"));
  }

  async function showEdge(panel, edge, view, windowOf) {
    panel.replaceChildren(h("h3", { "data-testid": "edge-title" }, `${edge.caller} → ${edge.callee}`),
      h("p", { class: "muted" }, edge.operations.join(", ")));
    if (view.mode === "change") {
      panel.append(h("p", { "data-testid": "edge-change" }, `Change: ${edge.change}; own p95 ${dur(edge.a && edge.a.own_p95_ns)} → ${dur(edge.b && edge.b.own_p95_ns)}`
        + (edge.own_ratio_p95 ? ` (${GT.humane.significant(edge.own_ratio_p95)}x)` : "")
        + `; client p95 ${dur(edge.a && edge.a.p95_ns)} → ${dur(edge.b && edge.b.p95_ns)}`),
        h("h4", {}, "Window A"), h("table", { class: "gt-stats" }, ...statsRows(edge.a)),
        h("h4", {}, "Window B"), h("table", { class: "gt-stats" }, ...statsRows(edge.b)));
    } else {
      panel.append(h("table", { class: "gt-stats", "data-testid": "edge-stats" }, ...statsRows(edge)));
    }
    const [since, until] = windowOf;
    const q = new URLSearchParams({ caller: edge.caller, callee: edge.callee });
    if (since !== null && since !== undefined) q.set("since", String(since));
    if (until !== null && until !== undefined) q.set("until", String(until));
    const loading = h("p", { class: "muted" }, "loading example traces…");
    panel.append(loading);
    try {
      const detail = await exactApi("api/graph/edge?" + q);
      loading.replaceWith(traceList("Slowest traces" + (view.mode === "change" ? " (window B)" : ""), detail.slowest, "slowest-traces"),
        traceList("Traces where this edge is on the critical path", detail.critical, "critical-traces"));
    } catch (err) {
      loading.replaceWith(h("p", { class: "error" }, String(err.message || err)));
    }
  }

  function controls(view) {
    const input = (name, label) => h("label", {}, label + " ", h("input", { name, value: view.query.get(name) || "", placeholder: "ISO time, ns, now-15m", size: 22 }));
    const mode = h("select", { name: "mode", "data-testid": "graph-mode" },
      h("option", { value: "window", selected: view.mode === "window" }, "one window"),
      h("option", { value: "change", selected: view.mode === "change" }, "change between two windows"));
    const colour = h("select", { name: "color", "data-testid": "graph-color" },
      h("option", { value: "p95", selected: view.color === "p95" }, "colour by p95"),
      h("option", { value: "errors", selected: view.color === "errors" }, "colour by error rate"));
    const form = h("form", { class: "gt-controls", "data-testid": "graph-form" }, mode,
      view.mode === "change"
        ? h("span", {}, input("a_since", "A from"), input("a_until", "to"), input("b_since", "B from"), input("b_until", "to"),
            h("label", {}, "threshold ", h("input", { name: "threshold", value: view.query.get("threshold") || "", placeholder: "1.5", size: 4 })),
            h("label", {}, "min calls ", h("input", { name: "min_calls", value: view.query.get("min_calls") || "", placeholder: "5", size: 4 })))
        : h("span", {}, colour, input("since", "from"), input("until", "to")),
      h("button", { type: "submit" }, "Show"));
    mode.addEventListener("change", () => GT.navigate("#/graph?mode=" + mode.value));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (String(v).trim()) q.set(k, String(v).trim());
      GT.navigate("#/graph?" + q);
    });
    return form;
  }

  GT.register("graph", async (page, args, query) => {
    // draw into a child of the page: when the user moves on while this loads, the router empties the
    // page and whatever this render adds later goes to a detached element
    const el = h("div");
    page.append(el);
    await GT.needsUi();
    const view = { mode: query.get("mode") === "change" ? "change" : "window", color: query.get("color") === "errors" ? "errors" : "p95", query };
    el.append(h("h2", {}, "Service graph"), controls(view));
    const api = new URLSearchParams();
    const keys = view.mode === "change" ? ["a_since", "a_until", "b_since", "b_until", "threshold", "min_calls"] : ["since", "until"];
    keys.forEach((k) => query.get(k) && api.set(k, query.get(k)));
    const status = h("p", { class: "muted" }, "loading…");
    el.append(status);
    const data = await exactApi((view.mode === "change" ? "api/graph/change?" : "api/graph?") + api);
    status.remove();
    if (!data.edges.length) {
      el.append(h("p", { class: "muted", "data-testid": "graph-empty" }, "No remote calls in this window."));
      return;
    }
    const w = data.windows || {};
    const windowOf = view.mode === "change" ? [w.b_since_ns, w.b_until_ns] : [data.since_ns, data.until_ns];
    if (view.mode === "change") {
      const t = (ns) => (ns === null || ns === undefined ? "…" : GT.humane.value("time", ns));
      el.append(h("p", { class: "muted", "data-testid": "graph-windows" },
        `A: ${t(w.a_since_ns)} to ${t(w.a_until_ns)}; B: ${t(w.b_since_ns)} to ${t(w.b_until_ns)}; `
        + `an edge is slower or faster when its own p95 changed by ${GT.humane.significant(data.threshold)}x or more `
        + `(at least ${data.min_calls} calls in each window).`));
    }
    const panel = h("aside", { class: "gt-panel", "data-testid": "edge-panel" }, h("p", { class: "muted" }, "Click an edge for its numbers and example traces."));
    let picked = null;
    const svg = drawGraph(data, view, (edge, g) => {
      if (picked) picked.classList.remove("picked");
      (picked = g).classList.add("picked");
      showEdge(panel, edge, view, windowOf);
    });
    el.append(legend(view), h("div", { class: "gt-graph-wrap" }, h("div", { class: "gt-graph-scroll" }, svg), panel));
  });
})();
