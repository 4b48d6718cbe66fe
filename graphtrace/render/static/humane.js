// Values in human units, as the terminal shows them (graphtrace/render/humane.py, same rules):
// duration (ns in the unit that fits, 3 significant digits, half-up), offset (+duration after the
// column's earliest value), time (ISO UTC with ms), ratio (16.8x), share (98.6%), count (1,234).
// Numbers may be BigInt (epoch ns parsed exactly, see GT.exactJson); they are exact here.
(function () {
  "use strict";

  // The shortest decimal text of a number, never in exponent form ("1e-7" -> "0.0000001").
  function plain(x) {
    if (typeof x === "bigint") return x.toString();
    const s = String(x);
    const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
    if (!m) return s;
    const [, sign, first, rest = "", expText] = m;
    const digits = first + rest, exp = Number(expText);
    if (exp >= 0) {
      const intLen = exp + 1;
      if (digits.length <= intLen) return sign + digits + "0".repeat(intLen - digits.length);
      return sign + digits.slice(0, intLen) + "." + digits.slice(intLen);
    }
    return sign + "0." + "0".repeat(-exp - 1) + digits;
  }

  // Decimal text moved `shift` places left or right (x100 for a percent, without float error).
  function shifted(text, shift) {
    const sign = text.startsWith("-") ? "-" : "";
    let [i, f = ""] = text.replace("-", "").split(".");
    if (shift > 0) { f = f.padEnd(shift, "0"); i += f.slice(0, shift); f = f.slice(shift); }
    return sign + (i.replace(/^0+(?=\d)/, "") || "0") + (f ? "." + f : "");
  }

  // Decimal text rounded half-up (away from zero) to `places` decimals; returns [sign, int, frac].
  function roundText(text, places) {
    const sign = text.startsWith("-") ? "-" : "";
    let [i, f = ""] = text.replace("-", "").split(".");
    const up = f.length > places && f[places] >= "5";
    let digits = (i + f.padEnd(places, "0").slice(0, places)).split("").map(Number);
    if (up) {
      let k = digits.length - 1;
      while (k >= 0 && digits[k] === 9) { digits[k] = 0; k -= 1; }
      if (k < 0) digits.unshift(1); else digits[k] += 1;
    }
    const all = digits.join("");
    const intPart = all.slice(0, all.length - places) || "0";
    return [sign, intPart.replace(/^0+(?=\d)/, ""), all.slice(all.length - places)];
  }

  function grouped(intPart) {
    return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function joined([sign, i, f], plainInt) {
    return sign + (plainInt ? i : grouped(i)) + (f ? "." + f : "");
  }

  // x with `digits` significant digits, half-up, thousands separators: 10.9, 0.00123, 1,235.
  function significant(x, digits) {
    digits = digits || 3;
    const n = Number(x);
    if (n === 0) return "0";
    const exponent = Math.floor(Math.log10(Math.abs(n)));
    let places = Math.max(digits - 1 - exponent, 0);
    let r = roundText(plain(x), places);
    if (places && Math.abs(Number(r[1] + "." + r[2])) >= Math.pow(10, exponent + 1)) {
      places -= 1;
      r = roundText(plain(x), places);
    }
    return joined(r);
  }

  const UNITS = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]];

  function duration(ns) {
    const n = Number(ns);
    for (let k = 0; k < UNITS.length; k += 1) {
      const [size, unit] = UNITS[k];
      if (Math.abs(n) >= size || size === 1) {
        const text = significant(n / size);
        if (k > 0 && Math.abs(Number(text.replace(/,/g, ""))) >= 1000) {
          return significant(n / UNITS[k - 1][0]) + " " + UNITS[k - 1][1];
        }
        return text + " " + unit;
      }
    }
    return String(ns);
  }

  function share(x) {
    if (x === null || x === undefined) return "-";
    return joined(roundText(shifted(plain(x), 2), 1), true) + "%";
  }

  function isNumber(v) {
    return typeof v === "bigint" || (typeof v === "number" && Number.isFinite(v));
  }

  // One cell as text for `kind`; null is empty; a value that is no number falls back to text.
  function value(kind, v, origin) {
    if (v === null || v === undefined) return "";
    if (!isNumber(v)) return typeof v === "object" ? JSON.stringify(v, (k, x) => typeof x === "bigint" ? Number(x) : x) : String(v);
    if (kind === "duration") return duration(v);
    if (kind === "offset") {
      const d = typeof v === "bigint" || typeof origin === "bigint" ? Number(BigInt(v) - BigInt(origin || 0)) : v - (origin || 0);
      return "+" + duration(d);
    }
    if (kind === "time") {
      const ms = typeof v === "bigint" ? Number(v / 1000000n) : Math.floor(v / 1e6);
      return new Date(ms).toISOString();
    }
    if (kind === "ratio") return significant(v) + "x";
    if (kind === "share") return share(v);
    if (kind === "count" && (typeof v === "bigint" || Number.isInteger(v))) {
      const p = plain(v);
      return p.startsWith("-") ? "-" + grouped(p.slice(1)) : grouped(p);
    }
    if (typeof v === "number" && !Number.isInteger(v)) return significant(v);
    return plain(v);
  }

  // JSON text parsed with integers beyond 2^53 as BigInt (epoch ns stay exact), where the browser
  // gives the reviver the source text; elsewhere they are plain numbers.
  function exactJson(text) {
    return JSON.parse(text, (key, v, context) => {
      if (typeof v === "number" && !Number.isSafeInteger(v) && context && /^-?\d+$/.test(context.source)) {
        return BigInt(context.source);
      }
      return v;
    });
  }

  window.GT = window.GT || {};
  window.GT.humane = { significant, duration, share, value, exactJson, plain };
})();
