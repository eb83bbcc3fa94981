#!/usr/bin/env bash
# test/shell/model_files.sh — TAP: the server's shared model files
# (rec_models/ in the data directory) from outside the server: 20 backends
# needing the same file at once build it once; a removed file, a file damaged
# in place (dd), a truncated one and one whose item index was zeroed are
# rebuilt from the table by the next backend; a backend keeps serving the
# model it mapped when the file goes;
# leftovers of a backend that died while building, and files of a dropped
# database, are swept.  Runs on its own throwaway server.  About 10 s.
set -euo pipefail
cd "$(dirname "$0")/../.."

export REC_USE_EXISTING=0
source scripts/pg-cluster
pg_cluster_start >/dev/null
data=$PG_CLUSTER_DIR/data
dir=$data/rec_models
n=0 failed=0
ok() { n=$((n + 1)); if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
check() { local desc=$1; shift; if "$@"; then ok 0 "$desc"; else ok 1 "$desc"; fi; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d rec_files -c "$1"; }
list() { q "SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(${1:-1}, 10, campaign => 'main')"; }
files() { find "$dir" -maxdepth 1 -name "$db_oid-*" -printf '%f\n' 2>/dev/null | sort; }
as_server() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE rec_files'
psql -X -q -v ON_ERROR_STOP=1 -d rec_files -c 'CREATE EXTENSION rec' -f data/sample.sql
q "SELECT rec.deploy('main', version => rec.train('up', 'user-personalization', params => '{\"tune\": false}'))" >/dev/null
db_oid=$(q "SELECT oid FROM pg_database WHERE datname = 'rec_files'")
expected=$(q "SET rec.model_sharing = off; SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'main')")

# 20 backends need the file at the same moment
out=$(mktemp -d)
for i in $(seq 1 20); do list >"$out/$i" 2>&1 & done
wait
check "20 backends at once: every one serves the list of a private copy" \
    test "$(cat "$out"/* | sort -u)" == "$expected"
check "20 backends at once: one file built, no temporary file left ($(files | tr '\n' ' '))" \
    test "$(files | wc -l)" -eq 1
file=$dir/$(files | head -n 1)
check "the file belongs to the server's user, mode 600" \
    test "$(stat -c '%U %a' "$file")" == "$(stat -c %U "$data") 600"

# removed, damaged in place, truncated: the next backend rebuilds it
good=$(md5sum <"$file")
rm "$file"
check "a removed file: the next backend serves the same list" test "$(list)" == "$expected"
check "a removed file: rebuilt, byte for byte" test "$(md5sum <"$file")" == "$good"
printf '\xff\xff\xff\xff' | as_server dd of="$file" bs=1 seek=6000 conv=notrunc status=none
check "a damaged file: the next backend serves the same list" test "$(list)" == "$expected"
check "a damaged file: rebuilt, byte for byte" test "$(md5sum <"$file")" == "$good"
check "a damaged file: the server log says so" grep -q "model file \"rec_models/.*\" is damaged, rebuilding it" "$PG_CLUSTER_DIR/server.log"
as_server truncate -s 4096 "$file"
check "a truncated file: the next backend serves the same list" test "$(list)" == "$expected"
check "a truncated file: rebuilt, byte for byte" test "$(md5sum <"$file")" == "$good"
# by_id (the file's tail) zeroed, as a tail never written reads: in order, but not every index
by_id=$(od -An -t u8 -j 48 -N 8 "$file" | tr -d ' ')
head -c $(( $(stat -c %s "$file") - by_id )) /dev/zero | as_server dd of="$file" bs=1 seek="$by_id" conv=notrunc status=none
check "a zeroed item index: the next backend serves the same list" test "$(list)" == "$expected"
check "a zeroed item index: rebuilt, byte for byte" test "$(md5sum <"$file")" == "$good"

# a backend keeps what it mapped when the file goes
coproc PSQL { stdbuf -oL psql -X -q -At -d rec_files 2>&1; }
echo "SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'main');" >&"${PSQL[1]}"
read -r -t 60 first <&"${PSQL[0]}" || first="no reply in 60 s"
rm "$file"
echo "SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'main');" >&"${PSQL[1]}"
read -r -t 60 second <&"${PSQL[0]}" || second="no reply in 60 s"
exec {PSQL[1]}>&-
wait ${PSQL_PID:+"$PSQL_PID"} || true    # bash unsets PSQL_PID once the coprocess has exited
check "a backend that mapped the file serves on after it is removed" test "$first $second" == "$expected $expected"
check "that backend did not build it again" test "$(files | wc -l)" -eq 0

# leftovers: a temporary file of a dead backend, files of a dropped database
as_server touch "$dir/$db_oid-999-1-00000000.model.tmp.999999"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE rec_files2'
psql -X -q -v ON_ERROR_STOP=1 -d rec_files2 -c 'CREATE EXTENSION rec' -f data/sample.sql
psql -X -q -At -d rec_files2 -c "SELECT rec.deploy('p', version => rec.train('p', 'popularity-count'))" \
    -c "SELECT count(*) FROM rec.recommend(1, 5, campaign => 'p')" >/dev/null
db2=$(q "SELECT oid FROM pg_database WHERE datname = 'rec_files2'")
check "the other database has its own file" test "$(find "$dir" -name "$db2-*" | wc -l)" -eq 1
check "a temporary file of a backend that died is swept when a file is built" \
    test ! -e "$dir/$db_oid-999-1-00000000.model.tmp.999999"
psql -X -q -d postgres -c 'DROP DATABASE rec_files2'
list >/dev/null     # builds the file removed above, then sweeps
check "files of a dropped database are swept" test "$(find "$dir" -name "$db2-*" | wc -l)" -eq 0
q "SELECT rec.drop_solution('up')" >/dev/null
check "dropping the solution removes its file" test "$(files | wc -l)" -eq 0
check "no error in the server log" bash -c "! grep -E '(ERROR|PANIC|terminated by signal)' '$PG_CLUSTER_DIR/server.log'"

rm -rf "$out"
echo "1..$n"
[[ $failed -eq 0 ]]
