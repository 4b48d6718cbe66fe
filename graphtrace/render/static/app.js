// graphtrace UI shell: a hash router, the API client and the shared formatters.
// Pages register themselves: GT.register("trace", (el, args, query) => {...}) renders #/trace/<id>?k=v
// into the element `el`.  No framework, no build step: every file here is served as written.
(function () {
  "use strict";
  const pages = {};

  function token() {
    return sessionStorage.getItem("graphtrace-token") || "";
  }

  // GET/POST one API path; resolves to the parsed JSON, rejects with Error(detail) carrying .status.
  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    if (token()) opts.headers.Authorization = "Bearer " + token();
    if (opts.json !== undefined) {
      opts.method = opts.method || "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
    }
    const response = await fetch(path, opts);
    if (response.status === 401) {
      const given = window.prompt("This graphtrace serve needs its API token:");
      if (given) {
        sessionStorage.setItem("graphtrace-token", given);
        return api(path, options);
      }
    }
    const body = await response.json().catch(() => ({ error: "bad answer", detail: response.statusText }));
    if (!response.ok) {
      const err = new Error((body.error || "error") + ": " + (body.detail || response.statusText));
      err.status = response.status;
      throw err;
    }
    return body;
  }

  // Nanoseconds as people read them: 0 ns, 950 ns, 12.3 µs, 4.57 ms, 1.23 s (at most 3 significant digits).
  function fmtDuration(ns) {
    if (ns === null || ns === undefined) return "";
    const abs = Math.abs(ns);
    const units = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"]];
    for (const [size, name] of units) {
      if (abs >= size) return Number((ns / size).toPrecision(3)) + " " + name;
    }
    return ns + " ns";
  }

  // An element with attributes and children; text is always set as text, never parsed as HTML.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, "");
    const [path, qs] = raw.split("?");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    return { name: parts[0] || "search", args: parts.slice(1), query: new URLSearchParams(qs || "") };
  }

  function route() {
    const { name, args, query } = parseHash();
    const el = document.getElementById("page");
    el.replaceChildren();
    document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", a.dataset.nav === name));
    const page = pages[name];
    if (!page) {
      el.append(h("p", { class: "error" }, "No page " + name));
      return;
    }
    Promise.resolve(page(el, args, query)).catch((err) => el.append(h("p", { class: "error", "data-testid": "error" }, String(err.message || err))));
  }

  window.GT = {
    pages, api, fmtDuration, h,
    register(name, render) { pages[name] = render; },
    navigate(hash) { location.hash = hash; },
    start() { window.addEventListener("hashchange", route); route(); },
  };
})();
