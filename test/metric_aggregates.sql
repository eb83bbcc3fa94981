-- Contracts of the metric aggregates and of evaluation "as of" the holdout.
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
LOAD 'rec';
SELECT plan(17);

SELECT is_aggregate('rec', 'ndcg_agg', ARRAY['bigint', 'boolean', 'integer', 'integer']);
SELECT is_aggregate('rec', 'recall_agg', ARRAY['bigint', 'boolean', 'integer', 'integer']);
SELECT is_aggregate('rec', 'precision_agg', ARRAY['bigint', 'boolean', 'integer']);
SELECT is_aggregate('rec', 'mrr_agg', ARRAY['bigint', 'boolean', 'integer']);
SELECT is_aggregate('rec', 'hit_agg', ARRAY['bigint', 'boolean', 'integer']);
SELECT has_function('rec', 'holdout_recommend', ARRAY['text', 'regclass', 'integer', 'text', 'text', 'text', 'boolean']);
SELECT volatility_is('rec', 'evaluate', ARRAY['text', 'regclass', 'text', 'text', 'text', 'boolean'], 'stable');

-- every metric aggregate can run in parallel workers
SELECT is((SELECT array_agg(a.aggfnoid::regproc::text ORDER BY 1) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           WHERE p.pronamespace = 'rec'::regnamespace
             AND (a.aggcombinefn = 0 OR a.aggserialfn = 0 OR a.aggdeserialfn = 0 OR p.proparallel <> 's')),
          NULL, 'metric aggregates have combine, serial and deserial functions and are parallel safe');
SELECT is((SELECT count(*) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           WHERE p.pronamespace = 'rec'::regnamespace AND p.proname LIKE '%\_agg'), 11::bigint, 'eleven metric aggregates');

-- error codes
SELECT throws_ok($$SELECT rec.ndcg_agg(1, true, 1, NULL)$$, '22004', 'k must not be null', 'aggregate: NULL k');
SELECT throws_ok($$SELECT rec.hit_agg(1, true, 0)$$, '22023', 'k must be between 1 and 10000', 'aggregate: k = 0');
SELECT throws_ok($$SELECT rec.mrr_agg(0, true, 5)$$, '22023', 'rank must be at least 1', 'aggregate: rank = 0');
SELECT throws_ok($$SELECT rec.recall_agg(1, true, -2, 5)$$, '22023', 'n_relevant must not be negative', 'aggregate: n_relevant < 0');
SELECT throws_ok($$SELECT rec.ndcg_agg(1, true, NULL, 5)$$, '22004', 'n_relevant must not be null', 'aggregate: NULL n_relevant');

-- properties: the order of the rows does not matter, and the aggregate equals the list function
SELECT is((SELECT rec.ndcg_agg(r, r % 3 = 0, 7, 20) FROM (SELECT g FROM generate_series(1, 30) g ORDER BY g DESC) s(r)),
          (SELECT rec.ndcg_agg(r, r % 3 = 0, 7, 20) FROM (SELECT g FROM generate_series(1, 30) g ORDER BY g) s(r)),
          'ndcg_agg: row order does not matter');
SELECT is((SELECT rec.ndcg_agg(r, r % 3 = 0, 7, 20) FROM generate_series(1, 30) r),
          rec.ndcg_at_k((SELECT array_agg(g::bigint ORDER BY g) FROM generate_series(1, 30) g),
                        '{3,6,9,12,15,18,99}', 20),
          'ndcg_agg equals ndcg_at_k on the same list');
SELECT is((SELECT rec.mrr_agg(r, r = 17, 25) FROM generate_series(1, 30) r), 1 / 17.0::float8,
          'mrr_agg: the first relevant rank');

SELECT * FROM finish();
ROLLBACK;
