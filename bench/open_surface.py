#!/usr/bin/env python3
"""Load for bench/open_surface.sh: sign-in attempts and forged webhooks against a running
server, with the server's resident memory read from /proc before and after.

Usage: open_surface.py BASE_URL SERVER_PID (signin|webhooks) [attempts] [concurrency]
Prints one line of figures; stdlib only."""

import base64
import http.client
import json
import os
import random
import string
import sys
import threading
import time
import urllib.parse


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"no {field} for pid {pid}")


def post(base, path, body, headers):
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        conn.close()


def run(total, concurrency, one):
    statuses, lock, next_i = {}, threading.Lock(), [0]

    def worker():
        while True:
            with lock:
                if next_i[0] >= total:
                    return
                next_i[0] += 1
            status = one()
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, time.monotonic() - started


def sign_in(base):
    name = "nobody-" + "".join(random.choices(string.ascii_lowercase, k=8))
    body = urllib.parse.urlencode({"username": name, "password": "wrong-password-123"})
    return post(base, "/api/auth/login", body, {"Content-Type": "application/x-www-form-urlencoded"})


def forged_webhook(base):
    kid = "".join(random.choices(string.ascii_letters, k=8192))
    header = base64.urlsafe_b64encode(json.dumps({"alg": "ES256", "kid": kid}).encode()).rstrip(b"=").decode()
    token = f"{header}.e30.AAAA"
    body = b'{"webhook_type":"ITEM","webhook_code":"ERROR","item_id":"x"}'
    return post(base, "/api/v1/banking/plaid/webhook", body, {"Content-Type": "application/json", "Plaid-Verification": token})


def key_lookups(base):
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", "/sim/control/calls")
    calls = json.loads(conn.getresponse().read() or b"{}")
    return calls.get("/webhook_verification_key/get", 0)


def main():
    base, pid, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    total = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    concurrency = int(sys.argv[5]) if len(sys.argv) > 5 else 256
    before = rss_kib(pid)
    one = (lambda: sign_in(base)) if what == "signin" else (lambda: forged_webhook(base))
    statuses, seconds = run(total, concurrency, one)
    time.sleep(1)
    after, peak = rss_kib(pid), rss_kib(pid, "VmHWM")
    extra = f" key_lookups={key_lookups(base)}" if what == "webhooks" else ""
    print(
        f"{what}: {total} requests, {concurrency} at a time, {seconds:.1f} s; statuses {dict(sorted(statuses.items()))}; "
        f"rss_before_mb={before / 1024:.1f} rss_after_mb={after / 1024:.1f} rss_peak_mb={peak / 1024:.1f} "
        f"grew_mb={(after - before) / 1024:.1f}{extra}"
    )


if __name__ == "__main__":
    main()
