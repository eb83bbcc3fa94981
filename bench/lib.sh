# bench/lib.sh — helpers shared by rec's speed benchmarks (sourced, not run).
#
# bench_start              start a throwaway server (scripts/pg-cluster) tuned for
#                          benchmarking, or use the one in PGHOST/PGPORT; create rec
# bench_data SCALE [ITEMS [USERS EVENTS]]
#                          make rec.items/rec.interactions hold bench/synth.sql data at
#                          SCALE (or with those sizes), loading only if what is there differs
# bench_wide               the wide catalogue's sizes for bench_data: 200,000 items,
#                          200,000 users, 20 M events
# bench_solution NAME RECIPE [PARAMS]
#                          make solution NAME (trained on the current data) and a
#                          campaign of the same name exist; trains only if needed
# q SQL                    one value from the server
# median / pct P           of the numbers on stdin, one a line
# ratio A B                A / B with 2 decimals
# report NAME VALUE RATIO  print "NAME: VALUE (RATIO)", the benchmarks' output format
# bench_record [NAME]      from here on, copy the benchmark's output into
#                          bench/results/NAME.txt (default: the script's own
#                          results file, see bench_results_name), after a header
#                          saying what made it: command, build (git describe),
#                          date, load average.  bench_start calls it.
#                          BENCH_RESULTS=DIR writes elsewhere; BENCH_RESULTS=-
#                          records nothing (a quick look must not replace the
#                          committed figures); BENCH_RESULTS_NAME=NAME renames
#                          (e.g. speed-train-20x for bench/train --scales 20).
#                          docs/performance.md is generated from these files
#                          by bench/report.

bench_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# the command as given (sourced before the options are parsed, "$@" is still the script's)
bench_command=${bench_command:-"bench/$(basename "$0")${*:+ $*}"}

# the results file of each benchmark, under bench/results/
bench_results_name() {
    case $(basename "$0") in
        latency) echo speed-latency ;;
        batch) echo speed-batch ;;
        train) echo speed-train ;;
        metrics) echo speed-metrics ;;
        parallel_train) echo speed-parallel-train ;;
        sharding) echo speed-sharding ;;
        filters) echo speed-filters ;;
        standby) echo speed-standby ;;
        text_ids) echo text-ids ;;
        site_load) echo site-load ;;
        *) basename "$0" ;;
    esac
}

# the build of the repository: git describe, "-dirty" when files other than
# bench/results/ (which the benchmarks themselves write) differ from the commit
bench_git_build() {
    local d
    d=$(git -C "$bench_repo" describe --always --tags 2>/dev/null) || { echo unknown; return; }
    git -C "$bench_repo" diff --quiet HEAD -- . ':(exclude)bench/results' 2>/dev/null || d+=-dirty
    echo "$d"
}

bench_record() {
    local name=${1:-${BENCH_RESULTS_NAME:-$(bench_results_name)}} dir=${BENCH_RESULTS:-$bench_repo/bench/results}
    [[ -z ${bench_recording:-} ]] || return 0
    bench_recording=1
    if [[ $dir != - ]]; then
        mkdir -p "$dir"
        exec > >(tee "$dir/$name.txt")
        echo "results: $dir/$name.txt" >&2
    fi
    echo "# command: $bench_command"
    echo "# build: $(bench_git_build)"
    echo "# date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
}

bench_start() {
    bench_record
    # shellcheck source=../scripts/pg-cluster
    source "$bench_repo/scripts/pg-cluster"
    # room for the 20x data set in memory, no checkpoints in the middle of a load
    REC_PG_SETTINGS="shared_buffers = ${BENCH_SHARED_BUFFERS:-1GB}
max_wal_size = 16GB
checkpoint_timeout = 1h
autovacuum = off
${REC_PG_SETTINGS:-}" pg_cluster_start >&2
    psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' \
        -c 'CREATE EXTENSION IF NOT EXISTS rec' >&2
}

q() {
    psql -X -At -v ON_ERROR_STOP=1 -c "$1"
}

bench_wide=(1 200000 200000 20000000)

