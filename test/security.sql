-- Security: rec runs with the caller's privileges.  Three roles get exactly
-- the grants documented in the README ("Operations and security"): a trainer,
-- a server (recommend only) and an event logger; each can do its job and
-- nothing else.  Training and serving on a dataset group bound to a relation
-- the caller cannot read fail with permission denied; row-level security on a
-- bound relation is honoured; names and column mappings given by users are
-- quoted, never pasted into SQL; a hostile search_path cannot make rec call
-- someone else's functions.  One transaction, rolled back (roles included).
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
SET client_min_messages = warning;
DELETE FROM rec.solution;
DELETE FROM rec.dataset_group WHERE name <> 'default';
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
SET rec.threads = 1;
SELECT rec.deploy('main', version => rec.train('up', 'user-personalization', params => '{"tune": false}')) AS v_main \gset

-- the three roles, with the grants of the README, verbatim ----------------------
CREATE ROLE rec_trainer;
CREATE ROLE rec_server;
CREATE ROLE rec_logger;

GRANT USAGE ON SCHEMA rec TO rec_trainer, rec_server, rec_logger;

-- trainer: read the data, write solutions and versions, deploy campaigns
GRANT SELECT ON rec.dataset_group, rec.interactions, rec.items TO rec_trainer;
GRANT SELECT, INSERT, UPDATE ON rec.solution TO rec_trainer;
GRANT SELECT, INSERT ON rec.solution_version TO rec_trainer;
GRANT INSERT ON rec.model_chunk TO rec_trainer;
GRANT USAGE ON SEQUENCE rec.solution_version_id_seq TO rec_trainer;
GRANT SELECT, INSERT, UPDATE ON rec.campaign TO rec_trainer;
GRANT SELECT, INSERT, DELETE ON rec.campaign_variant TO rec_trainer;

-- server: read campaigns and models, and the histories in the interactions
GRANT SELECT ON rec.campaign, rec.campaign_variant, rec.solution, rec.solution_version,
    rec.model_chunk, rec.dataset_group TO rec_server;
GRANT SELECT ON rec.interactions TO rec_server;

-- event logger: find the dataset group, insert events
GRANT SELECT ON rec.dataset_group TO rec_logger;
GRANT INSERT ON rec.interactions TO rec_logger;
-- ... and attribute events and log impressions (A/B tests); log into a campaign's dataset group
GRANT SELECT ON rec.campaign, rec.campaign_variant, rec.solution TO rec_logger;
GRANT INSERT ON rec.event_attribution, rec.impression TO rec_logger;

-- privacy officer: delete users' data (rec.delete_users), without reading events or models
CREATE ROLE rec_privacy;
GRANT USAGE ON SCHEMA rec TO rec_privacy;
GRANT SELECT ON rec.dataset_group, rec.campaign, rec.solution TO rec_privacy;
GRANT SELECT (id, solution) ON rec.solution_version TO rec_privacy;
GRANT SELECT (user_id), DELETE ON rec.interactions, rec.users TO rec_privacy;
GRANT SELECT (user_id, campaign), DELETE ON rec.impression, rec.event_attribution TO rec_privacy;

-- a role with no grant at all, and what the tests below share
CREATE ROLE rec_outsider;
CREATE TEMP TABLE holdout AS SELECT user_id, item_id FROM rec.interactions WHERE user_id <= 50 AND item_id % 7 = 0;
GRANT SELECT ON holdout TO rec_server;
CREATE TABLE public.rec_test_victim (x int);
INSERT INTO public.rec_test_victim VALUES (1);

SELECT plan(126);

-- each role can do its job ---------------------------------------------------------
SET ROLE rec_trainer;
SELECT lives_ok($$SELECT rec.train('up')$$, 'trainer: trains a new version of a solution');
SELECT lives_ok($$SELECT rec.train('trainer-sims', 'sims')$$, 'trainer: creates and trains a solution');
SELECT lives_ok($$SELECT rec.deploy('main', 'up'), rec.deploy('sims', 'trainer-sims')$$, 'trainer: deploys campaigns');
SET rec.model_chunk_size = 4096;
SELECT lives_ok($$SELECT rec.deploy('chunked', version => rec.train('trainer-chunked', 'sims'))$$,
                'trainer: stores a model in chunks (rec.model_chunk)');
