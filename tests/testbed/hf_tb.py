#!/usr/bin/env python3
"""Python helpers of the HelixFlow test bed (stdlib only).

Sub-commands (all called by hf-testbed, not meant for direct use):
  serve ROOT            HTTPS + HTTP API servers and the metrics server
  genlogs ROOT          initial service logs
  logappend FILE N KIND append N lines of one kind
  writer ROOT RATE      background row writer
  lockdb ROOT SECONDS   hold BEGIN EXCLUSIVE on the DB
"""
import json
import math
import os
import random
import re
import signal
import socket
import sqlite3
import ssl
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def daemonize_self(pidfile):
    """Become our own session/process-group leader and record our pid."""
    try:
        os.setsid()
    except OSError:
        pass
    tmp = "%s.tmp%d" % (pidfile, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, pidfile)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    signal.signal(signal.SIGHUP, lambda *a: os._exit(0))


def write_atomic(path, text):
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def read_mode(path, default):
    try:
        with open(path) as f:
            m = f.read().strip()
            return m or default
    except OSError:
        return default


# --------------------------------------------------------------------------
# API app (same on HTTPS and HTTP)

MODELS = {"object": "list", "data": [
    {"id": "helixflow-7b", "object": "model"},
    {"id": "helixflow-70b", "object": "model"}]}


