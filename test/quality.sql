-- Quality on the sample data: personalized recipes beat popularity on a
-- time-ordered holdout, and metrics agree with their definitions.
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
DELETE FROM rec.solution;
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
SELECT plan(8);

-- newest 10% of each user's events (at least one) are the holdout
CREATE TEMP TABLE holdout AS
SELECT user_id, item_id FROM (
	SELECT user_id, item_id, row_number() OVER w AS n, count(*) OVER (PARTITION BY user_id) AS len
	FROM rec.interactions WINDOW w AS (PARTITION BY user_id ORDER BY ts DESC, item_id)) e
WHERE n <= greatest(1, len / 10);
DELETE FROM rec.interactions i USING holdout h WHERE i.user_id = h.user_id AND i.item_id = h.item_id;

SELECT rec.deploy(r, r) FROM (VALUES ('popularity-count'), ('sims'), ('user-personalization'), ('ease')) v(r)
WHERE rec.train(r, r) > 0;
SELECT rec.deploy('up-sparse', 'up-sparse')
WHERE rec.train('up-sparse', 'user-personalization', params => '{"neighbors": 100}') > 0;
CREATE TEMP TABLE result AS
SELECT r AS recipe, e.* FROM (VALUES ('popularity-count'), ('sims'), ('user-personalization'), ('ease'), ('up-sparse')) v(r),
LATERAL rec.evaluate(r, 'holdout') e;

SELECT cmp_ok((SELECT recall_at_10 FROM result WHERE recipe = 'user-personalization'), '>',
              2 * (SELECT recall_at_10 FROM result WHERE recipe = 'popularity-count'),
              'user-personalization recall@10 is more than twice popularity''s');
SELECT cmp_ok((SELECT recall_at_10 FROM result WHERE recipe = 'user-personalization'), '>=', 0.3::float8,
              'user-personalization recall@10 on the sample data is at least 0.3');
SELECT cmp_ok((SELECT ndcg_at_10 FROM result WHERE recipe = 'sims'), '>',
              1.5 * (SELECT ndcg_at_10 FROM result WHERE recipe = 'popularity-count'),
              'sims NDCG@10 is more than 1.5 times popularity''s');
SELECT cmp_ok((SELECT coverage FROM result WHERE recipe = 'user-personalization'), '>',
              5 * (SELECT coverage FROM result WHERE recipe = 'popularity-count'),
              'personalization covers far more of the catalogue');
-- tuning turns off what does not help here: user-personalization does not lose to plain EASE
SELECT cmp_ok((SELECT ndcg_at_10 FROM result WHERE recipe = 'user-personalization'), '>=',
              (SELECT ndcg_at_10 FROM result WHERE recipe = 'ease') - 0.005,
              'user-personalization NDCG@10 is at least plain EASE''s (within 0.005)');
-- the sparse model (100 neighbours of 400 items) is close to the dense one
SELECT cmp_ok((SELECT ndcg_at_10 FROM result WHERE recipe = 'up-sparse'), '>=',
              0.98 * (SELECT ndcg_at_10 FROM result WHERE recipe = 'user-personalization'),
              'sparse user-personalization NDCG@10 is within 2% of the dense one');
-- the figures above are what recommend() serves: recall@10 recomputed from each holdout
-- user's list of 10 (in place of bounds such as precision <= hit rate, true of any figures)
SELECT cmp_ok((SELECT abs(avg(t.hits::float8 / t.n) - (SELECT recall_at_10 FROM result WHERE recipe = 'user-personalization'))
               FROM (SELECT h.user_id, count(*) AS n,
                            count(*) FILTER (WHERE h.item_id IN (SELECT r.item_id FROM rec.recommend(h.user_id, 10, campaign => 'user-personalization') r)) AS hits
                     FROM holdout h GROUP BY h.user_id) t), '<', 1e-6::float8,
              'evaluate''s recall@10 is the mean recall of recommend()''s lists of 10');
-- offline metrics recorded at training agree in direction
SELECT cmp_ok((SELECT value FROM rec.solution_metrics('user-personalization') WHERE metric = 'precision_at_10'), '>',
              (SELECT value FROM rec.solution_metrics('popularity-count') WHERE metric = 'precision_at_10'),
              'solution_metrics rank user-personalization above popularity');

SELECT * FROM finish();
ROLLBACK;
