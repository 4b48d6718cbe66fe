// Trace search (#/?service=&operation=&min_duration=&error=&since=&until=): the form and the results
// (GET /api/traces).  The form writes its filters into the address, so a search can be shared.
(function () {
  "use strict";
  const h = (...a) => GT.h(...a);
  const FIELDS = [
    ["service", "Service", "frontend"], ["operation", "Operation", "grpc.oteldemo.CartService/AddItem"],
    ["min_duration", "Min duration", "250ms"], ["since", "Since", "now-1h or 2024-11-25T14:00Z"],
    ["until", "Until", "2024-11-25T15:00Z"], ["limit", "Limit", "20"],
  ];

  function form(query) {
    const inputs = {};
    const fields = FIELDS.map(([name, label, hint]) => {
      inputs[name] = h("input", { name, placeholder: hint, value: query.get(name) || "", "data-testid": "filter-" + name });
      return h("label", {}, label, inputs[name]);
    });
    const errors = h("input", { type: "checkbox", name: "error", "data-testid": "filter-error", checked: query.get("error") === "true" });
    const submit = (ev) => {
      ev.preventDefault();
      const qs = new URLSearchParams();
      for (const [name] of FIELDS) if (inputs[name].value.trim()) qs.set(name, inputs[name].value.trim());
      if (errors.checked) qs.set("error", "true");
      const hash = "#/" + (qs.toString() ? "?" + qs : "");
      if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
      else GT.navigate(hash);
    };
    return h("form", { class: "search", "data-testid": "search-form", onsubmit: submit },
      fields, h("label", { class: "check" }, errors, "errors only"), h("button", { type: "submit", "data-testid": "search" }, "Search"));
  }

  function when(ns) {
    return new Date(ns / 1e6).toISOString().replace("T", " ").replace("Z", " UTC");
  }

  function results(traces) {
    if (!traces.length) return h("p", { class: "muted", "data-testid": "no-results" }, "No stored trace matches.");
    return h("table", { class: "results", "data-testid": "results" },
      h("tr", {}, ["Trace", "Started", "Duration", "Spans", "Services", "Errors", "Top bottleneck"].map((t, n) =>
        h("th", { class: n === 2 || n === 3 || n === 5 ? "num" : null }, t))),
      traces.map((t) => {
        const b = t.top_bottleneck;
        return h("tr", { "data-testid": "result", "data-trace-id": t.trace_id },
          h("td", {}, h("a", { href: "#/trace/" + encodeURIComponent(t.trace_id), class: "mono" }, t.trace_id),
            h("div", { class: "muted" }, (t.root_service || "?") + ": " + (t.root_operation || "?"))),
          h("td", {}, when(t.start_ns)),
          h("td", { class: "num" }, GT.fmtDuration(t.duration_ns)),
          h("td", { class: "num" }, String(t.span_count)),
          h("td", { class: "services" }, (t.services || []).join(", ")),
          h("td", { class: "num" + (t.error_count ? " error" : "") }, String(t.error_count ?? "")),
          h("td", {}, b ? [b.name, h("span", { class: "muted" }, " (" + b.service + ") " + GT.fmtDuration(b.critical_path_ns) + " on the critical path")]
            : h("span", { class: "muted" }, "not annotated")));
      }));
  }

  GT.register("search", async (el, args, query) => {
    el.append(h("h2", {}, "Traces"), form(query));
    const out = h("div", { "data-testid": "search-results" }, h("p", { class: "muted" }, "Searching…"));
    el.append(out);
    const answer = await GT.api("/api/traces?" + query.toString());
    out.replaceChildren(results(answer.traces));
  });
})();
