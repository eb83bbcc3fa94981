#!/usr/bin/python3
"""bench/reference_quality.py -- REFERENCE ONLY, not part of rec.

The reference models that rec's quality is compared with, computed here on
the workshop split of bench/quality (same data, same seeds, same metrics:
bench/quality.py's functions), so that no reference figure is typed in:

    popularity              training-count order
    item-kNN cosine         x_u . S, S the cosine of the item columns
    item-kNN last item      the row of S of the user's last training item
    EASE                    Steck's EASE, lambda tuned on a validation split
    EASE recency-weighted   EASE scored with the history weighted by recency
                            (0.5 ** (events since / half-life)), lambda and
                            half-life tuned on the validation split

Tuning never sees the holdout: the validation split is the newest 10% of each
user's training rows (the same rule as the holdout), the model for the
figures is then fitted on all the training rows.  Seen items are excluded,
as rec does.  (The quality issue also named iALS and a SASRec-style model;
they are not implemented here, so no table shows them.)

    bench/reference_quality.py [DATA_DIR] [--seeds 42,7,2024] [--out bench/results]

Writes reference-quality.txt (read by bench/quality and bench/report).
Without data it prints "skipped" and exits 0.  Needs python3-numpy.
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quality as Q  # noqa: E402  (bench/quality.py: data, split, metrics)

LAMBDAS = (50, 100, 200, 300, 500, 1000)
HALF_LIVES = (5, 10, 20, 40, 80)


def split_last(np, users, rows, pct=0.9):
    """rows (sorted by user, ts, file order) -> (older, newest 10% per user)"""
    us = users[rows]
    starts = np.r_[0, np.nonzero(np.diff(us))[0] + 1] if len(us) else np.zeros(0, np.int64)
    counts = np.diff(np.r_[starts, len(us)])
    pos = np.arange(len(us)) - np.repeat(starts, counts) + 1
    hold = pos / np.repeat(counts, counts) > pct
    return rows[~hold], rows[hold]


class Space:
    """dense indices of the warm items and of the users"""

    def __init__(self, np, users, itms, warm):
        self.np = np
        self.items = np.sort(warm)
        self.item_ix = {int(i): k for k, i in enumerate(self.items)}
        self.users = np.unique(users)
        self.user_ix = {int(u): k for k, u in enumerate(self.users)}

    def matrix(self, users, itms, rows, weights=None):
        np = self.np
        X = np.zeros((len(self.users), len(self.items)), dtype=np.float64)
        for k, r in enumerate(rows):
            X[self.user_ix[int(users[r])], self.item_ix[int(itms[r])]] = 1.0 if weights is None else weights[k]
        return X

    def recency_weights(self, users, rows, half_life):
        """0.5 ** (events after this one in the user's rows / half_life); rows sorted by user, ts"""
        np = self.np
        us = users[rows]
        ends = np.r_[np.nonzero(np.diff(us))[0], len(us) - 1] if len(us) else np.zeros(0, np.int64)
        counts = np.diff(np.r_[-1, ends])
        last = np.repeat(ends, counts)
        return 0.5 ** ((last - np.arange(len(us))) / half_life)


def ease(np, X, lam):
    G = X.T @ X
    G[np.diag_indices_from(G)] += lam
    P = np.linalg.inv(G)
    B = -P / np.diag(P)
    B[np.diag_indices_from(B)] = 0
    return B


def cosine(np, X):
    C = X.T @ X
    d = np.sqrt(np.diag(C))
    d[d == 0] = 1
    S = C / d[:, None] / d[None, :]
    S[np.diag_indices_from(S)] = 0
    return S


def top_lists(np, sp, scores, seen, users_wanted):
    """user -> K best item ids, seen items excluded"""
    scores = scores.copy()
    scores[seen > 0] = -np.inf
    lists = {}
    for u in users_wanted:
        row = scores[sp.user_ix[u]]
        best = np.argsort(-row, kind='stable')[:Q.K]
        lists[u] = [int(sp.items[i]) for i in best if np.isfinite(row[i])]
    return lists


def truth_of(users, itms, rows):
    t = {}
    for r in rows:
        t.setdefault(int(users[r]), set()).add(int(itms[r]))
    return t


def models(np, sp, users, itms, train, hold, tune_log):
    """name -> user -> list, fitted on train, scored for the users of hold;
    lambda and half-life chosen on a validation split of train"""
    truth = truth_of(users, itms, hold)
    n_warm = len(sp.items)
    fit, val = split_last(np, users, train)
    val_truth = truth_of(users, itms, val)
    Xf = sp.matrix(users, itms, fit)

    def val_ndcg(scores):
        return Q.standard_metrics(top_lists(np, sp, scores, Xf, list(val_truth)), val_truth, n_warm)['ndcg10']

    best_lam = max(LAMBDAS, key=lambda lam: val_ndcg(Xf @ ease(np, Xf, lam)))
    best_rw, best_score = None, -1
    for lam in LAMBDAS:
        B = ease(np, Xf, lam)
        for h in HALF_LIVES:
            s = val_ndcg(sp.matrix(users, itms, fit, sp.recency_weights(users, fit, h)) @ B)
            if s > best_score:
                best_rw, best_score = (lam, h), s
    tune_log.append('EASE lambda %d; EASE recency-weighted lambda %d, half-life %d events (validation NDCG@10 %.4f)'
                    % (best_lam, best_rw[0], best_rw[1], best_score))

    X = sp.matrix(users, itms, train)
    want = list(truth)
    out = {}
    pop = X.sum(axis=0)
    out['popularity'] = top_lists(np, sp, np.tile(pop, (X.shape[0], 1)), X, want)
    S = cosine(np, X)
    out['item-kNN cosine'] = top_lists(np, sp, X @ S, X, want)
    last = {}
    for r in train:
        last[int(users[r])] = sp.item_ix[int(itms[r])]
    L = np.zeros_like(X)
    for u, i in last.items():
        L[sp.user_ix[u]] = S[i]
    L[L == 0] = -np.inf          # only the last item's neighbours, as similar_items gives them
    out['item-kNN last item'] = top_lists(np, sp, L, X, want)
    out['EASE'] = top_lists(np, sp, X @ ease(np, X, best_lam), X, want)
    Xw = sp.matrix(users, itms, train, sp.recency_weights(users, train, best_rw[1]))
    out['EASE recency-weighted'] = top_lists(np, sp, Xw @ ease(np, X, best_rw[0]), X, want)
    return out, truth


NAMES = ('popularity', 'item-kNN cosine', 'EASE', 'EASE recency-weighted', 'item-kNN last item')


def main(argv):
    ap = argparse.ArgumentParser(prog='bench/reference_quality.py')
    ap.add_argument('data_dir', nargs='?', default=Q.DEFAULT_DATA)
    ap.add_argument('--seeds', default='42,7,2024')
    ap.add_argument('--out', default=Q.DEFAULT_OUT)
    a = ap.parse_args(argv)
    if not os.path.isdir(a.data_dir) or Q.find_format(a.data_dir) is None:
        print('bench/reference_quality.py: no MovieLens data at %s: skipped' % a.data_dir)
        return 0
    import numpy as np
    lines = Q.run_header(argv)
    lines[0] = lines[0].replace('bench/quality', 'bench/reference_quality.py')
    t0 = time.time()
    fmt, users, itms, _ratings, ts, _items = Q.load_data(a.data_dir, np)
    seeds = [int(s) for s in a.seeds.split(',') if s.strip()]
    lines.append('reference models on %s from %s, workshop split, seeds %s' % (fmt, a.data_dir, ','.join(map(str, seeds))))
    per = {n: [] for n in NAMES}
    for seed in seeds:
        s = Q.workshop_split(users, itms, ts, seed, np)
        sp = Space(np, users, itms, s['warm'])
        log = []
        lists, truth = models(np, sp, users, itms, s['train'], s['hold'], log)
        lines.append('seed %d: %s; %s' % (seed, ', '.join('%s %d' % kv for kv in sorted(s['sizes'].items())), log[0]))
        for n in NAMES:
            m = Q.standard_metrics(lists[n], truth, len(sp.items))
            per[n].append(m)
            lines.append('reference seed %d %s: ndcg@10 %.4f  recall@25 %.4f  mrr@25 %.4f'
                         % (seed, n, m['ndcg10'], m['recall25'], m['mrr25']))
    lines.append('== mean over seeds %s (± sd)' % ','.join(map(str, seeds)))
    for n in NAMES:
        f = {k: [m[k] for m in per[n]] for k in ('ndcg10', 'recall25', 'mrr25')}
        lines.append('reference mean %s: ndcg@10 %.4f ± %.4f  recall@25 %.4f ± %.4f  mrr@25 %.4f ± %.4f'
                     % (n, Q.mean(f['ndcg10']), Q.sd(f['ndcg10']), Q.mean(f['recall25']), Q.sd(f['recall25']),
                        Q.mean(f['mrr25']), Q.sd(f['mrr25'])))
    lines.append('total: %.1f s' % (time.time() - t0))
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, 'reference-quality.txt')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    print('wrote %s' % path)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
