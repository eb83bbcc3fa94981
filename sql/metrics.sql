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
