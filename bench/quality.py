#!/usr/bin/env python3
"""bench/quality.py - rec's quality benchmark (driven by bench/quality).

Reproduces the Amazon Personalize workshop protocol of /work/shared/BENCHMARK.md
on MovieLens (100K u.data/u.item, or 1M ratings.dat/movies.dat), trains rec's
recipes in a fresh database per seed, asks rec.batch_recommend() for 25 items
per holdout user, and scores them with the workshop's and the standard metric
definitions.  Talks to PostgreSQL through psql (PG* environment variables).

Items are loaded with their release date as rec.items.created_at (exploration's
item age).  With user-personalization it also measures cold items (in rec.items,
no training events): the share of each holdout user's cold-item interactions in
the holdout period retrieved in the top 25, with exploration on and off.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, '..', 'shared', 'data', 'ml-100k'))
DEFAULT_OUT = os.path.join(REPO, 'bench', 'results')
DEFAULT_RECIPES = ['popularity-count', 'sims', 'ease', 'ease/sparse', 'user-personalization',
                   'user-personalization/sparse']
# A recipe name may carry a structure after a slash: NAME/sparse (the sparse model with the
# default neighbour count, recipe_personalization.c's DEFAULT_NEIGHBORS), NAME/dense, NAME/nN
# (N neighbours per item).  It trains recipe NAME with that `neighbors` as its own solution.
DEFAULT_NEIGHBORS = 200


def variant(recipe):
    """(recipe to train, params the variant adds)"""
    base, _, v = recipe.partition('/')
    if not v:
        return base, {}
    if v == 'sparse':
        return base, {'neighbors': DEFAULT_NEIGHBORS}
    if v == 'dense':
        return base, {'neighbors': 0}
    if v.startswith('n') and v[1:].isdigit():
        return base, {'neighbors': int(v[1:])}
    die('unknown structure %r in recipe %r (sparse, dense or nN)' % (v, recipe))
K = 25

# The reference models on the same split, seed 42 (the quality issue's split):
# (NDCG@10, Recall@25, MRR@25), computed by bench/reference_quality.py into
# bench/results/reference-quality.txt, never typed in; none if it has not run.


def load_reference(path=None, seed=42):
    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'reference-quality.txt')
    refs = []
    if not os.path.isfile(path):
        return refs
    pat = re.compile(r'^reference seed %d (.+): ndcg@10 ([0-9.]+)  recall@25 ([0-9.]+)  mrr@25 ([0-9.]+)$' % seed)
    with open(path) as f:
        for line in f:
            m = pat.match(line.rstrip('\n'))
            if m:
                refs.append((m.group(1), float(m.group(2)), float(m.group(3)), float(m.group(4))))
    return refs


REFERENCE = load_reference()
TARGET_UP_NDCG10 = 0.22
TARGET_UP_RECALL25 = 0.44
TARGET_SIMILAR_NDCG10 = 0.17
# ML-100K, seed 42 (the issue's reference numbers)
EXPECTED_SPLIT_42 = dict(holdout_users=943, warm_items=841, training_rows=44172, holdout_rows=5375)
# Cold items (the quality issue): user-personalization with exploration on and off, trained with
# the default solution's tuned parameters.  MovieLens release dates are years before the
# ratings, hence the huge age cutoff (days) for "on".
COLD_VARIANTS = [
    ('user-personalization exploration on', 'up_explore_on',
     {'exploration_weight': 0.3, 'exploration_item_age_cutoff': 100000}),
    ('user-personalization exploration off', 'up_explore_off', {'exploration_weight': 0}),
]
COLD_MIN_USERS = 50       # below this many users with cold holdout-period interactions, use all of them


class Output:
    """print() that also keeps the lines for quality.txt"""

    def __init__(self):
        self.lines = []

    def __call__(self, *args):
        line = ' '.join(str(a) for a in args)
        self.lines.append(line)
        print(line, flush=True)


out = Output()


def die(msg):
    print('bench/quality: ' + msg, file=sys.stderr)
    sys.exit(1)


# --------------------------------------------------------------------------
# Data


def find_format(data_dir):
    if os.path.isfile(os.path.join(data_dir, 'ratings.dat')):
        return 'ml-1m'
    if os.path.isfile(os.path.join(data_dir, 'u.data')):
        return 'ml-100k'
    return None


MONTHS = {m: i for i, m in enumerate(('jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct',
                                      'nov', 'dec'), 1)}


def release_date_100k(s):
    """u.item's release date ('01-Jan-1995') as a timestamptz literal, or None"""
    m = re.match(r'^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s*$', s or '')
    if not m or m.group(2).lower() not in MONTHS:
        return None
    return '%s-%02d-%02d 00:00:00+00' % (m.group(3), MONTHS[m.group(2).lower()], int(m.group(1)))


def release_date_1m(title):
    """the year in a movies.dat title ('Toy Story (1995)') as January 1st, or None"""
    m = re.search(r'\((\d{4})\)\s*$', title or '')
    return '%s-01-01 00:00:00+00' % m.group(1) if m else None


