-- Metrics beyond accuracy (issue 19): coverage, novelty, intra-list
-- diversity, serendipity and NDCG weighted by event type, as aggregates and
-- in rec.evaluate
\i data/reset_sample.psql

-- the aggregates on small cases worked by hand
-- coverage: 3 distinct of 10; NULL ids are skipped; text ids too
SELECT rec.coverage_agg(i, 10) FROM unnest('{1,2,2,3,NULL}'::bigint[]) i;
SELECT rec.coverage_agg(i, 10) FROM unnest('{a,b,b}'::text[]) i;
-- novelty: -log2(1/8), -log2(2/8), -log2(4/8) and an unknown item (0): (3 + 2 + 1 + 0) / 4
SELECT rec.novelty_agg(c, 8) FROM unnest('{1,2,4,NULL}'::bigint[]) c;
-- diversity: cosines {a,b}~{a} = 1/sqrt(2), the other pairs 0: 1 - 0.7071 / 3
SELECT round(rec.diversity_agg(c)::numeric, 4) AS diversity
FROM (VALUES ('{a,b}'::text[]), ('{a}'), ('{c}')) v(c);
-- one item has no pair: NULL; an item without categories is like no other
SELECT rec.diversity_agg(c) FROM (VALUES ('{a,b}'::text[])) v(c);
SELECT rec.diversity_agg(c) FROM (VALUES ('{a}'::text[]), (NULL), ('{}')) v(c);
-- serendipity: history {a}, {b}; {a} relevant (mean cosine 0.5), {c} not relevant: (0.5 + 0) / 2
SELECT rec.serendipity_agg(c, r, h)
FROM (VALUES ('{a}'::text[], NULL::bool, true), ('{b}', NULL, true), ('{a}', true, false), ('{c}', false, false)) v(c, r, h);
-- no history, or no recommendation: NULL
SELECT rec.serendipity_agg(c, true, false) FROM (VALUES ('{a}'::text[])) v(c);
SELECT rec.serendipity_agg(c, NULL, true) FROM (VALUES ('{a}'::text[])) v(c);
-- graded NDCG: with gains 0/1 it is binary NDCG; a relevant item not recommended has a NULL rank
SELECT round(rec.gain_ndcg_agg(r, g, 3)::numeric, 6) AS graded, round(rec.ndcg_agg(r, g > 0, 2, 3)::numeric, 6) AS binary
FROM (VALUES (1::bigint, 0::float8), (2, 1), (3, 0), (NULL, 1)) v(r, g);
-- gain 3 at rank 2, gain 1 not recommended: (3 / log2 3) / (3 + 1 / log2 3)
SELECT round(rec.gain_ndcg_agg(r, g, 3)::numeric, 6) AS graded
FROM (VALUES (1::bigint, NULL::float8), (2, 3), (NULL, 1)) v(r, g);
SELECT round(((3 / log(2, 3)) / (3 + 1 / log(2, 3)))::numeric, 6) AS by_hand;
-- no gain: NULL; no rows: NULL
SELECT rec.gain_ndcg_agg(r, NULL, 3) FROM (VALUES (1::bigint)) v(r);
SELECT rec.coverage_agg(i, 10), rec.novelty_agg(i, 10), rec.diversity_agg(NULL::text[]) FROM unnest('{}'::bigint[]) i;

-- in parallel workers they give what they give serially
CREATE TABLE recs AS
SELECT g / 25 AS user_id, 1 + g % 25 AS rank, (g * 7919) % 5000 AS item_id,
	ARRAY[((g * 31) % 9)::text, ((g * 17) % 5)::text] AS categories, g % 11 = 0 AS relevant
FROM generate_series(0, 249999) g;
ANALYZE recs;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT rec.coverage_agg(item_id, 10000) FROM recs;
CREATE TEMP TABLE par AS
SELECT rec.coverage_agg(item_id, 10000) AS coverage, rec.novelty_agg(1 + item_id % 100, 1000) AS novelty,
	rec.diversity_agg(categories) AS diversity, rec.serendipity_agg(categories, relevant, rank > 20) AS serendipity,
	rec.gain_ndcg_agg(rank, CASE WHEN relevant THEN 1 + rank % 3 END, 10) AS graded
FROM recs;
SET max_parallel_workers_per_gather = 0;
SELECT abs(p.coverage - s.coverage) < 1e-12 AS coverage, abs(p.novelty - s.novelty) < 1e-9 AS novelty,
	abs(p.diversity - s.diversity) < 1e-9 AS diversity, abs(p.serendipity - s.serendipity) < 1e-9 AS serendipity,
	abs(p.graded - s.graded) < 1e-9 AS graded
