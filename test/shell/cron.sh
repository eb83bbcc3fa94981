#!/usr/bin/env bash
# test/shell/cron.sh — TAP: scheduled retraining with pg_cron.
#
# The README's job trains a new version and moves a pinned campaign to it in
# one statement.  On a server with pg_cron preloaded this checks that the job
# is registered, that its command (run as pg_cron runs it) deploys a new
# version, and that pg_cron itself runs it on schedule: the job is scheduled
# every minute, so this waits up to 70 s for one run.
set -euo pipefail
cd "$(dirname "$0")/../.."

db=rec_cron
export REC_USE_EXISTING=0
export REC_PG_SETTINGS="shared_preload_libraries = 'pg_cron'
cron.database_name = '$db'
cron.use_background_workers = on
max_worker_processes = 16"
source scripts/pg-cluster
pg_cluster_start >/dev/null
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db -c "$1"; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'SET client_min_messages = warning' \
    -c 'CREATE EXTENSION rec' -c 'CREATE EXTENSION pg_cron' -1 -f data/sample.sql >/dev/null
q "SELECT rec.deploy('home', version => rec.train('nightly', 'sims'))" >/dev/null

n=0 failed=0
check() {   # check DESCRIPTION GOT WANT
    n=$((n + 1))
    if [[ $2 == "$3" ]]; then echo "ok $n - $1"; else
        echo "not ok $n - $1"; echo "#   got:  $2"; echo "#   want: $3"; failed=$((failed + 1))
    fi
}

# the job as the README gives it
q "SELECT cron.schedule('rec-nightly', '0 3 * * *',
       \$\$SELECT rec.deploy('home', version => rec.train('nightly'))\$\$)" >/dev/null
check "the job is registered" "$(q "SELECT schedule || ' ' || command FROM cron.job WHERE jobname = 'rec-nightly'")" \
    "0 3 * * * SELECT rec.deploy('home', version => rec.train('nightly'))"
before=$(q "SELECT serving_version FROM rec.campaign_status WHERE campaign = 'home'")
q "DO \$\$ BEGIN EXECUTE (SELECT command FROM cron.job WHERE jobname = 'rec-nightly'); END \$\$" >/dev/null
check "its command trains a new version and moves the campaign to it" \
    "$(q "SELECT serving_version > $before AND NOT follows_newest FROM rec.campaign_status WHERE campaign = 'home'")" t

# pg_cron runs it: every minute, until one run has succeeded
q "SELECT cron.alter_job((SELECT jobid FROM cron.job WHERE jobname = 'rec-nightly'), schedule => '* * * * *')" >/dev/null
before=$(q "SELECT serving_version FROM rec.campaign_status WHERE campaign = 'home'")
status=
for i in $(seq 1 140); do
    status=$(q "SELECT status FROM cron.job_run_details ORDER BY runid DESC LIMIT 1")
    [[ $status == succeeded || $status == failed ]] && break
    sleep 0.5
done
check "pg_cron runs the job on schedule" "$status" succeeded
check "and the campaign serves the version it trained" \
    "$(q "SELECT serving_version > $before FROM rec.campaign_status WHERE campaign = 'home'")" t

echo "1..$n"
[[ $failed -eq 0 ]]