def load_data(data_dir, np):
    """Interactions (user, item, rating, ts arrays in file order) and items
    [(item_id, title, [genres], created_at literal or None)]: created_at is the
    release date (ML-100K u.item's third field; ML-1M: January 1st of the year
    in the title), the item's creation time for exploration's age cutoff."""
    fmt = find_format(data_dir)
    items = []
    if fmt == 'ml-100k':
        d = np.loadtxt(os.path.join(data_dir, 'u.data'), dtype=np.int64, ndmin=2)
        users, itms, ratings, ts = d[:, 0], d[:, 1], d[:, 2], d[:, 3]
        genres = []
        gpath = os.path.join(data_dir, 'u.genre')
        with open(gpath, encoding='latin-1') as f:
            for line in f:
                line = line.strip()
                if line:
                    name, idx = line.rsplit('|', 1)
                    genres.append((int(idx), name))
        genres = [g for _, g in sorted(genres)]
        with open(os.path.join(data_dir, 'u.item'), encoding='latin-1') as f:
            for line in f:
                line = line.rstrip('\r\n')
                if not line:
                    continue
                fields = line.split('|')
                flags = fields[-len(genres):]
                cats = [g for g, flag in zip(genres, flags) if flag == '1']
                items.append((int(fields[0]), fields[1], cats, release_date_100k(fields[2])))
    elif fmt == 'ml-1m':
        rows = []
        with open(os.path.join(data_dir, 'ratings.dat'), encoding='latin-1') as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append([int(x) for x in line.split('::')])
        d = np.array(rows, dtype=np.int64).reshape(-1, 4)
        users, itms, ratings, ts = d[:, 0], d[:, 1], d[:, 2], d[:, 3]
        mpath = os.path.join(data_dir, 'movies.dat')
        if os.path.isfile(mpath):
            with open(mpath, encoding='latin-1') as f:
                for line in f:
                    line = line.rstrip('\r\n')
                    if line:
                        mid, title, g = line.split('::', 2)
                        items.append((int(mid), title, [x for x in g.split('|') if x], release_date_1m(title)))
    else:
        die('no u.data or ratings.dat in ' + data_dir)
    known = {it[0] for it in items}
    for i in np.unique(itms):      # items rated but missing from the metadata
        if int(i) not in known:
            items.append((int(i), None, [], None))
    return fmt, users, itms, ratings, ts, items