bench_data() {
    local scale=$1 items=${2:-0} users=${3:-0} target=${4:-0} want have
    want="$scale/$items/$users/$target/$(q 'SELECT count(*) FROM rec.interactions')"
    have=
    if [[ $(q "SELECT to_regclass('public.rec_bench_data') IS NOT NULL") == t ]]; then
        have=$(q "SELECT scale || '/' || items || '/' || users || '/' || target || '/' || events FROM public.rec_bench_data")
    fi
    if [[ $want == "$have" ]]; then
        echo "data: scale $scale already loaded ($(q 'SELECT events FROM public.rec_bench_data') events)" >&2
        return 0
    fi
    local t0 t1
    t0=$(date +%s.%N)
    psql -X -q -v ON_ERROR_STOP=1 -v scale="$scale" -v items="$items" -v users="$users" -v events="$target" \
        -f "$bench_repo/bench/synth.sql" >&2
    t1=$(date +%s.%N)
    psql -X -q -v ON_ERROR_STOP=1 >&2 <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.rec_bench_data;
CREATE TABLE public.rec_bench_data AS
SELECT $scale::text AS scale, $items::text AS items, $users::text AS users, $target::text AS target, count(*) AS events,
       clock_timestamp() AS loaded_at, $(awk "BEGIN{print $t1 - $t0}")::float8 AS load_seconds
FROM rec.interactions;
SQL
    echo "data: scale $scale loaded in $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s:" \
        "$(q 'SELECT count(*) FROM rec.items') items, $(q 'SELECT count(DISTINCT user_id) FROM rec.interactions') users," \
        "$(q 'SELECT events FROM public.rec_bench_data') events" >&2
}

bench_solution() {
    local name=$1 recipe=$2 params=${3:-'{}'}
    # reuse a version trained on this data that this build of rec can still read
    if [[ $(q "SELECT count(*) FROM rec.solution_version v JOIN rec.solution s ON s.name = v.solution
               WHERE v.solution = '$name' AND s.recipe = '$recipe'
                 AND v.created_at > (SELECT loaded_at FROM public.rec_bench_data)") -gt 0 ]] &&
       q "SELECT rec.deploy('$name', '$name')" >/dev/null &&
       q "SELECT count(*) FROM rec.recommend(1, 1, campaign => '$name')" >/dev/null 2>&1; then
        echo "solution $name ($recipe): already trained on this data" >&2
    else
        q "SELECT rec.drop_solution('$name') FROM rec.solution WHERE name = '$name'" >/dev/null
        q "SELECT rec.train('$name', '$recipe', params => '$params')" >/dev/null
        echo "solution $name ($recipe): trained in $(q "SELECT round(training_seconds::numeric, 2) FROM rec.solution_version WHERE solution = '$name' ORDER BY id DESC LIMIT 1") s" >&2
    fi
    q "SELECT rec.deploy('$name', '$name')" >/dev/null
}

median() {
    sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

pct() {
    sort -g | awk -v p="$1" '{a[NR] = $1} END {if (NR == 0) {print "nan"; exit} i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; print a[i]}'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "nan"; else printf "%.2f", a / b}'
}

report() {
    echo "$1: $2 ($3)"
}

# "met" or "MISSED" for: VALUE OP LIMIT (OP is >= or <)
verdict() {
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {ok = (op == ">=") ? (v >= l) : (v < l); print ok ? "met" : "MISSED"}'
}

# perf_snapshot PID DIR: copy every file PID has mapped (through /proc/PID/map_files, so
# the very inode it runs even if rec.so is reinstalled meanwhile) under DIR, for
# `perf report --symfs DIR`
perf_snapshot() {
    local pid=$1 dir=$2 range path
    while read -r range _ _ _ _ path; do
        [[ $path == /* && ( $path == *.so* || $path == */bin/* ) && ! -e $dir$path ]] || continue
        [[ -e /proc/$pid/map_files/$range ]] || continue
        mkdir -p "$dir$(dirname "$path")"
        cp "/proc/$pid/map_files/$range" "$dir$path" 2>/dev/null || true
    done <"/proc/$pid/maps"
}

# bench_build: which rec this run measures (the library the server loads, and the tree)
bench_build() {
    local so head dirty
    so="$(pg_config --pkglibdir)/rec.so"
    head=$(git -C "$bench_repo" rev-parse --short HEAD 2>/dev/null || echo none)
    dirty=$(git -C "$bench_repo" status --porcelain -- src sql 2>/dev/null | wc -l)
    echo "rec build: $so md5 $(md5sum "$so" | cut -c1-12) built $(date -u -r "$so" '+%F %T') UTC; git $head$( ((dirty > 0)) && echo " + $dirty changed files in src/ sql/")"
}
