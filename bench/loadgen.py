"""Load generators and page discovery shared by bench/pages.py and bench/load.py.

- `discover(get)`: the public pages to measure, found by following the site's own links.
- `wrk(...)`: one closed-loop wrk run, its output parsed (req/s, p50/p99, errors, bytes).
- `python_load(...)`: the same without wrk, with Python threads (slower; for machines
  without wrk).
- `fixed_rate(...)`: an open-loop client that sends at a fixed rate and measures each
  latency from the moment its request was due, not from when it was sent, so that a
  stalled server cannot hide its queue (what wrk2 does; wrk2 is not packaged for Debian,
  and `hey -q` throttles each worker closed-loop, which hides exactly that queue).
"""
import asyncio
import http.client
import re
import subprocess
import threading
import time
from urllib.parse import urlsplit

SEARCH = "/search/?q=%E9%AB%98%E6%96%B0%E5%8C%BA"  # 高新区
ARTICLE_RE = re.compile(r'href="(/articles/\d+/[^"/]+/)"')
ZONE_RE = re.compile(r'href="(/zones/(?!feed/)[^"/]+/)"')
TAG_RE = re.compile(r'href="(/tags/(?!feed/)[^"/]+/)"')
REPORTER_RE = re.compile(r'href="(/reporters/(?!feed/)[^"/]+/)"')
ISSUE_RE = re.compile(r'href="(/issues/\d+/)"')
SITEMAP_LOC_RE = re.compile(r"<sitemapindex.*?<loc>https?://[^/<]+(/[^<]*)</loc>", re.S)


def discover(get) -> dict[str, str]:
    """The pages to measure, by name, with a real article, zone, tag and reporter.

    `get(path)` returns the page's HTML as text. A page the site does not link to (the seed
    has no topics, so no tag page) is left out."""
    home = get("/")
    pages = {"home": "/", "issues": "/issues/"}
    issue = ISSUE_RE.search(home) or ISSUE_RE.search(get("/issues/"))
    pages["issue"] = issue.group(1) if issue else "/issues/1/"
    article = ARTICLE_RE.search(home)
    article_page = get(article.group(1)) if article else ""
    if article:
        pages["article"] = article.group(1)
    pages["zones"] = "/zones/"
    # A zone the article mentions, so that its page lists an article; else the first zone.
    zone = ZONE_RE.search(article_page) or ZONE_RE.search(get("/zones/"))
    if zone:
        pages["zone"] = zone.group(1)
    tag = TAG_RE.search(article_page) or TAG_RE.search(home)
    if tag:
        pages["tag"] = tag.group(1)
    reporter = REPORTER_RE.search(article_page) or REPORTER_RE.search(home)
    if reporter:
        pages["reporter"] = reporter.group(1)
    pages.update({"search": SEARCH, "feed": "/feed/", "sitemap": "/sitemap.xml"})
    # With a sitemap index, its first paged sitemap is the page that grows with the archive.
    index = SITEMAP_LOC_RE.search(get("/sitemap.xml"))
    if index:
        pages["sitemap page"] = index.group(1).replace("&amp;", "&")
    return pages


