#!/usr/bin/env python3
"""How orgwarden's connection limits hold against slow clients (issue #9), on loopback.

    bench/slow_clients.py [--bin target/release/orgwarden] [--slow 500] [--quick]

Starts the binary (plain HTTP, default limits, a temporary data directory) and measures:

  1. how long one client dripping a header byte every 5 s keeps its connection;
  2. how long an idle keep-alive connection stays open after its answer (skipped with --quick);
  3. how many connections one client can hold: it opens 2000 (twice the default cap), each
     with a header started and never finished;
  4. the latency of a bystander's GET /healthz and GET /api/v2/organizations (a new connection
     each time, as a health checker) while an attacker keeps --slow connections dripping (and
     reopens each one the server closes), then while it keeps 2000.

Standard library only. Every socket is to 127.0.0.1; every phase is bounded in time.
"""

import argparse
import os
import resource
import selectors
import socket
import statistics
import subprocess
import tempfile
import threading
import time

PARTIAL = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "


def start_server(binary, data):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "ORGWARDEN_LOG": "warn",
    }
    proc = subprocess.Popen(
        [binary, "serve", "--tls", "off", "--listen", "127.0.0.1:0", "--rate-limit", "off",
         "--domain", "localhost:8443", "--data-dir", data],
        stdout=subprocess.PIPE, stderr=open(os.path.join(data, "..", "server.log"), "w"), env=env)
    first = proc.stdout.readline().decode()
    port = int(first.rsplit(":", 1)[1])
    threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()
    return proc, port


def token(binary, data):
    out = subprocess.run([binary, "token", "--domain", "localhost:8443", "--data-dir", data],
                         capture_output=True, env={"PATH": os.environ.get("PATH", "")}, check=True)
    return out.stdout.decode().strip()


def closed_within(sock, seconds):
    """Seconds until the server closed `sock` (reading nothing more), or None."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < seconds:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    return None


def drip_hold_time(port, every=5.0, bound=120.0):
    s = socket.create_connection(("127.0.0.1", port))
    start = time.monotonic()
    data = PARTIAL + b"a" * 1000
    for b in data:
        try:
            s.send(bytes([b]))
        except OSError:
            break
        if closed_within(s, every) is not None or time.monotonic() - start > bound:
            break
    held = time.monotonic() - start
    s.close()
    return held


def idle_hold_time(port, bound=180.0):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    s.settimeout(5)
    got = b""
    while b"\r\n\r\n" not in got or not got.endswith(b"}"):
        got += s.recv(4096)
    held = closed_within(s, bound)
    s.close()
    return held


def open_partial(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setblocking(False)
    try:
        s.send(PARTIAL)
    except OSError:
        pass
    return s


def count_open(socks, settle=1.0):
    time.sleep(settle)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed = set()
    for key, _ in sel.select(timeout=0.5):
        try:
            if key.fileobj.recv(4096) == b"":
                closed.add(key.fileobj)
        except OSError:
            closed.add(key.fileobj)
    sel.close()
    return len(socks) - len(closed)


class Attacker(threading.Thread):
    """Keeps `n` connections open, each dripping one header byte a second; reopens any the
    server closes."""

    def __init__(self, port, n):
        super().__init__(daemon=True)
        self.port, self.n, self.stop = port, n, threading.Event()
        self.reopened = 0

    def run(self):
        socks = [open_partial(self.port) for _ in range(self.n)]
        while not self.stop.is_set():
            sel = selectors.DefaultSelector()
            for s in socks:
                sel.register(s, selectors.EVENT_READ)
            dead = set()
            for key, _ in sel.select(timeout=0):
                try:
                    if key.fileobj.recv(4096) == b"":
                        dead.add(key.fileobj)
                except OSError:
                    dead.add(key.fileobj)
            sel.close()
            fresh = []
            for s in socks:
                if s in dead:
                    s.close()
                    try:
                        fresh.append(open_partial(self.port))
                        self.reopened += 1
                    except OSError:
                        pass
                else:
                    try:
                        s.send(b"a")
                    except OSError:
                        s.close()
                        continue
                    fresh.append(s)
            socks = fresh
            self.stop.wait(1.0)
        for s in socks:
            s.close()


def request(port, path, bearer=None, bound=10.0):
    """Seconds for one request on a new connection, or None if it failed or took > bound."""
    start = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=bound)
        auth = f"Authorization: Bearer {bearer}\r\n" if bearer else ""
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n".encode())
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        s.close()
        if not got.startswith(b"HTTP/1.1 200"):
            return None
    except OSError:
        return None
    return time.monotonic() - start


def bystander(port, bearer, n=50):
    out = {}
    for path, auth in (("/healthz", None), ("/api/v2/organizations", bearer)):
        times = [request(port, path, auth) for _ in range(n)]
        ok = [t * 1000 for t in times if t is not None]
        failed = len(times) - len(ok)
        if ok:
            q = sorted(ok)
            out[path] = (f"p50 {statistics.median(q):.1f} ms, p95 {q[int(len(q) * 0.95) - 1]:.1f} ms, "
                         f"max {q[-1]:.1f} ms, {failed}/{n} failed")
        else:
            out[path] = f"all {n} failed"
        time.sleep(0.1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/orgwarden")
    ap.add_argument("--slow", type=int, default=500)
    ap.add_argument("--quick", action="store_true", help="skip the 60 s idle measurement")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        proc, port = start_server(args.bin, data)
        try:
            bearer = token(args.bin, data)
            print(f"orgwarden on 127.0.0.1:{port}, default limits")
            print(f"1. a header byte every 5 s: connection held {drip_hold_time(port):.1f} s")
            if not args.quick:
                held = idle_hold_time(port)
                print(f"2. idle after an answer: connection held {held:.1f} s" if held else
                      "2. idle after an answer: still open after 180 s")
            socks = [open_partial(port) for _ in range(2000)]
            print(f"3. one client opening 2000 slow connections holds {count_open(socks)} of them")
            for s in socks:
                s.close()
            time.sleep(1)
            for n in (args.slow, 2000):
                attacker = Attacker(port, n)
                attacker.start()
                time.sleep(3)
                results = bystander(port, bearer)
                attacker.stop.set()
                attacker.join()
                print(f"4. bystander while an attacker keeps {n} slow connections "
                      f"(it reopened {attacker.reopened}):")
                for path, line in results.items():
                    print(f"     GET {path}: {line}")
                time.sleep(1)
        finally:
            proc.terminate()
            proc.wait(timeout=40)


if __name__ == "__main__":
    main()
