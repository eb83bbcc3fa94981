#!/usr/bin/env bash
# test/shell/standby.sh — TAP: a hot standby serves rec read-only.
#
# Starts a primary (scripts/pg-cluster) and a streaming standby made with
# pg_basebackup -R, then checks that campaigns deployed on the primary are
# served on the standby once replayed (also by a standby backend that had
# cached the old version: rec relies on the relcache invalidations that
# replay, not on triggers, which do not fire there), that every read
# function works there (any of them writing, taking a transaction id or
# using a sequence would fail on a standby), that only invalidations of
# rec's own tables clear the campaign cache, that log_event and train fail
# with SQLSTATE 25006 and a hint, and that both work after pg_promote().
# About 20 s.
set -euo pipefail
cd "$(dirname "$0")/../.."

export REC_USE_EXISTING=0
export REC_PG_SETTINGS="shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all"
source scripts/pg-cluster
pg_cluster_start >/dev/null
db=rec_standby

pq() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db -c "$1"; }
sq() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 -p "$standby_port" -d $db -c "$1"; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'SET client_min_messages = warning' \
    -c 'CREATE EXTENSION rec' -c 'CREATE EXTENSION pg_stat_statements' -1 -f data/sample.sql >/dev/null
pq "SELECT rec.train('pop', 'popularity-count'), rec.train('sims', 'sims'),
           rec.deploy('c', 'pop'), rec.deploy('by_sims', 'sims');
    CREATE TABLE holdout AS SELECT user_id, item_id FROM rec.interactions WHERE user_id <= 50 AND item_id % 7 = 0;" >/dev/null

# the standby: a base backup of the primary that streams from it
pg_cluster_start_standby
standby_port=$PG_STANDBY_PORT

# wait until the standby has replayed everything the primary wrote so far (the
# insert position: with synchronous_commit off a commit may not be written yet)
wait_replay() {
    local lsn i
    lsn=$(pq "SELECT pg_current_wal_insert_lsn()")
    for i in $(seq 1 300); do
        [[ $(sq "SELECT pg_last_wal_replay_lsn() >= '$lsn'") == t ]] && return 0
        sleep 0.1
    done
    echo "# the standby did not replay $lsn in 30 s" >&2
    return 1
}

n=0 failed=0
check() {   # check DESCRIPTION GOT WANT
    n=$((n + 1))
    if [[ $2 == "$3" ]]; then echo "ok $n - $1"; else
        echo "not ok $n - $1"; echo "#   got:  $(head -c 400 <<<"$2" | tr '\n' '|')"; echo "#   want: $3"; failed=$((failed + 1))
    fi
}

wait_replay
check "the standby is in recovery" "$(sq 'SELECT pg_is_in_recovery()')" t
check "a campaign deployed on the primary is served on the standby" \
    "$(sq "SELECT count(*) || ' ' || min(reason) FROM rec.recommend(1, 5, campaign => 'c')")" "5 popular"

# one standby backend across a redeploy on the primary: \! runs it from inside the session
primary_psql="psql -X -q -At -h $PGHOST -p $PGPORT -d $db"
out=$(psql -X -q -At -v ON_ERROR_STOP=1 -p "$standby_port" -d $db 2>&1 <<SQL
SELECT pg_stat_statements_reset() IS NULL;
SELECT 'before:' || reason FROM rec.recommend(1, 1, campaign => 'c');
\! $primary_psql -c 'CREATE TABLE unrelated (a int); ALTER TABLE unrelated ADD COLUMN b int; ANALYZE unrelated'
DO \$\$ BEGIN
	FOR i IN 1..300 LOOP
		EXIT WHEN EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('unrelated') AND attname = 'b');
		PERFORM pg_sleep(0.1);
	END LOOP;
END \$\$;
SELECT 'unrelated:' || reason FROM rec.recommend(1, 1, campaign => 'c');
SELECT 'lookups after unrelated changes:' || sum(calls) FROM pg_stat_statements WHERE query LIKE '%FROM rec.campaign c%JOIN rec.solution s%';
\! $primary_psql -c "SELECT rec.deploy('c', 'sims')" >/dev/null
DO \$\$ BEGIN
	FOR i IN 1..300 LOOP
		EXIT WHEN (SELECT solution FROM rec.campaign WHERE name = 'c') = 'sims';
		PERFORM pg_sleep(0.1);
	END LOOP;
END \$\$;
SELECT 'after:' || reason FROM rec.recommend(1, 1, campaign => 'c');
SELECT 'lookups after the redeploy:' || sum(calls) FROM pg_stat_statements WHERE query LIKE '%FROM rec.campaign c%JOIN rec.solution s%';
SQL
)
check "a standby backend serves its cached campaign" "$(grep '^before:' <<<"$out")" "before:popular"
check "and keeps it cached across other relations' replayed invalidations" \
    "$(grep '^unrelated:\|^lookups after unrelated' <<<"$out" | tr '\n' ' ')" "unrelated:popular lookups after unrelated changes:1 "
