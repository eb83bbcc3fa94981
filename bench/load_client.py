#!/usr/bin/python3
"""bench/load_client.py — clients that mix rec.log_event and rec.recommend and
record every call, for the operations benchmarks (bench/failover,
bench/shard_down, bench/soak).

Each client is a thread with its own two sessions: a writer (log_event) and a
reader (recommend), or one for both (--one-session), opened from libpq
connection strings, so a multi-host
string (host=a,b port=p,q target_session_attrs=read-write) picks the server.
A call that fails is recorded with its error; the session is then dropped and
opened again before the next call (the way an application's pool replaces a
broken connection), so a client goes on through a failover.

Every call is one line of --calls (CSV): start and end time (epoch seconds),
client, op (log or rec), user, 1 if it succeeded, the event's unique time in
microseconds (log: the call's ts, so an acknowledged event can be found
again), then the error's first line.  Events are unique: client c's n-th
event has ts = 2020-01-01 + (c * 10^9 + n) microseconds.

Stops after --seconds, or when the file --stop-file exists.  Bounded: at most
--rate calls per second per client.  Debian's python3 with python3-psycopg
(scripts/bootstrap installs it).
"""
import argparse
import csv
import os
import random
import sys
import threading
import time

import psycopg

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--writer", required=True, help="libpq connection string for log_event")
    ap.add_argument("--reader", help="libpq connection string for recommend (default: --writer)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--stop-file")
    ap.add_argument("--rate", type=float, default=50, help="calls per second per client, at most")
    ap.add_argument("--log-share", type=float, default=0.5, help="share of calls that are log_event")
    ap.add_argument("--log-users", default="1001:1999", help="users whose events are logged, a:b")
    ap.add_argument("--rec-users", default="1:600", help="users asked for recommendations, a:b")
    ap.add_argument("--items", default="1:9000", help="items logged, a:b")
    ap.add_argument("--campaign", default="c")
    ap.add_argument("--schema", default="rec", help="schema of the functions (rec_shard through a router)")
    ap.add_argument("--calls", required=True, help="CSV file of every call")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one-session", action="store_true",
                    help="one session per client for both calls (--writer's), not two")
    a = ap.parse_args()
    reader = a.reader or a.writer
    lu = [int(x) for x in a.log_users.split(":")]
    ru = [int(x) for x in a.rec_users.split(":")]
    it = [int(x) for x in a.items.split(":")]
    deadline = time.time() + a.seconds
    lock = threading.Lock()
    out = open(a.calls, "w", newline="")
    w = csv.writer(out)

    def stop():
        return time.time() >= deadline or (a.stop_file and os.path.exists(a.stop_file))

    def client(c):
        rnd = random.Random(a.seed * 1000 + c)
        conns = {"log": None, "rec": None}
        n = 0
        period = 1.0 / a.rate if a.rate > 0 else 0
        while not stop():
            t0 = time.time()
            op = "log" if rnd.random() < a.log_share else "rec"
            err = ""
            ok = 1
            ts_us = ""
            if op == "log":
                user = rnd.randint(lu[0], lu[1])
                n += 1
                ts_us = c * 10**9 + n
            else:
                user = rnd.randint(ru[0], ru[1])
            key = "log" if a.one_session else op
            try:
                if conns[key] is None:
                    conns[key] = psycopg.connect(a.writer if key == "log" else reader, autocommit=True)
                cur = conns[key].cursor()
                if op == "log":
                    cur.execute(f"SELECT {a.schema}.log_event(%s, %s, 'click', ts => %s::timestamptz"
                                " + make_interval(secs => %s::float8 / 1e6))",
                                (user, rnd.randint(it[0], it[1]), "2020-01-01 00:00:00+00", ts_us))
                else:
                    cur.execute(f"SELECT count(*) FROM {a.schema}.recommend(%s, 10, campaign => %s)",
                                (user, a.campaign))
                cur.fetchall()
            except Exception as e:  # noqa: BLE001 - every failure is recorded
                ok = 0
                err = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
                if conns[key] is not None:
                    try:
                        conns[key].close()
                    except Exception:  # noqa: BLE001
                        pass
                conns[key] = None
            t1 = time.time()
            with lock:
                w.writerow([f"{t0:.6f}", f"{t1:.6f}", c, op, user, ok, ts_us, err])
            if not ok:
                time.sleep(0.05)  # a failed call: retry soon, without spinning
            elif period:
                time.sleep(max(0.0, period - (t1 - t0)))
        for conn in conns.values():
            if conn is not None:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass

    threads = [threading.Thread(target=client, args=(c,)) for c in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()


if __name__ == "__main__":
    sys.exit(main())
