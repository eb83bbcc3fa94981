#!/usr/bin/env bash
# test/shell/crash_safety.sh — TAP: bound relations whose columns change type
# after rec.create_dataset_group() (PostgreSQL allows it; rec checks types
# only when binding) must give clear errors or work, never crash the server;
# so must a crafted model stored in rec.solution_version (any role that may
# train may write that table).
# Each case trains and serves once, then checks the server is still up, its
# log shows no crashed backend, and the outcome is the one pinned for the case
# (it works, or it fails with that error); a setup that fails is a failure,
# since the case would then test nothing.  Runs on its own throwaway server, since
# a crash would take every other session down with it.  About 5 s.
set -euo pipefail
cd "$(dirname "$0")/../.."

export REC_USE_EXISTING=0 REC_PG_DURABLE=1   # a crash must not lose committed work
source scripts/pg-cluster
pg_cluster_start >/dev/null
db=rec_crash_safety
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION rec' -1 -f data/sample.sql

n=0 failed=0
crashes() { grep -c 'terminated by signal' "$PG_CLUSTER_DIR/server.log" || true; }
# server_back: wait up to 60 s for the server to accept connections again
server_back() {
    local i
    for i in $(seq 300); do
        psql -X -q -At -d $db -c 'SELECT 1' >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}
# case DESCRIPTION EXPECTED SETUP-SQL STATEMENT: bind, run SETUP (the type
# change; it must succeed, else the case tested nothing and fails), then
# STATEMENT must give the EXPECTED outcome, "works" or "error: PATTERN" (a
# glob the first ERROR line must match), and the server must survive
case_() {
    local desc=$1 expected=$2 setup=$3 stmt=$4 before out rc=0 got
    n=$((n + 1))
    before=$(crashes)
    if ! out=$(psql -X -q -v ON_ERROR_STOP=1 -d $db -c "SET client_min_messages = warning" -c "$setup" 2>&1 >/dev/null); then
        echo "not ok $n - $desc: its setup failed, so it tested nothing: $(grep -m 1 ERROR <<<"$out")"
        failed=$((failed + 1))
        return
    fi
    out=$(psql -X -q -At -d $db -c "$stmt" 2>&1) || rc=$?
    if [[ $(crashes) -ne $before ]] || ! psql -X -q -At -d $db -c 'SELECT 1' >/dev/null 2>&1; then
        echo "not ok $n - $desc: the server crashed ($(grep 'terminated by signal' "$PG_CLUSTER_DIR/server.log" | tail -n 1 | sed 's/.*LOG: *//'))"
        failed=$((failed + 1))
        server_back || { echo "Bail out! the server did not come back within 60 s"; exit 1; }
        return
    fi
    if [[ $rc -eq 0 ]]; then
        got=works
    elif [[ $rc -eq 1 && $out == *ERROR:* ]]; then
        got="error: $(sed -n 's/^ERROR: *//p' <<<"$out" | head -n 1)"
    else
        got="no clear error (psql exit $rc): $(head -n 1 <<<"$out")"
    fi
    # shellcheck disable=SC2053   # EXPECTED is a glob on purpose
    if [[ $got == $expected ]]; then
        echo "ok $n - $desc: $got"
    else
        echo "not ok $n - $desc: expected $expected, got $got"
        failed=$((failed + 1))
    fi
}

# a group bound to copies of the sample tables; each case rebinds it fresh
# (the group is dropped first: rec refuses to drop a table a group is bound to)
bind="DELETE FROM rec.dataset_group WHERE name = 'g';
DROP TABLE IF EXISTS ev, it CASCADE;
CREATE TABLE ev AS SELECT user_id, item_id, ts, event_type FROM rec.interactions;
CREATE TABLE it AS SELECT item_id, categories FROM rec.items;
SELECT rec.create_dataset_group('g', 'ev', 'it', replace => true);
SELECT rec.deploy('g', version => rec.train('g-up', 'user-personalization', 'g'));"
psql -X -q -v ON_ERROR_STOP=1 -d $db -c "SET client_min_messages = warning" -c "DELETE FROM rec.solution" -c "$bind" >/dev/null

