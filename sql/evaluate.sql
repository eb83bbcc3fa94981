-- rec.evaluate: any campaign against any holdout relation
\i data/reset_sample.psql

-- hold out each user's newest event
CREATE TABLE holdout AS
SELECT user_id, item_id FROM (
	SELECT user_id, item_id, row_number() OVER (PARTITION BY user_id ORDER BY ts DESC, item_id) AS n
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
SELECT (SELECT ndcg_at_10 FROM rec.evaluate('main', 'holdout'))
     > 2 * (SELECT ndcg_at_10 FROM rec.evaluate('popular', 'holdout')) AS personalized_beats_popular;

-- the same figures by hand from the metric functions
SELECT round(avg(rec.ndcg_at_k(r.items, ARRAY[h.item_id], 10))::numeric, 4) AS ndcg_at_10
FROM holdout h
CROSS JOIN LATERAL (SELECT array_agg(item_id ORDER BY score DESC, item_id) AS items
                    FROM rec.recommend(h.user_id, 25, campaign => 'main')) r;

-- a holdout with other column names, and a user unknown to the model
CREATE TABLE clicks_later (customer bigint, product bigint);
INSERT INTO clicks_later VALUES (1, 5), (1, 6), (999999, 173);
SELECT users, round(recall_at_25::numeric, 4) AS recall_at_25
FROM rec.evaluate('main', 'clicks_later', user_column => 'customer', item_column => 'product');

-- bad input
SELECT * FROM rec.evaluate(NULL, 'holdout');
SELECT * FROM rec.evaluate('no-such-campaign', 'holdout');
SELECT * FROM rec.evaluate('main', 'no_such_table');
SELECT * FROM rec.evaluate('main', 'clicks_later');
DROP TABLE holdout, clicks_later;
