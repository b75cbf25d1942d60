"""Benchmark of the scam-indicator registry.

1. Import: writes N synthetic indicators as a CSV file (phones, bank accounts, domains, URLs,
   handles, e-mails, each through the shared normaliser) and times ``import_stream`` into a fresh,
   migrated database (SQLite file, or a throw-away PostgreSQL database).
2. Single lookups: starts ``python -m notalone.server serve`` on 127.0.0.1 against that
   database and drives ``GET /api/v1/indicators/lookup`` from a second process (keep-alive
   HTTP/1.1 connections, a bounded number of requests), half known values, half unknown.
3. Batch lookups: ``POST /api/v1/indicators/lookup`` with 1,000 values, sequentially.

Loopback only, bounded loops. Exits non-zero when a target is missed.

    .venv/bin/python bench/registry_bench.py --backend sqlite --count 1000000
    .venv/bin/python bench/registry_bench.py --backend postgres --count 1000000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench import (
    cpu_seconds,
    drive_processes,
    free_port,
    percentile,
    processes_cpu_seconds,
    wait_ready,
)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MOBILE = ["32", "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78", "79", "81",
          "82", "83", "84", "85", "86", "88", "90", "91", "93", "94", "96", "97",
          "98"]  # fmt: skip
BANKS = ["VCB", "TCB", "MB", "BIDV", "ICB", "ACB", "TPB", "VPB", "STB", "MOMO"]
TLDS = ["com", "top", "xyz", "vn", "com.vn", "net", "online", "info", "shop", "site"]
PLATFORMS = ["telegram", "zalo", "facebook", "tiktok", "instagram", "discord"]


def synthetic(i: int) -> tuple[str, str]:
    """The i-th synthetic indicator ``(value, kind)``, unique for each i, as people write it."""
    r = i % 20
    n = i // 20
    if r < 8:
        return f"0{MOBILE[i % len(MOBILE)]}{(i // len(MOBILE)) % 10**7:07d}", "phone"
    if r < 13:
        return f"{BANKS[n % len(BANKS)]}:{10**9 + i}", "bank_account"
    if r < 16:
        return f"scam-{i:x}.{TLDS[n % len(TLDS)]}", "domain"
    if r < 18:
        return f"http://login-{i:x}.{TLDS[n % len(TLDS)]}/verify", "url"
    if r == 18:
        return f"{PLATFORMS[n % len(PLATFORMS)]}:@user_{i:x}", "handle"
    return f"u{i:x}@mail-{n % 1000}.com", "email"


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("value,kind,category\n")
        buf = io.StringIO()
        for i in range(count):
            value, kind = synthetic(i)
            buf.write(f"{value},{kind},fraud\n")
            if i % 50_000 == 49_999:
                f.write(buf.getvalue())
                buf = io.StringIO()
        f.write(buf.getvalue())


def make_database(backend: str, data_dir: Path, pg_url: str) -> tuple[str, Any]:
    """The database URL and a clean-up callable."""
    if backend == "sqlite":
        return f"sqlite:///{data_dir / 'bench.db'}", lambda: None
    from sqlalchemy import create_engine, text

    name = f"notalone_bench_{secrets.token_hex(4)}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_url.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def run_import(url: str, csv_path: Path, workers: int) -> dict[str, Any]:
    from notalone.registry.imports import import_stream
    from notalone.server.db import make_engine, make_session_factory
    from notalone.server.migrate import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        with make_session_factory(engine)() as session, csv_path.open("rb") as stream:
            start = time.perf_counter()
            summary = import_stream(session, stream, fmt="csv", source="bench", workers=workers)
            seconds = time.perf_counter() - start
        if url.startswith("postgresql"):
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE indicators")
    finally:
        engine.dispose()
    return {
        "accepted": summary.accepted,
        "rejected": summary.rejected,
        "new": summary.new,
        "seconds": round(seconds, 1),
        "per_s": round(summary.accepted / seconds),
        "workers": workers,
    }


def _get(port: int, value: str) -> bytes:
    q = urllib.parse.quote(value, safe="")
    return (
        f"GET /api/v1/indicators/lookup?value={q} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    ).encode()


def lookup_payloads(port: int, count: int, seed: int = 7) -> list[bytes]:
    """4,000 single-lookup requests: half known values, half unknown ones."""
    rng = random.Random(seed)
    payloads = []
    for k in range(4_000):
        i = rng.randrange(count) if k % 2 == 0 else count + rng.randrange(10**6)
        payloads.append(_get(port, synthetic(i)[0]))
    return payloads


def postgres_backend_pids(url: str) -> list[int]:
    """PIDs of the PostgreSQL backends serving the benchmark's database (their CPU counts)."""
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    engine = create_engine(url.rsplit("/", 1)[0] + "/postgres")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            return [int(r[0]) for r in rows]
    finally:
        engine.dispose()