check "and serves the new version at its next call once the redeploy replays" \
    "$(grep '^after:\|^lookups after the redeploy' <<<"$out" | tr '\n' ' ')" "after:personalized lookups after the redeploy:2 "

# every read function, on the standby
check "recommend" "$(sq "SELECT count(*) FROM rec.recommend(1, 10, campaign => 'by_sims')")" 10
check "similar_items" "$(sq "SELECT count(*) FROM rec.similar_items(1, 10, campaign => 'by_sims')")" 10
check "rank" "$(sq "SELECT count(*) FROM rec.rank(1, '{1,2,3,99999}', campaign => 'by_sims')")" 4
check "explain" "$(sq "SELECT count(*) > 0 FROM rec.explain(1, (SELECT item_id FROM rec.recommend(1, 1, campaign => 'by_sims')), campaign => 'by_sims')")" t
check "batch_recommend" "$(sq "SELECT count(DISTINCT user_id) FROM rec.batch_recommend('by_sims', 5)")" 600
check "batch_recommend_jsonl" "$(sq "SELECT count(*) FROM rec.batch_recommend_jsonl('by_sims', 5, '{1,2,3}')")" 3
check "evaluate" "$(sq "SELECT users FROM rec.evaluate('by_sims', 'holdout')")" "$(pq "SELECT count(DISTINCT user_id) FROM holdout")"
check "campaign_status" "$(sq "SELECT string_agg(campaign, ',' ORDER BY campaign) FROM rec.campaign_status")" "by_sims,c"

# an A/B test set up and logged on the primary: the standby serves each user's
# variant and reports the test (plain SQL over the replayed rows)
pq "SELECT rec.deploy('ab', variants => '{\"by_sims\": 0.5, \"c\": 0.5}')" >/dev/null
pq "SELECT count(rec.log_impression(u, '{1,2,3}', 'ab')) FROM generate_series(1, 100) u" >/dev/null
pq "SELECT count(rec.log_event(u, 2, campaign => 'ab', rank => 2)) FROM generate_series(1, 100, 3) u" >/dev/null
wait_replay
check "A/B: the standby serves each user's variant" \
    "$(sq "SELECT string_agg(u || ':' || (SELECT DISTINCT variant FROM rec.recommend(u, 3, campaign => 'ab')), ',' ORDER BY u) FROM generate_series(1, 20) u")" \
    "$(pq "SELECT string_agg(u || ':' || rec.variant('ab', u), ',' ORDER BY u) FROM generate_series(1, 20) u")"
check "A/B: campaign_report on the standby" \
    "$(sq "SELECT string_agg(concat_ws(' ', variant, impressions, clicks, ctr, ctr_p_value), ',') FROM rec.campaign_report('ab')")" \
    "$(pq "SELECT string_agg(concat_ws(' ', variant, impressions, clicks, ctr, ctr_p_value), ',') FROM rec.campaign_report('ab')")"
check "A/B: and it counts every replayed impression and click" \
    "$(sq "SELECT sum(impressions) || ' ' || sum(clicks) FROM rec.campaign_report('ab')")" "300 34"

# writes are refused with a hint to use the primary
err=$(psql -X -q -At -p "$standby_port" -d $db -c "\\set VERBOSITY verbose" \
      -c "SELECT rec.log_event(1, 2)" 2>&1 || true)
check "log_event on the standby: SQLSTATE 25006" "$(grep -o 'ERROR:  25006: cannot log events on a hot standby' <<<"$err")" \
    "ERROR:  25006: cannot log events on a hot standby"
check "log_event on the standby: a hint to send it to the primary" "$(grep -c '^HINT:  Log events on the primary server' <<<"$err")" 1
err=$(psql -X -q -At -p "$standby_port" -d $db -c "\\set VERBOSITY verbose" -c "SELECT rec.train('sims')" 2>&1 || true)
check "train on the standby: SQLSTATE 25006" "$(grep -o 'ERROR:  25006: cannot train on a hot standby' <<<"$err")" \
    "ERROR:  25006: cannot train on a hot standby"

# promoted, it takes events and trains
sq "SELECT pg_promote(true, 60)" >/dev/null
sq "SELECT rec.log_event(1, 2, ts => '2026-10-01')" >/dev/null
check "after pg_promote() log_event works" "$(sq "SELECT count(*) FROM rec.interactions WHERE user_id = 1 AND ts = '2026-10-01'")" 1
check "and train" "$(sq "SELECT rec.train('sims') > 0")" t
check "and the promoted server serves the new version" \
    "$(sq "SELECT count(*) FROM rec.recommend(1, 5, campaign => 'by_sims')")" 5

echo "1..$n"
[[ $failed -eq 0 ]]