case_ "train after the items' categories became integer[]" \
    "works" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE int[] USING '{1,2,3,4,5,6,7,8,9,10}';" \
    "SELECT rec.train('g-up')"
case_ "train after the items' categories became bigint[]" \
    "works" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE bigint[] USING ARRAY[100000000000, 2, 3];" \
    "SELECT rec.train('g-up')"
case_ "train after the items' categories became text" \
    "error: malformed array literal: *" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE text USING repeat('x', 200);" \
    "SELECT rec.train('g-up')"
case_ "train after the items' categories became jsonb" \
    "error: cannot cast type jsonb to text\[\]" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE jsonb USING to_jsonb(categories);" \
    "SELECT rec.train('g-up')"
# bytes chosen by the table's owner, read as an array header: 1 dimension of
# 100000 text elements, but no element data
case_ "train after the items' categories became bytea holding an array header" \
    "error: cannot cast type bytea to text\[\]" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE bytea USING '\\x010000000000000019000000a086010001000000';" \
    "SELECT rec.train('g-up')"
case_ "train after the items' id became text" \
    "works" \
    "$bind ALTER TABLE it ALTER COLUMN item_id TYPE text;" \
    "SELECT rec.train('g-up')"
case_ "train after the interactions' user id became numeric" \
    "works" \
    "$bind ALTER TABLE ev ALTER COLUMN user_id TYPE numeric;" \
    "SELECT rec.train('g-up')"
case_ "train after the interactions' time became text" \
    "error: function pg_catalog.date_part(unknown, text) does not exist" \
    "$bind ALTER TABLE ev ALTER COLUMN ts TYPE text;" \
    "SELECT rec.train('g-up')"
case_ "recommend after the interactions' item id became text" \
    "works" \
    "$bind ALTER TABLE ev ALTER COLUMN item_id TYPE text;" \
    "SELECT count(*) FROM rec.recommend(1, 5, campaign => 'g')"
case_ "recommend after the interactions' time became timestamp" \
    "works" \
    "$bind ALTER TABLE ev ALTER COLUMN ts TYPE timestamp;" \
    "SELECT count(*) FROM rec.recommend(1, 5, campaign => 'g')"
case_ "log_event after the interactions' event type became integer" \
    "works" \
    "$bind ALTER TABLE ev ALTER COLUMN event_type TYPE int USING length(event_type);" \
    "SELECT rec.log_event(1, 2, dataset_group => 'g')"
case_ "batch_recommend after the interactions' user id became text" \
    "works" \
    "$bind ALTER TABLE ev ALTER COLUMN user_id TYPE text;" \
    "SELECT count(*) FROM rec.batch_recommend('g', 5)"

# A format-1 model header whose section sizes add up, modulo 2^64, to its
# empty payload: dense kind with a transition matrix, n_items 1985556250,
# n_warm = n_trans 1518500248, nnz_categories 2147483644, payload_size 0 and
# the CRC-32C of nothing.  The decoder must call it damaged; it must not
# point the sections past the end of the buffer and read there.
wrapped=5245434d0100000000000000030000001a2f59769879825a01000000fcffff7f00000000000000009879825a00000000
wrapped+=$(printf '0%.0s' {1..144})
case_ "serving a crafted model whose section sizes wrap around" \
    "error: model of solution version * is damaged" \
    "$bind UPDATE rec.solution_version SET model = decode('$wrapped', 'hex')
            WHERE id = (SELECT max(id) FROM rec.solution_version WHERE solution = 'g-up');" \
    "SELECT count(*) FROM rec.recommend(1, 5, campaign => 'g')"

echo "1..$n"
[[ $failed -eq 0 ]]
