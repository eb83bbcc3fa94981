#!/usr/bin/env bash
# test/shell/soak.sh — TAP: a 2-minute soak (bench/soak, short): 20
# connections mixing log_event and recommend at a few calls per second, a
# retrain every 30 s with older versions deleted.  Checks that no call fails,
# that each backend's proportional set size stays bounded, and that the
# rec_models directory holds only files of existing versions.  The full run
# is bench/soak (30 minutes).  About 2 min 20 s, light on CPU.  Skips
# without python3-psycopg.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bench/soak -t -m 2 -r 3 -e 30 -i 5
