"""Drill 7: the web tier (nginx from deploy/nginx/ in front of gunicorn) against clients that do not play fair.

- Slow clients: connections that declare a body and never send it, and connections that send their headers a
  line at a time, from another address, more of them than gunicorn has threads. Through nginx the node keeps
  answering an honest client at about its usual speed; the same few connections straight at gunicorn are shown
  for comparison (that figure is printed, not checked: it is what the proxy is there for).
- Forged forwarded addresses: a new X-Forwarded-For on every failed login does not escape the lockout.
- Bodies: a chunked body is read by nginx and answered by the application (413 past the API's limit).
- What the browser gets: a Content-Security-Policy on the pages, and the API docs' CSS and JS (served by
  whitenoise from collectstatic's hashed files) answered 200 and cacheable.

    .venv/bin/python bench/drills/run.py web_tier
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.drills.stack import Stack, check, header  # noqa: E402

# Another loopback address than the honest client's: nginx limits connections per address.
SLOW_CLIENT_ADDRESS = "127.0.0.2"
SILENT_BODIES = 48
DRIPPED_HEADERS = 16
# More than gunicorn's 2 workers x 4 threads: enough to take every thread of a node reached directly.
DIRECT_SILENT_BODIES = 12
HONEST_REQUESTS = 30
ANSWER_WITHIN_SECONDS = 5.0


def drill(stack: Stack, args) -> None:
    header(stack, "drill 7: the web tier against slow clients, forged addresses, chunked bodies")
    stack.start_web()

    before = honest_latencies(stack, stack.web_port)
    with slow_clients(stack.web_port, silent=SILENT_BODIES, dripping=DRIPPED_HEADERS) as held:
        time.sleep(1)  # every slow connection open and waiting before the honest client starts
        during = honest_latencies(stack, stack.web_port)
        print(f"  slow connections held open through nginx: {held()} of {SILENT_BODIES + DRIPPED_HEADERS}")
    check(all(seconds is not None for seconds in during), f"through nginx, honest requests went unanswered: {during}")
    ratio = statistics.median(during) / statistics.median(before)
    print(
        f"  honest client through nginx: median {statistics.median(before) * 1000:.1f} ms alone, "
        f"{statistics.median(during) * 1000:.1f} ms beside the slow clients (x{ratio:.2f}); "
        f"slowest {max(during) * 1000:.0f} ms"
    )
    check(max(during) < ANSWER_WITHIN_SECONDS, f"through nginx an honest request took {max(during):.1f} s")

    with slow_clients(stack.app_port, silent=DIRECT_SILENT_BODIES, dripping=0):
        time.sleep(1)
        direct = honest_latencies(stack, stack.app_port, count=3, timeout=3)
    unanswered = sum(seconds is None for seconds in direct)
    print(
        f"  for comparison, {DIRECT_SILENT_BODIES} silent bodies straight at gunicorn: {unanswered} of "
        f"{len(direct)} honest requests unanswered within 3 s"
    )

    forged_logins(stack)
    chunked_bodies(stack)
    browser_headers_and_static(stack)


def honest_latencies(stack: Stack, port: int, count: int = HONEST_REQUESTS, timeout: float = ANSWER_WITHIN_SECONDS):
    """Seconds each of `count` sign-in page loads took, one after another (None: no answer within `timeout`)."""
    latencies = []
    for _ in range(count):
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            connection.request("GET", "/login/", headers={"Host": "127.0.0.1"})
            response = connection.getresponse()
            response.read()
            connection.close()
            latencies.append(time.monotonic() - started if response.status == 200 else None)
        except OSError:
            latencies.append(None)
    return latencies


@contextlib.contextmanager
def slow_clients(port: int, *, silent: int, dripping: int):
    """Connections from SLOW_CLIENT_ADDRESS: `silent` that declare a 60,000-byte body and send none of it, and
    `dripping` that send a header line every two seconds and never end them. Yields a count of those still
    open; all are closed on leaving."""
    sockets: list[socket.socket] = []
    stop = threading.Event()

    def connect() -> socket.socket | None:
        with contextlib.suppress(OSError):
            connection = socket.create_connection(
                ("127.0.0.1", port), timeout=5, source_address=(SLOW_CLIENT_ADDRESS, 0)
            )
            sockets.append(connection)
            return connection
        return None

    for _ in range(silent):
        if connection := connect():
            with contextlib.suppress(OSError):
                connection.sendall(
                    b"POST /api/v1/tokens/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 60000\r\n\r\n"
                )
    dripping_sockets = [connection for _ in range(dripping) if (connection := connect())]
    for connection in dripping_sockets:
        with contextlib.suppress(OSError):
            connection.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")

    def drip() -> None:
        line = 0
        while not stop.wait(2):
            line += 1
            for connection in dripping_sockets:
                with contextlib.suppress(OSError):
                    connection.sendall(b"X-Drip-%d: a\r\n" % line)

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()

    def still_open() -> int:
        open_count = 0
        for connection in sockets:
            try:
                connection.setblocking(False)
                data = connection.recv(1, socket.MSG_PEEK)
                open_count += data != b""
            except BlockingIOError:
                open_count += 1
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    connection.setblocking(True)
        return open_count

    try:
        yield still_open
    finally:
        stop.set()
        dripper.join(timeout=5)
        for connection in sockets:
            connection.close()


def forged_logins(stack: Stack) -> None:
    statuses = [
        stack.request(
            "POST",
            "/api/v1/tokens/",
            {"username": "drill-nobody", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
        )[0]
        for attempt in range(1, 8)
    ]
    print(f"  failed logins, a new X-Forwarded-For each: answered {statuses}")
    check(statuses[-1] == 429, f"a new forged address per try escaped the lockout: {statuses}")


def chunked_bodies(stack: Stack) -> None:
    def send_chunked(size: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=30)
        body = b'{"username": "' + b"x" * size + b'", "password": "y"}'
        connection.request(
            "POST",
            "/api/v1/tokens/",
            body=iter([body[index : index + 8192] for index in range(0, len(body), 8192)]),
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        status = connection.getresponse().status
        connection.close()
        return status

    small, large = send_chunked(100), send_chunked(300_000)
    print(f"  chunked bodies: 100 bytes answered {small}, 300 kB answered {large}")
    check(small in (400, 401), f"a small chunked body was answered {small}, not read as the body it is")
    check(large == 413, f"a chunked body past the API's limit was answered {large}, not 413")


def browser_headers_and_static(stack: Stack) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=30)
    connection.request("GET", "/login/")
    response = connection.getresponse()
    response.read()
    policy = response.getheader("Content-Security-Policy", "")
    check("script-src 'self'" in policy, f"the sign-in page's Content-Security-Policy is {policy!r}")
    connection.request("GET", "/api/docs/")
    page = connection.getresponse().read().decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    check(len(assets) >= 3, f"the API docs page names {assets} as its static files")
    for asset in assets:
        connection.request("GET", asset, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        response.read()
        check(response.status == 200, f"{asset} answered {response.status}")
        check("max-age" in (response.getheader("Cache-Control") or ""), f"{asset} is not cacheable")
    connection.close()
    print(f"  Content-Security-Policy on the pages; the API docs' {len(assets)} static files answered 200, cacheable")