RESET rec.model_chunk_size;
SELECT lives_ok($$SELECT * FROM rec.solution_metrics('up')$$, 'trainer: reads offline metrics');
SELECT throws_ok($$SELECT rec.log_event(1, 2)$$, '42501', 'permission denied for table interactions', 'trainer: cannot log events');
SELECT throws_ok($$SELECT rec.create_dataset_group('mine', 'rec.interactions')$$, '42501', 'permission denied for table dataset_group',
                 'trainer: cannot bind dataset groups');
RESET ROLE;

SET ROLE rec_server;
SELECT is((SELECT count(*) FROM rec.recommend(1, 10, campaign => 'main')), 10::bigint, 'server: recommend');
SELECT is((SELECT count(*) FROM rec.similar_items(1, 10, campaign => 'sims')), 10::bigint, 'server: similar_items');
SELECT is((SELECT count(*) FROM rec.similar_items(1, 10, campaign => 'chunked')), 10::bigint, 'server: a model stored in chunks');
SELECT is((SELECT count(*) FROM rec.rank(1, '{1,2,3}', campaign => 'main')), 3::bigint, 'server: rank');
SELECT cmp_ok((SELECT count(*) FROM rec.explain(1, (SELECT item_id FROM rec.recommend(1, 1, campaign => 'main')), 'main')), '>', 0::bigint,
              'server: explain');
SELECT is((SELECT count(*) FROM rec.batch_recommend('main', 5, '{1,2,3}')), 15::bigint, 'server: batch_recommend');
SELECT is((SELECT count(*) FROM rec.batch_recommend_jsonl('main', 5, '{1,2,3}')), 3::bigint, 'server: batch_recommend_jsonl');
SELECT is((SELECT users FROM rec.evaluate('main', 'holdout')), (SELECT count(DISTINCT user_id) FROM holdout), 'server: evaluate');
SELECT is(round(rec.ndcg_at_k('{1,2}', '{2}', 2)::numeric, 12), round(1 / log(2, 3), 12), 'server: metric functions');
SELECT throws_ok($$SELECT rec.train('up')$$, '42501', 'permission denied for table solution', 'server: cannot train');
SELECT throws_ok($$SELECT rec.deploy('main', 'up')$$, '42501', 'permission denied for table campaign', 'server: cannot deploy');
SELECT throws_ok($$SELECT rec.log_event(1, 2)$$, '42501', 'permission denied for table interactions', 'server: cannot log events');
SELECT throws_ok($$SELECT rec.drop_campaign('main')$$, '42501', 'permission denied for table campaign', 'server: cannot drop campaigns');
RESET ROLE;

SET ROLE rec_logger;
SELECT lives_ok($$SELECT rec.log_event(700001, 42, 'click', 2.5, '2026-05-05 12:00+00')$$, 'logger: logs an event');
SELECT lives_ok($$SELECT rec.log_event(700003, 43, campaign => 'main', variant => 'main', rank => 2)$$,
                'logger: attributes an event to the variant that served');
SELECT lives_ok($$SELECT rec.log_impression(700003, '{43,44}', 'main', 'main')$$, 'logger: logs an impression');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, campaign => 'main')$$, '42501', 'permission denied for table solution_version',
                 'logger: cannot get recommendations');
SELECT throws_ok($$SELECT rec.train('up')$$, '42501', 'permission denied for table solution', 'logger: cannot train');
SELECT throws_ok($$SELECT count(*) FROM rec.interactions$$, '42501', 'permission denied for table interactions',
                 'logger: cannot read the events it writes');
RESET ROLE;
SELECT is((SELECT array_agg(format('%s %s %s %s', item_id, event_type, event_value, ts AT TIME ZONE 'UTC'))
           FROM rec.interactions WHERE user_id = 700001),
          '{"42 click 2.5 2026-05-05 12:00:00"}', 'logger: the event is stored as given');

SET ROLE rec_outsider;
SELECT throws_ok($$SELECT * FROM rec.recommend(1, campaign => 'main')$$, '42501', 'permission denied for schema rec',
                 'outsider: no USAGE on schema rec, no recommendations');
SELECT throws_ok($$SELECT rec.log_event(1, 2)$$, '42501', 'permission denied for schema rec', 'outsider: no events');
RESET ROLE;
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace IN ('rec'::regnamespace, 'rec_internal'::regnamespace) AND prosecdef), 0::bigint,
          'no rec function is SECURITY DEFINER: every one runs with the caller''s privileges');

