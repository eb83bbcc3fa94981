-- scripts/demo.sql: the rec walkthrough, run by scripts/demo on database
-- rec_demo after data/sample.sql is loaded.  Each stage starts with a
-- heading; scripts/demo runs psql -e, so each statement is printed before its
-- result, and a line starting with "--" says what to look at in the next one.
\set ON_ERROR_STOP on
\pset footer off
SET rec.threads = 0;

\echo
\echo '=== 1. The sample data: 400 movies in 8 genres, 600 users, events in time order ==='
SELECT g AS genre, count(DISTINCT i.item_id) AS items, count(*) AS events
FROM rec.interactions e JOIN rec.items i USING (item_id), unnest(i.categories) g
GROUP BY g ORDER BY events DESC;

\echo
\echo '=== 2. Hold out each user''s newest 10% of events, to evaluate on later ==='
CREATE TABLE demo_holdout AS
SELECT user_id, item_id FROM (
	SELECT user_id, item_id, row_number() OVER w AS n, count(*) OVER (PARTITION BY user_id) AS len
	FROM rec.interactions WINDOW w AS (PARTITION BY user_id ORDER BY ts DESC, item_id)) e
WHERE n <= greatest(1, len / 10);
DELETE FROM rec.interactions i USING demo_holdout h WHERE i.user_id = h.user_id AND i.item_id = h.item_id;
SELECT (SELECT count(*) FROM rec.interactions) AS training_events, (SELECT count(*) FROM demo_holdout) AS holdout_events;

\echo
\echo '=== 3. Train one solution per recipe; offline metrics are computed Personalize''s way ==='
SELECT * FROM rec.recipes();
\echo '-- rec.train returns the id of the solution version it trained (ids count up over all solutions)'
SELECT recipe, rec.train(recipe, recipe) AS version
FROM (VALUES ('popularity-count'), ('sims'), ('user-personalization')) v(recipe);
SELECT solution, recipe, n_users, n_items, n_interactions, round(training_seconds::numeric, 3) AS seconds,
       pg_size_pretty(length(model)::bigint) AS model_size
FROM rec.solution_version ORDER BY id;
SELECT m.metric, round(p.value::numeric, 4) AS "popularity-count", round(s.value::numeric, 4) AS sims,
       round(m.value::numeric, 4) AS "user-personalization"
FROM rec.solution_metrics('user-personalization') m
JOIN rec.solution_metrics('sims') s USING (metric)
JOIN rec.solution_metrics('popularity-count') p USING (metric)
ORDER BY m.metric;

\echo
\echo '=== 4. Deploy campaigns; recommend for user 185, each row with its reason, and explain one ==='
\echo '-- rec.deploy returns the solution version the campaign serves now (the ids trained above)'
SELECT rec.deploy('main', 'user-personalization') AS main_serves_version,
       rec.deploy('similar', 'sims') AS similar_serves_version,
       rec.deploy('popular', 'popularity-count') AS popular_serves_version;
SET rec.campaign = 'main';
\echo '-- what user 185 has watched, by genre'
SELECT g AS genre, count(*) AS events FROM rec.interactions e JOIN rec.items i USING (item_id), unnest(i.categories) g
WHERE e.user_id = 185 GROUP BY g ORDER BY events DESC;
SELECT r.item_id, i.title, i.categories, round(r.score::numeric, 4) AS score, r.reason, r.because_item_id
FROM rec.recommend(185, 10) r JOIN rec.items i USING (item_id) ORDER BY r.score DESC;
\echo '-- why the first one: the history items behind its score, exactly'
SELECT e.history_item_id, i.title, round(e.contribution::numeric, 4) AS contribution, round(e.share::numeric, 3) AS share
FROM rec.explain(185, (SELECT item_id FROM rec.recommend(185, 1))) e JOIN rec.items i ON i.item_id = e.history_item_id
LIMIT 5;
\echo '-- user 424242 has no events at all: the popularity fallback, and each row says so (reason popular)'
SELECT r.item_id, i.title, r.reason FROM rec.recommend(424242, 3) r JOIN rec.items i USING (item_id);

