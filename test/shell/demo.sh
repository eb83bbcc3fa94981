#!/usr/bin/env bash
# test/shell/demo.sh — TAP: scripts/demo runs to the end on its own throwaway
# server, and its output can be followed: every statement of scripts/demo.sql
# is printed before its result (psql -e), and the results a newcomer could
# not place are introduced by a line saying what they are (the popularity
# fallback of an unknown user, a tuned session_weight of 0, the version ids
# that rec.train and rec.deploy return).  About 15 s.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=$(mktemp)
trap 'rm -f "$out"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi; }

rc=0
REC_USE_EXISTING=0 scripts/demo >"$out" 2>&1 || rc=$?
ok "scripts/demo exits 0" '[[ $rc -eq 0 ]]'
[[ $rc -eq 0 ]] || tail -n 20 "$out" | sed 's/^/# /'

# each statement's first line, as psql -e prints it
missing=0
while IFS= read -r line; do
    grep -qxF -- "$line" "$out" || { echo "# not echoed: $line"; missing=$((missing + 1)); }
done < <(grep -E '^(SELECT|CREATE|DELETE|SET|FROM|WITH)' scripts/demo.sql)
ok "every statement of scripts/demo.sql is printed before its result" '[[ $missing -eq 0 ]]'

# an explanation, then (within a few lines) the result it explains
explained() { grep -A "$3" -F -- "$1" "$out" | grep -qF -- "$2"; }
ok "the unknown user's rows are introduced as the popularity fallback" \
    'explained "-- user 424242 has no events at all" "| popular" 8'
ok "a tuned session_weight of 0 is explained" \
    'explained "so the tuned session_weight is 0" "tuned_session_weight" 3'
ok "what rec.deploy returns is named" \
    'explained "-- rec.deploy returns the solution version" "main_serves_version" 4'
ok "what rec.train returns is named" \
    'explained "-- rec.train returns the id of the solution version" "| version" 4'
echo "1..$n"
[[ $failed -eq 0 ]]
