-- Ranking metrics: precision, recall, NDCG, MRR and hit rate at k

-- precision_at_k: hits in the first k divided by k
SELECT rec.precision_at_k('{1,2,3,4,5}', '{1,3,9}', 5) AS p5;
SELECT rec.precision_at_k('{1,2,3,4,5}', '{1,3,9}', 2) AS p2;
SELECT rec.precision_at_k('{1,2,3,4,5}', '{1,3,9}') AS p10_default;
SELECT rec.precision_at_k('{7,8,9}', '{1,2}', 3) AS no_hit;

-- recall_at_k: hits in the first k divided by the number of relevant ids
SELECT round(rec.recall_at_k('{1,2,3,4,5}', '{1,3,9}', 5)::numeric, 4) AS r5;
SELECT round(rec.recall_at_k('{1,2,3,4,5}', '{1,3,9}', 1)::numeric, 4) AS r1;
SELECT rec.recall_at_k('{3,1}', '{1,3}') AS r10_default;

-- ndcg_at_k: a perfect list scores 1
SELECT rec.ndcg_at_k('{1,2,3}', '{1,2,3}', 3) AS perfect;
SELECT rec.ndcg_at_k('{3,1,2}', '{1,2,3}') AS perfect_any_order;
-- one hit at position 2: 1/log2(3)
SELECT round(rec.ndcg_at_k('{4,1}', '{1}', 2)::numeric, 4) AS hit_at_2;
-- hits at 1 and 3 of 2 relevant: (1 + 1/2) / (1 + 1/log2(3))
SELECT round(rec.ndcg_at_k('{1,2,3}', '{1,3}', 3)::numeric, 4) AS hits_1_3;
-- the hit at position 3 is past k = 2: 1 / (1 + 1/log2(3))
SELECT round(rec.ndcg_at_k('{1,2,3}', '{1,3}', 2)::numeric, 4) AS hits_1_3_k2;
SELECT rec.ndcg_at_k('{7,8,9}', '{1,2}', 3) AS no_hit;

-- mrr: 1 / position of the first hit within k
SELECT rec.mrr('{1,2,3}', '{1}') AS first;
SELECT round(rec.mrr('{5,6,7}', '{7,6}')::numeric, 4) AS second;
SELECT round(rec.mrr('{5,6,7}', '{7}')::numeric, 4) AS third;
SELECT rec.mrr('{5,6,7}', '{7}', 2) AS past_k;
SELECT rec.mrr('{5,6,7}', '{8}') AS no_hit;

-- hit_at_k: 1 when any of the first k is relevant
SELECT rec.hit_at_k('{5,6,7}', '{7}', 3) AS hit3;
SELECT rec.hit_at_k('{5,6,7}', '{7}', 2) AS hit2;
SELECT rec.hit_at_k('{5,6,7}', '{7}') AS hit10_default;

-- a repeated recommended id counts only at its first position
SELECT round(rec.precision_at_k('{1,1,2}', '{1}', 3)::numeric, 4) AS dup_precision;
SELECT rec.recall_at_k('{1,1,1}', '{1,2}', 3) AS dup_recall;
SELECT round(rec.ndcg_at_k('{1,1}', '{1,2}', 2)::numeric, 4) AS dup_ndcg;
SELECT round(rec.mrr('{2,2,1}', '{1}')::numeric, 4) AS dup_mrr;
-- duplicates in relevant are ignored
SELECT rec.recall_at_k('{1}', '{1,1,2,2}', 3) AS dup_relevant_recall;
SELECT rec.ndcg_at_k('{1,2}', '{2,1,2,1}', 2) AS dup_relevant_ndcg;

-- empty arrays: empty recommended scores 0, empty relevant gives NULL
-- for recall and NDCG and 0 for the others
SELECT rec.precision_at_k('{}', '{1}') AS p,
       rec.recall_at_k('{}', '{1}') AS r,
       rec.ndcg_at_k('{}', '{1}') AS ndcg,
       rec.mrr('{}', '{1}') AS mrr,
       rec.hit_at_k('{}', '{1}') AS hit;
SELECT rec.precision_at_k('{1}', '{}') AS p,
       rec.recall_at_k('{1}', '{}') IS NULL AS r_is_null,
       rec.ndcg_at_k('{1}', '{}') IS NULL AS ndcg_is_null,
       rec.mrr('{1}', '{}') AS mrr,
       rec.hit_at_k('{1}', '{}') AS hit;
