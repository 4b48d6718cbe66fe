// The trace view (#/trace/<id>): the narrative with the bottleneck table beside it, the anomalies,
// the waterfall and the selected span's details (attributes, events, links, client/server pair).
// GT.renderTraceView(el, view) draws one view; the HTML report (analyze --format html) calls it too.
(function () {
  "use strict";
  const h = (...a) => GT.h(...a);

  function kvTable(obj, testid) {
    const entries = Object.entries(obj || {});
    if (!entries.length) return h("p", { class: "muted" }, "none");
    return h("table", { class: "kv", "data-testid": testid },
      entries.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", { class: "mono" }, typeof v === "string" ? v : JSON.stringify(v)))));
  }

  function spanButton(view, wf, id, text) {
    const i = wf.index(id);
    if (i === undefined) return h("span", { class: "mono" }, text || id);
    return h("a", { href: "#", class: "mono", "data-testid": "span-link", "data-span-id": id,
      onclick: (ev) => { ev.preventDefault(); wf.select(i); } }, text || (view.spans[i].name + " (" + view.spans[i].service + ")"));
  }

  // One client/server pair of span i (view.calls[n]: client and server are span indexes).
  function callBlock(view, wf, i, n) {
    const call = view.calls[n];
    const client = view.spans[call.client], server = view.spans[call.server];
    const role = call.client === i ? "client" : "server";
    const peer = role === "client" ? server : client;
    const rows = [["this span is the", role + (call.inferred ? " (inferred call)" : "")],
      ["call", client.service + " → " + server.service + " " + call.operation],
      ["client waited", GT.fmtDuration(client.end - client.start)], ["server worked", GT.fmtDuration(server.end - server.start)]];
    if (call.gap_ns !== null) rows.push(["gap (client − server)", GT.fmtDuration(call.gap_ns)],
      ["before server / after server", GT.fmtDuration(call.before_ns) + " / " + GT.fmtDuration(call.after_ns)]);
    if (call.ratio !== null) rows.push(["ratio", call.ratio.toFixed(1) + "×"]);
    return h("div", { class: "call", "data-testid": "call-pair" },
      h("p", {}, (role === "client" ? "server" : "client") + ": ", spanButton(view, wf, peer.id)),
      h("table", { class: "kv" }, rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))));
  }

  function details(view, wf, i) {
    const s = view.spans[i];
    const parts = [
      h("h3", {}, s.name),
      h("p", {}, h("button", { "data-testid": "zoom-span", onclick: () => wf.zoom(s.start, s.end) }, "Zoom to this span"),
        " ", h("button", { onclick: () => wf.zoom(0, view.duration_ns) }, "Whole trace")),
      h("p", { class: "muted mono" }, s.service + " · " + s.kind + " · " + s.status + (s.status_message ? ": " + s.status_message : "") + " · span " + s.id),
      h("table", { class: "kv", "data-testid": "span-times" },
        [["starts at", "+" + GT.fmtDuration(s.start)], ["duration", GT.fmtDuration(s.end - s.start) + " (" + GT.fmtNs(s.end - s.start) + ")"],
         ["self time", GT.fmtDuration(s.self) + " (" + GT.fmtNs(s.self) + ")"],
         ["critical path", GT.fmtDuration(s.cp) + " (" + GT.fmtNs(s.cp) + ")"],
         ["critical-path sections", s.sections.map((x) => "+" + GT.fmtMs(x[0]) + " … +" + GT.fmtMs(x[1])).join(", ") || "none"]]
          .map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))),
    ];
    if (s.anomalies.length) {
      parts.push(h("h4", {}, "Anomalies"), h("ul", { "data-testid": "span-anomalies" },
        s.anomalies.map((a) => h("li", {}, h("b", {}, view.anomalies[a].type), ": " + view.anomalies[a].message))));
    }
    parts.push(h("h4", {}, "Client/server pair"));
    if (s.calls.length) s.calls.forEach((n) => parts.push(callBlock(view, wf, i, n)));
    else parts.push(h("p", { class: "muted" }, "none"));
    if (s.parent >= 0) parts.push(h("p", {}, "parent: ", spanButton(view, wf, view.spans[s.parent].id)));
    parts.push(h("h4", {}, "Attributes"), kvTable(s.attributes, "attributes"));
    parts.push(h("h4", {}, "Events"), s.events.length ? h("table", { "data-testid": "events" },
      h("tr", {}, h("th", {}, "at"), h("th", {}, "name"), h("th", {}, "attributes")),
      s.events.map((e) => h("tr", {}, h("td", { class: "num" }, "+" + GT.fmtDuration(e.time)), h("td", {}, e.name),
        h("td", { class: "mono" }, JSON.stringify(e.attributes))))) : h("p", { class: "muted" }, "none"));
    parts.push(h("h4", {}, "Links"), s.links.length ? h("table", { "data-testid": "links" },
      s.links.map((k) => h("tr", {}, h("td", { class: "mono" }, k.trace_id === view.trace_id ? spanButton(view, wf, k.span_id, k.span_id)
        : GT.inReport ? k.trace_id + " / " + k.span_id
          : h("a", { href: "#/trace/" + encodeURIComponent(k.trace_id), "data-testid": "trace-link" }, k.trace_id + " / " + k.span_id)),
        h("td", {}, k.ref_type || ""), h("td", { class: "mono" }, JSON.stringify(k.attributes))))) : h("p", { class: "muted" }, "none"));
    return parts;
  }

  // The anomalies: counts by type, the first SHOWN messages, the rest on demand (a big trace may
  // have thousands; each is also marked on its spans in the waterfall).
  const SHOWN = 12;
  function anomalyList(view, go) {
    const item = (a) => h("li", { class: "clickable", onclick: () => go(a.span_ids[0]) }, h("b", {}, "⚠ " + a.type), ": " + a.message);
    const list = h("ul", { class: "anomalies", "data-testid": "anomalies" }, view.anomalies.slice(0, SHOWN).map(item));
    const out = [list];
    if (view.anomalies.length > SHOWN) {
      const counts = {};
      for (const a of view.anomalies) counts[a.type] = (counts[a.type] || 0) + 1;
      const more = h("button", { onclick: () => { list.append(...view.anomalies.slice(SHOWN).map(item)); more.remove(); } },
        "show all " + view.anomalies.length);
      out.unshift(h("p", {}, view.anomalies.length + " anomalies: " + Object.entries(counts).map(([k, v]) => k + " ×" + v).join(", ")));
      out.push(more);
    }
    return h("div", {}, out);
  }

  function summary(view, getWf) {
    const go = (id) => { const wf = getWf(); const i = wf.index(id); if (i !== undefined) wf.select(i); };
    const table = h("table", { class: "bottlenecks", "data-testid": "bottlenecks" },
      h("tr", {}, h("th", {}, "#"), h("th", {}, "bottleneck"), h("th", {}, "service"), h("th", { class: "num" }, "self"),
        h("th", { class: "num" }, "critical path"), h("th", { class: "num" }, "share")),
      view.bottlenecks.map((b, n) => h("tr", { class: "clickable", "data-span-id": b.span_id, onclick: () => go(b.span_id) },
        h("td", {}, String(n + 1)), h("td", {}, b.name), h("td", {}, b.service), h("td", { class: "num" }, GT.fmtDuration(b.self_time_ns)),
        h("td", { class: "num" }, GT.fmtDuration(b.critical_path_ns)), h("td", { class: "num" }, (100 * b.share).toFixed(1) + "%"))));
    const anomalies = view.anomalies.length ? anomalyList(view, go) : h("p", { class: "muted" }, "No anomalies.");
    return h("section", { class: "trace-summary" },
      h("div", { class: "narrative" }, h("h2", {}, "Trace " + view.trace_id),
        h("p", { class: "muted" }, GT.fmtDuration(view.duration_ns) + " · " + view.span_count + " spans · " + view.services.join(", ")),
        h("p", { "data-testid": "narrative" }, view.narrative), anomalies),
      h("div", { class: "side" }, h("h3", {}, "Bottlenecks"), table));
  }

  // One trace view into `el`: summary, waterfall and a details panel.
  function renderTraceView(el, view, options) {
    let wf = null;
    const panel = h("aside", { class: "span-details", "data-testid": "span-details" }, h("p", { class: "muted" }, "Click a span to see its details."));
    const body = h("div", { class: "trace-body" });
    el.append(summary(view, () => wf), h("p", { class: "legend muted" },
      h("span", { class: "swatch bar" }), " span  ", h("span", { class: "swatch cp" }), " critical-path section (the span's own time on the path)  ",
      h("span", { class: "swatch cp-hidden" }), " critical path inside a collapsed subtree  ⚠ anomaly · double-click a span to zoom to it"), body);
    const left = h("div", { class: "trace-waterfall" });
    body.append(left, panel);
    wf = GT.waterfall(left, view, Object.assign({ onSelect: (i) => panel.replaceChildren(...details(view, wf, i)) }, options || {}));
    return wf;
  }

  // The HTML report: every trace of the data block, one after the other.
  function renderReport(el, data) {
    GT.inReport = true;  // no server behind the page: links to other traces stay text
    for (const note of data.notes || []) el.append(h("p", { class: "muted" }, note));
    for (const view of data.traces) {
      const section = h("section", { class: "report-trace", "data-trace-id": view.trace_id });
      el.append(section);
      renderTraceView(section, view, { height: data.traces.length > 1 ? "60vh" : "75vh" });
    }
  }

  GT.renderTraceView = renderTraceView;
  GT.renderReport = renderReport;
  if (GT.register) {
    GT.register("trace", async (el, args) => {
      const started = performance.now();
      el.append(h("p", { class: "muted", "data-testid": "loading" }, "Loading trace " + args[0] + "…"));
      const view = await GT.api("/api/traces/" + encodeURIComponent(args[0]) + "/view");
      const received = performance.now();
      el.replaceChildren();
      const wf = renderTraceView(el, view);
      window.GT.lastOpen = { fetch_ms: received - started, render_ms: performance.now() - received, rows: wf.rows() };
      el.dataset.ready = "1";
    });
  }
})();