FROM par p, (SELECT rec.coverage_agg(item_id, 10000) AS coverage, rec.novelty_agg(1 + item_id % 100, 1000) AS novelty,
	rec.diversity_agg(categories) AS diversity, rec.serendipity_agg(categories, relevant, rank > 20) AS serendipity,
	rec.gain_ndcg_agg(rank, CASE WHEN relevant THEN 1 + rank % 3 END, 10) AS graded FROM recs) s;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- per user (one group per list), as rec.evaluate uses them
SELECT count(*) AS users, round(avg(d)::numeric, 4) AS diversity FROM (
	SELECT rec.diversity_agg(categories) AS d FROM recs WHERE rank <= 10 GROUP BY user_id) u;
DROP TABLE recs;

-- rec.evaluate reports them: each user's newest event held out, with its type
CREATE TABLE holdout AS
SELECT user_id, item_id, event_type, ts FROM (
	SELECT user_id, item_id, event_type, ts, row_number() OVER (PARTITION BY user_id ORDER BY ts DESC, item_id) AS n
	FROM rec.interactions) e
WHERE n = 1;
DELETE FROM rec.interactions i USING holdout h WHERE i.user_id = h.user_id AND i.item_id = h.item_id;
SELECT event_type, count(*) FROM holdout GROUP BY 1 ORDER BY 1;
SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.train('up', 'user-personalization', params => '{"tune": false}') > 0 AS trained;
SELECT rec.train('upw', 'user-personalization', params => '{"tune": false, "event_weights": {"purchase": 3}}') > 0 AS trained;
SELECT rec.train('up1', 'user-personalization', params => '{"tune": false, "event_weights": {"purchase": 1}}') > 0 AS trained;
SELECT rec.deploy(s, s) > 0 AS deployed FROM unnest('{pop,up,upw,up1}'::text[]) s;
CREATE TEMP TABLE e AS
SELECT c AS campaign, e.* FROM unnest('{pop,up,upw,up1}'::text[]) c, LATERAL rec.evaluate(c, 'holdout') e;
-- popular items are not novel: popularity's lists are the least novel, and the
-- same for every user (no serendipity to speak of)
SELECT campaign, novelty > 0 AS novel, diversity BETWEEN 0 AND 1 AS diversity_in_range,
	serendipity BETWEEN 0 AND 1 AS serendipity_in_range, weighted_ndcg_at_10 IS NOT NULL AS weighted
FROM e ORDER BY campaign;
SELECT (SELECT novelty FROM e WHERE campaign = 'up') > (SELECT novelty FROM e WHERE campaign = 'pop') AS personalized_more_novel,
	(SELECT serendipity FROM e WHERE campaign = 'up') > (SELECT serendipity FROM e WHERE campaign = 'pop') AS personalized_more_serendipitous;
-- popularity's figures do not depend on the machine: print them
SELECT round(novelty::numeric, 4) AS novelty, round(diversity::numeric, 4) AS diversity,
	round(serendipity::numeric, 4) AS serendipity FROM e WHERE campaign = 'pop';
-- with every event type weighing 1, NDCG weighted by event type is NDCG
SELECT weighted_ndcg_at_10 = ndcg_at_10 AS weight_one_is_ndcg FROM e WHERE campaign = 'up1';
-- purchases weigh 3: in [0, 1]; with one holdout item per user its gain
-- cancels out (gain / ideal gain), so here it is NDCG again
SELECT weighted_ndcg_at_10 BETWEEN 0 AND 1 AS in_range, weighted_ndcg_at_10 = ndcg_at_10 AS one_item_gain_cancels
FROM e WHERE campaign = 'upw';
-- by hand from holdout_recommend and the aggregate: the same figure
SELECT round(avg(w)::numeric, 6)::float8 = (SELECT weighted_ndcg_at_10 FROM e WHERE campaign = 'upw') AS same_by_hand
FROM (SELECT rec.gain_ndcg_agg(r.rank, g.gain, 10) AS w
	  FROM (SELECT * FROM rec.holdout_recommend('upw', 'holdout') WHERE rank IS NOT NULL) r
	  FULL JOIN (SELECT user_id, item_id, CASE WHEN event_type = 'purchase' THEN 3 ELSE 1 END AS gain FROM holdout) g
	  USING (user_id, item_id)
	  GROUP BY user_id) u;
