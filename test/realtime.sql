-- Real time on defaults: a few log_event() calls move the very next list, in
-- the same transaction, for every user tried, without retraining.  The
-- solution trains with NO parameters: the tuner must keep real time on.
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
DELETE FROM rec.solution;
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
SELECT plan(9);

SELECT rec.train('up', 'user-personalization') AS version \gset
SELECT rec.train('plain', 'ease') AS plain \gset
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

SELECT rec.log_event(p.user_id, d.item_id, ts => now() - interval '5 minutes' + d.n * interval '1 minute')
FROM probe p
CROSS JOIN (SELECT item_id, row_number() OVER (ORDER BY item_id) AS n FROM rec.items
            WHERE categories = '{documentary}' ORDER BY item_id LIMIT 3) d;

CREATE TEMP TABLE after AS
SELECT p.user_id, (SELECT count(*) FROM rec.recommend(p.user_id, 10) r JOIN rec.items i USING (item_id)
                   WHERE 'documentary' = ANY (i.categories)) AS docs
FROM probe p;
SELECT is((SELECT count(*) FROM after WHERE docs >= 1),
          20::bigint, 'documentaries enter the top 10 of every probe user at once');
-- measured 3.00 (all three the session term lifts); 2.0 is the workshop's target
SELECT cmp_ok((SELECT avg(docs) FROM after), '>=', 2.0,
              'on average at least two documentaries in the top 10 after three events');
SELECT cmp_ok((SELECT (params->>'session_weight')::float8 FROM rec.solution_version WHERE id = :version),
              '>', 0::float8, 'the tuner keeps the session term on');
-- offline, the default is never below plain EASE (measured 0.531 against 0.524)
SELECT cmp_ok((SELECT (metrics->>'normalized_discounted_cumulative_gain_at_10')::float8
               FROM rec.solution_version WHERE id = :version), '>=',
              (SELECT (metrics->>'normalized_discounted_cumulative_gain_at_10')::float8
               FROM rec.solution_version WHERE id = :plain),
              'offline NDCG@10 of the default is at least plain EASE''s');
SELECT is((SELECT count(*) FROM rec.solution_version), 2::bigint, 'without retraining');
SELECT is((SELECT count(*) FROM probe p CROSS JOIN LATERAL rec.recommend(p.user_id, 25) r
           JOIN rec.interactions e ON e.user_id = p.user_id AND e.item_id = r.item_id), 0::bigint,
          'the logged items themselves are excluded as seen');
-- batch sees the same events
SELECT is((SELECT count(DISTINCT b.user_id) FROM rec.batch_recommend('main', 10, (SELECT array_agg(user_id) FROM probe)) b
           JOIN rec.items i USING (item_id) WHERE 'documentary' = ANY (i.categories)),
          20::bigint, 'batch_recommend reflects the events too');

SELECT * FROM finish();
ROLLBACK;