def workshop_split(users, itms, ts, seed, np):
    """The workshop split (BENCHMARK.md): returns dict with index arrays into
    the file-order rows (training and holdout, each sorted by user, ts, file
    order), the warm items and the sizes."""
    _, first = np.unique(itms, return_index=True)
    unique_items = itms[np.sort(first)]            # order of first appearance
    perm = np.random.RandomState(seed).permutation(unique_items)
    n = len(unique_items)
    cold, warm = perm[:n // 2], perm[n // 2:]
    rows = np.nonzero(np.isin(itms, warm))[0]       # warm interactions, file order
    # per user by (ts, file order): pandas rank(pct=True, method='first')
    order = np.lexsort((rows, ts[rows], users[rows]))
    s = rows[order]
    us = users[s]
    starts = np.r_[0, np.nonzero(np.diff(us))[0] + 1] if len(us) else np.zeros(0, np.int64)
    counts = np.diff(np.r_[starts, len(us)])
    pos = np.arange(len(us)) - np.repeat(starts, counts) + 1
    pct = pos / np.repeat(counts, counts)
    hold_mask = pct > 0.9
    train, hold = s[~hold_mask], s[hold_mask]
    return dict(train=train, hold=hold, warm=warm, cold=cold,
                sizes=dict(users=int(len(np.unique(users))),
                           warm_users=int(len(np.unique(us))),
                           holdout_users=int(len(np.unique(users[hold]))),
                           warm_items=int(len(warm)), cold_items=int(len(cold)),
                           training_rows=int(len(train)), holdout_rows=int(len(hold))))


# --------------------------------------------------------------------------
# psql


def psql(sql, db, stdin_extra=None, check=True):
    """Run sql (a script) in database db through psql; returns stdout.
    stdin_extra: text appended after the script (COPY data)."""
    text = sql if stdin_extra is None else sql + stdin_extra
    p = subprocess.run(['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-f', '-'],
                       input=text.encode('utf-8'), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        die('psql failed in database %s:\n%s\n-- while running:\n%s' %
            (db, p.stderr.decode('utf-8', 'replace').strip(), sql[:2000]))
    return p.stdout.decode('utf-8')


def copy_text(v):
    """a value in COPY text format"""
    if v is None:
        return '\\N'
    s = str(v)
    return s.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')


def pg_array_text(vals):
    return '{' + ','.join('"' + v.replace('\\', '\\\\').replace('"', '\\"') + '"' for v in vals) + '}'


def copy_block(table_cols, rows):
    lines = ['COPY %s FROM STDIN;' % table_cols]
    for r in rows:
        lines.append('\t'.join(copy_text(v) for v in r))
    lines.append('\\.')
    return '\n'.join(lines) + '\n'


def fetch_lists(db, query):
    """query returns (user_id, rank, item_id); {user: [items by rank]}"""
    res = {}
    rows = []
    for line in psql('COPY (%s) TO STDOUT;\n' % query, db).splitlines():
        u, r, i = line.split('\t')
        if i == '\\N':
            continue
        rows.append((int(u), int(r), int(i)))
    rows.sort()
    for u, _, i in rows:
        res.setdefault(u, []).append(i)
    return res


# --------------------------------------------------------------------------
# Metrics


def workshop_metrics(lists, truth):
    """The workshop's metrics.py over relevance lists of the returned items."""
    acc = dict(mrr=0.0, p5=0.0, p10=0.0, p25=0.0, ndcg5=0.0, ndcg10=0.0, ndcg25=0.0)

    def dcg(r, k):
        r = r[:k]
        if not r:
            return 0.0
        return r[0] + sum(r[i] / math.log2(i + 1) for i in range(1, len(r)))

    def ndcg(r, k):
        best = dcg(sorted(r, reverse=True), k)
        return dcg(r, k) / best if best else 0.0

    for u, rel in truth.items():
        recs = lists.get(u, [])
        r = [1.0 if i in rel else 0.0 for i in recs]
        if not r:
            continue                     # an empty list scores 0 everywhere
        acc['mrr'] += max(r[i] / (i + 1) for i in range(len(r)))
        for k in (5, 10, 25):
            acc['p%d' % k] += sum(r[:k]) / len(r[:k])
            acc['ndcg%d' % k] += ndcg(r, k)
    n = len(truth)
    return {k: v / n for k, v in acc.items()}


def standard_metrics(lists, truth, n_warm):
    acc = dict(ndcg10=0.0, recall10=0.0, recall25=0.0, mrr25=0.0, hit10=0.0)
    seen = set()
    short = 0
    for u, rel in truth.items():
        recs = lists.get(u, [])[:K]
        if len(recs) < K:
            short += 1
        seen.update(recs)
        hits = [p for p, i in enumerate(recs, 1) if i in rel]
        dcg = sum(1.0 / math.log2(p + 1) for p in hits if p <= 10)
        idcg = sum(1.0 / math.log2(p + 1) for p in range(1, min(10, len(rel)) + 1))
        acc['ndcg10'] += dcg / idcg
        acc['recall10'] += sum(1 for p in hits if p <= 10) / len(rel)
        acc['recall25'] += len(hits) / len(rel)
        acc['mrr25'] += 1.0 / hits[0] if hits else 0.0
        acc['hit10'] += 1.0 if hits and hits[0] <= 10 else 0.0
    n = len(truth)
    res = {k: v / n for k, v in acc.items()}
    res['coverage25'] = len(seen) / n_warm
    res['short_lists'] = short
    return res


def fmt_std(m):
    return ('ndcg@10 %.4f  recall@10 %.4f  recall@25 %.4f  mrr@25 %.4f  hit@10 %.4f  coverage@25 %.4f'
            % (m['ndcg10'], m['recall10'], m['recall25'], m['mrr25'], m['hit10'], m['coverage25'])
            + ('  short_lists %d' % m['short_lists'] if m['short_lists'] else ''))


def fmt_ws(m):
    return ('mrr %.4f  p@5 %.4f  p@10 %.4f  p@25 %.4f  ndcg@5 %.4f  ndcg@10 %.4f  ndcg@25 %.4f'
            % (m['mrr'], m['p5'], m['p10'], m['p25'], m['ndcg5'], m['ndcg10'], m['ndcg25']))


# --------------------------------------------------------------------------
# One seed


BENCH_SQL = r"""
CREATE EXTENSION rec;
CREATE TABLE holdout (user_id bigint NOT NULL, item_id bigint NOT NULL);
CREATE TABLE last_item (user_id bigint PRIMARY KEY, item_id bigint NOT NULL);
CREATE TABLE stage (ord integer, user_id bigint, item_id bigint, rating real, ts bigint);
CREATE TABLE bench_errors (campaign text, item_id bigint, message text);
-- similar_items() without failing the whole query on an item the model does not know
CREATE FUNCTION bench_similar(item bigint, k integer, camp text, excl bigint[] DEFAULT NULL)
RETURNS TABLE (sim_item bigint, sim_score real) LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY SELECT s.item_id, s.score FROM rec.similar_items(item, k, excl, camp) s;
EXCEPTION WHEN OTHERS THEN
	INSERT INTO bench_errors VALUES (camp, item, SQLERRM);
END
$$;
"""


def run_seed(seed, data, recipes, params_for, dbname, keep, np):
    fmt, users, itms, ratings, ts, items = data
    t0 = time.time()
    sp = workshop_split(users, itms, ts, seed, np)
    sz = sp['sizes']
    out('== seed %d' % seed)
    for k in ('training_rows', 'holdout_rows', 'holdout_users', 'warm_items', 'cold_items', 'users'):
        out('%s: %d' % (k, sz[k]))
    if fmt == 'ml-100k' and seed == 42 and len(users) == 100000:     # MovieLens itself, not data in its format
        for k, v in EXPECTED_SPLIT_42.items():
            if sz[k] != v:
                die('split check failed for seed 42: %s is %d, expected %d' % (k, sz[k], v))
        out('split check (seed 42, ML-100K): ok')

    train, hold = sp['train'], sp['hold']
    truth = {}
    for r in hold:
        truth.setdefault(int(users[r]), set()).add(int(itms[r]))
    # last training item per holdout user: train is sorted by (user, ts, file order)
    last = {}
    for r in train:
        last[int(users[r])] = int(itms[r])
    n_no_train = sum(1 for u in truth if u not in last)
    n_warm = sz['warm_items']

    psql('DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n' % (dbname, dbname), 'postgres')
    try:
        notnull = psql(BENCH_SQL + "SELECT attnotnull FROM pg_attribute "
                                   "WHERE attrelid = 'rec.items'::regclass AND attname = 'created_at';\n",
                       dbname).strip().splitlines()[-1] == 't'
        dated = [it for it in items if it[3] is not None]
        undated = [it for it in items if it[3] is None]
        load = copy_block('stage (ord, user_id, item_id, rating, ts)',
                           ((int(r), int(users[r]), int(itms[r]), int(ratings[r]), int(ts[r]))
                            for r in np.sort(train)))
        # items with their release date as created_at (exploration's item age); an unknown date
        # stays NULL (always eligible), or takes the column default if the column is NOT NULL
        # (now(): younger than every event, which exploration treats the same way)
        if notnull:
            load += copy_block('rec.items (item_id, title, categories, created_at)',
                               ((i, t, pg_array_text(c), d) for i, t, c, d in dated))
            load += copy_block('rec.items (item_id, title, categories)',
                               ((i, t, pg_array_text(c)) for i, t, c, d in undated))
        else:
            load += copy_block('rec.items (item_id, title, categories, created_at)',
                               ((i, t, pg_array_text(c), d) for i, t, c, d in items))
        load += copy_block('holdout (user_id, item_id)',
                           ((int(users[r]), int(itms[r])) for r in np.sort(hold)))
        load += copy_block('last_item (user_id, item_id)', sorted(last.items()))
        load += ("INSERT INTO rec.interactions (user_id, item_id, event_type, event_value, ts)\n"
                 "SELECT user_id, item_id, 'rating', rating, to_timestamp(ts) FROM stage ORDER BY ord;\n"
                 "DROP TABLE stage;\nANALYZE;\n"
                 "SELECT count(*) FROM rec.interactions;\n")
        n_loaded = int(psql(load, dbname).strip().splitlines()[-1])
        if n_loaded != sz['training_rows']:
            die('loaded %d interactions, expected %d' % (n_loaded, sz['training_rows']))
        out('load: %.2f s' % (time.time() - t0))
        if notnull and undated:
            out('note: rec.items.created_at is NOT NULL, so the %d items without a date got the default now()'
                % len(undated))

        results = {}
        users_sql = '(SELECT array_agg(DISTINCT user_id) FROM holdout)'
        for recipe in recipes:
            camp = 'c_' + recipe
            base, extra = variant(recipe)
            params = json.dumps(dict(params_for(base), **params_for(recipe), **extra))
            t1 = time.time()
            res = psql("SELECT rec.train('%s', '%s', NULL, '%s'::jsonb);\n" % (recipe, base, params.replace("'", "''")),
                       dbname).strip()
            wall = time.time() - t1
            ver = int(res)
            info = psql("SELECT rec.deploy('%s', '%s');\n"
                        "SELECT training_seconds, n_users, n_items, params FROM rec.solution_version WHERE id = %d;\n"
                        % (camp, recipe, ver), dbname).strip().splitlines()[-1].split('|')
            t2 = time.time()
            lists = fetch_lists(dbname, "SELECT user_id, rank, item_id FROM rec.batch_recommend('%s', %d, %s)"
                                % (camp, K, users_sql))
            rec_s = time.time() - t2
            std = standard_metrics(lists, truth, n_warm)
            ws = workshop_metrics(lists, truth)
            results[recipe] = dict(std=std, ws=ws, train_wall=wall, train_seconds=float(info[0]),
                                   recommend_seconds=rec_s, n_users=int(info[1]), n_items=int(info[2]),
                                   params=json.loads(info[3]), lists=lists)
            out('%s train: %.3f s (training_seconds %.3f; %s users, %s items; params %s)'
                % (recipe, wall, float(info[0]), info[1], info[2], info[3]))
            out('%s batch_recommend: %.3f s for %d users' % (recipe, rec_s, len(truth)))
            out('%s standard: %s' % (recipe, fmt_std(std)))
            out('%s workshop: %s' % (recipe, fmt_ws(ws)))

        # cross-check python's standard metrics against rec's SQL functions
        if results:
            chk = 'user-personalization' if 'user-personalization' in results else next(iter(results))
            lists = results[chk]['lists']
            rows = [(u, '{' + ','.join(map(str, lists.get(u, []))) + '}') for u in sorted(truth)]
            q = ('CREATE TEMP TABLE py_recs (user_id bigint, items bigint[]);\n'
                 + copy_block('py_recs (user_id, items)', rows)
                 + "WITH t AS (SELECT user_id, array_agg(item_id) AS items FROM holdout GROUP BY user_id)\n"
                   "SELECT avg(rec.ndcg_at_k(r.items, t.items, 10)), avg(rec.recall_at_k(r.items, t.items, 25)),\n"
                   "       avg(rec.mrr(r.items, t.items, 25)), avg(rec.hit_at_k(r.items, t.items, 10))\n"
                   "FROM t JOIN py_recs r USING (user_id);\n"
                   "SELECT users, ndcg_at_10, recall_at_25, mrr_at_25, hit_at_10 FROM rec.evaluate('c_%s', 'holdout');\n"
                   % chk)
            o = psql(q, dbname).strip().splitlines()
            sq = [float(x) for x in o[-2].split('|')]
            ev = [float(x) for x in o[-1].split('|')]
            std = results[chk]['std']
            py = [std['ndcg10'], std['recall25'], std['mrr25'], std['hit10']]
            out('cross-check %s ndcg@10: python %.12f  sql rec.ndcg_at_k %.12f  rec.evaluate %.12f'
                % (chk, py[0], sq[0], ev[1]))
            names = ['ndcg@10', 'recall@25', 'mrr@25', 'hit@10']
            worst = max(abs(a - b) for a, b in zip(py, sq))
            worst_ev = max(abs(a - b) for a, b in zip(py, ev[1:]))
            out('cross-check %s max |python - sql| over %s: %.2e; vs rec.evaluate: %.2e (users %d vs %d)'
                % (chk, '/'.join(names), worst, worst_ev, int(ev[0]), len(truth)))
            if worst > 1e-9:
                out('WARNING: python and rec.*_at_k disagree')

        # Cold items: the cold truth of a holdout user is the user's interactions (in the original
        # file) on the split's cold items from the user's first holdout timestamp on, i.e. during
        # the holdout period.  Cold items are in rec.items but have no training events, so only
        # exploration can recommend them.
        cold_runs = {}
        if 'user-personalization' in results:
            cold_set = set(int(i) for i in sp['cold'])
            first_hold = {}
            for r in hold:
                u = int(users[r])
                first_hold[u] = min(first_hold.get(u, int(ts[r])), int(ts[r]))
            cold_all, cold_truth = {}, {}
            for r in np.nonzero(np.isin(itms, sp['cold']) & np.isin(users, list(truth)))[0]:
                u, i = int(users[r]), int(itms[r])
                cold_all.setdefault(u, set()).add(i)
                if int(ts[r]) >= first_hold[u]:
                    cold_truth.setdefault(u, set()).add(i)
            basis = 'holdout period'
            out('cold truth: %d holdout users with %d (user, cold item) pairs in their holdout period '
                '(of %d users, %d pairs over all time)'
                % (len(cold_truth), sum(map(len, cold_truth.values())), len(cold_all),
                   sum(map(len, cold_all.values()))))
            if len(cold_truth) < COLD_MIN_USERS:
                cold_truth, basis = cold_all, 'all time'
                out('cold truth: fewer than %d users, so all cold interactions of the holdout users are used'
                    % COLD_MIN_USERS)

            def cold_stats(lists):
                pairs = sum(map(len, cold_truth.values()))
                hits = sum(1 for u, rel in cold_truth.items() for i in lists.get(u, [])[:K] if i in rel)
                per_list = mean([sum(1 for i in lists.get(u, [])[:K] if i in cold_set) for u in truth])
                return dict(retrieval=hits / pairs if pairs else float('nan'), hits=hits, pairs=pairs,
                            per_list=per_list, users=len(cold_truth), basis=basis)

            def fmt_cold(name, c, std):
                return ('cold %s: retrieval@25 %.4f (%d of %d pairs)  cold items/list %.2f  '
                        'warm ndcg@10 %.4f  recall@25 %.4f'
                        % (name, c['retrieval'], c['hits'], c['pairs'], c['per_list'], std['ndcg10'], std['recall25']))

            up = results['user-personalization']
            up['cold'] = cold_stats(up['lists'])
            out(fmt_cold('user-personalization', up['cold'], up['std']))
            base = {k: v for k, v in up['params'].items() if k not in ('tuning', 'structure', 'algorithm')}
            for name, sol, extra in COLD_VARIANTS:
                params = dict(base, tune=False, **extra)
                pj = json.dumps(params).replace("'", "''")
                t1 = time.time()
                ver = int(psql("SELECT rec.train('%s', 'user-personalization', NULL, '%s'::jsonb);\n" % (sol, pj),
                               dbname).strip())
                wall = time.time() - t1
                info = psql("SELECT rec.deploy('c_%s', '%s');\n"
                            "SELECT training_seconds, params FROM rec.solution_version WHERE id = %d;\n"
                            % (sol, sol, ver), dbname).strip().splitlines()[-1].split('|')
                lists = fetch_lists(dbname, "SELECT user_id, rank, item_id FROM rec.batch_recommend('c_%s', %d, %s)"
                                    % (sol, K, users_sql))
                std = standard_metrics(lists, truth, n_warm)
                cold_runs[name] = dict(std=std, ws=workshop_metrics(lists, truth), cold=cold_stats(lists),
                                       train_wall=wall, train_seconds=float(info[0]), params=json.loads(info[1]))
                out('%s train: %.3f s (params %s)' % (name, wall, info[1]))
                out(fmt_cold(name, cold_runs[name]['cold'], std))

        # similar-items variant: last training item of each holdout user
        sim = {}
        # The protocol passes the user's training items as exclude_items (the issue's item-kNN
        # last-item reference, 0.159 on seed 42, is reproduced only so); a diagnostic variant
        # without exclusion shows what recommending already seen items costs.
        for recipe, excl in (('sims', True), ('user-personalization', True), ('sims', False)):
            if recipe not in results:
                continue
            camp = 'c_' + recipe
            t3 = time.time()
            psql("DELETE FROM bench_errors;\n", dbname)
            lists = fetch_lists(dbname,
                                "SELECT l.user_id, s.ord, s.sim_item FROM last_item l "
                                "CROSS JOIN LATERAL bench_similar(l.item_id, %d, '%s', %s) WITH ORDINALITY "
                                "AS s(sim_item, sim_score, ord) WHERE l.user_id IN (SELECT user_id FROM holdout)"
                                % (K, camp, '(SELECT array_agg(i.item_id) FROM rec.interactions i '
                                            'WHERE i.user_id = l.user_id)' if excl else 'NULL'))
            sec = time.time() - t3
            errs = psql("SELECT count(*), min(message) FROM bench_errors WHERE campaign = '%s';\n" % camp,
                        dbname).strip().split('|')
            std = standard_metrics(lists, truth, n_warm)
            ws = workshop_metrics(lists, truth)
            name = 'similar_items(%s, last%s)' % (recipe, '' if excl else ', seen kept')
            sim[name] = dict(std=std, ws=ws, seconds=sec, errors=int(errs[0]))
            out('%s: %.3f s for %d users%s%s' % (name, sec, len(last),
                                                 ', %d users without training rows' % n_no_train if n_no_train else '',
                                                 ', %s unknown items (%s)' % (errs[0], errs[1]) if int(errs[0]) else ''))
            out('%s standard: %s' % (name, fmt_std(std)))
            out('%s workshop: %s' % (name, fmt_ws(ws)))
        for r in results.values():
            del r['lists']
        results.update(cold_runs)
        results.update(sim)
        out('seed %d: %.1f s' % (seed, time.time() - t0))
        return dict(sizes=sz, results=results)
    finally:
        if not keep:
            psql('DROP DATABASE IF EXISTS %s;\n' % dbname, 'postgres', check=False)


# --------------------------------------------------------------------------
# Summary and chart


def mean(xs):
    return sum(xs) / len(xs) if xs else float('nan')


def sd(xs):
    if len(xs) < 2:
        return 0.0
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def summarise(per_seed, names):
    rows = []
    for name in names:
        runs = [s['results'][name] for s in per_seed if name in s['results']]
        if not runs:
            continue
        g = lambda key: [r['std'][key] for r in runs]
        row = dict(name=name, seeds=len(runs),
                   ndcg10=mean(g('ndcg10')), ndcg10_sd=sd(g('ndcg10')),
                   recall25=mean(g('recall25')), recall25_sd=sd(g('recall25')),
                   mrr25=mean(g('mrr25')), mrr25_sd=sd(g('mrr25')),
                   recall10=mean(g('recall10')), hit10=mean(g('hit10')), coverage25=mean(g('coverage25')),
                   ws_ndcg10=mean([r['ws']['ndcg10'] for r in runs]), ws_mrr=mean([r['ws']['mrr'] for r in runs]),
                   ws_p10=mean([r['ws']['p10'] for r in runs]))
        if 'train_wall' in runs[0]:
            row['train_s'] = mean([r['train_wall'] for r in runs])
        if all('cold' in r for r in runs):
            c = [r['cold']['retrieval'] for r in runs]
            row.update(cold_retrieval=mean(c), cold_retrieval_sd=sd(c),
                       cold_per_list=mean([r['cold']['per_list'] for r in runs]),
                       cold_users=mean([r['cold']['users'] for r in runs]),
                       cold_pairs=mean([r['cold']['pairs'] for r in runs]),
                       cold_basis=', '.join(sorted(set(r['cold']['basis'] for r in runs))))
        rows.append(row)
    return rows


def print_summary(rows, seeds, per_seed):
    out('')
    out('== summary: mean over seeds %s (standard definitions; ± is the sd over seeds)' % ','.join(map(str, seeds)))
    out('%-42s %-16s %-16s %-16s %8s %8s %8s' % ('rec', 'NDCG@10', 'Recall@25', 'MRR@25', 'hit@10', 'cov@25', 'train s'))
    for r in rows:
        out('%-42s %.4f ± %.4f  %.4f ± %.4f  %.4f ± %.4f  %8.4f %8.4f %8s'
            % (r['name'], r['ndcg10'], r['ndcg10_sd'], r['recall25'], r['recall25_sd'], r['mrr25'], r['mrr25_sd'],
               r['hit10'], r['coverage25'], '%.3f' % r['train_s'] if 'train_s' in r else '-'))
    out('')
    out('%-42s %-16s %-16s %-16s' % ('reference (reference_quality.py, seed 42)', 'NDCG@10', 'Recall@25', 'MRR@25'))
    for name, n10, r25, m25 in REFERENCE:
        out('%-42s %-16s %-16s %-16s' % (name, '%.4f' % n10, '%.4f' % r25, '%.4f' % m25 if m25 is not None else '-'))
    if 42 in seeds and len(seeds) > 1:
        # the reference figures match the seed-42 split (popularity, EASE, item-kNN reproduce them there)
        s42 = per_seed[seeds.index(42)]['results']
        out('')
        out('%-42s %-16s %-16s %-16s' % ('rec, seed 42 only (the references\' split)', 'NDCG@10', 'Recall@25', 'MRR@25'))
        for r in rows:
            if r['name'] in s42:
                m = s42[r['name']]['std']
                out('%-42s %-16s %-16s %-16s' % (r['name'], '%.4f' % m['ndcg10'], '%.4f' % m['recall25'], '%.4f' % m['mrr25']))
    out('')
    out('== workshop definitions, mean over seeds')
    out('%-42s %8s %8s %8s' % ('rec', 'MRR', 'P@10', 'NDCG@10'))
    for r in rows:
        out('%-42s %8.4f %8.4f %8.4f' % (r['name'], r['ws_mrr'], r['ws_p10'], r['ws_ndcg10']))
    cold = [r for r in rows if 'cold_retrieval' in r]
    if cold:
        out('')
        out('== cold items, mean over seeds: share of the holdout users\' (user, cold item) pairs (%s; '
            '%.0f users, %.0f pairs per seed) retrieved in the top %d; warm metrics on the usual holdout'
            % (cold[0]['cold_basis'], cold[0]['cold_users'], cold[0]['cold_pairs'], K))
        out('%-42s %-18s %10s %16s %16s' % ('rec', 'cold retrieval@25', 'cold/list', 'warm NDCG@10', 'warm Recall@25'))
        for r in cold:
            out('%-42s %.4f ± %.4f    %10.2f %16.4f %16.4f'
                % (r['name'], r['cold_retrieval'], r['cold_retrieval_sd'], r['cold_per_list'], r['ndcg10'],
                   r['recall25']))
    out('')
    by = {r['name']: r for r in rows}
    checks = []
    up = by.get('user-personalization')
    if up:
        checks.append(('user-personalization ndcg@10', up['ndcg10'], TARGET_UP_NDCG10))
        checks.append(('user-personalization recall@25', up['recall25'], TARGET_UP_RECALL25))
    for name in ('similar_items(sims, last)', 'similar_items(user-personalization, last)'):
        if name in by:
            checks.append(('%s ndcg@10' % name, by[name]['ndcg10'], TARGET_SIMILAR_NDCG10))
    for name, v, target in checks:
        out('%s: %.4f (target >= %.2f: %s)' % (name, v, target, 'met' if v >= target else 'NOT met'))
    for r in rows:
        base, extra = variant(r['name'])
        dense = by.get(base + '/dense') or by.get(base)
        if extra and dense is not None and dense is not r:
            out('%s vs %s: NDCG@10 %.4f / %.4f = %.3f, Recall@25 %.4f / %.4f = %.3f'
                % (r['name'], dense['name'], r['ndcg10'], dense['ndcg10'], r['ndcg10'] / dense['ndcg10'],
                   r['recall25'], dense['recall25'], r['recall25'] / dense['recall25']))
    return checks


def write_svg(path, rows, checks, seeds):
    bars = [(r['name'], r['ndcg10'], r['recall25'], 'rec') for r in rows]
    bars += [(n, a, b, 'ref') for n, a, b, _ in REFERENCE]
    W, H = 1100, 584
    left, right, top, bottom = 70, 20, 84, 200
    pw, ph = W - left - right, H - top - bottom
    ymax = max([0.5] + [max(a, b) for _, a, b, _ in bars]) * 1.1
    ymax = math.ceil(ymax * 10) / 10
    y = lambda v: top + ph - v / ymax * ph
    gw = pw / len(bars)
    bw = gw * 0.36
    col = {('rec', 0): '#1f5fa8', ('rec', 1): '#e07b10', ('ref', 0): '#9db8d9', ('ref', 1): '#f2c08d'}
    esc = lambda s: s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    s = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
         'font-family="sans-serif" font-size="12">' % (W, H, W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="24" font-size="16" font-weight="bold">rec quality on MovieLens (workshop split), mean over seeds %s</text>'
         % (left, esc(','.join(map(str, seeds)))),
         '<text x="%d" y="42" fill="#555">dark bars: rec; light bars: reference models (bench/reference_quality.py, seed 42); dashed lines: targets</text>' % left]
    t = 0.0
    while t <= ymax + 1e-9:
        s.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (left, W - right, y(t), y(t)))
        s.append('<text x="%d" y="%.1f" text-anchor="end">%.1f</text>' % (left - 6, y(t) + 4, t))
        t += 0.1
    for gi, (name, a, b, kind) in enumerate(bars):
        x0 = left + gi * gw + gw * 0.14
        for j, v in enumerate((a, b)):
            x = x0 + j * bw
            s.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s %.4f</title></rect>'
                     % (x, y(v), bw - 1, top + ph - y(v), col[(kind, j)], esc(name), ('NDCG@10', 'Recall@25')[j], v))
            s.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="9">%.3f</text>' % (x + bw / 2, y(v) - 3, v))
        cx = left + gi * gw + gw / 2
        s.append('<text transform="translate(%.1f,%d) rotate(-40)" text-anchor="end" fill="%s">%s</text>'
                 % (cx + 4, top + ph + 14, '#000' if kind == 'rec' else '#666', esc(name)))
    if gi_sep := sum(1 for b in bars if b[3] == 'rec'):
        xs = left + gi_sep * gw
        s.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#888"/>' % (xs, xs, top, top + ph))
    targets = [(TARGET_UP_NDCG10, '#1f5fa8', 'target user-personalization NDCG@10 0.22'),
               (TARGET_UP_RECALL25, '#e07b10', 'target user-personalization Recall@25 0.44'),
               (TARGET_SIMILAR_NDCG10, '#2a8a3a', 'target similar_items NDCG@10 0.17')]
    for v, c, label in targets:
        s.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="6,4"/>'
                 % (left, W - right, y(v), y(v), c))
    s.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#000"/>' % (left, W - right, top + ph, top + ph))
    lx = left + 10
    for j, label in enumerate(('NDCG@10', 'Recall@25')):
        s.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (lx + j * 110, top - 30, col[('rec', j)]))
        s.append('<text x="%d" y="%d">%s</text>' % (lx + j * 110 + 16, top - 20, label))
    for j, (v, c, label) in enumerate(targets):
        x = lx + 240 + j * 270
        s.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="1.5" stroke-dasharray="6,4"/>'
                 % (x, x + 24, top - 24, top - 24, c))
        s.append('<text x="%d" y="%d" fill="%s" font-size="11">%s</text>' % (x + 28, top - 20, c, label))
    s.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(s) + '\n')