-- a dataset group bound to relations the caller cannot read -------------------------------
CREATE TABLE public.private_events AS SELECT user_id, item_id, ts FROM rec.interactions;
CREATE TABLE public.private_items AS SELECT item_id, categories FROM rec.items;
CREATE TABLE public.open_events AS SELECT user_id, item_id, ts FROM rec.interactions;
GRANT SELECT ON public.open_events TO rec_trainer, rec_server;
SELECT rec.create_dataset_group('private', 'private_events') AS bound \gset
SELECT rec.create_dataset_group('private-items', 'open_events', 'private_items') AS bound \gset
SELECT rec.deploy('private', version => rec.train('private-up', 'user-personalization', 'private', '{"tune": false}')) AS v_private \gset
SELECT rec.deploy('private-sims', version => rec.train('private-sims', 'sims', 'private')) AS v_private_sims \gset

SET ROLE rec_trainer;
SELECT throws_ok($$SELECT rec.train('private-up')$$, '42501', 'permission denied for table private_events',
                 'train: permission denied on an unreadable interactions relation');
SELECT throws_ok($$SELECT rec.train('t-private', 'sims', 'private')$$, '42501', 'permission denied for table private_events',
                 'train: a new solution on it too');
SELECT throws_ok($$SELECT rec.train('t-items', 'user-personalization', 'private-items')$$, '42501',
                 'permission denied for table private_items', 'train: permission denied on an unreadable items relation');
RESET ROLE;
SELECT is((SELECT count(*) FROM rec.solution_version WHERE solution IN ('private-up', 't-private', 't-items')), 1::bigint,
          'train: the denied trainings left no version behind');
SET ROLE rec_server;
SELECT throws_ok($$SELECT * FROM rec.recommend(1, campaign => 'private')$$, '42501', 'permission denied for table private_events',
                 'recommend: permission denied on an unreadable interactions relation');
SELECT throws_ok($$SELECT * FROM rec.rank(1, '{1,2}', campaign => 'private')$$, '42501', 'permission denied for table private_events',
                 'rank: permission denied too');
SELECT throws_ok($$SELECT * FROM rec.explain(1, 2, campaign => 'private')$$, '42501', 'permission denied for table private_events',
                 'explain: permission denied too');
SELECT throws_ok($$SELECT * FROM rec.batch_recommend('private', 5)$$, '42501', 'permission denied for table private_events',
                 'batch_recommend: permission denied too');
SELECT throws_ok($$SELECT * FROM rec.batch_recommend_jsonl('private', 5, '{1}')$$, '42501', 'permission denied for table private_events',
                 'batch_recommend_jsonl: permission denied too');
SELECT throws_ok($$SELECT * FROM rec.evaluate('private', 'holdout')$$, '42501', 'permission denied for table private_events',
                 'evaluate: permission denied too');
SELECT throws_ok($$SELECT * FROM rec.similar_items(1, 5, campaign => 'private-sims')$$, '42501',
                 'permission denied for table private_events',
                 'similar_items: permission denied on an unreadable interactions relation (the model is made of it)');
RESET ROLE;
SET ROLE rec_logger;
SELECT throws_ok($$SELECT rec.log_event(1, 2, dataset_group => 'private')$$, '42501', 'permission denied for table private_events',
                 'log_event: permission denied on a relation the logger cannot insert into');
RESET ROLE;

-- row-level security on a bound relation -----------------------------------------------------
CREATE TABLE public.rls_events AS SELECT user_id, item_id, ts FROM rec.interactions;
CREATE INDEX ON public.rls_events (user_id, ts);
ALTER TABLE public.rls_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY even_users ON public.rls_events FOR SELECT USING (user_id % 2 = 0);
CREATE POLICY even_inserts ON public.rls_events FOR INSERT WITH CHECK (user_id % 2 = 0);
GRANT SELECT, INSERT ON public.rls_events TO rec_trainer, rec_server, rec_logger;
SELECT rec.create_dataset_group('rls', 'rls_events') AS bound \gset
SELECT rec.deploy('rls-all', version => rec.train('rls-all', 'user-personalization', 'rls', '{"tune": false}')) AS v_rls_all \gset

SET ROLE rec_trainer;
SELECT rec.train('rls-up', 'user-personalization', 'rls', '{"tune": false}') AS v_rls \gset
SELECT rec.deploy('rls', version => :v_rls) AS deployed \gset
RESET ROLE;
SELECT is((SELECT format('%s users, %s events', n_users, n_interactions) FROM rec.solution_version WHERE id = :v_rls),
          (SELECT format('%s users, %s events', count(DISTINCT user_id), count(*)) FROM rls_events WHERE user_id % 2 = 0),
          'RLS: a training sees only the rows the policy lets the trainer read');