-- a holdout without the event type column: no weighted figure
CREATE TABLE holdout_pairs AS SELECT user_id, item_id FROM holdout;
SELECT weighted_ndcg_at_10 IS NULL AS no_weighted FROM rec.evaluate('upw', 'holdout_pairs');
-- events logged after training (the holdout's own) change none of the figures
INSERT INTO rec.interactions (user_id, item_id, event_type, ts) SELECT user_id, item_id, event_type, ts FROM holdout;
SELECT r IS NOT DISTINCT FROM (SELECT e2 FROM (SELECT novelty, diversity, serendipity, weighted_ndcg_at_10 FROM e WHERE campaign = 'upw') e2) AS same
FROM (SELECT novelty, diversity, serendipity, weighted_ndcg_at_10 FROM rec.evaluate('upw', 'holdout')) r;
SELECT r IS NOT DISTINCT FROM (SELECT e2 FROM (SELECT novelty, diversity, serendipity, weighted_ndcg_at_10 FROM e WHERE campaign = 'upw') e2) AS same_with_ts
FROM (SELECT novelty, diversity, serendipity, weighted_ndcg_at_10 FROM rec.evaluate('upw', 'holdout', ts_column => 'ts')) r;

-- a text group (text users, uuid items) gives the bigint group's figures
CREATE FUNCTION uid(n bigint) RETURNS text LANGUAGE sql IMMUTABLE
	RETURN CASE WHEN n = 1 THEN 'alice' ELSE 'user ' || n END;
CREATE FUNCTION iid(n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE RETURN md5('i' || n)::uuid;
DELETE FROM rec.interactions i USING holdout h WHERE i.user_id = h.user_id AND i.item_id = h.item_id;
CREATE TABLE ev_text (customer text, product uuid, kind text, at timestamptz);
CREATE TABLE it_uuid (product uuid PRIMARY KEY, tags text[]);
INSERT INTO ev_text SELECT uid(user_id), iid(item_id), event_type, ts FROM rec.interactions;
INSERT INTO it_uuid SELECT iid(item_id), categories FROM rec.items;
SELECT rec.create_dataset_group('g', 'ev_text', items => 'it_uuid',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at", "event_type": "kind",
	             "items_item_id": "product", "categories": "tags"}');
SELECT rec.train('pop_text', 'popularity-count', 'g') > 0 AS trained;
SELECT rec.deploy('pop_text', 'pop_text') > 0 AS deployed;
CREATE TABLE hold_text AS SELECT uid(user_id) AS customer, iid(item_id) AS product, event_type AS kind FROM holdout;
SELECT row(t.*)::text = (SELECT row(e.*)::text FROM rec.evaluate('pop', 'holdout') e) AS same_as_bigint
FROM rec.evaluate('pop_text', 'hold_text', 'customer', 'product') t;
-- and a group without items: no categories, no diversity nor serendipity
SELECT rec.create_dataset_group('bare', 'ev_text', columns => '{"user_id": "customer", "item_id": "product", "ts": "at"}');
SELECT rec.train('pop_bare', 'popularity-count', 'bare') > 0 AS trained;
SELECT rec.deploy('pop_bare', 'pop_bare') > 0 AS deployed;
SELECT novelty = (SELECT novelty FROM e WHERE campaign = 'pop') AS same_novelty, diversity, serendipity
FROM rec.evaluate('pop_bare', 'hold_text', 'customer', 'product');

-- bad input
SELECT rec.coverage_agg(1, 0);
SELECT rec.coverage_agg(1, NULL);
SELECT rec.coverage_agg(i, 10 + i) FROM generate_series(1, 2) i;
SELECT rec.novelty_agg(3, 2);
SELECT rec.novelty_agg(-1, 2);
SELECT rec.novelty_agg(1, 0);
SELECT rec.novelty_agg(1, NULL);
SELECT rec.serendipity_agg('{a}', true, NULL);
SELECT rec.gain_ndcg_agg(1, 1, NULL);
SELECT rec.gain_ndcg_agg(1, 1, 0);
SELECT rec.gain_ndcg_agg(0, 1, 10);
SELECT rec.gain_ndcg_agg(1, -1, 10);
SELECT rec.gain_ndcg_agg(1, 'NaN', 10);
SELECT rec.gain_ndcg_agg(1, 1, k) FROM generate_series(5, 6) k;

SELECT rec.drop_dataset_group('g');
SELECT rec.drop_dataset_group('bare');
DROP TABLE holdout, holdout_pairs, hold_text, ev_text, it_uuid;
DROP FUNCTION uid(bigint), iid(bigint);
