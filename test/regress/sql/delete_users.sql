-- Deleting users (Personalize's data deletion job): rec.delete_users removes
-- users from a dataset group's interactions and users relations and from rec's
-- impression and attribution tables, in one transaction; the versions trained
-- before are named, and a model trained afterwards holds nothing of them
\i data/reset_sample.psql
-- impressions and attributions left by other tests (of campaigns dropped since) would go too
TRUNCATE rec.impression, rec.event_attribution;

SELECT rec.train('up', 'user-personalization') > 0 AS trained;
SELECT rec.deploy('main', 'up') > 0 AS deployed;
SELECT rec.log_impression(1, ARRAY[5, 6], 'main'), rec.log_impression(2, ARRAY[5, 6], 'main');
SELECT rec.log_event(1, 7, campaign => 'main', rank => 1), rec.log_event(2, 7, campaign => 'main', rank => 1);
-- an impression of a campaign dropped since belongs to no group any more: it goes too
SELECT rec.log_impression(1, ARRAY[5], 'main');
UPDATE rec.impression SET campaign = 'gone' WHERE ctid = (SELECT max(ctid) FROM rec.impression);
CREATE TEMP TABLE kept AS
SELECT (SELECT count(*) FROM rec.interactions WHERE user_id NOT IN (1, 3)) AS interactions,
       (SELECT count(*) FROM rec.users WHERE user_id NOT IN (1, 3)) AS users;
SELECT user_id, count(*) > 0 AS has_events FROM rec.interactions WHERE user_id IN (1, 3) GROUP BY 1 ORDER BY 1;

-- one row per relation; a NOTICE names the versions trained before
SELECT * FROM rec.delete_users('default', ARRAY[1, 3]);
SELECT count(*) AS left_of_them FROM rec.interactions WHERE user_id IN (1, 3);
SELECT count(*) AS left_of_them FROM rec.users WHERE user_id IN (1, 3);
SELECT user_id, campaign FROM rec.impression ORDER BY user_id, campaign;
SELECT user_id, item_id FROM rec.event_attribution ORDER BY user_id;
SELECT (SELECT count(*) FROM rec.interactions) = interactions AS others_kept,
       (SELECT count(*) FROM rec.users) = users AS others_kept FROM kept;
-- again: nothing more to delete, no NOTICE (ids as text, read as the group's bigint ids)
SELECT * FROM rec.delete_users('default', ARRAY['1', '3']);

-- all or nothing, in the caller's transaction
BEGIN;
SELECT deleted > 0 AS deleted FROM rec.delete_users('default', ARRAY[2]) WHERE relation = 'rec.interactions'::regclass;
ROLLBACK;
SELECT count(*) > 0 AS user_2_back FROM rec.interactions WHERE user_id = 2;
SELECT count(*) AS impressions_back FROM rec.impression WHERE user_id = 2;

-- a model trained afterwards does not contain them: user 1 is an unknown user
SELECT rec.train('up', 'user-personalization') > 0 AS trained;
SELECT (SELECT n_users FROM rec.solution_version WHERE id = 2)
     = (SELECT n_users FROM rec.solution_version WHERE id = 1) - 2 AS two_users_fewer;
SELECT rec.deploy('main', 'up') = 2 AS deployed;
SET rec.campaign = 'main';
SELECT count(*) AS history FROM rec.user_history(1);
SELECT bool_and(reason = 'popular') AS popular FROM rec.recommend(1, 10);
SELECT (SELECT array_agg(item_id ORDER BY rank) FROM rec.recommend(1, 10))
     = (SELECT array_agg(item_id ORDER BY rank) FROM rec.recommend(999999, 10)) AS as_unknown_user;
RESET rec.campaign;

-- text and uuid groups: ids read as log_event reads them
CREATE TABLE ev_text (customer text, product bigint, at timestamptz);
CREATE TABLE us_text (customer text PRIMARY KEY, likes text[]);
INSERT INTO ev_text SELECT CASE WHEN user_id = 2 THEN 'alice' ELSE 'user ' || user_id END, item_id, ts
FROM rec.interactions WHERE user_id <= 50;
INSERT INTO us_text SELECT DISTINCT customer, '{}'::text[] FROM ev_text;
SELECT rec.create_dataset_group('t', 'ev_text', users => 'us_text',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at", "users_user_id": "customer", "user_categories": "likes"}');
SELECT rec.train('ts', 'user-personalization', 't') > 0 AS trained;
SELECT rec.deploy('tc', 'ts') > 0 AS deployed;
SELECT rec.log_impression('alice', ARRAY['5'], 'tc'), rec.log_impression('user 4', ARRAY['5'], 'tc');
SELECT * FROM rec.delete_users('t', ARRAY['alice', 'nobody']);
SELECT count(*) AS left_of_alice FROM ev_text WHERE customer = 'alice';
SELECT user_id = rec.key_id('user 4') AS only_user_4 FROM rec.impression WHERE campaign = 'tc';
SELECT rec.train('ts', 'user-personalization', 't') > 0 AS trained;
SELECT (SELECT n_users FROM rec.solution_version WHERE solution = 'ts' ORDER BY id DESC LIMIT 1)
     = (SELECT n_users FROM rec.solution_version WHERE solution = 'ts' ORDER BY id LIMIT 1) - 1 AS one_user_fewer;
SELECT rec.deploy('tc', 'ts') > 0 AS deployed;
SELECT bool_and(reason = 'popular') AS popular FROM rec.recommend('alice', 5, campaign => 'tc');

CREATE TABLE ev_uuid (u uuid, item bigint, at timestamptz DEFAULT now());
INSERT INTO ev_uuid VALUES (md5('a')::uuid, 1), (md5('a')::uuid, 2), (md5('b')::uuid, 1), (md5('c')::uuid, 3);
SELECT rec.create_dataset_group('u', 'ev_uuid', columns => '{"user_id": "u", "item_id": "item", "ts": "at"}');
SELECT * FROM rec.delete_users('u', ARRAY[md5('a')::uuid]);
SELECT deleted FROM rec.delete_users('u', ARRAY[upper(md5('b')::uuid::text)]);
SELECT u FROM ev_uuid;

-- bad input
SELECT * FROM rec.delete_users(NULL, ARRAY[1]);
SELECT * FROM rec.delete_users('nope', ARRAY[1]);
SELECT * FROM rec.delete_users('default', NULL::bigint[]);
SELECT * FROM rec.delete_users('default', NULL);
SELECT * FROM rec.delete_users('default', ARRAY[1, NULL]);
SELECT * FROM rec.delete_users('default', ARRAY['one']);
SELECT * FROM rec.delete_users('default', ARRAY[md5('a')::uuid]);
SELECT * FROM rec.delete_users('t', ARRAY[1, 2]);
SELECT * FROM rec.delete_users('u', ARRAY['not a uuid']);
SELECT * FROM rec.delete_users('default', '{}'::bigint[]);

-- clean up: the next test starts from the sample data
SELECT rec.drop_dataset_group('t'), rec.drop_dataset_group('u');
DROP TABLE ev_text, us_text, ev_uuid;
TRUNCATE rec.impression, rec.event_attribution;
