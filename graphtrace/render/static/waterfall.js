// The waterfall of one trace view (GET /api/traces/<id>/view, or the data of an HTML report):
// one row per span, nested, on a time axis; each critical-path section drawn on its span's bar.
// Rows are virtualised (only the rows in sight exist in the DOM), so 50,000 spans open and scroll
// smoothly.  Every walk is a loop over the pre-order array: no recursion (a trace may be 10^4 deep).
(function () {
  "use strict";
  const ROW = 22;          // px per row
  const OVERSCAN = 12;     // rows drawn above and below the visible ones
  const MAX_INDENT = 40;   // deeper levels share the last indent (the depth is printed instead)

  function fmtNs(ns) {
    return Math.round(ns).toLocaleString("en-US") + " ns";
  }

  // Sizes of subtrees and critical-path time of subtrees, from the pre-order array (children follow
  // their parent, so one backwards pass adds each span into its parent).
  const NONE = Object.freeze([]);
  const NOTHING = Object.freeze({});

  function prepare(view) {
    const spans = view.spans;
    const n = spans.length;
    for (let i = 0; i < n; i++) {  // the view leaves empty keys out (jobs/trace_view.py)
      const s = spans[i];
      s.status = s.status || "UNSET"; s.sections = s.sections || NONE; s.anomalies = s.anomalies || NONE;
      s.calls = s.calls || NONE; s.events = s.events || NONE; s.links = s.links || NONE;
      s.attributes = s.attributes || NOTHING; s.status_message = s.status_message || "";
    }
    view.calls = view.calls || NONE;
    const size = new Int32Array(n).fill(1);
    const kids = new Int32Array(n);
    const cpSub = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      cpSub[i] += spans[i].cp;
      const p = spans[i].parent;
      if (p >= 0) { size[p] += size[i]; kids[p] += 1; cpSub[p] += cpSub[i]; }
    }
    const byId = new Map();
    for (let i = 0; i < n; i++) byId.set(spans[i].id, i);
    return { size, kids, cpSub, byId };
  }

  // The critical-path sections of a whole subtree [i, i + size), merged where they touch.
  function subtreeSections(spans, i, size) {
    const all = [];
    for (let j = i; j < i + size; j++) for (const s of spans[j].sections) all.push(s);
    all.sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const [a, b] of all) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    return merged;
  }

  // Sections to draw: exact when a span has few; when it has many (a root with thousands of children
  // alternates with them on the path), neighbours closer than `gap` ns (under a pixel) are drawn as one.
  const MANY = 64;
  function drawable(sections, gap) {
    if (sections.length <= MANY) return sections;
    const out = [];
    for (const [a, b] of sections) {
      const last = out[out.length - 1];
      if (last && a - last[1] < gap) last[1] = Math.max(last[1], b);
      else out.push([a, b]);
    }
    return out;
  }

  function tooltipText(view, span) {
    const lines = [span.name + " (" + span.service + ", " + span.kind + ")",
      "duration " + GT.fmtDuration(span.end - span.start) + " (" + fmtNs(span.end - span.start) + ")",
      "self time " + GT.fmtDuration(span.self) + " (" + fmtNs(span.self) + ")",
      "critical path " + GT.fmtDuration(span.cp) + " (" + fmtNs(span.cp) + ")",
      "starts at +" + GT.fmtDuration(span.start)];
    if (span.status === "ERROR") lines.push("status ERROR" + (span.status_message ? ": " + span.status_message : ""));
    for (const a of span.anomalies) lines.push("⚠ " + view.anomalies[a].message);
    return lines;
  }

  // Draw the waterfall of `view` into `el`.  options.onSelect(index) is called when a span is clicked;
  // options.height is the scroll area's height (CSS).  Returns {select(i), reveal(i), toggle(i), rows()}.
  function waterfall(el, view, options) {
    const opts = options || {};
    const spans = view.spans;
    const info = prepare(view);
    const total = Math.max(1, view.duration_ns);
    const collapsed = new Set();
    const hiddenCache = new Map();
    let visible = [];
    let selected = -1;
    let lo = 0, hi = total;  // the time window shown (zoom): ns from the trace start
    const pct = (ns) => (100 * (ns - lo) / (hi - lo)) + "%";    // a time's position in the track
    const wid = (ns) => (100 * ns / (hi - lo)) + "%";           // a duration's width

    const axis = GT.h("div", { class: "wf-axis", "data-testid": "axis" });
    const unzoom = GT.h("button", { class: "wf-unzoom", "data-testid": "unzoom", hidden: true, onclick: () => zoom(0, total) }, "whole trace");
    function drawAxis() {
      axis.replaceChildren(...[0, 1, 2, 3, 4].map((k) => GT.h("span", { class: "wf-tick", style: "left:" + (k * 25) + "%" },
        (lo > 0 ? "+" : "") + GT.fmtDuration(lo + (hi - lo) * k / 4))));
      unzoom.hidden = lo === 0 && hi === total;
    }
    drawAxis();
    const head = GT.h("div", { class: "wf-head" }, GT.h("div", { class: "wf-label" }, "Span (" + spans.length + ") ", unzoom), axis);
    const spacer = GT.h("div", { class: "wf-spacer" });
    const scroll = GT.h("div", { class: "wf-scroll", "data-testid": "waterfall-scroll", style: "height:" + (opts.height || "70vh") }, spacer);
    const tip = GT.h("div", { class: "wf-tooltip", "data-testid": "tooltip", hidden: true });
    const root = GT.h("div", { class: "wf", "data-testid": "waterfall" }, head, scroll, tip);
    el.append(root);

    function computeVisible() {
      visible = [];
      for (let i = 0; i < spans.length;) {
        visible.push(i);
        i += collapsed.has(i) ? info.size[i] : 1;
      }
      spacer.style.height = (visible.length * ROW) + "px";
      root.dataset.rows = String(visible.length);
    }

    function sectionEl(sec, spanId, hidden) {
      return GT.h("div", {
        class: hidden ? "wf-cp wf-cp-hidden" : "wf-cp", "data-testid": hidden ? "cp-hidden" : "cp-section",
        "data-span-id": spanId, "data-start-ns": String(sec[0]), "data-end-ns": String(sec[1]),
        style: "left:" + pct(sec[0]) + ";width:max(1px," + wid(sec[1] - sec[0]) + ")",
      });
    }

    function rowEl(pos) {
      const i = visible[pos];
      const s = spans[i];
      const isCollapsed = collapsed.has(i);
      const depth = Math.min(s.depth, MAX_INDENT);
      const label = GT.h("div", { class: "wf-label", style: "padding-left:" + (4 + depth * 12) + "px" });
      if (info.kids[i] > 0) {
        label.append(GT.h("button", { class: "wf-toggle", "data-testid": "toggle", "data-index": String(i),
          title: isCollapsed ? "expand" : "collapse" }, isCollapsed ? "▸" : "▾"));
      } else label.append(GT.h("span", { class: "wf-toggle-space" }));
      if (s.depth > MAX_INDENT) label.append(GT.h("span", { class: "muted" }, "[" + s.depth + "] "));
      for (const a of s.anomalies) {
        label.append(GT.h("span", { class: "wf-anomaly", "data-testid": "anomaly-mark", title: view.anomalies[a].message,
          "data-type": view.anomalies[a].type }, "⚠"));
      }
      label.append(GT.h("span", { class: "wf-svc" }, s.service), " ", GT.h("span", { class: "wf-name" }, s.name));
      if (isCollapsed) {
        const hiddenCp = info.cpSub[i] - s.cp;  // the critical-path time of the hidden descendants
        label.append(GT.h("span", { class: "wf-hidden-note", "data-testid": "hidden-note", "data-hidden-cp-ns": String(hiddenCp),
          title: fmtNs(hiddenCp) + " of critical path hidden" }, "+" + (info.size[i] - 1) + " hidden, " + GT.fmtDuration(hiddenCp) + " on the critical path"));
      }
      const track = GT.h("div", { class: "wf-track" });
      const cls = "wf-bar" + (s.status === "ERROR" ? " wf-err" : "") + (s.cp > 0 ? " wf-on" : "");
      track.append(GT.h("div", { class: cls, style: "left:" + pct(s.start) + ";width:max(1px," + wid(s.end - s.start) + ")" }));
      const onePx = (hi - lo) / Math.max(100, scroll.clientWidth * 0.6);
      for (const sec of drawable(s.sections, onePx)) track.append(sectionEl(sec, s.id, false));
      if (isCollapsed) {
        if (!hiddenCache.has(i)) hiddenCache.set(i, subtreeSections(spans, i + 1, info.size[i] - 1));
        for (const sec of drawable(hiddenCache.get(i), onePx)) track.append(sectionEl(sec, s.id, true));
      }
      const endAt = (s.end - lo) / (hi - lo);
      const inside = endAt > 0.85;  // no room after the bar: the label goes on the bar's end
      track.append(GT.h("span", { class: inside ? "wf-dur wf-dur-in" : "wf-dur", style: inside
        ? "right:calc(" + (100 - 100 * endAt) + "% + 4px)" : "left:calc(" + pct(s.end) + " + 4px)" },
        GT.fmtDuration(s.end - s.start)));
      return GT.h("div", { class: "wf-row" + (i === selected ? " selected" : ""), "data-testid": "span-row",
        "data-span-id": s.id, "data-index": String(i), style: "top:" + (pos * ROW) + "px" }, label, track);
    }

    // Rows in sight are kept between frames (keyed by span index), so scrolling only adds the rows
    // that come into view; a collapse or expand (which changes rows' contents) drops them all.
    let frame = 0;
    let drawn = new Map();
    function draw() {
      frame = 0;
      const first = Math.max(0, Math.floor(scroll.scrollTop / ROW) - OVERSCAN);
      const last = Math.min(visible.length, Math.ceil((scroll.scrollTop + scroll.clientHeight) / ROW) + OVERSCAN);
      const next = new Map();
      const rows = [];
      for (let pos = first; pos < last; pos++) {
        const i = visible[pos];
        let row = drawn.get(i);
        if (!row) row = rowEl(pos);
        else if (row.style.top !== (pos * ROW) + "px") row.style.top = (pos * ROW) + "px";
        next.set(i, row);
        rows.push(row);
      }
      drawn = next;
      spacer.replaceChildren(...rows);
    }
    function schedule() { if (!frame) frame = requestAnimationFrame(draw); }
    function redraw() { drawn = new Map(); computeVisible(); draw(); }

    function toggle(i) {
      if (collapsed.has(i)) collapsed.delete(i); else if (info.kids[i] > 0) collapsed.add(i);
      redraw();
    }

    function reveal(i) {
      let changed = false;
      for (let p = spans[i].parent; p >= 0; p = spans[p].parent) changed = collapsed.delete(p) || changed;
      if (changed) redraw();
      const top = visible.indexOf(i) * ROW;
      if (top < scroll.scrollTop || top > scroll.scrollTop + scroll.clientHeight - ROW) {
        scroll.scrollTop = Math.max(0, top - scroll.clientHeight / 3);
        draw();
      }
    }

    // Show the window [a, b] (ns from the trace start) across the track; zoom(0, total) is the whole trace.
    function zoom(a, b) {
      lo = Math.max(0, a); hi = Math.min(total, Math.max(lo + 1, b));
      drawAxis();
      redraw();
    }

    function select(i) {
      const old = drawn.get(selected);
      if (old) old.classList.remove("selected");
      selected = i;
      reveal(i);
      const row = drawn.get(i);
      if (row) row.classList.add("selected");
      if (opts.onSelect) opts.onSelect(i);
    }

    spacer.addEventListener("click", (ev) => {
      const button = ev.target.closest(".wf-toggle");
      if (button) { toggle(Number(button.dataset.index)); return; }
      const row = ev.target.closest(".wf-row");
      if (row) select(Number(row.dataset.index));
    });
    spacer.addEventListener("mousemove", (ev) => {
      const row = ev.target.closest(".wf-row");
      if (!row) { tip.hidden = true; return; }
      const s = spans[Number(row.dataset.index)];
      if (tip.dataset.spanId !== s.id) {
        tip.dataset.spanId = s.id;
        tip.replaceChildren(...tooltipText(view, s).map((line) => GT.h("div", {}, line)));
      }
      const box = root.getBoundingClientRect();
      tip.style.left = Math.min(ev.clientX - box.left + 12, box.width - 320) + "px";
      const above = ev.clientY > window.innerHeight - 170;  // near the window's bottom: show it above
      tip.style.top = (ev.clientY - box.top + (above ? -16 - tip.offsetHeight : 16)) + "px";
      tip.hidden = false;
    });
    spacer.addEventListener("mouseleave", () => { tip.hidden = true; });
    spacer.addEventListener("dblclick", (ev) => {  // double click: zoom to the span (again: the whole trace)
      const row = ev.target.closest(".wf-row");
      if (!row) return;
      const s = spans[Number(row.dataset.index)];
      if (lo === s.start && hi === Math.max(s.start + 1, s.end)) zoom(0, total); else zoom(s.start, s.end);
    });
    scroll.addEventListener("scroll", schedule, { passive: true });
    if (window.ResizeObserver) new ResizeObserver(schedule).observe(scroll);

    computeVisible();
    draw();
    return { select, reveal, toggle, zoom, rows: () => visible.length, index: (id) => info.byId.get(id), cpSub: info.cpSub };
  }

  window.GT.waterfall = waterfall;
  window.GT.fmtNs = fmtNs;
  window.GT.fmtMs = (ns) => (ns / 1e6).toLocaleString("en-US", { minimumFractionDigits: 3, maximumFractionDigits: 3 }) + " ms";
})();
