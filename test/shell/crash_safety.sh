#!/usr/bin/env bash
# test/shell/crash_safety.sh — TAP: bound relations whose columns change type
# after rec.create_dataset_group() (PostgreSQL allows it; rec checks types
# only when binding) must give clear errors or work, never crash the server;
# so must a crafted model stored in rec.solution_version (any role that may
# train may write that table).
# Each case trains and serves once, then checks the server is still up and
# its log shows no crashed backend.  Runs on its own throwaway server, since
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
# case DESCRIPTION SETUP-SQL STATEMENT: bind, run SETUP (the type change), then
# STATEMENT must end in a clear ERROR or succeed, and the server must survive
case_() {
    local desc=$1 setup=$2 stmt=$3 before out rc=0
    n=$((n + 1))
    before=$(crashes)
    psql -X -q -d $db -c "SET client_min_messages = warning" -c "$setup" >/dev/null 2>&1 || true
    out=$(psql -X -q -At -d $db -c "$stmt" 2>&1) || rc=$?
    if [[ $(crashes) -ne $before ]] || ! psql -X -q -At -d $db -c 'SELECT 1' >/dev/null 2>&1; then
        echo "not ok $n - $desc: the server crashed ($(grep 'terminated by signal' "$PG_CLUSTER_DIR/server.log" | tail -n 1 | sed 's/.*LOG: *//'))"
        failed=$((failed + 1))
        until psql -X -q -At -d $db -c 'SELECT 1' >/dev/null 2>&1; do sleep 0.2; done
    elif [[ $rc -ne 0 && $out != *ERROR:* ]]; then
        echo "not ok $n - $desc: no clear error: $(head -n 1 <<<"$out")"
        failed=$((failed + 1))
    else
        echo "ok $n - $desc: $( [[ $rc -eq 0 ]] && echo works || sed -n 's/^ERROR: *//p' <<<"$out" | head -n 1)"
    fi
}

# a group bound to copies of the sample tables; each case rebinds it fresh
bind="DROP TABLE IF EXISTS ev, it CASCADE;
CREATE TABLE ev AS SELECT user_id, item_id, ts, event_type FROM rec.interactions;
CREATE TABLE it AS SELECT item_id, categories FROM rec.items;
SELECT rec.create_dataset_group('g', 'ev', 'it', replace => true);
SELECT rec.deploy('g', version => rec.train('g-up', 'user-personalization', 'g'));"
psql -X -q -d $db -c "SET client_min_messages = warning" -c "DELETE FROM rec.solution" -c "$bind" >/dev/null

case_ "train after the items' categories became integer[]" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE int[] USING '{1,2,3,4,5,6,7,8,9,10}';" \
    "SELECT rec.train('g-up')"
case_ "train after the items' categories became bigint[]" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE bigint[] USING ARRAY[100000000000, 2, 3];" \
    "SELECT rec.train('g-up')"
case_ "train after the items' categories became text" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE text USING repeat('x', 200);" \
    "SELECT rec.train('g-up')"
case_ "train after the items' categories became jsonb" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE jsonb USING to_jsonb(categories);" \
    "SELECT rec.train('g-up')"
# bytes chosen by the table's owner, read as an array header: 1 dimension of
# 100000 text elements, but no element data
case_ "train after the items' categories became bytea holding an array header" \
    "$bind ALTER TABLE it ALTER COLUMN categories TYPE bytea USING '\\x010000000000000019000000a086010001000000';" \
    "SELECT rec.train('g-up')"
case_ "train after the items' id became text" \
    "$bind ALTER TABLE it ALTER COLUMN item_id TYPE text;" \
    "SELECT rec.train('g-up')"
case_ "train after the interactions' user id became numeric" \
    "$bind ALTER TABLE ev ALTER COLUMN user_id TYPE numeric;" \
    "SELECT rec.train('g-up')"
case_ "train after the interactions' time became text" \
    "$bind ALTER TABLE ev ALTER COLUMN ts TYPE text;" \
    "SELECT rec.train('g-up')"
case_ "recommend after the interactions' item id became text" \
    "$bind ALTER TABLE ev ALTER COLUMN item_id TYPE text;" \
    "SELECT count(*) FROM rec.recommend(1, 5, campaign => 'g')"
case_ "recommend after the interactions' time became timestamp" \
    "$bind ALTER TABLE ev ALTER COLUMN ts TYPE timestamp;" \
    "SELECT count(*) FROM rec.recommend(1, 5, campaign => 'g')"
case_ "log_event after the interactions' event type became integer" \
    "$bind ALTER TABLE ev ALTER COLUMN event_type TYPE int USING length(event_type);" \
    "SELECT rec.log_event(1, 2, dataset_group => 'g')"
case_ "batch_recommend after the interactions' user id became text" \
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
    "$bind UPDATE rec.solution_version SET model = decode('$wrapped', 'hex')
            WHERE id = (SELECT max(id) FROM rec.solution_version WHERE solution = 'g-up');" \
    "SELECT count(*) FROM rec.recommend(1, 5, campaign => 'g')"

echo "1..$n"
[[ $failed -eq 0 ]]
