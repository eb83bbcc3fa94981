#!/usr/bin/env bash
# test/shell/sharding.sh — TAP: rec sharded by user with PL/Proxy.
#
# Starts a router and two shard servers (scripts/pg-cluster), loads the
# sample data split by PL/Proxy's rule (hashint8(user_id) & 1) and, for
# comparison, whole into a single server's database.  Trains through the
# router (each shard's events gathered as one rec.collect_events collection,
# one training, the version installed with the same id and bytes on both
# shards) and checks that every user's list through the router equals the
# single server's, that rec_shard.log_event lands on the owning shard only,
# changes that user's list as on the single server, and commits there even
# when the router's transaction rolls back.  Also checks, with auto_explain,
# that the query rec.train runs with rec.parallel_read is a parallel plan.
# About 20 s.  Skips when the
# PL/Proxy package (postgresql-15-plproxy) is not installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ ! -f $(pg_config --sharedir)/extension/plproxy.control ]]; then
    echo "1..0 # SKIP PL/Proxy is not installed (Debian postgresql-$(pg_config --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')-plproxy; scripts/bootstrap installs it)"
    exit 0
fi

export REC_USE_EXISTING=0
source scripts/pg-cluster
pg_cluster_start >/dev/null
pg_cluster_start_server shard0 && port0=$PG_SERVER_PORT
pg_cluster_start_server shard1 && port1=$PG_SERVER_PORT

load() {   # load PORT DB: a database with rec and the sample data
    psql -X -q -v ON_ERROR_STOP=1 -p "$1" -d postgres -c "CREATE DATABASE $2"
    psql -X -q -v ON_ERROR_STOP=1 -p "$1" -d "$2" -c 'SET client_min_messages = warning' \
        -c 'CREATE EXTENSION rec' -1 -f data/sample.sql >/dev/null
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -p "$1" -d "$2" -c "$3"; }
r() { q "$PGPORT" rec_router "$1"; }
s() { q "$PGPORT" rec_single "$1"; }
s0() { q "$port0" rec_shard "$1"; }
s1() { q "$port1" rec_shard "$1"; }

load "$PGPORT" rec_single
load "$port0" rec_shard
load "$port1" rec_shard
load "$PGPORT" rec_router
s0 "DELETE FROM rec.interactions WHERE hashint8(user_id) & 1 <> 0"
s1 "DELETE FROM rec.interactions WHERE hashint8(user_id) & 1 <> 1"
r "TRUNCATE rec.interactions"   # the router keeps the item catalogue only
psql -X -q -v ON_ERROR_STOP=1 -d rec_router -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION plproxy' \
    -c "CREATE SERVER rec FOREIGN DATA WRAPPER plproxy OPTIONS (
            p0 'host=$PGHOST port=$port0 dbname=rec_shard user=postgres',
            p1 'host=$PGHOST port=$port1 dbname=rec_shard user=postgres')" \
    -c 'CREATE USER MAPPING FOR PUBLIC SERVER rec' -f scripts/shard-router.sql >/dev/null

n=0 failed=0
check() {   # check DESCRIPTION GOT WANT
    n=$((n + 1))
    if [[ $2 == "$3" ]]; then echo "ok $n - $1"; else
        echo "not ok $n - $1"; echo "#   got:  $(head -c 400 <<<"$2" | tr '\n' '|')"; echo "#   want: $(head -c 400 <<<"$3" | tr '\n' '|')"; failed=$((failed + 1))
    fi
}

total=$(s "SELECT count(*) FROM rec.interactions")
check "the shards split the events by PL/Proxy's hash" \
    "$(( $(s0 "SELECT count(*) FROM rec.interactions") + $(s1 "SELECT count(*) FROM rec.interactions") ))" "$total"
check "each shard holds some users" \
    "$(s0 "SELECT count(DISTINCT user_id) > 200 FROM rec.interactions")$(s1 "SELECT count(DISTINCT user_id) > 200 FROM rec.interactions")" tt

# lists of users 1..610 (601..610 have no events: the popularity fallback)
lists() {   # lists FUNCTION-PREFIX
    echo "SELECT string_agg(format('%s:%s', u, (SELECT string_agg(format('%s/%s/%s', item_id, round(score::numeric, 6), reason), ' ')
                                                FROM $1recommend(u, 10, campaign => 'c'))), E'\n' ORDER BY u)
          FROM generate_series(1, 610) u"
}

