#!/usr/bin/env bash
# test/shell/shard_down.sh — TAP: a shard down under load (bench/shard_down,
# short): the PL/Proxy router with two shards, 8 clients through it, shard 1
# stopped and started again, then frozen and resumed.  Checks that calls for
# the stopped shard's users fail promptly with an error naming the shard,
# that shard 0's users see 0 errors, and that shard 1's users are served
# again once it is back, with nothing done on the router.  About 45 s.
# Skips without PL/Proxy or python3-psycopg.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bench/shard_down -t -s 24 -r 20
