-- rec.evaluate: any campaign against any holdout relation
\i data/reset_sample.psql

-- hold out each user's newest event
CREATE TABLE holdout AS
SELECT user_id, item_id, ts FROM (
	SELECT user_id, item_id, ts, row_number() OVER (PARTITION BY user_id ORDER BY ts DESC, item_id) AS n
	FROM rec.interactions) e
WHERE n = 1;
DELETE FROM rec.interactions i USING holdout h WHERE i.user_id = h.user_id AND i.item_id = h.item_id;

SELECT rec.train('up', 'user-personalization') > 0 AS trained;
SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.deploy('main', 'up');
SELECT rec.deploy('popular', 'pop');

SELECT users, round(coverage::numeric, 4) AS coverage, round(mrr_at_25::numeric, 4) AS mrr_at_25,
       round(ndcg_at_10::numeric, 4) AS ndcg_at_10, round(precision_at_10::numeric, 4) AS precision_at_10,
       round(recall_at_25::numeric, 4) AS recall_at_25, round(hit_at_10::numeric, 4) AS hit_at_10
FROM rec.evaluate('main', 'holdout');
CREATE TEMP TABLE before_logging AS SELECT * FROM rec.evaluate('main', 'holdout');
SELECT (SELECT ndcg_at_10 FROM rec.evaluate('main', 'holdout'))
     > 2 * (SELECT ndcg_at_10 FROM rec.evaluate('popular', 'holdout')) AS personalized_beats_popular;

-- the same figures by hand from the metric functions
SELECT round(avg(rec.ndcg_at_k(r.items, ARRAY[h.item_id], 10))::numeric, 4) AS ndcg_at_10
FROM holdout h
CROSS JOIN LATERAL (SELECT array_agg(item_id ORDER BY score DESC, item_id) AS items
                    FROM rec.recommend(h.user_id, 25, campaign => 'main')) r;

