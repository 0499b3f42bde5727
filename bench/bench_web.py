"""Load on loopback: N concurrent clients on the explorer pages and the API of a running migcap web server.

Starts ``migcap serve`` (uvicorn, ``--workers``) on a free port against the warehouse in the data folder
(``MIGCAP_DATA_DIR``; built first if missing), asks every URL of the mix once (the cold figures: the first
request of a view computes it), then lets ``--clients`` clients request the URLs of the mix round-robin over
keep-alive connections, each waiting for its answer before sending the next, for ``--seconds`` (bounded also
by ``--max-requests``). Prints the figures and, with ``--out``, writes them as a Markdown section.

Two clients: ``--client raw`` (default) speaks HTTP/1.1 over asyncio streams and costs about 50 µs of CPU per
request; ``--client httpx`` uses ``httpx.AsyncClient`` and costs about 1.5 ms. The clients run on the same
machine as the server, so on a small machine httpx measures mostly itself (see bench/WEB.md).

    python bench/bench_web.py                          # 50 clients, 60 s, 1 worker, raw client
    python bench/bench_web.py --client httpx --seconds 20
    python bench/bench_web.py --seconds 10 --out /tmp/web.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import machine

EXPLORER = [
    "/explore",
    "/explore?indicator=migrant_stock&by=world",
    "/explore?indicator=migrant_stock&by=region&scheme=un-geo",
    "/explore?indicator=migrants_pct&by=country&year=2020",
    "/explore?indicator=migrants_pct&by=country&area=KEN&area=UGA&area=TZA",
    "/explore?indicator=remittances_received&by=country&year=2020",
    "/explore?indicator=remittances_received&by=country&year=2020&page=2",
    "/explore?indicator=remittances_received&by=region&scheme=wb-income",
    "/explore?indicator=remittances_paid&by=region",
    "/explore?indicator=gdp&by=world",
    "/explore?indicator=net_migration&by=country&area=DEU&area=USA",
    "/explore?indicator=unemployment&by=region&scheme=wmr2010",
    "/explore?indicator=refugees&by=country&year=2015",
    "/explore?indicator=female_pct&by=region",
    "/explore?indicator=remittance_inflows_knomad&by=country&area=PHL",
    "/explore?indicator=population_wb&by=region&scheme=un-sdg",
]
API = [
    "/api/v1/stocks?by=country&area=KEN&year=2020",
    "/api/v1/stocks?by=region&scheme=wmr2010",
    "/api/v1/stocks?by=country&year=2020&per_page=250",
    "/api/v1/stocks?by=world&format=csv",
    "/api/v1/series?indicator=remittances_received&by=region&scheme=wb-region",
    "/api/v1/series?indicator=migrants_pct&by=country&year=2010",
    "/api/v1/series?indicator=gdp&by=country&area=IND&format=csv",
    "/api/v1/overview?area=KEN",
    "/api/v1/overview?area=WLD",
    "/api/v1/facts?area=PHL",
    "/api/v1/corridors?area=MEX",
    "/api/v1/matrix?scheme=wmr2010",
    "/api/v1/crisis?by=region",
    "/api/v1/crisis?by=country&per_page=50",
    "/api/v1/flows?period=2015-2019&scheme=wmr2010",
    "/api/v1/map?year=2020",
    "/api/v1/countries?q=united",
    "/api/v1/countries/Viet%20Nam",
    "/api/v1/schemes/wmr2010",
    "/api/v1/data",
]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def _start(port: int, workers: int, data_dir: str, log: Path) -> subprocess.Popen[bytes]:
    """The server, with its production defaults (JSON access log at level info, to ``log``)."""
    env = {**os.environ, "MIGCAP_DATA_DIR": data_dir, "MIGCAP_WEB_REPORT_BUILD": "never"}
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "migcap.cli.serve", "--host", "127.0.0.1",
                                 "--port", str(port), "--workers", str(workers)],
                                env=env, stdout=fh, stderr=fh)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise SystemExit("the server did not start: " + log.read_text(errors="replace")[-3000:])
    proc.terminate()
    raise SystemExit("the server did not answer /healthz within 120 s")


async def _cold(base: str, urls: list[str]) -> dict[str, float]:
    import httpx

    out = {}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for u in urls:
            t = time.perf_counter()
            r = await client.get(u)
            out[u] = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{u}: HTTP {r.status_code}: {r.text[:300]}")
    return out


class RawConnection:
    """One keep-alive HTTP/1.1 connection: GET a path, return (status, body)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            try:
                self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: */*\r\n"
                                  "User-Agent: migcap-bench\r\n\r\n".encode())
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                self.writer = None  # the server closed an idle connection: open another once
                if attempt == 2:
                    raise
                continue
            status = int(head[9:12])
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)}
            if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
                body = b""
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                    chunk = await self.reader.readexactly(size + 2)
                    if size == 0:
                        break
                    body += chunk[:-2]
            else:
                body = await self.reader.readexactly(int(headers.get(b"content-length", b"0")))
            if headers.get(b"connection", b"").lower() == b"close":
                self.writer.close()
                self.writer = None
            return status, body
        raise ConnectionError("unreachable")


async def _load(base: str, urls: list[str], clients: int, seconds: float, max_requests: int,
                kind_of_client: str) -> tuple[Stats, float]:
    """``clients`` concurrent clients, each asking for its next URL as soon as the last one is answered."""
    if kind_of_client == "raw":
        host, port = base.removeprefix("http://").split(":")

        def raw() -> Transport:
            conn = RawConnection(host, int(port))

            async def get(u: str) -> int:
                return (await conn.get(u))[0]

            def close() -> None:
                if conn.writer is not None:
                    conn.writer.close()

            return get, close

        return await _drive(urls, clients, seconds, max_requests, raw,
                            (OSError, asyncio.IncompleteReadError, ValueError))
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def get(u: str) -> int:
            return (await client.get(u)).status_code

        return await _drive(urls, clients, seconds, max_requests, lambda: (get, lambda: None),
                            (httpx.HTTPError,))


#: A client's way of asking: ``get(url) -> status`` and ``close()``.
Transport = tuple[Callable[[str], Awaitable[int]], Callable[[], None]]


async def _drive(urls: list[str], clients: int, seconds: float, max_requests: int,
                 connect: Callable[[], Transport],
                 failures: tuple[type[BaseException], ...]) -> tuple[Stats, float]:
    """The load loop shared by both clients; a failed request opens a new transport for that client."""
    stats = Stats()
    stop_at = time.perf_counter() + seconds
    budget = [max_requests]

    async def worker(i: int) -> None:
        get, close = connect()
        n = i * 7
        while time.perf_counter() < stop_at and budget[0] > 0:
            budget[0] -= 1
            u = urls[n % len(urls)]
            n += 1
            kind = "explorer" if u.startswith("/explore") else "api"
            t = time.perf_counter()
            try:
                status = await get(u)
                stats.statuses[status] += 1
                if status != 200:
                    stats.errors[f"HTTP {status} {u}"] += 1
            except failures as exc:
                stats.errors[type(exc).__name__] += 1
                get, close = connect()
            stats.latencies[kind].append((time.perf_counter() - t) * 1000)
        close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    return stats, time.perf_counter() - start


def _server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server process and its children (the workers); Linux only."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        me, parent = int(stat.parent.name), int(fields[1])
        if me == pid or parent == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _client_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="Stop after this many requests.")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes.")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="The HTTP client of the load.")
    parser.add_argument("--out", type=Path, help="Write the figures as a Markdown section to this file.")
    args = parser.parse_args()

    import httpx  # noqa: F401 - fail early if missing

    from migcap.config import get_settings

    data_dir = os.environ.get("MIGCAP_DATA_DIR") or str(get_settings().data_dir)
    if not (Path(data_dir) / "warehouse.duckdb").exists():
        data_dir = tempfile.mkdtemp(prefix="migcap-bench-web-")
        subprocess.run([sys.executable, "-m", "migcap.cli", "data", "build"], check=True,
                       env={**os.environ, "MIGCAP_DATA_DIR": data_dir})
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="migcap-bench-web-log-")) / "server.log"
    proc = _start(port, args.workers, data_dir, log)
    try:
        # explorer and API interleaved
        urls = [u for pair in zip(EXPLORER * 2, API, strict=False) for u in pair]
        urls += [u for u in EXPLORER + API if u not in urls]
        cold = asyncio.run(_cold(base, urls))
        # each worker process has its own caches: warm them all (new connections land on any worker)
        asyncio.run(_load(base, urls, 8 * args.workers, 0.0, len(urls) * 8 * args.workers, "raw"))
        asyncio.run(_load(base, urls, 8 * args.workers, 3.0, 10**9, "raw"))
        cpu0 = (_client_cpu(), _server_cpu(proc.pid))
        stats, elapsed = asyncio.run(_load(base, urls, args.clients, args.seconds, args.max_requests,
                                           args.client))
        cpu_client, cpu_server = _client_cpu() - cpu0[0], _server_cpu(proc.pid) - cpu0[1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

    logged = sum(1 for line in log.open(errors="replace") if '"migcap.web.access"' in line)
    all_lat = [x for v in stats.latencies.values() for x in v]
    n = len(all_lat)
    rows = []
    for kind in ("explorer", "api"):
        lat = stats.latencies.get(kind, [])
        rows.append((kind, len(lat), statistics.median(lat) if lat else float("nan"), _pct(lat, 95),
                     _pct(lat, 99), max(lat) if lat else float("nan")))
    rows.append(("all", n, statistics.median(all_lat), _pct(all_lat, 95), _pct(all_lat, 99), max(all_lat)))
    errors = sum(stats.errors.values())
    cold_sorted = sorted(cold.items(), key=lambda kv: -kv[1])
    lines = [
        "## Web application under load (`bench/bench_web.py`)",
        "",
        f"{args.clients} concurrent clients "
        f"({'raw HTTP/1.1 on asyncio' if args.client == 'raw' else 'httpx.AsyncClient'}, keep-alive), each "
        f"asking for the next URL of a mix of {len(EXPLORER)} explorer pages and {len(API)} API requests as "
        f"soon as the previous answer arrives, for {elapsed:.0f} s on loopback, against `migcap serve "
        f"--workers {args.workers}` (uvicorn) on the same machine (the clients and the server share its "
        f"cores). Run on {time.strftime('%Y-%m-%d')}.",
        "",
        f"**Machine:** {machine()}.",
        "",
        "| requests | kind | median ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
        *[f"| {c:,} | {k} | {m:.1f} | {p95:.1f} | {p99:.1f} | {mx:.1f} |" for k, c, m, p95, p99, mx in rows],
        "",
        f"Throughput {n / elapsed:,.0f} requests/s; errors: {errors} "
        f"({', '.join(f'{k}: {v}' for k, v in stats.errors.most_common(5)) or 'none'}); "
        f"statuses: {dict(stats.statuses)}; the server logged {logged:,} requests (JSON access log, level "
        f"info). CPU used during the load: clients {cpu_client:.0f} s, server {cpu_server:.0f} s, "
        f"of {elapsed * (os.cpu_count() or 1):.0f} core-seconds ({1000 * cpu_client / max(n, 1):.2f} ms of "
        f"client CPU and {1000 * cpu_server / max(n, 1):.2f} ms of server CPU per request).",
        "",
        "Target (issue 8): p95 under 100 ms and no errors "
        f"— {'met' if rows[-1][3] < 100 and errors == 0 else 'NOT met'}.",
        "",
        "Cold answers (the first request of each view in a fresh worker: the computation, then the cache): "
        f"median {statistics.median(cold.values()):.0f} ms, slowest "
        + ", ".join(f"`{u}` {ms:.0f} ms" for u, ms in cold_sorted[:3]) + ". Later requests of a view are "
        "served from the worker's caches (results keyed by the warehouse token, rendered "
        "responses with ETags).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