def make_api_handler(root):
    mode_file = os.path.join(root, "run", "health.mode")

    class Api(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "helixflow-api-gateway/1.4.2"
        sys_version = ""
        timeout = 30

        def log_message(self, *a):
            pass

        def _send(self, code, obj, head=False):
            body = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _route(self, head=False):
            path = self.path.split("?", 1)[0]
            if path == "/health":
                mode = read_mode(mode_file, "ok")
                if mode == "fail":
                    self._send(503, {"status": "unhealthy"}, head)
                    return
                if mode == "slow":
                    time.sleep(1.5)
                self._send(200, {"status": "healthy"}, head)
            elif path == "/v1/models":
                self._send(200, MODELS, head)
            else:
                self._send(404, {"error": "not found"}, head)

        def do_GET(self):
            self._route()

        def do_HEAD(self):
            self._route(head=True)

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(min(n, 1 << 20))
            self._send(404, {"error": "not found"})

    return Api


def nodelay(sock):
    """Answers go out at once (TCP_NODELAY, as Go's net/http does): the
    handler writes the header and the body separately, and with Nagle the
    body waited for the client's delayed ACK, 40 ms per TLS request."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


class TLSServer(ThreadingHTTPServer):
    """Handshake lazily in the request thread, so a stalled client cannot
    block the accept loop."""
    daemon_threads = True

    def __init__(self, addr, handler, ctx):
        self.ctx = ctx
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.settimeout(30)
        nodelay(sock)
        return self.ctx.wrap_socket(sock, server_side=True,
                                    do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # TLS failures from clients that reject our cert are expected


class PlainServer(ThreadingHTTPServer):
    daemon_threads = True

    def get_request(self):
        sock, addr = self.socket.accept()
        nodelay(sock)
        return sock, addr

    def handle_error(self, request, client_address):
        pass


# --------------------------------------------------------------------------
# Prometheus metrics

API_SERIES = [
    # method, endpoint, code, base, rate per second
    ("GET", "/health", "200", 1000, 2.0),
    ("GET", "/v1/models", "200", 200, 0.5),
    ("POST", "/v1/completions", "200", 5000, 8.0),
    ("POST", "/v1/completions", "500", 40, 0.08),
    ("POST", "/v1/chat/completions", "200", 9000, 12.0),
    ("POST", "/v1/chat/completions", "503", 20, 0.04),
]
BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
           "2.5", "5", "10", "+Inf"]
# cumulative fraction of requests at or under each bucket bound
BUCKET_FRAC = [0.01, 0.03, 0.10, 0.25, 0.50, 0.80, 0.93, 0.97, 0.99, 0.997,
               0.999, 1.0]
MEAN_DURATION = 0.21
TTFT_BUCKETS = ["0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
                "5", "+Inf"]
TTFT_FRAC = [0.02, 0.10, 0.30, 0.60, 0.85, 0.95, 0.99, 0.998, 1.0, 1.0]


def render_metrics(mode, start):
    now = time.time()
    t = max(0.0, now - start)
    out = []
    a = out.append
    a("# HELP api_requests_total Total number of API requests handled by the gateway.")
    a("# TYPE api_requests_total counter")
    total = 0
    for method, ep, code, base, rate in API_SERIES:
        v = int(base + rate * t)
        total += v
        a('api_requests_total{method="%s",endpoint="%s",code="%s"} %d'
          % (method, ep, code, v))
    if mode == "summary":
        a("# HELP api_request_duration_seconds API request latency.")
        a("# TYPE api_request_duration_seconds summary")
        a('api_request_duration_seconds{quantile="0.5"} 0.1')
        a('api_request_duration_seconds{quantile="0.95"} 0.45')
        a('api_request_duration_seconds{quantile="0.99"} 2.5')
        a("api_request_duration_seconds_sum %.3f" % (total * MEAN_DURATION))
        a("api_request_duration_seconds_count %d" % total)
    else:
        a("# HELP api_request_duration_seconds API request latency.")
        a("# TYPE api_request_duration_seconds histogram")
        for le, fr in zip(BUCKETS, BUCKET_FRAC):
            a('api_request_duration_seconds_bucket{le="%s"} %d'
              % (le, total if le == "+Inf" else int(total * fr)))
        a("api_request_duration_seconds_sum %.3f" % (total * MEAN_DURATION))
        a("api_request_duration_seconds_count %d" % total)
    # vLLM-style inference signals
    models = [("helixflow-7b", 3.0), ("helixflow-70b", 1.0)]
    a("# HELP vllm:num_requests_running Number of requests currently running on GPU.")
    a("# TYPE vllm:num_requests_running gauge")
    for m, w in models:
        a('vllm:num_requests_running{model_name="%s"} %d'
          % (m, int(4 * w + 2 * math.sin(t / 7.0) + 2)))
    a("# HELP vllm:num_requests_waiting Number of requests waiting to be processed.")
    a("# TYPE vllm:num_requests_waiting gauge")
    for m, w in models:
        a('vllm:num_requests_waiting{model_name="%s"} %d'
          % (m, int(w * (1.5 + 1.5 * math.sin(t / 11.0)))))
    a("# HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage.")
    a("# TYPE vllm:gpu_cache_usage_perc gauge")
    for m, w in models:
        a('vllm:gpu_cache_usage_perc{model_name="%s"} %.4f'
          % (m, 0.55 + 0.25 * math.sin(t / 13.0 + w)))
    a("# HELP vllm:generation_tokens_total Number of generation tokens processed.")
    a("# TYPE vllm:generation_tokens_total counter")
    for m, w in models:
        a('vllm:generation_tokens_total{model_name="%s"} %d'
          % (m, int(250000 * w + 900 * w * t)))
    a("# HELP vllm:prompt_tokens_total Number of prefill tokens processed.")
    a("# TYPE vllm:prompt_tokens_total counter")
    for m, w in models:
        a('vllm:prompt_tokens_total{model_name="%s"} %d'
          % (m, int(400000 * w + 1500 * w * t)))
    a("# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.")
    a("# TYPE vllm:time_to_first_token_seconds histogram")
    for m, w in models:
        n = int(2000 * w + 20 * w * t)
        for le, fr in zip(TTFT_BUCKETS, TTFT_FRAC):
            a('vllm:time_to_first_token_seconds_bucket{model_name="%s",le="%s"} %d'
              % (m, le, n if le == "+Inf" else int(n * fr)))
        a('vllm:time_to_first_token_seconds_sum{model_name="%s"} %.3f' % (m, n * 0.12))
        a('vllm:time_to_first_token_seconds_count{model_name="%s"} %d' % (m, n))
    a("# HELP helixflow_build_info Build information; the note label exercises escaping.")
    a("# TYPE helixflow_build_info gauge")
    a('helixflow_build_info{version="1.4.2",note="quote \\" backslash \\\\ newline \\n end"} 1')
    a("# HELP helixflow_queue_depth Queue depth as last exported by the scheduler (sample carries a timestamp).")
    a("# TYPE helixflow_queue_depth gauge")
    a("helixflow_queue_depth %d %d" % (3 + int(t) % 5, int(now * 1000)))
    a("# HELP helixflow_gpu_temperature_celsius GPU temperature; NaN when the sensor is unreadable.")
    a("# TYPE helixflow_gpu_temperature_celsius gauge")
    a("helixflow_gpu_temperature_celsius NaN")
    a("# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.")
    a("# TYPE process_start_time_seconds gauge")
    a("process_start_time_seconds %.2f" % start)
    if mode == "malformed":
        # line 3 (1-based) is the first sample line; break it
        out[2] = 'api_requests_total{code="200" 12'
    return "\n".join(out) + "\n"


def make_metrics_handler(root, start):
    mode_file = os.path.join(root, "run", "metrics.mode")

    class Metrics(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "helixflow-monitoring/1.4.2"
        sys_version = ""
        timeout = 30

        def log_message(self, *a):
            pass

        def do_GET(self, head=False):
            path = self.path.split("?", 1)[0]
            if path != "/metrics":
                body = b"404 page not found\n"
                self.send_response(404)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            else:
                mode = read_mode(mode_file, "ok")
                body = b"" if mode == "empty" else \
                    render_metrics(mode, start).encode()
                self.send_response(200)
                self.send_header("Content-Type",
                                 "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def do_HEAD(self):
            self.do_GET(head=True)

    return Metrics


def cmd_serve(root):
    run = os.path.join(root, "run")
    daemonize_self(os.path.join(run, "httpd.pid"))
    certs = os.path.join(root, "opt", "helixflow", "certs")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(certs, "api-gateway.crt"),
                        os.path.join(certs, "api-gateway.key"))
    start = time.time()
    api = make_api_handler(root)
    https = TLSServer(("127.0.0.1", 0), api, ctx)
    http = PlainServer(("127.0.0.1", 0), api)
    metrics = PlainServer(("127.0.0.1", 0), make_metrics_handler(root, start))
    servers = [https, http, metrics]
    # best effort: the same HTTPS port on ::1 too, for clients that resolve
    # "localhost" to ::1 first
    v6 = 0
    try:
        class TLSServer6(TLSServer):
            address_family = socket.AF_INET6
        servers.append(TLSServer6(("::1", https.server_address[1]), api, ctx))
        v6 = 1
    except OSError:
        pass
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    write_atomic(os.path.join(run, "ports.env"),
                 "HF_HTTPS_PORT=%d\nHF_HTTP_PORT=%d\nHF_METRICS_PORT=%d\n"
                 "HF_HTTPS_V6=%d\n"
                 % (https.server_address[1], http.server_address[1],
                    metrics.server_address[1], v6))
    while True:
        time.sleep(3600)


# --------------------------------------------------------------------------
# logs

LOG_SERVICES = ["api-gateway", "auth-service", "inference-pool", "monitoring"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]


def log_line(kind, svc, ts, rnd):
    stamp = ts.strftime("%Y-%m-%d %H:%M:%S") + ",%03d" % rnd.randrange(1000)
    user = rnd.choice(USERS)
    ip = "10.0.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255))
    ms = int(math.exp(rnd.gauss(5.3, 0.8)))
    model = rnd.choice(["helixflow-7b", "helixflow-70b"])
    if kind == "info":
        msg = rnd.choice([
            "INFO  [%s] request completed model=%s status=200 duration_ms=%d" % (svc, model, ms),
            "INFO  [%s] GET /health 200 %dms" % (svc, max(1, ms // 50)),
            "INFO  [%s] worker pool size=8 active=%d" % (svc, rnd.randrange(1, 9)),
            "INFO  [%s] scheduled batch of %d requests on gpu%d" % (svc, rnd.randrange(1, 33), rnd.randrange(4)),
            "INFO  [%s] cache hit ratio %.2f" % (svc, rnd.random()),
        ])
    elif kind == "warning":
        msg = rnd.choice([
            "WARN  [%s] slow request model=%s duration_ms=%d" % (svc, model, 2000 + ms),
            "WARN  [%s] queue depth %d above soft limit 32" % (svc, 32 + rnd.randrange(40)),
            "WARN  [%s] GPU memory usage at %d%%" % (svc, 85 + rnd.randrange(10)),
        ])
    elif kind == "error":
        msg = rnd.choice([
            "ERROR [%s] upstream inference-pool returned 503 for model=%s" % (svc, model),
            "ERROR [%s] request failed: timeout after 30000ms" % svc,
            "ERROR [%s] database is locked (retrying)" % svc,
        ])
    elif kind == "critical":
        msg = rnd.choice([
            "CRITICAL [%s] CUDA out of memory on gpu%d, worker restarting" % (svc, rnd.randrange(4)),
            "CRITICAL [%s] service down: no healthy workers" % svc,
        ])
    elif kind == "security":
        # every security line matches both the security class
        # (security|auth|login) and the error class (via "failed")
        msg = rnd.choice([
            "WARN  [%s] auth login failed for user %s from %s" % (svc, user, ip),
            "WARN  [%s] security: auth login failed for user %s from %s (invalid API key)" % (svc, user, ip),
            "WARN  [%s] auth login failed for user %s from %s (bad password)" % (svc, user, ip),
        ])
    else:
        raise SystemExit("unknown log kind: %s" % kind)
    return "%s %s\n" % (stamp, msg)


ERROR_RE = re.compile(r"error|fail|critical", re.I)
SECURITY_RE = re.compile(r"security|auth|login", re.I)
MIX = ["info"] * 14 + ["warning"] * 3 + ["error", "critical", "security"]


def gen_lines(n, kind, svc, start, step, rnd):
    lines = []
    counts = {}
    for i in range(n):
        k = kind if kind != "mixed" else MIX[i % len(MIX)]
        counts[k] = counts.get(k, 0) + 1
        lines.append(log_line(k, svc, start + timedelta(seconds=i * step), rnd))
    return lines, counts


def cmd_genlogs(root):
    d = os.path.join(root, "var", "log", "helixflow")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    summary = []
    for idx, svc in enumerate(LOG_SERVICES):
        rnd = random.Random(1000 + idx)
        n = 300
        start = now - timedelta(hours=24)
        lines, counts = gen_lines(n, "mixed", svc, start, 24 * 3600 / n, rnd)
        with open(os.path.join(d, svc + ".log"), "w") as f:
            f.writelines(lines)
        err = sum(1 for l in lines if ERROR_RE.search(l))
        sec = sum(1 for l in lines if SECURITY_RE.search(l))
        summary.append("%s lines=%d error_class=%d security_class=%d %s" % (
            svc, n, err, sec, " ".join("%s=%d" % kv for kv in sorted(counts.items()))))
    write_atomic(os.path.join(root, "run", "logs.summary"),
                 "\n".join(summary) + "\n")


def cmd_logappend(path, n, kind):
    rnd = random.Random()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    svc = os.path.basename(path).rsplit(".log", 1)[0]
    lines, _ = gen_lines(n, kind, svc, now, 0, rnd)
    with open(path, "a") as f:
        f.writelines(lines)


# --------------------------------------------------------------------------
# writer and lock

WRITER_STATS_EVERY = 0.5    # seconds between writes of run/writer.stats


def writer_stats_text(st):
    return "".join("%s=%s\n" % (k, st[k]) for k in (
        "rate", "started", "updated", "transactions", "inserted", "failed_transactions",
        "failed_rows", "max_wait_ms", "waits_over_1s", "last_error"))


def cmd_writer(root, rate):
    """Insert rate rows/s in transactions of rate/10 rows every 100 ms and
    keep counters in run/writer.stats (key=value lines, rewritten
    atomically every 0.5 s and when stopped): transactions and rows
    committed, failed transactions and their rows (an sqlite3 error: busy
    past the 10 s timeout, I/O...), the longest wait of a transaction
    (BEGIN IMMEDIATE to COMMIT returned, lock waits included) in ms, how
    many waited more than 1 s, and the last error."""
    run = os.path.join(root, "run")
    daemonize_self(os.path.join(run, "writer.pid"))
    stats_path = os.path.join(run, "writer.stats")
    db = os.path.join(root, "opt", "helixflow", "data", "helixflow.db")
    con = sqlite3.connect(db, timeout=10, isolation_level=None)
    con.execute("PRAGMA busy_timeout=10000")
    rnd = random.Random()
    per_tick = max(1, int(round(rate / 10.0)))
    tick = per_tick / float(rate) if rate > 0 else 1.0
    st = {"rate": rate, "started": "%.3f" % time.time(), "updated": "", "transactions": 0,
          "inserted": 0, "failed_transactions": 0, "failed_rows": 0, "max_wait_ms": "0.0",
          "waits_over_1s": 0, "last_error": ""}
    max_wait = [0.0]

    def save():
        st["updated"] = "%.3f" % time.time()
        st["max_wait_ms"] = "%.1f" % max_wait[0]
        write_atomic(stats_path, writer_stats_text(st))

    def stop(*_):
        save()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    save()
    nxt = time.time()
    last_save = nxt
    seq = 0
    while True:
        rows = []
        ts = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        for _ in range(per_tick):
            seq += 1
            err = seq % 200 == 0      # exactly 0.5%, evenly spread
            rows.append((ts, rnd.choice(["helixflow-7b", "helixflow-7b", "helixflow-70b"]),
                         "user-%d" % rnd.randrange(500), rnd.randrange(16, 2000),
                         rnd.randrange(1, 1000),
                         min(3000, max(50, int(math.exp(rnd.gauss(5.4, 0.8))))),
                         "error" if err else "success"))
        t0 = time.monotonic()
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT INTO inference_requests(created_at, model, user_id, "
                "prompt_tokens, completion_tokens, response_time, status) "
                "VALUES (?,?,?,?,?,?,?)", rows)
            con.execute("COMMIT")
            st["transactions"] += 1
            st["inserted"] += len(rows)
        except sqlite3.Error as e:
            st["failed_transactions"] += 1
            st["failed_rows"] += len(rows)
            st["last_error"] = str(e).replace("\n", " ")
            try:
                con.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        wait = (time.monotonic() - t0) * 1000.0
        max_wait[0] = max(max_wait[0], wait)
        if wait > 1000.0:
            st["waits_over_1s"] += 1
        now = time.time()
        if now - last_save >= WRITER_STATS_EVERY:
            save()
            last_save = now
        nxt += tick
        d = nxt - time.time()
        if d > 0:
            time.sleep(d)
        else:
            nxt = time.time()


def cmd_lockdb(root, seconds):
    run = os.path.join(root, "run")
    ready = os.path.join(run, "lockdb.ready")
    daemonize_self(os.path.join(run, "lockdb.pid"))
    db = os.path.join(root, "opt", "helixflow", "data", "helixflow.db")
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    write_atomic(ready, "%d\n" % os.getpid())
    time.sleep(seconds)
    con.execute("COMMIT")
    con.close()
    try:
        os.unlink(ready)
        os.unlink(os.path.join(run, "lockdb.pid"))
    except OSError:
        pass


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    cmd = argv[1]
    if cmd == "serve":
        cmd_serve(argv[2])
    elif cmd == "genlogs":
        cmd_genlogs(argv[2])
    elif cmd == "logappend":
        cmd_logappend(argv[2], int(argv[3]), argv[4])
    elif cmd == "writer":
        cmd_writer(argv[2], float(argv[3]))
    elif cmd == "lockdb":
        cmd_lockdb(argv[2], float(argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