def http_get(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One GET on a fresh connection: status, headers (lower-case names), body."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


# --- wrk ---------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def wrk(url: str, *, seconds: int, threads: int, connections: int,
        headers: dict | None = None, script: str | None = None, script_args: tuple = ()) -> dict:
    """One wrk run (`--latency`): req/s, p50/p99 in ms, errors and bytes per response.

    wrk takes whole seconds only; `script_args` reach the Lua script's init(args)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    done = subprocess.run([*command, url, *(["--", *script_args] if script_args else [])],
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} {url}: {done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def parse_wrk(out: str) -> dict:
    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    done = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", out)
    requests = int(done.group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": requests,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        # Reads that end with the server closing the connection count as read errors in wrk
        # although they are its normal behaviour; connect and timeout errors are real.
        "socket_errors": {k: int(v) for k, v in zip(("connect", "read", "write", "timeout"), errors.groups(), strict=True)}
        if errors else {},
        "bytes_per_response": round(float(done.group(2)) * SIZES[done.group(3)] / max(requests, 1)),
    }


# --- Python, closed loop -----------------------------------------------------------------

def python_load(base: str, path: str, *, seconds: float, connections: int) -> dict:
    """Requests/s with `connections` threads, each sending its next request when the last is answered."""
    parts = urlsplit(base)
    counts, bad, stop = [0] * connections, [0] * connections, threading.Event()

    def worker(n: int):
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        while not stop.is_set():
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status >= 300:
                    bad[n] += 1
                counts[n] += 1
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
                bad[n] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"rps": sum(counts) / elapsed, "requests": sum(counts), "non_2xx": sum(bad), "socket_errors": ""}


# --- Python, open loop at a fixed rate ---------------------------------------------------

def fixed_rate(base: str, path: str, *, rate: float, seconds: float, headers: dict | None = None,
               unique: str | None = None, max_connections: int = 256) -> dict:
    """Send `rate` requests a second for `seconds`; latency is counted from each request's due time.

    With `unique`, request n asks for `path?nocache=<unique>-<n>`, so that no cache answers it."""
    return asyncio.run(_fixed_rate(base, path, rate, seconds, headers or {}, unique, max_connections))


async def _fixed_rate(base, path, rate, seconds, headers, unique, max_connections) -> dict:
    parts = urlsplit(base)
    host, port = parts.hostname, parts.port or 80
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    separator = "&" if "?" in path else "?"

    def request(n: int) -> bytes:
        target = f"{path}{separator}nocache={unique}-{n}" if unique else path
        return f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}\r\n".encode()

    loop = asyncio.get_running_loop()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    slots = asyncio.Semaphore(max_connections)
    latencies, lags, statuses, errors = [], [], {}, 0

    async def one(n: int, due: float):
        nonlocal errors
        # How late this client itself got round to the request: if it falls behind, the
        # figures measure the client, not the server.
        lags.append((loop.time() - due) * 1000)
        async with slots:  # a request over the connection bound waits here, and that wait counts
            try:
                status = await asyncio.wait_for(_exchange(host, port, request(n), idle), 30)
            except (TimeoutError, OSError, EOFError, asyncio.LimitOverrunError, ValueError):
                errors += 1
                return
        latencies.append((loop.time() - due) * 1000)
        statuses[status] = statuses.get(status, 0) + 1

    total = int(rate * seconds)
    start = loop.time() + 0.1
    tasks = []
    for n in range(total):
        due = start + n / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    for _, writer in idle:
        writer.close()
    latencies.sort()
    lags.sort()
    return {
        "rate": rate, "requests": total, "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99), "client_lag_p99_ms": _percentile(lags, 99),
        "statuses": statuses, "errors": errors,
    }


async def _exchange(host, port, request, idle) -> int:
    """One request on an idle keep-alive connection, or a new one; the status code.

    A kept connection that the server has meanwhile closed is retried once on a new one."""
    if idle:
        reader, writer = idle.pop()
        try:
            return await _send(reader, writer, request, idle)
        except (OSError, EOFError):
            pass
    reader, writer = await asyncio.open_connection(host, port)
    return await _send(reader, writer, request, idle)


async def _send(reader, writer, request, idle) -> int:
    try:
        writer.write(request)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head.split(" ", 2)[1])
        length = re.search(r"\r\ncontent-length:\s*(\d+)", head)
        close = "\r\nconnection: close" in head or head.startswith("http/1.0")
        if length:
            await reader.readexactly(int(length.group(1)))
        elif "\r\ntransfer-encoding: chunked" in head:
            await _read_chunks(reader)
        elif status not in (204, 304):
            await reader.read()  # the body runs to the end of the connection
            close = True
    except BaseException:
        writer.close()
        raise
    if close:
        writer.close()
    else:
        idle.append((reader, writer))
    return status


async def _read_chunks(reader) -> None:
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        await reader.readexactly(size + 2)
    await reader.readuntil(b"\r\n")


def _percentile(sorted_values: list[float], percent: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(percent / 100 * len(sorted_values)) - 1))
    return sorted_values[index]