SELECT is((SELECT n_users FROM rec.solution_version WHERE id = :v_rls_all), (SELECT count(DISTINCT user_id)::int FROM rls_events),
          'RLS: (the table owner, who bypasses it, sees every user)');
-- the owner serves first: the history plan it leaves in the backend's cache must not serve the server
SELECT is((SELECT count(*) FROM rec.recommend(1, 10, campaign => 'rls') WHERE reason = 'popular'), 0::bigint,
          'RLS: (the owner, who bypasses it, sees user 1''s history)');
SET ROLE rec_server;
SELECT is((SELECT array_agg(DISTINCT reason) FROM rec.recommend(1, 10, campaign => 'rls')), '{popular}'::text[],
          'RLS: serving reads no hidden history: an odd user gets the popularity fallback');
SELECT is((SELECT count(*) FROM rec.recommend(2, 10, campaign => 'rls') WHERE reason = 'popular'), 0::bigint,
          'RLS: a visible user is personalized');
SELECT is((SELECT count(*) FROM rec.explain(1, 310, campaign => 'rls')), 0::bigint,
          'RLS: explain finds no hidden history to explain');
SELECT is((SELECT array_agg(DISTINCT reason) FROM rec.recommend(1, 10, campaign => 'rls-all')), '{popular}'::text[],
          'RLS: the same holds for a model trained by the owner');
SELECT is((SELECT count(DISTINCT user_id) FROM rec.batch_recommend('rls', 3)), 300::bigint,
          'RLS: batch_recommend serves only users with visible events');
SELECT is((SELECT array_agg(item_id ORDER BY rank) FROM rec.batch_recommend('rls', 3, '{1,2}') WHERE user_id = 1),
          (SELECT array_agg(item_id) FROM rec.recommend(999999999, 3, campaign => 'rls')),
          'RLS: a hidden user asked for by id gets the popularity fallback');
RESET ROLE;
SELECT is((SELECT count(*) FROM rec.recommend(1, 10, campaign => 'rls') WHERE reason = 'popular'), 0::bigint,
          'RLS: (and the owner still does after the server)');
SET ROLE rec_logger;
SELECT lives_ok($$SELECT rec.log_event(4, 7, dataset_group => 'rls')$$, 'RLS: log_event of a row the policy admits');
SELECT throws_ok($$SELECT rec.log_event(5, 7, dataset_group => 'rls')$$, '42501', 'new row violates row-level security policy for table "rls_events"',
                 'RLS: log_event of a row the policy rejects');
RESET ROLE;

-- user-given names are quoted, never pasted: injection through each of them ---------------------
CREATE SCHEMA "we""ird; schema";
CREATE TABLE "we""ird; schema"."ev""ents; DROP TABLE public.rec_test_victim; --" (
	"u""id; DROP TABLE public.rec_test_victim; --" bigint,
	"item'); DROP TABLE public.rec_test_victim; --" bigint,
	"ts"" FROM x; --" timestamptz,
	"kind$$; DROP TABLE public.rec_test_victim; $$" text,
	"val\; --" real);
CREATE INDEX ON "we""ird; schema"."ev""ents; DROP TABLE public.rec_test_victim; --"
	("u""id; DROP TABLE public.rec_test_victim; --", "ts"" FROM x; --");
CREATE TABLE "we""ird; schema"."it'ems" ("id) FROM pg_class; --" bigint, "cat""s" text[]);
INSERT INTO "we""ird; schema"."ev""ents; DROP TABLE public.rec_test_victim; --"
SELECT user_id, item_id, ts, event_type, event_value FROM rec.interactions;
INSERT INTO "we""ird; schema"."it'ems" SELECT item_id, categories FROM rec.items;
UPDATE "we""ird; schema"."ev""ents; DROP TABLE public.rec_test_victim; --"
SET "kind$$; DROP TABLE public.rec_test_victim; $$" = $$click'); DROP TABLE public.rec_test_victim; --$$
WHERE "kind$$; DROP TABLE public.rec_test_victim; $$" = 'purchase';
GRANT USAGE ON SCHEMA "we""ird; schema" TO rec_trainer, rec_server, rec_logger;
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA "we""ird; schema" TO rec_trainer, rec_server, rec_logger;

SELECT lives_ok($sql$SELECT rec.create_dataset_group($$evil'); DROP TABLE public.rec_test_victim; --$$,
		'"we""ird; schema"."ev""ents; DROP TABLE public.rec_test_victim; --"',
		$$"we""ird; schema"."it'ems"$$,
		columns => jsonb_build_object(
			'user_id', 'u"id; DROP TABLE public.rec_test_victim; --',
			'item_id', 'item''); DROP TABLE public.rec_test_victim; --',
			'ts', 'ts" FROM x; --',
			'event_type', 'kind$$; DROP TABLE public.rec_test_victim; $$',
			'event_value', 'val\; --',
			'items_item_id', 'id) FROM pg_class; --',
			'categories', 'cat"s'))$sql$,
		'injection: create_dataset_group binds relations and columns with hostile names');