for recipe in sims user-personalization popularity-count; do
    v=$(r "SELECT rec_shard.train('$recipe', '$recipe')")
    r "SELECT rec_shard.deploy('c', '$recipe')" >/dev/null
    sv=$(s "SET rec.parallel_read = on; SELECT rec.train('$recipe', '$recipe')")
    s "SELECT rec.deploy('c', '$recipe')" >/dev/null
    want=$(s "SELECT rec.version_checksum($sv)")
    check "$recipe: the router's version equals the single server's byte for byte" "$(r "SELECT rec.version_checksum($v)")" "$want"
    check "$recipe: both shards hold it under the same id with the same bytes" \
        "$(s0 "SELECT rec.version_checksum($v)") $(s1 "SELECT rec.version_checksum($v)")" "$want $want"
    check "$recipe: every user's list through the router equals the single server's" \
        "$(r "$(lists rec_shard.)")" "$(s "$(lists rec.)")"
done

# inside rec.train the collecting query runs as a parallel plan (auto_explain of nested statements)
plan=$(psql -X -q -At -d rec_single 2>&1 >/dev/null <<'SQL'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET rec.parallel_read = on;
SELECT rec.train('planned', 'popularity-count');
SQL
)
check "rec.train with rec.parallel_read plans Partial Aggregate under Gather with 2 workers" \
    "$(grep -A5 'Query Text: SELECT rec.collect_events' <<<"$plan" | sed -E 's/ +\(cost=.*//; s/^ +//' | grep -E '^(Finalize Aggregate|->  Gather|Workers Planned|->  Partial Aggregate|->  Parallel Seq Scan)' | tr '\n' '|')" \
    "Finalize Aggregate|->  Gather|Workers Planned: 2|->  Partial Aggregate|->  Parallel Seq Scan on interactions|"

# log_event through the router: lands on the owning shard, and moves the list as on one server
r "SELECT rec_shard.deploy('c', 'sims')" >/dev/null
s "SELECT rec.deploy('c', 'sims')" >/dev/null
user=7
owner=$(r "SELECT hashint8($user) & 1")
before=$(r "SELECT string_agg(item_id::text, ',' ORDER BY score DESC, item_id) FROM rec_shard.recommend($user, 10, campaign => 'c')")
n0=$(s0 "SELECT count(*) FROM rec.interactions") n1=$(s1 "SELECT count(*) FROM rec.interactions")
for item in 301 302 303; do
    r "SELECT rec_shard.log_event($user, $item, 'click', ts => '2026-01-01 00:00:0${item: -1}+00')" >/dev/null
    s "SELECT rec.log_event($user, $item, 'click', ts => '2026-01-01 00:00:0${item: -1}+00')" >/dev/null
done
after=$(r "SELECT string_agg(item_id::text, ',' ORDER BY score DESC, item_id) FROM rec_shard.recommend($user, 10, campaign => 'c')")
if [[ $owner == 0 ]]; then got="$(( $(s0 "SELECT count(*) FROM rec.interactions") - n0 )) $(( $(s1 "SELECT count(*) FROM rec.interactions") - n1 ))"; want="3 0"
else got="$(( $(s0 "SELECT count(*) FROM rec.interactions") - n0 )) $(( $(s1 "SELECT count(*) FROM rec.interactions") - n1 ))"; want="0 3"; fi
check "log_event through the router lands on the owning shard only" "$got" "$want"
check "and changes the user's list at once" "$([[ $before != "$after" ]] && echo changed)" changed
check "to the single server's list after the same events" "$after" \
    "$(s "SELECT string_agg(item_id::text, ',' ORDER BY score DESC, item_id) FROM rec.recommend($user, 10, campaign => 'c')")"
r "BEGIN; SELECT rec_shard.log_event($user, 304); ROLLBACK;" >/dev/null
check "a routed log_event commits on its shard even when the router's transaction rolls back" \
    "$(q "$([[ $owner == 0 ]] && echo "$port0" || echo "$port1")" rec_shard "SELECT count(*) FROM rec.interactions WHERE user_id = $user AND item_id = 304")" 1

# retraining through the router sees the routed events, and installing again is a no-op
v=$(r "SELECT rec_shard.train('sims')")
check "a new version through the router counts the routed events" \
    "$(s0 "SELECT n_interactions FROM rec.solution_version WHERE id = $v")" "$((total + 4))"
check "installing a version again changes nothing" "$(r "SELECT rec_shard.install($v)")" "$v"
check "installing a version that does not exist is an error" \
    "$(r "SELECT rec_shard.install(999)" 2>&1 | head -n 1)" 'ERROR:  solution version 999 does not exist'

echo "1..$n"
[[ $failed -eq 0 ]]
