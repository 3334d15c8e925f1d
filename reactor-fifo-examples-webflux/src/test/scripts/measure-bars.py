#!/usr/bin/env python3
"""Measures issue #15's two bars against the real jar, from the repository root:

    ./mvnw -q -pl reactor-fifo-examples-webflux -am package -DskipTests
    python3 reactor-fifo-examples-webflux/src/test/scripts/measure-bars.py [--port 8080] [--fifo /tmp/live.fifo]

(a) latency: 20 `curl -N .../lines` clients plus one client that connects, sends its request
    and never calls recv(); lines written by `printf ... > FIFO` (a new process each) must reach
    every curl within 1 s. Reported: the slowest of the 20 clients, per probe line.
(b) heap: with the stalled client still connected, 100,000 lines go through the FIFO in 10
    batches; after each, `jcmd PID GC.run` then `GC.heap_info`: used heap must stay within 20 MB.

Starts the jar itself (JAVA, default `java`, so JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
measures on JDK 25) and stops it, the curls and the stalled client at the end. Exit code 0 when
both bars are met.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.abspath(__file__))
JAR = os.path.normpath(os.path.join(ROOT, "..", "..", "..", "target", "reactor-fifo-examples-webflux.jar"))


def health(port):
    with urllib.request.urlopen(f"http://localhost:{port}/actuator/health/fifo", timeout=10) as response:
        return json.load(response)


def wait_for(what, condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for: {what}")
        time.sleep(0.05)


def write_lines(fifo, script):
    subprocess.run(["sh", "-c", script, "sh", fifo], check=True, timeout=120)


def used_heap_kib(jcmd, pid):
    subprocess.run([jcmd, str(pid), "GC.run"], check=True, capture_output=True, timeout=60)
    out = subprocess.run([jcmd, str(pid), "GC.heap_info"], check=True, capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"garbage-first heap .*?used (\d+)K", out) or re.search(r"used (\d+)K", out)
    if not match:
        raise SystemExit("cannot read GC.heap_info:\n" + out)
    return int(match.group(1))


class Curl:
    """One `curl -sN` whose output lines are timestamped as they arrive."""

    def __init__(self, url):
        self.process = subprocess.Popen(["curl", "-sN", url], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.seen = {}
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.process.stdout:
            now = time.monotonic()
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("data: probe "):
                with self.lock:
                    self.seen.setdefault(line[len("data: "):], now)

    def arrival(self, probe):
        with self.lock:
            return self.seen.get(probe)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--fifo", default="/tmp/live.fifo")
    parser.add_argument("--jar", default=JAR)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    java = os.environ.get("JAVA", "java")
    jcmd = os.path.join(os.path.dirname(shutil.which(java) or java), "jcmd")
    jcmd = jcmd if os.path.exists(jcmd) else "jcmd"

    app = subprocess.Popen([java, "-jar", args.jar, f"--fifo={args.fifo}", f"--server.port={args.port}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    curls = []
    stalled = None
    ok = True
    try:
        wait_for("the application", lambda: health(args.port)["status"] == "UP")
        print(f"app: pid {app.pid}, {subprocess.run([java, '-version'], capture_output=True, text=True).stderr.splitlines()[0]}")
        with urllib.request.urlopen(f"http://localhost:{args.port}/", timeout=10) as response:
            page = response.read().decode()
        print(f"GET /: {response.status}, {len(page)} bytes, EventSource in page: {'new EventSource' in page}")

        # the client that reads nothing: a socket, the request, no recv() ever
        stalled = socket.create_connection(("localhost", args.port))
        stalled.sendall(b"GET /lines HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
        curls = [Curl(f"http://localhost:{args.port}/lines") for _ in range(args.clients)]
        wait_for(f"{args.clients + 1} clients", lambda: health(args.port)["details"]["clients"] == args.clients + 1)

        # (a) probe lines, each from its own printf process, once the curls are live
        worst = []
        for n in range(1, 11):
            probe = f"probe {n} {time.time_ns()}"
            start = time.monotonic()
            write_lines(args.fifo, f"printf '%s\\n' '{probe}' > \"$1\"")
            wait_for(f"{probe} at every curl", lambda: all(c.arrival(probe) for c in curls), timeout=10)
            worst.append((max(c.arrival(probe) for c in curls) - start) * 1000)
        print(f"(a) {args.clients} curl clients + 1 stalled: slowest client per probe line, ms from printf's start: "
              + ", ".join(f"{w:.0f}" for w in worst))
        ok &= max(worst) < 1000
        print(f"(a) bar (every line at every curl within 1000 ms): {'MET' if max(worst) < 1000 else 'NOT MET'}, max {max(worst):.0f} ms")
        for c in curls:
            c.process.terminate()
        wait_for("the curls gone", lambda: health(args.port)["details"]["clients"] == 1)

        # (b) the heap while 100,000 lines pass with the stalled client connected
        read_before = health(args.port)["details"]["linesRead"]
        heap = [used_heap_kib(jcmd, app.pid)]
        batches = 10
        per_batch = args.lines // batches
        start = time.monotonic()
        for b in range(batches):
            first = b * per_batch + 1
            write_lines(args.fifo, f"seq -f 'heap line %06.0f ..................................................' "
                                   f"{first} {first + per_batch - 1} > \"$1\"")
            target = read_before + (b + 1) * per_batch
            wait_for("the lines read", lambda: health(args.port)["details"]["linesRead"] >= target)
            heap.append(used_heap_kib(jcmd, app.pid))
        seconds = time.monotonic() - start
        spread_mb = (max(heap) - min(heap)) / 1024
        dropped = json.load(urllib.request.urlopen(f"http://localhost:{args.port}/actuator/metrics/fifo.lines.dropped"))
        print(f"(b) {args.lines} lines in {seconds:.1f} s (with a GC after each of {batches} batches); "
              f"stalled client still connected: {health(args.port)['details']['clients'] == 1}; "
              f"fifo.lines.dropped = {dropped['measurements'][0]['value']:.0f}")
        print("(b) used heap after GC, KiB: " + ", ".join(str(h) for h in heap))
        ok &= spread_mb < 20
        print(f"(b) bar (flat within 20 MB): {'MET' if spread_mb < 20 else 'NOT MET'}, max - min = {spread_mb:.1f} MB")
    finally:
        for c in curls:
            c.process.kill()
        if stalled:
            stalled.close()
        app.terminate()
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