def batch_lookups(port: int, count: int, rounds: int) -> list[float]:
    rng = random.Random(11)
    times = []
    for _ in range(rounds):
        values = [
            synthetic(rng.randrange(count) if k % 2 == 0 else count + rng.randrange(10**6))[0]
            for k in range(1000)
        ]
        body = json.dumps({"values": values}).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/indicators/lookup",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        start = time.perf_counter()
        with urllib.request.urlopen(req, timeout=30) as r:
            data = json.loads(r.read())
        times.append(time.perf_counter() - start)
        assert len(data["results"]) == 1000
    return times


def serve_and_measure(url: str, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    env = {
        **os.environ,
        "NOTALONE_DATA_DIR": str(data_dir),
        "NOTALONE_DATABASE_URL": url,
        "NOTALONE_RATE_LIMIT_IP": str(10**9),
        "NOTALONE_ENVIRONMENT": "development",
        "NOTALONE_MAX_BODY_BYTES": str(4 * 1024 * 1024),
    }
    env.pop("NOTALONE_REDIS_URL", None)
    log = open(data_dir / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "notalone.server", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(args.workers)],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        wait_ready(port, timeout=120)
        drive_processes(port, lookup_payloads, (port, args.count), 1000, args.concurrency,
                        args.clients)  # fmt: skip
        db_pids = postgres_backend_pids(url) if url.startswith("postgresql") else []
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(server.pid)
        db_before = processes_cpu_seconds(db_pids)
        run = drive_processes(
            port, lookup_payloads, (port, args.count), args.requests, args.concurrency,
            args.clients,
        )  # fmt: skip
        server_cpu = cpu_seconds(server.pid) - cpu_before
        db_cpu = processes_cpu_seconds(db_pids) - db_before
        load_after = os.getloadavg()[0]
        latencies, errors, elapsed = run["latencies"], run["errors"], run["elapsed"]
        cpu_before = cpu_seconds(server.pid)
        batch = batch_lookups(port, args.count, args.batch_rounds)
        batch_cpu = cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    per_request = 1000 / len(latencies)
    return {
        "single": {
            "requests": len(latencies),
            "concurrency": args.concurrency,
            "workers": args.workers,
            "errors": errors,
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(percentile(latencies, 99) * 1000, 2),
            "max_ms": round(max(latencies) * 1000, 2),
            "server_cpu_ms_per_request": round(server_cpu * per_request, 3),
            "database_cpu_ms_per_request": round(db_cpu * per_request, 3) if db_pids else None,
            "client_processes": args.clients,
            "client_cpu_ms_per_request": round(run["client_cpu"] * per_request, 3),
            "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        },
        "batch_1000": {
            "rounds": len(batch),
            "p50_ms": round(statistics.median(batch) * 1000, 1),
            "max_ms": round(max(batch) * 1000, 1),
            "server_cpu_ms_per_batch": round(batch_cpu / len(batch) * 1000, 1),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--count", type=int, default=1_000_000, help="indicators to import")
    parser.add_argument("--requests", type=int, default=20_000, help="single lookups")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--clients", type=int, default=2, help="load-driving client processes (split the load)"
    )
    parser.add_argument("--batch-rounds", type=int, default=20)
    parser.add_argument(
        "--pg-url", default=os.environ.get("NOTALONE_TEST_DATABASE_URL", DEFAULT_PG)
    )
    parser.add_argument("--skip-api", action="store_true", help="import only")
    parser.add_argument("--import-workers", type=int, default=2, help="parsing processes")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        csv_path = data_dir / "indicators.csv"
        write_csv(csv_path, args.count)
        url, drop = make_database(args.backend, data_dir, args.pg_url)
        try:
            figures: dict[str, Any] = {"backend": args.backend, "count": args.count}
            figures["import"] = run_import(url, csv_path, args.import_workers)
            figures["import"]["load_average_1min"] = round(os.getloadavg()[0], 2)
            if not args.skip_api:
                figures.update(serve_and_measure(url, data_dir, args))
        finally:
            drop()
    figures["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(json.dumps(figures, indent=None if args.json else 2))
    ok = figures["import"]["seconds"] < 60 and figures["import"]["rejected"] == 0
    if "single" in figures:
        single = figures["single"]
        ok = ok and single["errors"] == 0 and single["requests_per_s"] >= 2000
        ok = ok and single["p99_ms"] < 20 and figures["batch_1000"]["p50_ms"] < 200
    if not ok:
        print("TARGET MISSED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
