#!/usr/bin/env python3
"""ops_report_check.py: the checks of tests/integration/ops_report.sh that
need more than a grep (Python stdlib only).

  schema SCHEMA JSON          validate JSON against the report's JSON Schema
                              (the subset the schema uses: $ref, type, const,
                              enum, required, properties, additionalProperties,
                              items, maxItems, minimum, pattern, oneOf)
  sql DB JSON                 every figure of the report against the same
                              figures computed independently by the sqlite3
                              command-line tool over the report's dates
  sql-days DB JSON            the same for the days' figures only (while a
                              writer moves the table's size and rows)
  text JSON TEXT              the text rendering shows the JSON's figures
  png PNG                     a PNG that is not blank (decoded with zlib)
  dom DOM                     the HTML's DOM as Chromium built it: 3 charts
                              with bars, lines and the target line

Each prints one line per failure and exits 1 when any failed."""
import datetime
import json
import os
import re
import struct
import subprocess
import sys
import zlib

FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL:", msg)


# ---- schema ----

def validate(node, schema, root, path):
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        return validate(node, target, root, path)
    if "oneOf" in schema:
        ok = [s for s in schema["oneOf"] if not collect(node, s, root, path)]
        if len(ok) != 1:
            fail(f"{path}: matches {len(ok)} of oneOf")
        return
    if "const" in schema and node != schema["const"]:
        fail(f"{path}: {node!r} != const {schema['const']!r}")
    if "enum" in schema and node not in schema["enum"]:
        fail(f"{path}: {node!r} not in {schema['enum']}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(is_type(node, t) for t in types):
            fail(f"{path}: {node!r} is not {types}")
            return
    if isinstance(node, dict):
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            if k not in node:
                fail(f"{path}: missing {k}")
        for k, v in node.items():
            if k in props:
                validate(v, props[k], root, f"{path}.{k}")
            elif schema.get("additionalProperties", True) is False:
                fail(f"{path}: unexpected {k}")
    if isinstance(node, list):
        if "maxItems" in schema and len(node) > schema["maxItems"]:
            fail(f"{path}: {len(node)} items > {schema['maxItems']}")
        for i, v in enumerate(node):
            if "items" in schema:
                validate(v, schema["items"], root, f"{path}[{i}]")
    if "minimum" in schema and is_type(node, "number") and node < schema["minimum"]:
        fail(f"{path}: {node} < {schema['minimum']}")
    if "pattern" in schema and isinstance(node, str) and not re.search(schema["pattern"], node):
        fail(f"{path}: {node!r} does not match {schema['pattern']}")


def collect(node, schema, root, path):
    global FAILS
    saved, FAILS = FAILS, []
    out = sys.stdout
    sys.stdout = open(os.devnull, "w")
    try:
        validate(node, schema, root, path)
        return FAILS
    finally:
        sys.stdout.close()
        sys.stdout = out
        FAILS = saved + []


def is_type(v, t):
    return {
        "object": isinstance(v, dict), "array": isinstance(v, list), "string": isinstance(v, str),
        "boolean": isinstance(v, bool), "null": v is None,
        "integer": isinstance(v, int) and not isinstance(v, bool),
        "number": isinstance(v, (int, float)) and not isinstance(v, bool),
    }[t]


# ---- against sqlite3 ----

def sqlite(db, sql):
    out = subprocess.run(["sqlite3", "-readonly", "-batch", "-separator", "|", db, sql], check=True,
                         capture_output=True, text=True).stdout
    return [line.split("|") for line in out.splitlines()]


def day_after(d):
    return (datetime.date.fromisoformat(d) + datetime.timedelta(days=1)).isoformat()


def where(first, last):
    return (f"created_at >= '{first} 00:00:00' AND created_at < '{day_after(last)} 00:00:00'")


def span_figures(db, first, last):
    w = where(first, last)
    n, errors, rt_n, rt_sum = (int(x or 0) for x in sqlite(
        db, f"SELECT COUNT(*), COALESCE(SUM(status = 'error'), 0), COUNT(response_time), "
            f"COALESCE(SUM(response_time), 0) FROM inference_requests WHERE {w}")[0])
    p95 = None
    if rt_n:
        k = (rt_n * 95 + 99) // 100
        p95 = float(sqlite(db, f"SELECT response_time FROM inference_requests WHERE {w} AND "
                               f"response_time IS NOT NULL ORDER BY response_time LIMIT 1 "
                               f"OFFSET {k - 1}")[0][0])
    return n, errors, rt_n, rt_sum, p95


def thousands(n):
    return f"{n:,}"


def check_figure(name, fig, exact, text, decimals=3):
    if exact is None:
        if fig["value"] is not None:
            fail(f"{name}: {fig['value']} where SQL has none")
        return
    if fig["value"] is None or f"{fig['value']:.{decimals}f}" != f"{exact:.{decimals}f}":
        fail(f"{name}: JSON {fig['value']} != SQL {exact:.{decimals}f}")
    if text is not None and fig["text"] != text:
        fail(f"{name}: text {fig['text']!r} != {text!r} from SQL")


def check_sql(db, rep, days_only=False):
    size = os.stat(db).st_size + (os.stat(db + "-wal").st_size if os.path.exists(db + "-wal") else 0)
    f = rep["figures"]
    bound = rep["source"]["p95_bound_pct"] / 100.0
    cur = span_figures(db, rep["period"]["first"], rep["period"]["last"])
    prev = span_figures(db, rep["previous"]["first"], rep["previous"]["last"])
    for label, (n, errors, rt_n, rt_sum, p95), key in (("period", cur, "value"),
                                                        ("previous", prev, "previous")):
        if f["requests"][key] != n:
            fail(f"{label} requests {f['requests'][key]} != SQL {n}")
        if f["errors"][key] != errors:
            fail(f"{label} errors {f['errors'][key]} != SQL {errors}")
        rate = errors * 100.0 / n if n else None
        avg = rt_sum / rt_n if rt_n else None
        if key == "value":
            check_figure("error rate", f["error_rate_pct"], rate,
                         f"{rate:.2f} %" if rate is not None else "n/a")
            check_figure("average", f["avg_response_ms"], avg,
                         f"{avg:.1f} ms" if avg is not None else "n/a")
            if f["requests"]["text"] != thousands(n):
                fail(f"requests text {f['requests']['text']!r} != {thousands(n)}")
        else:
            for name, fig, v, dec in (("previous error rate", f["error_rate_pct"], rate, 3),
                                      ("previous average", f["avg_response_ms"], avg, 3)):
                got = fig["previous"]
                if (v is None) != (got is None) or (v is not None and f"{got:.{dec}f}" != f"{v:.{dec}f}"):
                    fail(f"{name}: JSON {got} != SQL {v}")
        got = f["p95_response_ms"][key]
        if p95 is None:
            if got is not None:
                fail(f"{label} p95 {got} where SQL has none")
        elif got is None or abs(got - p95) > bound * p95 + 0.0005:
            fail(f"{label} p95 {got} not within {bound * 100} % of the exact {p95}")
    growth = (cur[0] - prev[0]) * 100.0 / prev[0] if prev[0] else None
    check_figure("growth", f["growth_pct"], growth,
                 f"{growth:+.1f} %" if growth is not None else "n/a")
    # busiest days: GROUP BY the date, most first, ties earlier first
    rows = sqlite(db, f"SELECT substr(created_at, 1, 10) d, COUNT(*) c, SUM(status = 'error') "
                      f"FROM inference_requests WHERE {where(rep['period']['first'], rep['period']['last'])} "
                      f"GROUP BY d ORDER BY c DESC, d ASC LIMIT 10")
    want = [(d, int(c), int(e)) for d, c, e in rows]
    got = [(b["date"], b["requests"], b["errors"]) for b in rep["busiest_days"]]
    if want != got:
        fail(f"busiest days {got} != SQL {want}")
    # every day of both periods
    per_day = {d: (int(c), int(e)) for d, c, e in sqlite(
        db, f"SELECT substr(created_at, 1, 10) d, COUNT(*), SUM(status = 'error') FROM "
            f"inference_requests WHERE {where(rep['previous']['first'], rep['period']['last'])} "
            f"GROUP BY d")}
    for day in rep["days"]:
        c, e = per_day.get(day["date"], (0, 0))
        if (day["requests"], day["errors"]) != (c, e):
            fail(f"day {day['date']}: {day['requests']}/{day['errors']} != SQL {c}/{e}")
    if len(rep["days"]) != 2 * rep["period"]["days"]:
        fail(f"{len(rep['days'])} days in the series, not {2 * rep['period']['days']}")
    if days_only:
        return                  # a writer is adding rows: the table's figures move
    rows_sql = int(sqlite(db, "SELECT COUNT(*) FROM inference_requests")[0][0])
    if f["db_rows"]["value"] != rows_sql:
        fail(f"db rows {f['db_rows']['value']} != COUNT(*) {rows_sql}")
    if f["db_size_bytes"]["value"] != size:
        fail(f"db size {f['db_size_bytes']['value']} != {size} (file + WAL)")


def check_text(rep, text):
    for key in ("requests", "errors", "error_rate_pct", "avg_response_ms", "p95_response_ms",
                "growth_pct", "db_rows", "cert_days_left", "availability_pct"):
        fig = rep["figures"][key]
        line = next((ln for ln in text.splitlines() if ln.startswith("  " + fig["label"] + " ")),
                    None)
        if line is None or fig["text"] not in line:
            fail(f"text: no line '{fig['label']} ... {fig['text']}' (got {line!r})")
        elif fig["verdict"] != "none" and not line.rstrip().endswith(fig["verdict"]):
            fail(f"text: {fig['label']} line does not end with its verdict {fig['verdict']!r}")
    if f"Summary: {rep['judgement']['verdict']}: {rep['judgement']['summary']}" not in text:
        fail("text: no summary line")
    if not text.startswith(rep["title"] + "\n"):
        fail("text: the title is not the first line")


# ---- the page as rendered ----

def check_png(path):
    """A valid PNG (chunks, zlib stream, one filtered line per row) that is
    not blank: a blank page's filtered lines are all alike, a rendered
    report's differ on most rows."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return fail(f"{path}: not a PNG")
    pos, idat, w, h, bpp = 8, b"", 0, 0, 3
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            if depth != 8 or color not in (2, 6):
                return fail(f"{path}: unexpected PNG format depth {depth} color {color}")
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp + 1
    if not w or len(raw) != stride * h:
        return fail(f"{path}: {len(raw)} bytes of pixels for {w}x{h}")
    rows = [raw[y * stride:(y + 1) * stride] for y in range(h)]
    common = max(set(rows), key=rows.count) if h < 5000 else rows[-1]
    busy = sum(1 for r in rows if r != common)
    print(f"png: {w}x{h}, {busy} of {h} rows differ from the most common one")
    if busy < h // 10:
        fail(f"{path}: only {busy} of {h} rows have content: blank?")


def check_dom(path, period_days_with_requests):
    dom = open(path, encoding="utf-8").read()
    charts = re.findall(r'<svg id="(chart-[a-z]+)" class="chart"', dom)
    if charts != ["chart-requests", "chart-response", "chart-errors"]:
        fail(f"dom: charts {charts}")
    bars = len(re.findall(r'<rect class="bar cur"', dom))
    if bars != period_days_with_requests:
        fail(f"dom: {bars} bars for the period, {period_days_with_requests} days with requests")
    for cls in ("avg", "p95", "rate"):
        if not re.search(rf'<polyline class="{cls}" points="[0-9., ]+"', dom):
            fail(f"dom: no {cls} line")
    if '<line class="target"' not in dom:
        fail("dom: no target line on the error-rate chart")
    if 'id="fig-requests"' not in dom:
        fail("dom: no figures table")


def main():
    cmd = sys.argv[1]
    if cmd == "schema":
        schema = json.load(open(sys.argv[2]))
        validate(json.load(open(sys.argv[3])), schema, schema, "$")
    elif cmd == "sql":
        check_sql(sys.argv[2], json.load(open(sys.argv[3])))
    elif cmd == "sql-days":
        check_sql(sys.argv[2], json.load(open(sys.argv[3])), days_only=True)
    elif cmd == "text":
        check_text(json.load(open(sys.argv[2])), open(sys.argv[3]).read())
    elif cmd == "png":
        check_png(sys.argv[2])
    elif cmd == "dom":
        check_dom(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f"unknown check {cmd}")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
