#!/usr/bin/env bash
# test/shell/faults.sh — TAP: a training backend killed with SIGKILL (the
# server recovers, no partial version, campaigns keep serving) and a
# pg_dump -Fc / pg_restore round trip (data, models and serving come back).
# Runs on its own throwaway server: the kill crashes it on purpose.
# About 15-25 s; the long form with 20 random cancellations is bench/faults.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bench/faults -t kill dump
