-- Real time: a few log_event() calls move the very next list, in the same
-- transaction, for every user tried, without retraining.
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
DELETE FROM rec.solution;
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
SELECT plan(6);

SELECT rec.train('up', 'user-personalization', params => '{"session_weight": 0.75}') AS version \gset
SELECT rec.deploy('main', 'up');
SET LOCAL rec.campaign = 'main';

-- twenty users who never touched a documentary, and three documentary events each
CREATE TEMP TABLE probe AS
SELECT user_id FROM rec.interactions e JOIN rec.items i USING (item_id)
GROUP BY user_id HAVING bool_and(NOT 'documentary' = ANY (i.categories)) AND count(*) >= 10
ORDER BY user_id LIMIT 20;
CREATE TEMP TABLE before AS
SELECT p.user_id, count(*) FILTER (WHERE 'documentary' = ANY (i.categories)) AS docs
FROM probe p CROSS JOIN LATERAL rec.recommend(p.user_id, 10) r JOIN rec.items i USING (item_id)
GROUP BY p.user_id;

SELECT is((SELECT count(*) FROM probe), 20::bigint, 'twenty probe users');
SELECT is((SELECT sum(docs) FROM before), 0::numeric, 'no documentary in their top 10 before');

SELECT rec.log_event(p.user_id, d.item_id, ts => '2026-09-01'::timestamptz + d.n * interval '1 minute')
FROM probe p
CROSS JOIN (SELECT item_id, row_number() OVER (ORDER BY item_id) AS n FROM rec.items
            WHERE categories = '{documentary}' ORDER BY item_id LIMIT 3) d;

SELECT is((SELECT count(*) FROM probe p
           WHERE (SELECT count(*) FROM rec.recommend(p.user_id, 10) r JOIN rec.items i USING (item_id)
                  WHERE 'documentary' = ANY (i.categories)) >= 1),
          20::bigint, 'documentaries enter the top 10 of every probe user at once');
SELECT is((SELECT count(*) FROM rec.solution_version), 1::bigint, 'without retraining');
SELECT is((SELECT count(*) FROM probe p CROSS JOIN LATERAL rec.recommend(p.user_id, 25) r
           JOIN rec.interactions e ON e.user_id = p.user_id AND e.item_id = r.item_id), 0::bigint,
          'the logged items themselves are excluded as seen');
-- batch sees the same events
SELECT is((SELECT count(DISTINCT b.user_id) FROM rec.batch_recommend('main', 10, (SELECT array_agg(user_id) FROM probe)) b
           JOIN rec.items i USING (item_id) WHERE 'documentary' = ANY (i.categories)),
          20::bigint, 'batch_recommend reflects the events too');

SELECT * FROM finish();
ROLLBACK;
