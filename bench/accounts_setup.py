#!/usr/bin/env python3
"""Signs in N users of a running server (simulation mode) and links a simulated bank for each,
as the widget does; writes their Cookie headers and /accounts/{id} paths for wrk.

Usage: accounts_setup.py BASE_URL N COOKIES_FILE PATHS_FILE DATABASE_URL. Stdlib only; the
user ids come from psql."""

import http.client
import json
import subprocess
import sys
import urllib.parse

PASSWORD = "bench-password-123"


def call(base, method, path, body=None, cookie=None, form=False):
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(body)
        else:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 400:
        raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
    return response, data


def main():
    base, n, cookies_file, paths_file, database_url = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    cookies = []
    for i in range(n):
        user = f"bench{i}"
        response, _ = call(base, "POST", "/api/auth/login", {"username": user, "password": PASSWORD}, form=True)
        cookie = response.getheader("Set-Cookie").split(";")[0]
        _, token = call(base, "POST", "/api/v1/banking/plaid/create-link-token", {}, cookie)
        token = json.loads(token)["link_token"]
        _, done = call(base, "POST", "/sim/link/complete", {
            "link_token": token, "institution_id": "ins_109508", "username": "user_good", "password": "pass_good"})
        done = json.loads(done)
        call(base, "POST", "/api/v1/banking/plaid/exchange-public-token",
             {"public_token": done["public_token"], "metadata": done["metadata"]}, cookie)
        cookies.append(cookie)
    ids = subprocess.run(["psql", database_url, "-Atc", "SELECT id FROM users WHERE username LIKE 'bench%' ORDER BY id"],
                         check=True, capture_output=True, text=True).stdout.split()
    with open(cookies_file, "w") as f:
        f.write("\n".join(cookies) + "\n")
    with open(paths_file, "w") as f:
        f.write("\n".join(f"/accounts/{i}" for i in ids) + "\n")
    print(f"{len(cookies)} users signed in, each with a linked bank")


if __name__ == "__main__":
    main()