# --------------------------------------------------------------------------


def parse_args(argv):
    ap = argparse.ArgumentParser(prog='bench/quality', description='rec quality benchmark (workshop protocol, MovieLens)')
    ap.add_argument('data_dir', nargs='?', default=DEFAULT_DATA,
                    help='MovieLens 100K (u.data, u.item) or 1M (ratings.dat, movies.dat) directory; default %(default)s')
    ap.add_argument('--seeds', default='42,7,2024', help='comma separated split seeds (default %(default)s)')
    ap.add_argument('--out', default=DEFAULT_OUT, help='results directory (default %(default)s)')
    ap.add_argument('--recipes', default=','.join(DEFAULT_RECIPES), help='recipes to train (default %(default)s)')
    ap.add_argument('--params', default='{}',
                    help='JSON params for user-personalization, e.g. \'{"lambda": 300}\'; or per recipe: '
                         '\'{"sims": {...}, "ease": {...}}\'')
    ap.add_argument('--keep', action='store_true', help='keep the per-seed databases (rec_quality_<seed>)')
    ap.add_argument('--check-data', action='store_true', help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    try:
        a.seeds = [int(x) for x in a.seeds.split(',') if x.strip()]
    except ValueError:
        ap.error('--seeds takes comma separated integers')
    a.recipes = [x.strip() for x in a.recipes.split(',') if x.strip()]
    try:
        p = json.loads(a.params)
    except ValueError as e:
        ap.error('--params is not JSON: %s' % e)
    if not isinstance(p, dict):
        ap.error('--params must be a JSON object')
    if p and all(isinstance(v, dict) for v in p.values()):
        a.params_by_recipe = p
    else:
        a.params_by_recipe = {'user-personalization': p}
    return a


def run_header(argv):
    """What made a results file (bench/report prints it with the figures):
    the command, the build (git describe), the date and the load average."""
    try:
        build = subprocess.run(['git', '-C', REPO, 'describe', '--always', '--tags'],
                               capture_output=True, text=True, check=True).stdout.strip()
        # dirty: files other than bench/results/ (which the benchmarks write) differ from the commit
        if subprocess.run(['git', '-C', REPO, 'diff', '--quiet', 'HEAD', '--', '.', ':(exclude)bench/results']).returncode:
            build += '-dirty'
    except (OSError, subprocess.CalledProcessError):
        build = 'unknown'
    with open('/proc/loadavg') as f:
        load = ' '.join(f.read().split()[:3])
    return ['# command: %s' % ' '.join(['bench/quality'] + list(argv)),
            '# build: %s' % build,
            '# date: %s' % time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()),
            '# load average: %s on %d CPUs' % (load, os.cpu_count() or 0)]