SELECT rec.recall_at_k('{}', '{}') IS NULL AS r_is_null,
       rec.ndcg_at_k('{}', '{}') IS NULL AS ndcg_is_null;

-- k larger than the list
SELECT rec.precision_at_k('{1}', '{1}', 10) AS p;
SELECT rec.recall_at_k('{1,2}', '{1,2}', 10000) AS r;
SELECT round(rec.ndcg_at_k('{1}', '{1,2}', 5)::numeric, 4) AS ndcg;
SELECT rec.mrr('{3,1}', '{1}', 10000) AS mrr;
SELECT rec.hit_at_k('{3,1}', '{1}', 10000) AS hit;

-- lower array bounds other than 1 are fine
SELECT rec.precision_at_k('[5:7]={1,2,3}', '{2}', 1) AS p1,
       rec.mrr('[5:7]={1,2,3}', '{2}') AS mrr;

-- errors: nulls in the arrays
SELECT rec.precision_at_k('{1,NULL}', '{1}');
SELECT rec.recall_at_k('{1}', '{NULL,1}');
SELECT rec.ndcg_at_k('{NULL}', '{1}');
SELECT rec.mrr('{1}', '{NULL}');
SELECT rec.hit_at_k(ARRAY[1, NULL]::bigint[], '{1}');

-- errors: k out of range
SELECT rec.precision_at_k('{1}', '{1}', 0);
SELECT rec.recall_at_k('{1}', '{1}', 10001);
SELECT rec.ndcg_at_k('{1}', '{1}', -1);
SELECT rec.mrr('{1}', '{1}', 0);
SELECT rec.hit_at_k('{1}', '{1}', 10001);
-- k is checked even when relevant is empty
SELECT rec.recall_at_k('{1}', '{}', 0);

-- errors: multi-dimensional arrays
SELECT rec.precision_at_k('{{1,2},{3,4}}', '{1}');
SELECT rec.ndcg_at_k('{1,2}', '{{1},{2}}');
SELECT rec.mrr('{{1}}', '{1}');

-- STRICT: a NULL argument gives NULL
SELECT rec.precision_at_k(NULL, '{1}') IS NULL AS p_null;
SELECT rec.recall_at_k('{1}', NULL) IS NULL AS r_null;
SELECT rec.ndcg_at_k('{1}', '{1}', NULL) IS NULL AS ndcg_null;
SELECT rec.mrr(NULL, NULL) IS NULL AS mrr_null;
SELECT rec.hit_at_k('{1}', '{1}', NULL) IS NULL AS hit_null;

-- averaging over users; recall and NDCG skip the user with no relevant ids
SELECT round(avg(rec.precision_at_k(r, t, 2))::numeric, 4) AS p2,
       round(avg(rec.recall_at_k(r, t, 2))::numeric, 4) AS r2,
       round(avg(rec.ndcg_at_k(r, t, 2))::numeric, 4) AS ndcg2,
       round(avg(rec.mrr(r, t))::numeric, 4) AS mrr,
       round(avg(rec.hit_at_k(r, t, 2))::numeric, 4) AS hit2,
       count(rec.recall_at_k(r, t, 2)) AS users_with_recall
FROM (VALUES ('{1,2,3}'::bigint[], '{1,2}'::bigint[]),
             ('{4,5,6}', '{6}'),
             ('{7,8,9}', '{}')) AS u(r, t);

-- Aggregates over ranked rows: one group is one user's list, each row
-- (rank, relevant[, n_relevant], k); the same figures as the functions above
CREATE TABLE ranked (user_id int, rank int, relevant boolean, n_relevant int);
INSERT INTO ranked VALUES
	-- recommended {1,2,3,4,5}, relevant {1,3,9}
	(1, 1, true, 3), (1, 2, false, 3), (1, 3, true, 3), (1, 4, false, 3), (1, 5, false, 3),
	-- recommended {4,1}, relevant {1}
	(2, 1, false, 1), (2, 2, true, 1),
	-- recommended {7,8,9}, relevant {}
	(3, 1, false, 0), (3, 2, false, 0), (3, 3, false, 0),
	-- no recommendation (a left join gives a NULL rank), relevant {1}
	(4, NULL, NULL, 1);
SELECT user_id,
       rec.precision_agg(rank, relevant, 5) AS p5,
       round(rec.recall_agg(rank, relevant, n_relevant, 5)::numeric, 4) AS r5,
       round(rec.ndcg_agg(rank, relevant, n_relevant, 3)::numeric, 4) AS ndcg3,
       round(rec.mrr_agg(rank, relevant, 25)::numeric, 4) AS mrr,
       rec.hit_agg(rank, relevant, 1) AS hit1
