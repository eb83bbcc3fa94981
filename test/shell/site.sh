#!/usr/bin/env bash
# test/shell/site.sh — TAP: the live site in a real browser.
#
# Starts scripts/site (its own throwaway server, the sample data and
# site/setup.sql) on a free port and drives it with headless Chromium through
# Selenium (test/site/browser.py): a user's page, a click that changes the
# list, the item pages, the analysis of one user, the campaigns, and a small
# A/B test with simulated clicks checked in the report. Screenshots of each
# page go to results/site/. Skipped only when the browser's Debian packages
# cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=results/site
mkdir -p "$out"
if ! scripts/bootstrap browser >"$out/bootstrap.log" 2>&1; then
    echo "1..0 # SKIP cannot install chromium, chromium-driver, python3-selenium or the site's packages (see $out/bootstrap.log)"
    exit 0
fi
python=${REC_PYTHON:-/usr/bin/python3}

port=
for i in $(seq 0 99); do
    p=$((8100 + (RANDOM + i) % 100))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[[ -n $port ]] || { echo "1..0 # SKIP no free port in 8100-8199"; exit 0; }

REC_USE_EXISTING=0 PORT=$port scripts/site >"$out/site.log" 2>&1 &
site_pid=$!
trap 'kill "$site_pid" 2>/dev/null || true; wait "$site_pid" 2>/dev/null || true' EXIT

for i in $(seq 1 240); do
    if "$python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
            "http://127.0.0.1:$port/health" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$site_pid" 2>/dev/null; then
        echo "not ok 1 - scripts/site starts"; sed 's/^/# /' "$out/site.log" | tail -n 30; echo "1..1"; exit 1
    fi
    sleep 0.5
done

"$python" test/site/browser.py "http://127.0.0.1:$port" "$out"
