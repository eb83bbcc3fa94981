#!/usr/bin/env bash
# test/shell/failover.sh — TAP: failover under load (bench/failover, short):
# a primary with a synchronous standby, then with an asynchronous one; 8
# clients mix log_event and recommend through multi-host connection strings;
# the primary is killed (kill -9 of all its processes) a third of the way in
# and the standby promoted.  Checks that every acknowledged log_event is on
# the promoted server (synchronous: 0 lost; asynchronous: counted), that every
# client writes and reads again, and that campaigns serve the same versions
# and lists.  About 70 s.  Skips without python3-psycopg.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bench/failover -t -s 10 -r 20 sync async
