#!/usr/bin/env bash
# test/upgrade/make-fixture.sh — regenerate test/upgrade/rec-0.1.0-models.sql from
# rec 0.1.0 itself: builds the commit that released 0.1.0 into a private copy of
# PostgreSQL (scripts/pg-private), starts a throwaway server on it, loads
# test/upgrade/data.sql and runs test/upgrade/make-fixture.sql, which trains one
# solution of each model kind with 0.1.0's code and writes their stored models,
# campaigns and what 0.1.0 served from them as SQL.
#
# Usage: test/upgrade/make-fixture.sh [DIR]   DIR: the private PostgreSQL copy
#        (default /tmp/rec-0.1.0-pg; rec 0.1.0 is installed there, nowhere else)
set -euo pipefail
cd "$(dirname "$0")/../.."

release=2b706c7		# last commit of 0.1.0: rec.control's default_version; 85b959a starts 0.2.0
pgdir=${1:-/tmp/rec-0.1.0-pg}
src=$(mktemp -d /tmp/rec-0.1.0-src.XXXXXX)
trap 'rm -rf "$src"' EXIT
git archive "$release" | tar -x -C "$src"
grep -q "default_version = '0.1.0'" "$src/rec.control"

export PATH="$(scripts/pg-private "$pgdir"):$PATH"
rm -f "$(pg_config --sharedir)"/extension/rec--*.sql "$(pg_config --sharedir)"/extension/rec.control
make -s -C "$src" PG_CONFIG="$(command -v pg_config)" >/dev/null
make -s -C "$src" install PG_CONFIG="$(command -v pg_config)" >/dev/null

out=$PWD/test/upgrade/rec-0.1.0-models.sql
FIXTURE=$out scripts/pg-cluster bash -c '
	set -e
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION rec"
	[[ $(psql -X -At -c "SELECT extversion FROM pg_extension WHERE extname = '"'rec'"'") == 0.1.0 ]]
	psql -X -q -v ON_ERROR_STOP=1 -f test/upgrade/data.sql
	psql -X -q -v ON_ERROR_STOP=1 -v fixture="$FIXTURE" -f test/upgrade/make-fixture.sql'
echo "make-fixture: wrote $out ($(wc -c <"$out") bytes)"