\echo
\echo '=== 5. Items similar to an item ==='
SELECT title, categories FROM rec.items WHERE item_id = 1;
SELECT r.item_id, i.title, i.categories, round(r.score::numeric, 4) AS score
FROM rec.similar_items(1, 5, campaign => 'similar') r JOIN rec.items i USING (item_id) ORDER BY r.score DESC;

\echo
\echo '=== 6. Real time: user 185 watches three documentaries; the very next list changes ==='
\echo '-- training tunes its parameters and keeps only what raised NDCG@10 on an inner split: on this'
\echo '-- sample the session term did not, so the tuned session_weight is 0 (off). A second solution'
\echo '-- keeps it on (a parameter you give is not tuned) to show what it does.'
SELECT params->'session_weight' AS tuned_session_weight FROM rec.solution_version WHERE solution = 'user-personalization';
SELECT rec.train('up-session', 'user-personalization', params => '{"session_weight": 0.75}') > 0 AS trained,
       rec.deploy('session', 'up-session') > 0 AS deployed;
\echo '-- three events logged now; the next call sees them (no retraining): reason session'
SELECT count(rec.log_event(185, item_id)) AS events_logged
FROM (SELECT item_id FROM rec.items WHERE categories = '{documentary}' ORDER BY item_id LIMIT 3) d;
SELECT r.item_id, i.title, i.categories, round(r.score::numeric, 4) AS score, r.reason, r.because_item_id
FROM rec.recommend(185, 10, campaign => 'session') r JOIN rec.items i USING (item_id) ORDER BY r.score DESC;

\echo
\echo '=== 7. Re-rank a caller''s candidates for user 185 ==='
\echo '-- 999999 is no item the model knows: ranked last, with no score'
SELECT r.rank, r.item_id, i.title, round(r.score::numeric, 4) AS score
FROM rec.rank(185, '{1, 2, 3, 108, 146, 999999}') r LEFT JOIN rec.items i USING (item_id) ORDER BY r.rank;

\echo
\echo '=== 8. A named filter and a promotion: no dramas, two places for documentaries ==='
SELECT count(*) AS filters_created
FROM (SELECT rec.create_filter('no-genre', 'EXCLUDE ITEMS WHERE categories IN $genres')
      UNION ALL SELECT rec.create_filter('genre', 'INCLUDE ITEMS WHERE categories IN $genres')) f;
\echo '-- the promoted documentaries sit at their places in the list (reason promotion), whatever their score'
SELECT r.item_id, i.title, i.categories, round(r.score::numeric, 4) AS score, r.reason
FROM rec.recommend(42, 8, campaign => 'main', filter => 'no-genre', filter_values => '{"genres": ["drama"]}',
                   promotion => 'genre', promotion_share => 0.25,
                   promotion_values => '{"genres": ["documentary"]}') WITH ORDINALITY r
JOIN rec.items i USING (item_id) ORDER BY r.ordinality;

\echo
\echo '=== 9. Batch: 25 recommendations for every user in one call, and Personalize''s JSON Lines ==='
\timing on
CREATE TABLE demo_batch AS SELECT * FROM rec.batch_recommend('main', 25);
\timing off
SELECT count(DISTINCT user_id) AS users, count(*) AS rows FROM demo_batch;
SELECT * FROM rec.batch_recommend_jsonl('main', 5, '{1, 2}');

\echo
\echo '=== 10. Evaluate every campaign against the holdout, in SQL ==='
\echo '-- each campaign''s list for each user, scored against that user''s held-out events (higher is better)'
SELECT c.campaign, e.users, round(e.coverage::numeric, 4) AS coverage, round(e.mrr_at_25::numeric, 4) AS mrr_at_25,
       round(e.ndcg_at_10::numeric, 4) AS ndcg_at_10, round(e.precision_at_10::numeric, 4) AS precision_at_10,
       round(e.recall_at_25::numeric, 4) AS recall_at_25
FROM (VALUES ('popular'), ('similar'), ('main')) c(campaign), LATERAL rec.evaluate(c.campaign, 'demo_holdout') e;