FROM ranked GROUP BY user_id ORDER BY user_id;
SELECT rec.precision_agg(r, true, 5) = rec.precision_at_k('{1,2,3,4,5}', '{1,3,9}', 5) AS p5_equal,
       rec.ndcg_agg(r, r IN (1, 3), 3, 3) = rec.ndcg_at_k('{1,2,3,4,5}', '{1,3,9}', 3) AS ndcg3_equal
FROM (VALUES (1), (3)) v(r);

-- rows are unordered; a rank given twice counts once (relevant if any of
-- its rows is); ranks past k, NULL ranks and NULL relevant score nothing
SELECT round(rec.ndcg_agg(rank, relevant, 2, 10)::numeric, 4) AS shuffled,
       round(rec.ndcg_at_k('{5,1,6,2}', '{1,2}', 10)::numeric, 4) AS as_list
FROM (VALUES (4, true), (2, true), (1, false), (3, false)) v(rank, relevant);
SELECT rec.precision_agg(rank, relevant, 2) AS p2, rec.recall_agg(rank, relevant, 1, 2) AS r2
FROM (VALUES (1, true), (1, true), (1, false), (2, NULL), (3, true), (NULL, true)) v(rank, relevant);
-- no rows: NULL, as avg() gives; n_relevant 0: NULL recall and NDCG, so avg() skips the user
SELECT rec.ndcg_agg(rank, true, 1, 10) IS NULL AS no_rows FROM ranked WHERE false;
SELECT rec.recall_agg(1, false, 0, 10) IS NULL AS r_null, rec.ndcg_agg(1, false, 0, 10) IS NULL AS ndcg_null,
       rec.precision_agg(1, false, 10) AS p, rec.mrr_agg(1, false, 10) AS mrr, rec.hit_agg(1, false, 10) AS hit;
-- the cross-user mean is avg() over the per-user values
SELECT round(avg(ndcg)::numeric, 4) AS mean_ndcg3, count(ndcg) AS users_with_ndcg
FROM (SELECT rec.ndcg_agg(rank, relevant, n_relevant, 3) AS ndcg FROM ranked GROUP BY user_id) u;

-- errors: k
SELECT rec.ndcg_agg(1, true, 1, NULL);
SELECT rec.precision_agg(1, true, 0);
SELECT rec.mrr_agg(1, true, 10001);
SELECT rec.hit_agg(rank, true, rank) FROM (VALUES (1), (2)) v(rank);
-- errors: rank
SELECT rec.precision_agg(0, true, 10);
SELECT rec.recall_agg(-1, true, 1, 10);
-- errors: n_relevant
SELECT rec.ndcg_agg(1, true, NULL, 10);
SELECT rec.recall_agg(1, true, -1, 10);
SELECT rec.ndcg_agg(rank, true, rank, 10) FROM (VALUES (1), (2)) v(rank);
SELECT rec.recall_agg(rank, true, 1, 10) FROM (VALUES (1), (2)) v(rank);

-- the aggregates equal the per-list functions exactly, on 2,000 users'
-- lists of 0 to 24 distinct items (relevant sets of 0 to 12), k from 1 to 30
SELECT setseed(0.42);
CREATE TABLE metric_lists AS
SELECT u AS user_id,
       coalesce((SELECT array_agg(i ORDER BY o) FROM (
           SELECT i, random() + 0 * u AS o FROM generate_series(1, 60) i ORDER BY 2 LIMIT u % 25) s), '{}') AS rec,
       coalesce((SELECT array_agg(i) FROM generate_series(1, 60) i WHERE random() < (u % 7) * 0.03), '{}') AS rel
