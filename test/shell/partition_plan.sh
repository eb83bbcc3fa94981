#!/usr/bin/env bash
# test/shell/partition_plan.sh — TAP: the history read of a dataset group
# bound to interactions partitioned by hash of the user prunes to the user's
# partition and reads it through its (user, time) index, both as a custom
# plan and as the generic plan a kept plan becomes; on interactions
# partitioned by time it reads each partition through its index newest first
# and merges them without a sort, so the limit of rec.max_history rows stops
# it early;
# on rec.interactions itself no query is planned at all: recommend() reads
# the history through the (user_id, ts) INCLUDE (item_id) index directly
# (src/serve/history.c), so auto_explain logs no history query (the same
# log shows checks 1-3's).  The plans are those of the query recommend()
# itself runs, logged by auto_explain (log_nested_statements), which is why
# this is a shell test: the log lines carry durations.  About 5 s.
set -euo pipefail
cd "$(dirname "$0")/../.."

export REC_USE_EXISTING=0
source scripts/pg-cluster
pg_cluster_start >/dev/null
db=rec_partition_plan
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION rec' \
    -1 -f data/sample.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db -f test/partitioned_events.psql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
SELECT rec.deploy('by_user', version => rec.train('by_user', 'popularity-count', 'by_user'));
SELECT rec.deploy('by_month', version => rec.train('by_month', 'popularity-count', 'by_month'));
SELECT rec.deploy('default-up', version => rec.train('default-up', 'popularity-count'));
SQL

# history_plan CAMPAIGN PLAN_CACHE_MODE: the plan of recommend()'s history read
history_plan() {
    psql -X -q -d $db 2>&1 >/dev/null <<SQL | awk '/^Query Text: SELECT item_id::int8/ {on = 1; next} /^NOTICE:/ {on = 0} on'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET plan_cache_mode = $2;
SELECT count(*) FROM rec.recommend(42, 5, campaign => '$1');
SQL
}

n=0 failed=0
check() {   # check DESCRIPTION STATUS(0 = ok) PLAN
    n=$((n + 1))
    if [[ $2 -eq 0 ]]; then echo "ok $n - $1"; else
        echo "not ok $n - $1"; sed 's/^/#   /' <<<"$3"; failed=$((failed + 1))
    fi
}
partitions() { grep -oE ' on events_by_user_[0-9]+' <<<"$1" | sort -u | wc -l; }
own=$(psql -X -At -d $db -c "SELECT tableoid::regclass FROM events_by_user WHERE user_id = 42 LIMIT 1")

plan=$(history_plan by_user force_custom_plan)
ok=0; [[ $(partitions "$plan") -eq 1 && $plan == *" on $own "* && $plan == *"${own}_user_id_ts_idx"* ]] || ok=1
check "hash by user, custom plan: the user's partition only, through its index" $ok "$plan"

plan=$(history_plan by_user force_generic_plan)
ok=0; [[ $(partitions "$plan") -eq 1 && $plan == *"Subplans Removed: 3"* && $plan == *"Index Scan Backward using ${own}_user_id_ts_idx on $own "* ]] || ok=1
check "hash by user, generic (kept) plan: pruned at run time to the user's partition, read newest first" $ok "$plan"

plan=$(history_plan by_month force_generic_plan)
scans=$(grep -c 'Index Scan Backward using events_20[0-9_]*_user_id_ts_idx' <<<"$plan" || true)
ok=0; [[ $plan == *"Append"* && $scans -ge 12 && $plan != *"Seq Scan"* ]] || ok=1
grep -qE '(^|->  )Sort  \(' <<<"$plan" && ok=1
check "range by month: each month through its index, newest first, merged without a sort ($scans index scans)" $ok "$plan"

psql -X -q -d $db -c "VACUUM rec.interactions"
plan=$(history_plan default-up force_generic_plan)
ok=0; [[ -z $plan ]] || ok=1
check "rec.interactions (not partitioned): no history query planned, the index is read directly" $ok "$plan"

echo "1..$n"
[[ $failed -eq 0 ]]
