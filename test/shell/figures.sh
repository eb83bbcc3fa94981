#!/usr/bin/env bash
# test/shell/figures.sh — TAP: every figure table in README.md and docs/*.md
# (the blocks between <!-- figures:NAME --> markers) is what bench/report
# generates from the results files in bench/results/, so a figure cannot
# drift from the file that backs it; and bench/report fails, rather than
# printing a stale table, when a results file loses its figures.  No server.
set -euo pipefail
cd "$(dirname "$0")/../.."

n=0 failed=0
check() {   # check DESCRIPTION COMMAND..
    local desc=$1 out; shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then echo "ok $n - $desc"; else
        echo "not ok $n - $desc"; sed 's/^/# /' <<<"$out"; failed=$((failed + 1)); fi
}
fails() { ! "$@"; }

check "the figure tables of README.md and docs/ are those bench/report makes from bench/results/" \
    bench/report --check
check "docs/performance.md has figure tables" grep -q '<!-- figures:' docs/performance.md

# a test of the check: a copy of the repository's docs and results where one
# figure was changed by hand must fail it
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bench" "$tmp/docs"
cp -r bench/report bench/results "$tmp/bench/"
cp docs/*.md "$tmp/docs/"
[[ -f README.md ]] && cp README.md "$tmp/"
line=$(grep -n '^| .* | .* |$' "$tmp/docs/performance.md" | grep -v -- '---' | sed -n 3p | cut -d: -f1)
sed -i "${line}s/ |$/ (edited) |/" "$tmp/docs/performance.md"
check "a figure edited by hand in docs/performance.md fails the check" fails "$tmp/bench/report" --check
sed -i 's/^batch /batch_renamed /' "$tmp/bench/results/speed-batch.txt"
check "a results file without its figure lines fails bench/report" fails "$tmp/bench/report"

echo "1..$n"
[[ $failed -eq 0 ]]
