"""The load generators of bench/loadgen.py: wrk's output read right, and the fixed-rate client."""
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.loadgen import fixed_rate, parse_wrk

# wrk 4.1.0 (Debian) with --latency against a server that answered 404 to everything.
WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:8671/nothere
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.35ms    2.30ms  17.11ms   86.20%
    Req/Sec     1.02k   303.37     1.76k    80.95%
  Latency Distribution
     50%  850.00us
     75%    3.25ms
     90%    5.38ms
     99%    1.02s
  2136 requests in 1.10s, 1.06MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 2136
Requests/sec:   1941.46
Transfer/sec:      0.96MB
"""


class TestParseWrk:
    def test_reads_rate_latencies_errors_and_size(self):
        """Percentiles come in wrk's own units (us, ms, s) and are given in milliseconds."""
        assert parse_wrk(WRK_OUTPUT) == {
            "rps": 1941.46,
            "requests": 2136,
            "p50_ms": 0.85,
            "p99_ms": 1020.0,
            "non_2xx_3xx": 2136,
            "socket_errors": {"connect": 0, "read": 3, "write": 0, "timeout": 2},
            "bytes_per_response": round(1.06 * 1024**2 / 2136),
        }

    def test_a_clean_run_has_no_errors(self):
        clean = WRK_OUTPUT.replace("  Socket errors: connect 0, read 3, write 0, timeout 2\n", "").replace(
            "  Non-2xx or 3xx responses: 2136\n", ""
        )
        figures = parse_wrk(clean)
        assert (figures["non_2xx_3xx"], figures["socket_errors"]) == (0, {})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the server says otherwise

    def do_GET(self):
        self.server.paths.append(self.path)
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.send_header("ETag", '"v1"')
            self.end_headers()
            return
        body = b"Hello, world!"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if self.server.close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def server(*, close: bool):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.paths, httpd.close = [], close
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class TestFixedRate:
    @pytest.mark.parametrize("close", [False, True], ids=["keep-alive", "connection-close"])
    def test_sends_rate_times_seconds_requests(self, close):
        """20 requests a second for one second is 20 requests, each answered and counted."""
        with server(close=close) as (httpd, base):
            figures = fixed_rate(base, "/page/", rate=20, seconds=1)
        assert (figures["requests"], figures["statuses"], figures["errors"]) == (20, {200: 20}, 0)
        assert httpd.paths == ["/page/"] * 20

    def test_unique_gives_every_request_its_own_address(self):
        with server(close=False) as (httpd, base):
            fixed_rate(base, "/search/?q=x", rate=20, seconds=0.5, unique="run1")
        assert sorted(httpd.paths) == sorted(f"/search/?q=x&nocache=run1-{n}" for n in range(10))

    def test_sends_the_headers_given(self):
        """A 304 has no body: the client reads the next answer on the same connection."""
        with server(close=False) as (httpd, base):
            figures = fixed_rate(base, "/page/", rate=20, seconds=0.5, headers={"If-None-Match": '"v1"'})
        assert (figures["statuses"], figures["errors"]) == ({304: 10}, 0)

    def test_a_refused_connection_is_an_error(self):
        with server(close=False) as (_, base):
            pass  # closed: nothing listens on its port any more
        figures = fixed_rate(base, "/page/", rate=20, seconds=0.5)
        assert (figures["statuses"], figures["errors"], figures["p99_ms"]) == ({}, 10, None)
