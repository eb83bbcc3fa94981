-- Dataset groups bound to partitioned interactions: by hash of the user and
-- by time range.  Both train the same model as the plain table, serve the same
-- lists, and take log_event into the right partition.  (That the history read
-- prunes to one partition and scans its index is checked with auto_explain by
-- test/shell/partition_plan.sh.)
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
SET LOCAL client_min_messages = warning;
DELETE FROM rec.solution;
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
SELECT plan(12);

\i test/partitioned_events.psql
SELECT rec.deploy('plain', version => rec.train('plain', 'sims'));
SELECT rec.deploy('by_user', version => rec.train('by_user', 'sims', 'by_user'));
SELECT rec.deploy('by_month', version => rec.train('by_month', 'sims', 'by_month'));

SELECT is((SELECT array_agg(DISTINCT n_interactions) FROM rec.solution_version), ARRAY[(SELECT count(*) FROM rec.interactions)],
		  'every group trains on all the events');
SELECT is((SELECT count(DISTINCT (n_users, n_items)) FROM rec.solution_version), 1::bigint,
		  'and sees the same users and items');

CREATE TEMP TABLE lists AS
SELECT c.campaign, u AS user_id, (SELECT array_agg(r.item_id ORDER BY r.score DESC, r.item_id)
								   FROM rec.recommend(u, 10, campaign => c.campaign) r) AS items
FROM (VALUES ('plain'), ('by_user'), ('by_month')) c(campaign), (SELECT generate_series(1, 600, 7) UNION SELECT 42) s(u);
SELECT is((SELECT count(*) FROM lists a JOIN lists b USING (user_id)
		   WHERE a.campaign = 'plain' AND b.campaign <> 'plain' AND a.items IS DISTINCT FROM b.items), 0::bigint,
		  'they serve the lists the plain table serves');

-- log_event routes to the right partition and the next list reflects it
-- dated now(): a fixed date would be refused before it (an event more than a day ahead)
-- and tie the test to the calendar
SELECT rec.log_event(42, 7, ts => now(), dataset_group => 'by_user');
SELECT rec.log_event(42, 7, ts => now(), dataset_group => 'by_month');
SELECT is((SELECT tableoid::regclass::text FROM events_by_user WHERE user_id = 42 AND ts = now()),
		  (SELECT tableoid::regclass::text FROM events_by_user WHERE user_id = 42 LIMIT 1),
		  'log_event lands in the user''s hash partition');
SELECT is((SELECT tableoid::regclass::text FROM events_by_month WHERE user_id = 42 AND ts = now()),
		  'events_' || to_char(now(), 'YYYY_MM'), 'log_event lands in the month''s partition');
SELECT is((SELECT count(*) FROM rec.recommend(42, 100, campaign => 'by_user') WHERE item_id = 7), 0::bigint,
		  'the next list of the hash-partitioned group holds the event (seen, excluded)');
SELECT is((SELECT count(*) FROM rec.recommend(42, 100, campaign => 'by_month') WHERE item_id = 7), 0::bigint,
		  'and of the range-partitioned group');
SELECT isnt((SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(42, 10, campaign => 'by_user')),
			(SELECT items FROM lists WHERE campaign = 'by_user' AND user_id = 42),
			'the list changed');
SELECT is((SELECT count(DISTINCT user_id) FROM rec.batch_recommend('by_month', 5)), 600::bigint,
		  'batch_recommend reads every partition');

-- pg_partman keeps monthly partitions of a bound table, and log_event lands in them
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
CREATE TABLE events_managed (user_id bigint NOT NULL, item_id bigint NOT NULL, ts timestamptz NOT NULL)
	PARTITION BY RANGE (ts);
CREATE INDEX ON events_managed (user_id, ts);
SELECT partman.create_parent('public.events_managed', 'ts', 'native', 'monthly',
							 p_premake => 2, p_start_partition => '2025-12-01');
INSERT INTO events_managed SELECT user_id, item_id, ts FROM rec.interactions;
SELECT rec.create_dataset_group('managed', 'events_managed', 'rec.items');
SELECT rec.deploy('managed', version => rec.train('managed', 'sims', 'managed'));
SELECT rec.log_event(42, 8, ts => now(), dataset_group => 'managed');
SELECT is((SELECT tableoid::regclass::text FROM events_managed WHERE user_id = 42 AND item_id = 8 AND ts = now()),
		  'events_managed_p' || to_char(now(), 'YYYY_MM'), 'a pg_partman group: log_event lands in this month''s partition');
SELECT is((SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'managed')),
		  (SELECT items FROM lists WHERE campaign = 'plain' AND user_id = 1), 'and serves the plain table''s lists');

-- a bound partition cannot be dropped from under its group
SELECT throws_ok($$DROP TABLE events_by_user$$, '2BP01',
				 'cannot drop table public.events_by_user because dataset group "by_user" is bound to it',
				 'the partitioned table is protected like any bound relation');

SELECT * FROM finish();
ROLLBACK;