SET ROLE rec_trainer;
SELECT lives_ok($sql$SELECT rec.train($$sol'); DROP TABLE public.rec_test_victim; --$$, 'user-personalization',
                                      $$evil'); DROP TABLE public.rec_test_victim; --$$, '{"tune": false}')$sql$,
                'injection: train reads them (solution and group names too)');
SELECT lives_ok($sql$SELECT rec.train($$sol-sims"; --$$, 'sims', $$evil'); DROP TABLE public.rec_test_victim; --$$,
                                      '{"event_type": "click''); DROP TABLE public.rec_test_victim; --"}')$sql$,
                'injection: train with an event_type filter');
SELECT lives_ok($sql$SELECT rec.deploy($$camp'; DROP TABLE public.rec_test_victim; --$$, $$sol'); DROP TABLE public.rec_test_victim; --$$)$sql$,
                'injection: deploy with hostile names');
RESET ROLE;
SELECT is((SELECT n_interactions FROM rec.solution_version WHERE solution = $$sol'); DROP TABLE public.rec_test_victim; --$$),
          (SELECT count(*) FROM rec.interactions), 'injection: the training read every row of the hostile relation');
SET ROLE rec_logger;
SELECT lives_ok($sql$SELECT rec.log_event(1, 2, $$click'); DROP TABLE public.rec_test_victim; --$$, 1.5, '2026-01-09 09:09+00',
                                          $$evil'); DROP TABLE public.rec_test_victim; --$$)$sql$,
                'injection: log_event into hostile names, with a hostile event type');
RESET ROLE;
SELECT is((SELECT count(*) FROM "we""ird; schema"."ev""ents; DROP TABLE public.rec_test_victim; --"
           WHERE "kind$$; DROP TABLE public.rec_test_victim; $$" = $$click'); DROP TABLE public.rec_test_victim; --$$
             AND "val\; --" = 1.5), 1::bigint, 'injection: the event is stored as one row, type as given');
SET ROLE rec_server;
SELECT is((SELECT count(*) FROM rec.recommend(1, 10, campaign => $$camp'; DROP TABLE public.rec_test_victim; --$$)), 10::bigint,
          'injection: recommend reads the hostile relation');
SELECT is((SELECT count(*) FROM rec.batch_recommend($$camp'; DROP TABLE public.rec_test_victim; --$$, 2, '{1,2}')), 4::bigint,
          'injection: batch_recommend too');
SELECT is((SELECT count(*) FROM rec.rank(1, '{1,2}', $$camp'; DROP TABLE public.rec_test_victim; --$$)), 2::bigint,
          'injection: rank too');
SELECT lives_ok($sql$SET LOCAL rec.campaign = $$camp'; DROP TABLE public.rec_test_victim; --$$;$sql$, 'injection: rec.campaign holds any name');
SELECT is((SELECT count(*) FROM rec.recommend(1, 10)), 10::bigint, 'injection: and serves from it');
RESET ROLE;
RESET rec.campaign;
CREATE TEMP TABLE "hold""out; --" ("u""ser; DROP TABLE public.rec_test_victim; --" bigint, "it')em" bigint);
INSERT INTO "hold""out; --" SELECT user_id, item_id FROM holdout;
GRANT SELECT ON "hold""out; --" TO rec_server;
SET ROLE rec_server;
SELECT is((SELECT users FROM rec.evaluate('main', '"hold""out; --"', 'u"ser; DROP TABLE public.rec_test_victim; --', 'it'')em')),
          (SELECT count(DISTINCT user_id) FROM holdout), 'injection: evaluate with hostile holdout and column names');
SELECT throws_ok($$SELECT * FROM rec.evaluate('main', 'holdout', 'user_id) FROM holdout; DROP TABLE public.rec_test_victim; --')$$,
                 '42703', NULL, 'injection: evaluate with a column name that is an injection attempt: no such column');
RESET ROLE;
SELECT throws_ok($$SELECT rec.create_dataset_group('x', 'rec_test_victim; DROP TABLE public.rec_test_victim')$$, NULL, NULL,
                 'injection: a relation name that is an injection attempt is no relation');
SELECT throws_ok($$SELECT rec.create_dataset_group('x', 'holdout', columns => '{"user_id": "user_id\"; DROP TABLE public.rec_test_victim; --"}')$$,
                 '42703', NULL, 'injection: a mapped column that is an injection attempt is no column');
SELECT throws_ok($$SELECT rec.create_dataset_group('x', 'holdout', columns => '{"user_id); DROP TABLE public.rec_test_victim; --": "user_id"}')$$,
                 '22023', NULL, 'injection: a mapping key that is an injection attempt is no key');
SELECT throws_ok($$SELECT rec.train('x', 'sims', params => '{"neighbors\"; DROP TABLE public.rec_test_victim; --": 1}')$$,
                 '22023', NULL, 'injection: a parameter name that is an injection attempt is no parameter');
INSERT INTO "we""ird; schema"."it'ems" VALUES (900001, ARRAY[$$x'); DROP TABLE public.rec_test_victim; --$$, 'y"z']);
SELECT lives_ok($sql$SELECT rec.train($$sol'); DROP TABLE public.rec_test_victim; --$$)$sql$,
                'injection: category names are data, never SQL');
SELECT is((SELECT count(*) FROM public.rec_test_victim), 1::bigint, 'injection: the victim table is still there, untouched');

-- deleting users: as any DELETE, with the caller's privileges ---------------------------------
SELECT rec.log_impression(5, '{43,44}', 'main', 'main'), rec.log_event(5, 43, campaign => 'main', variant => 'main');
CREATE TEMP TABLE user_5 AS
SELECT (SELECT count(*) FROM rec.interactions WHERE user_id = 5) AS interactions,
       (SELECT count(*) FROM rec.users WHERE user_id = 5) AS users,
       (SELECT count(*) FROM rec.impression WHERE user_id = 5) AS impressions,
       (SELECT count(*) FROM rec.event_attribution WHERE user_id = 5) AS attributions;
GRANT SELECT ON user_5 TO PUBLIC;
CREATE FUNCTION pg_temp.user_5_rows() RETURNS text LANGUAGE sql
RETURN format('%s %s %s %s', (SELECT count(*) FROM rec.interactions WHERE user_id = 5), (SELECT count(*) FROM rec.users WHERE user_id = 5),
              (SELECT count(*) FROM rec.impression WHERE user_id = 5), (SELECT count(*) FROM rec.event_attribution WHERE user_id = 5));
SELECT ok((SELECT interactions > 0 AND users = 1 AND impressions = 1 AND attributions = 1 FROM user_5),
          'delete_users: (user 5 has events, a users row, an impression and an attributed event)');
SET ROLE rec_trainer;
SELECT throws_ok($$SELECT * FROM rec.delete_users('default', '{5}'::bigint[])$$, '42501', 'permission denied for table interactions',
                 'delete_users: the trainer, who reads the events but may not delete them, gets permission denied');
RESET ROLE;
SET ROLE rec_server;
SELECT throws_ok($$SELECT * FROM rec.delete_users('default', '{5}'::bigint[])$$, '42501', 'permission denied for table interactions',
                 'delete_users: the server too');
RESET ROLE;
SET ROLE rec_logger;
SELECT throws_ok($$SELECT * FROM rec.delete_users('default', '{5}'::bigint[])$$, '42501', 'permission denied for table interactions',
                 'delete_users: the logger too');
RESET ROLE;
SET ROLE rec_outsider;
SELECT throws_ok($$SELECT * FROM rec.delete_users('default', '{5}'::bigint[])$$, '42501', 'permission denied for schema rec',
                 'delete_users: the outsider too');
RESET ROLE;
-- a role that may delete the events but not the impressions deletes nothing at all
CREATE ROLE rec_half_privacy;
GRANT USAGE ON SCHEMA rec TO rec_half_privacy;
GRANT SELECT ON rec.dataset_group, rec.campaign, rec.solution TO rec_half_privacy;
GRANT SELECT (user_id), DELETE ON rec.interactions, rec.users TO rec_half_privacy;
SET ROLE rec_half_privacy;
SELECT throws_ok($$SELECT * FROM rec.delete_users('default', '{5}'::bigint[])$$, '42501', 'permission denied for table impression',
                 'delete_users: without DELETE on rec.impression, permission denied');
RESET ROLE;
SELECT is(pg_temp.user_5_rows(), (SELECT format('%s %s %s %s', interactions, users, impressions, attributions) FROM user_5),
          'delete_users: every denied call deleted nothing: all in one transaction');
SET ROLE rec_privacy;
SELECT results_eq($$SELECT relation::text, deleted FROM rec.delete_users('default', '{5}'::bigint[])$$,
                  $$SELECT * FROM (VALUES ('rec.interactions', (SELECT interactions FROM user_5)), ('rec.users', 1::bigint),
                                          ('rec.impression', 1::bigint), ('rec.event_attribution', 1::bigint)) v$$,
                  'delete_users: the privacy officer deletes the user everywhere, one row per relation');
SELECT throws_ok($$SELECT item_id, ts FROM rec.interactions$$, '42501', 'permission denied for table interactions',
                 'privacy officer: cannot read the events');
SELECT throws_ok($$SELECT model FROM rec.solution_version$$, '42501', 'permission denied for table solution_version',
                 'privacy officer: cannot read models');
SELECT throws_ok($$SELECT rec.log_event(1, 2)$$, '42501', 'permission denied for table interactions',
                 'privacy officer: cannot log events');
SELECT throws_ok($$SELECT rec.train('up')$$, '42501', NULL, 'privacy officer: cannot train');
RESET ROLE;
SELECT is(pg_temp.user_5_rows(), '0 0 0 0', 'delete_users: nothing of user 5 is left');

-- a hostile search_path -------------------------------------------------------------------------
-- Schema "hostile" shadows the operators and functions rec's SQL uses; each
-- shadow records its call and then does what pg_catalog's would, so a
-- hijack shows up as a recorded call, not as a failure.
CREATE SCHEMA hostile;
CREATE TABLE hostile.calls (what text);
GRANT USAGE ON SCHEMA hostile TO PUBLIC;
GRANT INSERT ON hostile.calls TO PUBLIC;
CREATE FUNCTION hostile.record(what text) RETURNS void LANGUAGE sql AS $$ INSERT INTO hostile.calls VALUES (what) $$;
CREATE FUNCTION hostile.text_eq(a text, b text) RETURNS boolean LANGUAGE sql
AS $$ SELECT hostile.record('text = text'); SELECT a OPERATOR(pg_catalog.=) b $$;
CREATE OPERATOR hostile.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hostile.text_eq);
CREATE FUNCTION hostile.text_ne(a text, b text) RETURNS boolean LANGUAGE sql
AS $$ SELECT hostile.record('text <> text'); SELECT a OPERATOR(pg_catalog.<>) b $$;
CREATE OPERATOR hostile.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = hostile.text_ne);
CREATE FUNCTION hostile.int8_eq(a bigint, b bigint) RETURNS boolean LANGUAGE sql
AS $$ SELECT hostile.record('bigint = bigint'); SELECT a OPERATOR(pg_catalog.=) b $$;
CREATE OPERATOR hostile.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = hostile.int8_eq);
CREATE FUNCTION hostile.jsonb_text(j jsonb, k text) RETURNS text LANGUAGE sql
AS $$ SELECT hostile.record('jsonb ->> text'); SELECT j OPERATOR(pg_catalog.->>) k $$;
CREATE OPERATOR hostile.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = hostile.jsonb_text);
CREATE FUNCTION hostile.jsonb_get(j jsonb, k text) RETURNS jsonb LANGUAGE sql
AS $$ SELECT hostile.record('jsonb -> text'); SELECT j OPERATOR(pg_catalog.->) k $$;
CREATE OPERATOR hostile.-> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = hostile.jsonb_get);
CREATE FUNCTION hostile.jsonb_has(j jsonb, k text) RETURNS boolean LANGUAGE sql
AS $$ SELECT hostile.record('jsonb ? text'); SELECT j OPERATOR(pg_catalog.?) k $$;
CREATE OPERATOR hostile.? (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = hostile.jsonb_has);
CREATE FUNCTION hostile.jsonb_cat(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql
AS $$ SELECT hostile.record('jsonb || jsonb'); SELECT a OPERATOR(pg_catalog.||) b $$;
CREATE OPERATOR hostile.|| (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = hostile.jsonb_cat);
CREATE FUNCTION hostile.jsonb_typeof(j jsonb) RETURNS text LANGUAGE sql
AS $$ SELECT hostile.record('jsonb_typeof'); SELECT pg_catalog.jsonb_typeof(j) $$;
CREATE FUNCTION hostile.jsonb_object_keys(j jsonb) RETURNS SETOF text LANGUAGE sql
AS $$ SELECT hostile.record('jsonb_object_keys'); SELECT pg_catalog.jsonb_object_keys(j) $$;
CREATE FUNCTION hostile.jsonb_each(j jsonb, OUT key text, OUT value jsonb) RETURNS SETOF record LANGUAGE sql
AS $$ SELECT hostile.record('jsonb_each'); SELECT * FROM pg_catalog.jsonb_each(j) $$;
CREATE FUNCTION hostile.now() RETURNS timestamptz LANGUAGE sql
AS $$ SELECT hostile.record('now'); SELECT pg_catalog.now() $$;
CREATE FUNCTION hostile.clock_timestamp() RETURNS timestamptz LANGUAGE sql
AS $$ SELECT hostile.record('clock_timestamp'); SELECT pg_catalog.clock_timestamp() $$;
CREATE FUNCTION hostile.to_json(t text) RETURNS json LANGUAGE sql
AS $$ SELECT hostile.record('to_json'); SELECT pg_catalog.to_json(t) $$;

-- run every public function under a search_path; list the shadows it called
CREATE FUNCTION pg_temp.hijacks(path text, call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	found text;
BEGIN
	DELETE FROM hostile.calls;
	PERFORM set_config('search_path', path, true);
	EXECUTE call;
	PERFORM set_config('search_path', 'public', true);
	SELECT string_agg(DISTINCT what, ', ' ORDER BY what) INTO found FROM hostile.calls;
	RETURN coalesce(found, 'none');
EXCEPTION WHEN OTHERS THEN
	PERFORM set_config('search_path', 'public', true);
	RETURN 'error: ' || SQLERRM;
END
$$;
CREATE TEMP TABLE surface (name text, call text);
INSERT INTO surface VALUES
	('create_dataset_group', $$SELECT rec.create_dataset_group('sp', 'open_events', columns => '{"ts": "ts"}', replace => true)$$),
	('train', $$SELECT rec.train('up', params => '{"lambda": 50}')$$),
	('recipes', $$SELECT * FROM rec.recipes()$$),
	('solution_metrics', $$SELECT * FROM rec.solution_metrics('up')$$),
	('deploy', $$SELECT rec.deploy('main', 'up')$$),
	('refresh', $$SELECT rec.refresh('main')$$),
	('recommend', $$SELECT * FROM rec.recommend(1, 5, campaign => 'main')$$),
	('similar_items', $$SELECT * FROM rec.similar_items(1, 5, campaign => 'main')$$),
	('rank', $$SELECT * FROM rec.rank(1, '{1,2,3}', campaign => 'main')$$),
	('explain', $$SELECT * FROM rec.explain(1, 310, campaign => 'main')$$),
	('batch_recommend', $$SELECT * FROM rec.batch_recommend('main', 3, '{1,2}')$$),
	('batch_recommend_jsonl', $$SELECT * FROM rec.batch_recommend_jsonl('main', 3, '{1,2}')$$),
	('log_event', $$SELECT rec.log_event(1, 2)$$),
	('evaluate', $$SELECT * FROM rec.evaluate('main', 'holdout')$$),
	('ndcg_at_k', $$SELECT rec.ndcg_at_k('{1,2}', '{2}', 2)$$),
	('delete_users', $$SELECT * FROM rec.delete_users('default', '{6}'::bigint[])$$),
	('drop_campaign', $$WITH c AS (INSERT INTO rec.campaign (name, solution) VALUES ('tmp', 'up') RETURNING name)
	                   SELECT rec.drop_campaign(name) FROM c$$),
	('drop_solution', $$WITH s AS (INSERT INTO rec.solution (name, recipe, dataset_group) VALUES ('tmp', 'sims', 'default') RETURNING name)
	                   SELECT rec.drop_solution(name) FROM s$$),
	('drop_dataset_group', $$WITH g AS (INSERT INTO rec.dataset_group (name, interactions, columns) VALUES ('tmp', 'open_events', '{}') RETURNING name)
	                        SELECT rec.drop_dataset_group(name) FROM g$$);

-- pg_catalog implicitly first (the usual hostile case: a writable schema early in the path)
SELECT is(pg_temp.hijacks('hostile, public', call), 'none',
          format('search_path hostile, public: %s calls nothing of hostile', name))
FROM surface ORDER BY name;
-- pg_catalog explicitly after the hostile schema
SELECT is(pg_temp.hijacks('hostile, pg_catalog, public', call), 'none',
          format('search_path hostile, pg_catalog, public: %s calls nothing of hostile', name))
FROM surface ORDER BY name;
SELECT is((SELECT count(*) FROM rec.recommend(1, 5, campaign => 'main')), 5::bigint,
          'search_path: rec still serves afterwards');

SELECT * FROM finish();
ROLLBACK;