FROM generate_series(1, 2000) u;
-- one row per recommended item, shuffled so that each user's rows spread over the table
CREATE TABLE metric_rows AS
SELECT l.user_id, r.rank, r.item = ANY (l.rel) AS relevant, cardinality(l.rel) AS n_relevant
FROM metric_lists l LEFT JOIN LATERAL unnest(l.rec) WITH ORDINALITY r(item, rank) ON true
ORDER BY md5(l.user_id || ':' || coalesce(r.rank, 0));
SELECT count(*) AS rows, count(DISTINCT user_id) AS users FROM metric_rows;
ANALYZE metric_rows;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE a.p IS DISTINCT FROM rec.precision_at_k(l.rec, l.rel, a.k)) AS precision_differ,
       count(*) FILTER (WHERE a.r IS DISTINCT FROM rec.recall_at_k(l.rec, l.rel, a.k)) AS recall_differ,
       count(*) FILTER (WHERE a.n IS DISTINCT FROM rec.ndcg_at_k(l.rec, l.rel, a.k)) AS ndcg_differ,
       count(*) FILTER (WHERE a.m IS DISTINCT FROM rec.mrr(l.rec, l.rel, a.k)) AS mrr_differ,
       count(*) FILTER (WHERE a.h IS DISTINCT FROM rec.hit_at_k(l.rec, l.rel, a.k)) AS hit_differ
FROM (SELECT m.user_id, k.k,
             rec.precision_agg(m.rank, m.relevant, k.k) AS p,
             rec.recall_agg(m.rank, m.relevant, m.n_relevant, k.k) AS r,
             rec.ndcg_agg(m.rank, m.relevant, m.n_relevant, k.k) AS n,
             rec.mrr_agg(m.rank, m.relevant, k.k) AS m,
             rec.hit_agg(m.rank, m.relevant, k.k) AS h
      FROM metric_rows m CROSS JOIN (VALUES (1), (5), (10), (25), (30)) k(k)
      GROUP BY m.user_id, k.k) a
JOIN metric_lists l USING (user_id);

-- parallel: partial aggregates in the workers, combined above the Gather
CREATE FUNCTION plan_nodes(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	plan json;
BEGIN
	EXECUTE 'EXPLAIN (COSTS OFF, FORMAT JSON) ' || query INTO plan;
	RETURN QUERY
	WITH RECURSIVE n(node, depth) AS (
		SELECT plan -> 0 -> 'Plan', 0
		UNION ALL
		SELECT c, n.depth + 1 FROM n, json_array_elements(n.node -> 'Plans') c)
	SELECT repeat('  ', depth)
	       || CASE WHEN node ->> 'Partial Mode' IN ('Partial', 'Finalize') THEN (node ->> 'Partial Mode') || ' ' ELSE '' END
	       || CASE WHEN (node ->> 'Parallel Aware')::boolean THEN 'Parallel ' ELSE '' END
	       || (node ->> 'Node Type')
	FROM n;
END
$$;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT plan_nodes($$SELECT user_id, rec.ndcg_agg(rank, relevant, n_relevant, 10), rec.recall_agg(rank, relevant, n_relevant, 10),
                           rec.precision_agg(rank, relevant, 10), rec.mrr_agg(rank, relevant, 10), rec.hit_agg(rank, relevant, 10)
                    FROM metric_rows GROUP BY user_id$$);
-- the parallel figures equal the per-list functions' exactly
CREATE TABLE metric_parallel AS
SELECT user_id, rec.ndcg_agg(rank, relevant, n_relevant, 10) AS n, rec.recall_agg(rank, relevant, n_relevant, 10) AS r,
       rec.precision_agg(rank, relevant, 10) AS p, rec.mrr_agg(rank, relevant, 10) AS m, rec.hit_agg(rank, relevant, 10) AS h
FROM metric_rows GROUP BY user_id;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT count(*) AS users,
       count(*) FILTER (WHERE p.n IS DISTINCT FROM rec.ndcg_at_k(l.rec, l.rel, 10)
                           OR p.r IS DISTINCT FROM rec.recall_at_k(l.rec, l.rel, 10)
                           OR p.p IS DISTINCT FROM rec.precision_at_k(l.rec, l.rel, 10)
                           OR p.m IS DISTINCT FROM rec.mrr(l.rec, l.rel, 10)
                           OR p.h IS DISTINCT FROM rec.hit_at_k(l.rec, l.rel, 10)) AS differ
FROM metric_parallel p JOIN metric_lists l USING (user_id);
-- and so do their means
SELECT round(avg(p.n)::numeric, 12) = round(avg(rec.ndcg_at_k(l.rec, l.rel, 10))::numeric, 12) AS same_mean_ndcg,
       round(avg(p.m)::numeric, 12) = round(avg(rec.mrr(l.rec, l.rel, 10))::numeric, 12) AS same_mean_mrr
FROM metric_parallel p JOIN metric_lists l USING (user_id);
DROP FUNCTION plan_nodes(text);
DROP TABLE ranked, metric_lists, metric_rows, metric_parallel;
