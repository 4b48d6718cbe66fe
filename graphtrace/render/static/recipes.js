// The recipes pages: #/recipes lists them; #/recipes/<name>?param=value&run=1 shows one recipe's form
// (built from its header's parameters), runs it (POST /api/recipes/<name>), shows the rows in human
// units by the header's `// show:` hints (the terminal's units, static/humane.js), offers CSV and
// JSON downloads of the raw rows, and shows the Cypher with its `:params` line for Neo4j Browser.
(function () {
  "use strict";
  const h = (...a) => GT.h(...a);
  const NUMERIC = new Set(["duration", "offset", "ratio", "share", "count"]);

  function rawJson(value) {
    return JSON.stringify(value, (k, v) => (typeof v === "bigint" ? "\u0000" + v.toString() + "\u0000" : v), 2)
      .replace(/"\\u0000(-?\d+)\\u0000"/g, "$1");
  }

  function csvCell(v) {
    if (v === null || v === undefined) return "";
    const text = typeof v === "object" && typeof v !== "bigint" ? rawJson(v).replace(/\s*\n\s*/g, "") : String(v);
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function download(name, text, type) {
    return h("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name, "data-testid": "download-" + name.split(".").pop() },
      "Download " + name.split(".").pop().toUpperCase());
  }

  function copyButton(getText) {
    const button = h("button", { type: "button" }, "Copy");
    button.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(getText()); button.textContent = "Copied"; }
      catch (e) { button.textContent = "Select the text and copy it"; }
    });
    return button;
  }

  // The hinted columns first, most important first, then the others in the recipe's order.
  function ordered(columns, show) {
    const hinted = show.map(([c]) => c).filter((c) => columns.includes(c));
    return [...hinted, ...columns.filter((c) => !hinted.includes(c))];
  }

  function resultTable(answer, show, declared) {
    const kinds = Object.fromEntries(show);
    const cols = ordered(answer.columns, show);
    const origins = {};
    for (const c of cols) {
      if (kinds[c] !== "offset") continue;
      const values = answer.rows.map((r) => r[c]).filter((v) => v !== null && v !== undefined);
      origins[c] = values.reduce((m, v) => (m === undefined || v < m ? v : m), undefined);
    }
    const describe = Object.fromEntries(declared.map((c) => [c.name, c.description]));
    return h("table", { "data-testid": "results" },
      h("thead", {}, h("tr", {}, ...cols.map((c) => h("th", { class: NUMERIC.has(kinds[c]) ? "num" : null, title: describe[c] || null, "data-column": c }, c)))),
      h("tbody", {}, ...answer.rows.map((r) => h("tr", {}, ...cols.map((c) =>
        h("td", { class: NUMERIC.has(kinds[c]) ? "num" : (kinds[c] === "id" ? "mono" : null), "data-column": c },
          GT.humane.value(kinds[c] || "text", r[c], origins[c])))))));
  }

  function field(p, query) {
    const id = "param-" + p.name;
    const value = query.has(p.name) ? query.get(p.name) : "";
    const shown = p.default === null || p.default === undefined ? "null" : String(p.default);
    let input;
    if (p.choices || p.type === "bool") {
      const options = p.choices || ["true", "false"];
      input = h("select", { id, name: p.name },
        h("option", { value: "" }, p.required ? "(choose)" : `(default: ${shown})`),
        ...options.map((o) => h("option", { value: o, selected: value === o }, o)));
    } else {
      input = h("input", { id, name: p.name, value, required: p.required, placeholder: p.required ? "required" : "default: " + shown,
                           "data-type": p.type });
    }
    return [h("label", { for: id }, p.name, h("span", { class: "muted" }, ` ${p.type}`)), input, h("span", { class: "desc" }, p.description)];
  }

  async function list(el) {
    const { recipes } = await GT.api("api/recipes");
    el.append(h("h2", {}, "Recipes"), h("p", { class: "muted" }, "Stored Cypher investigations; each runs read-only against the graph."),
      h("table", { "data-testid": "recipe-list" }, h("tbody", {}, ...recipes.map((r) => h("tr", {},
        h("td", {}, h("a", { href: "#/recipes/" + encodeURIComponent(r.name) }, r.name)),
        h("td", {}, r.question), h("td", { class: "muted" }, r.mode === "read" ? "" : "writes: run it from the CLI"))))));
  }

  async function one(el, name, query) {
    const given = new URLSearchParams(query);
    const run = given.get("run") === "1";
    given.delete("run");
    let detail, problem = null;
    try {
      detail = await GT.api("api/recipes/" + encodeURIComponent(name) + "?" + given);
    } catch (err) {  // a bad value: the form with the defaults, and the error where the rows would be
      if (err.status !== 400) throw err;
      detail = await GT.api("api/recipes/" + encodeURIComponent(name));
      problem = err;
    }
    const form = h("form", { class: "gt-recipe-form", "data-testid": "recipe-form" },
      ...detail.params_declared.flatMap((p) => field(p, given)));
    const runButton = h("button", { type: "submit", "data-testid": "run", disabled: detail.mode !== "read" }, "Run");
    form.append(h("span"), h("span", {}, runButton), h("span"));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (String(v).trim()) q.set(k, String(v).trim());
      q.set("run", "1");
      GT.navigate("#/recipes/" + encodeURIComponent(name) + "?" + q);
    });
    const results = h("div", { class: "gt-results", "data-testid": "recipe-results" });
    const cypher = detail.browser_params + "\n\n" + detail.body.trim() + "\n";
    el.append(...[h("p", {}, h("a", { href: "#/recipes" }, "← all recipes")),
      h("h2", {}, detail.name), h("p", {}, detail.question),
      detail.mode === "read" ? null : h("p", { class: "error" }, "This recipe writes to the database; the UI runs read-only recipes only."),
      form, results,
      h("h3", {}, "Cypher"), h("p", { class: "muted" }, "Paste into Neo4j Browser: the first line sets the parameters (as bound for this run), the rest is the query."),
      h("div", { class: "gt-actions" }, copyButton(() => cypher)),
      h("pre", { class: "gt-cypher", "data-testid": "cypher" }, cypher)].filter(Boolean));
    if (problem) {
      results.append(h("p", { class: "error", "data-testid": "error" }, String(problem.message)));
      return;
    }
    if (!run) return;
    results.append(h("p", { class: "muted" }, "running…"));
    const values = Object.fromEntries(given);
    try {
      const answer = await GT.exactApi("api/recipes/" + encodeURIComponent(name), values);
      const stem = name + "-" + new Date().toISOString().replace(/[:.]/g, "-");
      const csv = [answer.columns.map(csvCell).join(","), ...answer.rows.map((r) => answer.columns.map((c) => csvCell(r[c])).join(","))].join("\r\n") + "\r\n";
      results.replaceChildren(
        h("div", { class: "gt-actions" }, h("span", { "data-testid": "row-count" }, `${answer.rows.length} row${answer.rows.length === 1 ? "" : "s"}`),
          download(stem + ".csv", csv, "text/csv"), download(stem + ".json", rawJson(answer.rows) + "\n", "application/json")),
        answer.rows.length ? resultTable(answer, detail.show, detail.columns) : h("p", { class: "muted" }, answer.empty_reason || "No rows."));
    } catch (err) {
      results.replaceChildren(h("p", { class: "error", "data-testid": "error" }, String(err.message || err)));
    }
  }

  GT.register("recipes", async (el, args, query) => {
    // draw into a child of the page: when the user moves on while this loads, the router empties the
    // page and whatever this render adds later goes to a detached element
    const live = h("div");
    el.append(live);
    await GT.needsUi();
    return args.length ? one(live, args[0], query) : list(live);
  });
})();
