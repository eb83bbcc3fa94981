-- bench/context.sql — deterministic data where behaviour differs by context,
-- for bench/context (contextual recommendations, issue 19).
--
--   psql -v users=3000 -v items=2000 -v seed=42 -f bench/context.sql
--
-- Creates (replacing) in schema public:
--   ctx_all(user_id, item_id, device, ts, session)   every event
--   ctx_holdout(user_id, item_id, device)            the held-out events
--   ctx_events(user_id, item_id, device, ts)         every event not held out:
--                                                    what rec trains on and serves from
-- and binds dataset group 'context' to ctx_events with "context": ["device"].
--
-- Shape (all from hashes of the row's key and -v seed):
--   items     -v items (default 2,000) in 40 genres of equal size; within a
--             genre, popularity falls as a power law of the item's rank.
--   users     -v users (default 3,000).  Each has a phone genre and a desktop
--             genre (distinct): what the user does depends on the device.
--   sessions  8 per user, one device each (phone or desktop, even odds),
--             6 draws each: 80% from the session device's genre, 20% from the
--             whole catalogue (by popularity); a user's repeated items keep
--             their first event.
--   holdout   one user in 10 (by hash) has the events of its last session held
--             out (items not already seen in the earlier sessions): what
--             the user did next, with the device it did it on.
\set ON_ERROR_STOP on
\if :{?users}
\else
\set users 3000
\endif
\if :{?items}
\else
\set items 2000
\endif
\if :{?seed}
\else
\set seed 42
\endif
SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION pg_temp.h(variadic k bigint[]) RETURNS float8 LANGUAGE sql IMMUTABLE
	RETURN ('x' || substr(md5(array_to_string(k, ',')), 1, 12))::bit(48)::bigint / 281474976710656.0;

SELECT rec.drop_dataset_group('context') FROM rec.dataset_group WHERE name = 'context';
DROP TABLE IF EXISTS ctx_all, ctx_holdout, ctx_events;
CREATE TABLE ctx_all AS
WITH u AS (
	SELECT u, g1, (g1 + 1 + floor(pg_temp.h(:seed, u, 2) * 39)::int) % 40 AS g2
	FROM (SELECT u, floor(pg_temp.h(:seed, u, 1) * 40)::int AS g1 FROM generate_series(1, :users) u) x
), draws AS (
	SELECT u.u AS user_id, s AS session, e,
		CASE WHEN pg_temp.h(:seed, u.u, s, 0) < 0.5 THEN 'mobile' ELSE 'desktop' END AS device,
		CASE WHEN pg_temp.h(:seed, u.u, s, 0) < 0.5 THEN u.g1 ELSE u.g2 END AS genre,
		pg_temp.h(:seed, u.u, s, e, 1) AS pick, pg_temp.h(:seed, u.u, s, e, 2) AS rank_draw
	FROM u, generate_series(1, 8) s, generate_series(1, 6) e
), items AS (
	-- a draw's item: in its genre (80%) or anywhere (20%), power law over rank
	SELECT user_id, session, e, device,
		CASE WHEN pick < 0.8
			THEN genre * (:items / 40) + 1 + floor((:items / 40) * power(rank_draw, 2.5))::int
			ELSE 1 + floor(:items * power(rank_draw, 2.5))::int END AS item_id
	FROM draws
)
SELECT DISTINCT ON (user_id, item_id) user_id::bigint, item_id::bigint, device,
	'2026-01-01'::timestamptz + make_interval(mins => user_id::int) + make_interval(hours => session)
		+ make_interval(secs => e * 30) AS ts, session
FROM items ORDER BY user_id, item_id, session, e;

CREATE TABLE ctx_holdout AS
SELECT user_id, item_id, device FROM (
	SELECT a.*, max(session) OVER (PARTITION BY user_id) AS last FROM ctx_all a
	WHERE pg_temp.h(:seed, a.user_id, 99) < 0.1) x
WHERE session = last;
CREATE TABLE ctx_events AS
SELECT a.user_id, a.item_id, a.device, a.ts FROM ctx_all a
LEFT JOIN ctx_holdout h USING (user_id, item_id) WHERE h.user_id IS NULL;
CREATE INDEX ON ctx_events (user_id, ts);
ANALYZE ctx_events;

SELECT rec.create_dataset_group('context', 'ctx_events', columns => '{"context": ["device"]}');
