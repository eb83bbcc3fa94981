#!/usr/bin/env bash
# test/shell/readme_tour.sh — TAP: the README's ten-minute tour runs as
# written.  Every ```sql block of the section "A ten-minute tour" (the rows
# of sample output in them left out) runs in order, with ON_ERROR_STOP, on a
# new database of a throwaway server; then the lists it shows are checked:
# the promoted items at ranks 3 and 8, the new customer's hats.  About 20 s.
set -euo pipefail
cd "$(dirname "$0")/../.."

export REC_USE_EXISTING=0
source scripts/pg-cluster
pg_cluster_start >/dev/null
db=rec_readme_tour
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION rec'

tour=$(mktemp) out=$(mktemp)
trap 'rm -f "$tour" "$out"; pg_cluster_stop' EXIT
python3 - README.md >"$tour" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text[text.index("## A ten-minute tour"):]
section = section[:section.index("\n## ", 1)]
print("\\set ON_ERROR_STOP on")
for block in re.findall(r"```sql\n(.*?)```", section, re.S):
    for line in block.splitlines():
        # sample output shown under a query: a header, a rule, rows, an ellipsis
        if re.match(r"^\s*(\w+ +\||-{3,}\+|[-+]{5,}|p\d+ +\||\.\.\.\s*$)", line):
            continue
        print(line)
PY

n=0 failed=0
ok() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi; }

rc=0
psql -X -q -d $db -f "$tour" >"$out" 2>&1 || rc=$?
ok "the tour's statements run as written" '[[ $rc -eq 0 ]]'
[[ $rc -eq 0 ]] || tail -n 15 "$out" | sed 's/^/# /'
q() { psql -X -At -d $db -c "SET rec.campaign = 'shop'" -f - | tail -n 1; }
promoted=$(q <<'SQL'
SELECT string_agg(rank::text, ',' ORDER BY rank)
FROM rec.recommend('c42', 10, filter => 'not-bought', promotion => 'tagged', promotion_share => 0.2,
                   promotion_values => '{"tags": ["hats"]}')
WHERE reason = 'promotion';
SQL
)
ok "the promotion places two hats at ranks 3 and 8" '[[ $promoted == 3,8 ]]'
hats=$(q <<'SQL'
SELECT count(*) FROM rec.recommend('newbie', 5) r JOIN products p ON p.sku = r.item_id
WHERE p.tags = '{hats}' AND r.reason = 'personalized';
SQL
)
ok "after three views of hats the new customer's list is hats, personalized" '[[ $hats == 5 ]]'
pinned=$(q <<'SQL'
SELECT count(*) FROM rec.campaign_status WHERE campaign IN ('shop-a', 'shop-b') AND NOT follows_newest;
SQL
)
ok "the A/B arms were pinned at deploy" '[[ $pinned == 2 ]]'
echo "1..$n"
[[ $failed -eq 0 ]]
