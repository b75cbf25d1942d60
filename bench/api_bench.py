"""Benchmark of the service API: ``POST /api/v1/analyze`` with single chat messages.

Starts ``python -m notalone.server serve`` on 127.0.0.1 (a free port, a fresh data dir), waits
for ``/readyz``, then drives it from a second process: a tiny asyncio HTTP/1.1 client with
keep-alive connections sends a bounded number of requests with the given concurrency, and
reports requests/s, p50/p90/p99 latency and errors. Exits non-zero when the targets are missed
(``--min-rps``, ``--max-p99-ms``) or any request failed.

    .venv/bin/python bench/api_bench.py --requests 20000 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

MESSAGES = [
    "Em ơi, anh là công an, em đang bị điều tra, chuyển tiền vào tài khoản này ngay",
    "chào em, em bao nhiêu tuổi rồi? gửi ảnh cho anh xem nhé",
    "Tối nay đi học thêm không? Mình chờ ở cổng trường nhé",
    "Bạn đã trúng thưởng iPhone, bấm vào link để nhận quà",
    "đừng nói với ai, tắt định vị rồi ra bến xe gặp anh",
    "Mẹ ơi con về muộn 30 phút nha",
    "hey, how old are you? you look mature for your age, send a pic",
    "Your account will be locked, verify your password at this link now",
    "Salut, tu as quel âge ? Envoie-moi une photo, personne ne saura",
    "On se voit demain à la bibliothèque pour le devoir ?",
]


def _descendants(pid: int) -> list[int]:
    out = [pid]
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                for child in f.read().split():
                    out.extend(_descendants(int(child)))
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants (Linux /proc), 0.0 elsewhere."""
    return processes_cpu_seconds(_descendants(pid))


def processes_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (Linux /proc); one that is gone counts 0."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


def _request(port: int, text: str) -> bytes:
    body = json.dumps({"text": text}, ensure_ascii=False).encode()
    head = (
        f"POST /api/v1/analyze HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response off a keep-alive connection; return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    lower = head.lower()
    i = lower.find(b"\r\ncontent-length:")
    if i != -1:
        length = int(head[i + 17 : head.index(b"\r\n", i + 2)])
    if length:
        await reader.readexactly(length)
    return status


async def drive(
    port: int, payloads: list[bytes], total: int, concurrency: int
) -> tuple[list[float], int, float]:
    """Send ``total`` requests (cycling through ``payloads``) over ``concurrency`` keep-alive
    connections, one request in flight per connection (no pipelining); return the latencies,
    the non-200 count and the wall time."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    clock = time.perf_counter

    async def worker() -> None:
        nonlocal counter, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while counter < total:
                i = counter
                counter += 1
                start = clock()
                writer.write(payloads[i % len(payloads)])
                status = await read_response(reader)
                latencies.append(clock() - start)
                if status != 200:
                    errors += 1
        finally:
            writer.close()
            await writer.wait_closed()

    start = clock()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, clock() - start


def run_loop(coro: Any) -> Any:
    """``asyncio.run`` on uvloop when it is installed (a cheaper client), else the default."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def _drive_process(
    port: int,
    make_payloads: Callable[..., list[bytes]],
    payload_args: tuple[Any, ...],
    total: int,
    concurrency: int,
    start_at: Any,
    out: Any,
) -> None:
    payloads = make_payloads(*payload_args)
    start_at.wait()
    cpu = time.process_time()
    latencies, errors, _ = run_loop(drive(port, payloads, total, concurrency))
    out.put((latencies, errors, time.perf_counter(), time.process_time() - cpu))


def drive_processes(
    port: int,
    make_payloads: Callable[..., list[bytes]],
    payload_args: tuple[Any, ...],
    total: int,
    concurrency: int,
    processes: int = 1,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """:func:`drive` from ``processes`` client processes at once (``concurrency`` connections
    and ``total`` requests split between them), so that the load driver is not what limits
    the figures. Returns the latencies, the error count, the wall time from the common start
    to the last finish, and the clients' CPU seconds (to check they were not the bottleneck).
    ``make_payloads(*payload_args)`` runs in each client (a module-level function)."""
    ctx = mp.get_context("spawn")
    start_at = ctx.Event()
    out = ctx.Queue()
    procs = []
    for k in range(processes):
        share = total // processes + (1 if k < total % processes else 0)
        conns = max(1, concurrency // processes + (1 if k < concurrency % processes else 0))
        proc = ctx.Process(
            target=_drive_process,
            args=(port, make_payloads, payload_args, share, conns, start_at, out),
        )
        proc.start()
        procs.append(proc)
    time.sleep(0.5)  # let the clients import and build their payloads
    start = time.perf_counter()
    start_at.set()
    latencies: list[float] = []
    errors = 0
    end = start
    cpu = 0.0
    try:
        for _ in procs:
            lat, err, finished, used = out.get(timeout=timeout)
            latencies.extend(lat)
            errors += err
            end = max(end, finished)
            cpu += used
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
    if any(proc.exitcode != 0 for proc in procs):
        raise RuntimeError("a load-driving client failed")
    return {"latencies": latencies, "errors": errors, "elapsed": end - start, "client_cpu": cpu}


def _client(port: int, total: int, concurrency: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    payloads = [_request(port, m) for m in MESSAGES]
    out.put(asyncio.run(drive(port, payloads, total, concurrency)))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--min-rps", type=float, default=500.0)
    parser.add_argument("--max-p99-ms", type=float, default=50.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness increment for server and client (negative needs root): shields the "
        "measurement from other jobs on a shared machine",
    )
    args = parser.parse_args()

    if args.nice:
        os.nice(args.nice)  # inherited by the server and the client processes
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "NOTALONE_DATA_DIR": data_dir,
            "NOTALONE_RATE_LIMIT_IP": str(10**9),
            "NOTALONE_ENVIRONMENT": "development",
        }
        env.pop("NOTALONE_DATABASE_URL", None)
        env.pop("NOTALONE_REDIS_URL", None)
        log = open(Path(data_dir) / "server.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "notalone.server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own session, as a daemon runs
        )
        try:
            wait_ready(port)
            queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
            if args.warmup:
                proc = mp.Process(target=_client, args=(port, args.warmup, args.concurrency, queue))
                proc.start()
                queue.get()
                proc.join()
            cpu_before = cpu_seconds(server.pid)
            proc = mp.Process(target=_client, args=(port, args.requests, args.concurrency, queue))
            proc.start()
            latencies, errors, elapsed = queue.get()
            proc.join()
            server_cpu = cpu_seconds(server.pid) - cpu_before
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()

    rps = len(latencies) / elapsed
    figures = {
        "requests": len(latencies),
        "concurrency": args.concurrency,
        "workers": args.workers,
        "errors": errors,
        "seconds": round(elapsed, 2),
        "requests_per_s": round(rps, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p90_ms": round(percentile(latencies, 90) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "server_cpu_ms_per_request": round(server_cpu / len(latencies) * 1000, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "nice": args.nice,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>16}: {value}")
    ok = errors == 0 and rps >= args.min_rps and figures["p99_ms"] <= args.max_p99_ms
    if not ok:
        print("TARGET MISSED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