def main(argv):
    a = parse_args(argv)
    if not os.path.isdir(a.data_dir) or find_format(a.data_dir) is None:
        print('bench/quality: no MovieLens data at %s (MovieLens 100K u.data/u.item or 1M ratings.dat/movies.dat; '
              'the licence forbids shipping it): skipped' % a.data_dir)
        sys.exit(3)
    if a.check_data:
        return
    import numpy as np
    t0 = time.time()
    for line in run_header(argv):
        out(line)
    data = load_data(a.data_dir, np)
    out('bench/quality: %s from %s, %d interactions, %d items; seeds %s; recipes %s'
        % (data[0], a.data_dir, len(data[1]), len(data[5]), ','.join(map(str, a.seeds)), ','.join(a.recipes)))
    dates = sorted(it[3] for it in data[5] if it[3] is not None)
    out('items with a date (rec.items.created_at): %d of %d%s' % (len(dates), len(data[5]),
        ' (%s .. %s; the rest NULL)' % (dates[0][:10], dates[-1][:10]) if dates else ''))
    if any(a.params_by_recipe.values()):
        out('params: %s' % json.dumps(a.params_by_recipe))
    ver = psql("SELECT coalesce((SELECT default_version FROM pg_available_extensions WHERE name = 'rec'), '');\n"
               "SELECT version();\n", 'postgres').strip().splitlines()
    if not ver or not ver[0]:
        die('the rec extension is not installed on this server (make install)')
    out('server: %s; rec %s' % (ver[-1].split(',')[0], ver[0]))
    per_seed = []
    for seed in a.seeds:
        db = 'rec_quality_%d' % seed if a.keep else 'rec_quality_%d_%d' % (os.getpid(), seed)
        per_seed.append(run_seed(seed, data, a.recipes, lambda r: a.params_by_recipe.get(r, {}), db, a.keep, np))
    names = list(a.recipes) + [n for n, _, _ in COLD_VARIANTS if any(n in s['results'] for s in per_seed)]
    names += [n for n in ('similar_items(sims, last)', 'similar_items(user-personalization, last)',
                                           'similar_items(sims, last, seen kept)')
                               if any(n in s['results'] for s in per_seed)]
    rows = summarise(per_seed, names)
    checks = print_summary(rows, a.seeds, per_seed)
    out('total: %.1f s' % (time.time() - t0))
    os.makedirs(a.out, exist_ok=True)
    write_svg(os.path.join(a.out, 'quality.svg'), rows, checks, a.seeds)
    with open(os.path.join(a.out, 'quality.txt'), 'w') as f:
        f.write('\n'.join(out.lines) + '\n')
    with open(os.path.join(a.out, 'quality.json'), 'w') as f:
        json.dump(dict(data_dir=a.data_dir, seeds=a.seeds, recipes=a.recipes, params=a.params_by_recipe,
                       per_seed=per_seed, summary=rows), f, indent=1, default=str)
    print('wrote %s/quality.{txt,svg,json}' % a.out)


if __name__ == '__main__':
    main(sys.argv[1:])
