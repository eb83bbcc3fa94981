"""Simulated users on the site: GET a user's page, sometimes click, open an item.

Usage: site_load.py BASE_URL SECONDS USERS
Each simulated user loops: open a random user's page (which logs an
impression), click one of its recommendations with probability 0.3 (a POST
that logs the event, attributed, and redirects to the re-rendered page), open
a random recommended item's page. Prints one JSON line: requests, failures,
clicks acknowledged (the POST answered 303 and the page after it 200),
requests per second and latency percentiles.
"""
import http.client
import json
import random
import re
import sys
import threading
import time
import urllib.parse

base = urllib.parse.urlsplit(sys.argv[1])
seconds, users = float(sys.argv[2]), int(sys.argv[3])
ITEM = re.compile(r'data-item="(\d+)"')
VARIANT = re.compile(r'name="variant" value="([^"]*)"')
SHOWN = re.compile(r'name="shown" value="([^"]*)"')

lock = threading.Lock()
latencies, failures, clicks = [], [], [0]


def request(conn, method, path, body=None):
    """One request on a kept-alive connection; returns (status, body, location)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read().decode()
    with lock:
        latencies.append(time.perf_counter() - start)
    return resp.status, data, resp.getheader("Location")


def simulate(seed, stop):
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
    while time.monotonic() < stop:
        try:
            user = rnd.randint(1, 600)
            status, page, _ = request(conn, "GET", f"/user/{user}")
            if status != 200:
                raise RuntimeError(f"GET /user/{user}: {status}")
            items = ITEM.findall(page)
            if items and rnd.random() < 0.3:
                rank = rnd.randint(1, len(items))
                form = urllib.parse.urlencode({"item_id": items[rank - 1], "rank": rank, "campaign": "home",
                                               "variant": VARIANT.search(page).group(1),
                                               "shown": SHOWN.search(page).group(1)})
                status, _, location = request(conn, "POST", f"/user/{user}/click", form)
                if status != 303:
                    raise RuntimeError(f"POST click: {status}")
                with lock:
                    clicks[0] += 1
                status, page, _ = request(conn, "GET", urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl())
                if status != 200:
                    raise RuntimeError(f"GET after click: {status}")
                items = ITEM.findall(page)
            if items:
                status, _, _ = request(conn, "GET", f"/item/{rnd.choice(items)}")
                if status != 200:
                    raise RuntimeError(f"GET item: {status}")
        except Exception as e:  # count it, reconnect, go on
            with lock:
                failures.append(repr(e))
            conn.close()
            conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)


start = time.monotonic()
threads = [threading.Thread(target=simulate, args=(i, start + seconds)) for i in range(users)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start
lat = sorted(latencies)
pct = lambda p: round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None
print(json.dumps({"seconds": round(elapsed, 1), "simulated_users": users, "requests": len(lat),
                  "failures": len(failures), "first_failures": failures[:3], "clicks": clicks[0],
                  "requests_per_second": round(len(lat) / elapsed, 1),
                  "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99)}))