-- and from ranked rows with the metric aggregates (the README's example)
CREATE TABLE recs AS SELECT * FROM rec.batch_recommend('main', 25, (SELECT array_agg(user_id) FROM holdout));
SELECT round(avg(ndcg)::numeric, 4) AS ndcg_at_10 FROM (
    SELECT rec.ndcg_agg(r.rank, h.item_id IS NOT NULL, t.n, 10) AS ndcg
    FROM (SELECT user_id, count(DISTINCT item_id)::int AS n FROM holdout GROUP BY 1) t
    LEFT JOIN recs r USING (user_id)
    LEFT JOIN (SELECT DISTINCT user_id, item_id FROM holdout) h USING (user_id, item_id)
    GROUP BY t.user_id, t.n) u;
DROP TABLE recs;

-- a holdout with other column names, and a user unknown to the model
CREATE TABLE clicks_later (customer bigint, product bigint);
INSERT INTO clicks_later VALUES (1, 5), (1, 6), (999999, 173);
SELECT users, round(recall_at_25::numeric, 4) AS recall_at_25
FROM rec.evaluate('main', 'clicks_later', user_column => 'customer', item_column => 'product');

-- the figures are rounded to 6 decimals and print as such; users is a count
SELECT * FROM rec.evaluate('popular', 'holdout');
SELECT pg_typeof(users) AS users_type, pg_typeof(ndcg_at_10) AS metric_type,
       ndcg_at_10 = round(ndcg_at_10::numeric, 6)::float8 AS rounded
FROM rec.evaluate('main', 'holdout');

-- the workshop's situation: the holdout events are logged after training,
-- so they are in the interactions too
INSERT INTO rec.interactions (user_id, item_id, ts) SELECT user_id, item_id, ts FROM holdout;
-- scored from the full history they count as seen: never recommended, every metric 0
SELECT users, round(mrr_at_25::numeric, 4) AS mrr_at_25, round(ndcg_at_10::numeric, 4) AS ndcg_at_10,
       round(recall_at_25::numeric, 4) AS recall_at_25, round(hit_at_10::numeric, 4) AS hit_at_10
FROM rec.evaluate('main', 'holdout', exclude_holdout => false);
-- by default each user's history leaves its holdout items out: the figures of before
SELECT users, round(mrr_at_25::numeric, 4) AS mrr_at_25, round(ndcg_at_10::numeric, 4) AS ndcg_at_10,
       round(recall_at_25::numeric, 4) AS recall_at_25, round(hit_at_10::numeric, 4) AS hit_at_10
FROM rec.evaluate('main', 'holdout');
SELECT e IS NOT DISTINCT FROM b AS same_as_before_logging
FROM rec.evaluate('main', 'holdout') e, before_logging b;

-- later events (the user went on clicking) leak into the history unless it
-- is cut at each user's first holdout event: ts_column
INSERT INTO rec.interactions (user_id, item_id, ts)
SELECT h.user_id, i.item_id, h.ts + interval '1 day'
FROM holdout h CROSS JOIN LATERAL (
	SELECT item_id FROM rec.items ORDER BY hashtext(h.user_id::text || ':' || item_id::text) LIMIT 3) i;
SELECT e IS NOT DISTINCT FROM b AS same_without_ts
FROM rec.evaluate('main', 'holdout') e, before_logging b;
SELECT e IS NOT DISTINCT FROM b AS same_with_ts
FROM rec.evaluate('main', 'holdout', ts_column => 'ts') e, before_logging b;
-- times may also be epoch seconds
CREATE TABLE holdout_epoch AS SELECT user_id, item_id, extract(epoch FROM ts)::bigint AS at FROM holdout;
SELECT e IS NOT DISTINCT FROM b AS same_with_epoch_ts
FROM rec.evaluate('main', 'holdout_epoch', ts_column => 'at') e, before_logging b;

-- the rows behind the figures: each holdout user's list as of the holdout,
-- marked relevant, for any metric at any k with the metric aggregates
SELECT user_id, rank, item_id, relevant, n_relevant
FROM rec.holdout_recommend('popular', 'holdout', k => 3, ts_column => 'ts')
WHERE user_id <= 2 ORDER BY user_id, rank;
SELECT round(avg(ndcg)::numeric, 4) AS ndcg_at_10, count(*) AS users
FROM (SELECT rec.ndcg_agg(rank, relevant, n_relevant, 10) AS ndcg
      FROM rec.holdout_recommend('main', 'holdout', ts_column => 'ts')
      GROUP BY user_id) u;
-- a user with no recommendation (user 1 has seen the whole catalogue) gets
-- one row with a NULL rank and scores 0; rows with a NULL id are skipped
CREATE TABLE tiny_events (user_id bigint, item_id bigint, ts timestamptz);
INSERT INTO tiny_events
SELECT u, 10 + (u + d) % 2, timestamptz '2024-01-01' + d * interval '1 day'
FROM generate_series(1, 5) u, generate_series(0, 1) d;
SELECT rec.create_dataset_group('tiny', 'tiny_events');
SELECT rec.train('tiny-pop', 'popularity-count', 'tiny') > 0 AS trained;
SELECT rec.deploy('tiny', 'tiny-pop');
CREATE TABLE tiny_holdout (user_id bigint, item_id bigint);
INSERT INTO tiny_holdout VALUES (1, 12), (3, 11), (3, NULL), (NULL, 10);
SELECT * FROM rec.holdout_recommend('tiny', 'tiny_holdout') ORDER BY user_id, rank;
SELECT users, mrr_at_25, ndcg_at_10, recall_at_25, hit_at_10, coverage FROM rec.evaluate('tiny', 'tiny_holdout');
-- the history ends at the first holdout event: an event at the same time
-- stays (user 1 has seen both items: no recommendation), a later one is left out
CREATE TABLE tiny_holdout_ts (user_id bigint, item_id bigint, ts timestamptz);
INSERT INTO tiny_holdout_ts VALUES (1, 12, '2024-01-02');
SELECT user_id, rank, item_id FROM rec.holdout_recommend('tiny', 'tiny_holdout_ts', ts_column => 'ts');
UPDATE tiny_holdout_ts SET ts = ts - interval '1 second';
SELECT user_id, rank, item_id FROM rec.holdout_recommend('tiny', 'tiny_holdout_ts', ts_column => 'ts');
-- an empty holdout
TRUNCATE tiny_holdout;
SELECT * FROM rec.evaluate('tiny', 'tiny_holdout');

-- bad input
SELECT * FROM rec.evaluate(NULL, 'holdout');
SELECT * FROM rec.evaluate('no-such-campaign', 'holdout');
SELECT * FROM rec.evaluate('main', 'no_such_table');
SELECT * FROM rec.evaluate('main', 'clicks_later');
SELECT * FROM rec.evaluate('main', 'holdout', exclude_holdout => NULL);
SELECT * FROM rec.evaluate('main', 'holdout', ts_column => 'no_such_column');
CREATE TABLE holdout_text_ts AS SELECT user_id, item_id, ts::text AS ts FROM holdout;
SELECT * FROM rec.evaluate('main', 'holdout_text_ts', ts_column => 'ts');
SELECT * FROM rec.holdout_recommend('main', 'holdout_text_ts', ts_column => 'ts');
SELECT * FROM rec.holdout_recommend('main', 'holdout', ts_column => 'no_such_column');
SELECT * FROM rec.holdout_recommend('main', 'holdout', exclude_holdout => NULL);
SELECT * FROM rec.holdout_recommend('main', 'holdout', k => 0);
SELECT * FROM rec.holdout_recommend('main', 'holdout', k => NULL);
SELECT * FROM rec.holdout_recommend('main', NULL);
SELECT * FROM rec.holdout_recommend('main', 'holdout', user_column => NULL);
SELECT * FROM rec.holdout_recommend('main', 'holdout', item_column => 'no_such_column');
SELECT * FROM rec.holdout_recommend('main', 1::regclass);
SELECT * FROM rec.holdout_recommend('no-such-campaign', 'holdout');
SELECT rec.drop_dataset_group('tiny');
DROP TABLE holdout, holdout_epoch, holdout_text_ts, clicks_later, tiny_events, tiny_holdout, tiny_holdout_ts;
