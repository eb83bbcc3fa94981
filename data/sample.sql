-- data/sample.sql — deterministic sample dataset for rec: movies, users, events.
--
-- Fills rec.items, rec.users and rec.interactions (which must be empty) with
-- generated data that has structure a recommender can find. Every "random"
-- number comes from hashtext() of fixed keys (pg_temp.rnd), so each run gives
-- exactly the same rows.
--
--   items 1..400   8 genres: action 64, comedy 64, drama 64, horror 48,
--                  romance 48, sci-fi 56, animation 44, documentary 12 (rare).
--                  categories = {primary genre} plus, for ~25%, a second one
--                  (never documentary); title 'Action movie 17' (17th action
--                  item by id); properties {"year", "price"}; created_at spread
--                  over 2025, rising with item_id. Within its genre an item has
--                  a popularity rank k (Zipf weight k^-1.3) and one of 4
--                  sub-clusters (2 for documentary), each with its own Zipf head.
--   users 1..600   1 or 2 favourite genres (properties {"favourite_genres": [..]};
--                  active users more often have 2), a hidden favourite
--                  sub-cluster in each, and 8..80 events (~20.9k in all).
--   interactions   ~86% of a user's events in the favourite genres (65% of the
--                  taste on the user's sub-cluster, 35% on genre popularity,
--                  60/40 between two genres), the rest in other genres by
--                  global popularity; all drawn without replacement, so no
--                  repeated (user, item). Users sharing a sub-cluster co-occur
--                  beyond genre popularity: on a last-2-events holdout item-kNN
--                  beats favourite-genre popularity, which beats popularity.
--                  ts strictly increasing per user, 2026-01 .. 2026-08
--                  (sessions of minutes, gaps of hours to days); ~8% 'purchase'
--                  with event_value = item price, the rest 'click' (NULL value).
--                  documentary: 10 fans, ~130 events (0.6%), so a burst of new
--                  documentary events stands out.
--
-- Timestamps are built from seconds only, so the session TimeZone does not matter.
-- No BEGIN/COMMIT of its own, so a test can \i it inside its transaction;
-- standalone, load it atomically: psql -1 -v ON_ERROR_STOP=1 -f data/sample.sql

\set ON_ERROR_STOP on

DO $$
BEGIN
    IF EXISTS (SELECT FROM rec.items) OR EXISTS (SELECT FROM rec.users)
       OR EXISTS (SELECT FROM rec.interactions) THEN
        RAISE EXCEPTION 'data/sample.sql expects empty rec.items, rec.users and rec.interactions';
    END IF;
END $$;

-- deterministic uniform number in [0, 1) from a tag and two keys
CREATE FUNCTION pg_temp.rnd(tag text, a bigint, b bigint DEFAULT 0) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashtext(tag || ':' || a::text || ':' || b::text) & 2147483647)::float8 / 2147483648 $$;

-- genres: number of items, number of sub-clusters, appeal (fans, global popularity)
CREATE TEMP TABLE sample_genre (g int PRIMARY KEY, name text, n_items int, n_sub int, appeal float8);
INSERT INTO sample_genre VALUES
    (1, 'action',      64, 4, 1.00), (2, 'comedy',    64, 4, 1.00),
    (3, 'drama',       64, 4, 0.90), (4, 'horror',    48, 4, 0.60),
    (5, 'romance',     48, 4, 0.60), (6, 'sci-fi',    56, 4, 0.80),
    (7, 'documentary', 12, 2, 0.06), (8, 'animation', 44, 4, 0.70);

-- items: genre slots dealt in hash order; within a genre a popularity rank k
-- and a sub-cluster; pick probabilities in three pools (each sums to 1):
--   p_all: global popularity, p_genre: within its genre, p_sub: within its sub-cluster
CREATE TEMP TABLE sample_item AS
WITH dealt AS (
    SELECT i AS item_id, row_number() OVER (ORDER BY pg_temp.rnd('deal', i), i) AS slot
    FROM generate_series(1, 400) i
), bounds AS (
    SELECT g, name, n_sub, appeal,
           sum(n_items) OVER (ORDER BY g) - n_items AS lo, sum(n_items) OVER (ORDER BY g) AS hi
    FROM sample_genre
), placed AS (
    SELECT d.item_id, b.g, b.name AS genre, b.n_sub, b.appeal,
           row_number() OVER (PARTITION BY b.g ORDER BY pg_temp.rnd('pop', d.item_id), d.item_id) AS k,
           row_number() OVER (PARTITION BY b.g ORDER BY d.item_id) AS nr
    FROM dealt d JOIN bounds b ON d.slot > b.lo AND d.slot <= b.hi
), ranked AS (
    SELECT *, (k - 1) % n_sub AS sub,
           row_number() OVER (PARTITION BY g, (k - 1) % n_sub ORDER BY k) AS j   -- rank in sub-cluster
    FROM placed
)
SELECT item_id, g, genre, nr, k, sub,
       appeal * k ^ -1.3 / sum(appeal * k ^ -1.3) OVER () AS p_all,
       k ^ -1.3 / sum(k ^ -1.3) OVER (PARTITION BY g) AS p_genre,
       j ^ -1.0 / sum(j ^ -1.0) OVER (PARTITION BY g, sub) AS p_sub
FROM ranked;

INSERT INTO rec.items (item_id, title, categories, properties, created_at)
SELECT i.item_id,
       initcap(i.genre) || ' movie ' || i.nr,
       CASE WHEN pg_temp.rnd('second', i.item_id) < 0.3
            THEN ARRAY[i.genre, (SELECT array_agg(o.name ORDER BY o.g) FROM sample_genre o
                                 WHERE o.g <> i.g AND o.name <> 'documentary')
                                [1 + floor(pg_temp.rnd('second-genre', i.item_id) * 6)::int]]
            ELSE ARRAY[i.genre] END,
       jsonb_build_object('year', 2025 - floor(50 * pg_temp.rnd('year', i.item_id) ^ 2)::int,
                          'price', 1.99 + 2 * floor(4 * pg_temp.rnd('price', i.item_id))::int),
       timestamptz '2025-01-01 00:00:00+00'
           + make_interval(secs => 86400 * 365 * (i.item_id - 1 + pg_temp.rnd('created', i.item_id)) / 400)
FROM sample_item i
ORDER BY i.item_id;

-- users: activity a in [0,1) gives 8..80 events; active users more often have
-- two favourite genres, drawn by weighted sampling without replacement
-- (largest r^(1/appeal)); a favourite sub-cluster in each
CREATE TEMP TABLE sample_user AS
WITH ranked AS (
    SELECT u, g.g, g.name, g.n_sub,
           row_number() OVER (PARTITION BY u ORDER BY pg_temp.rnd('fav', u, g.g) ^ (1 / g.appeal) DESC) AS pick
    FROM generate_series(1, 600) u CROSS JOIN sample_genre g
)
SELECT u AS user_id,
       8 + floor(73 * pg_temp.rnd('activity', u) ^ 1.5)::int AS n_events,
       CASE WHEN pg_temp.rnd('nfav', u) < 0.2 + 0.7 * pg_temp.rnd('activity', u) THEN 2 ELSE 1 END AS n_fav,
       max(g) FILTER (WHERE pick = 1) AS fav1,
       max(g) FILTER (WHERE pick = 2) AS fav2,
       max(floor(n_sub * pg_temp.rnd('sub', u, g))::int) FILTER (WHERE pick = 1) AS sub1,
       max(floor(n_sub * pg_temp.rnd('sub', u, g))::int) FILTER (WHERE pick = 2) AS sub2,
       max(name) FILTER (WHERE pick = 1) AS name1,
       max(name) FILTER (WHERE pick = 2) AS name2,
       timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => 86400 * 200 * pg_temp.rnd('start', u)) AS first_ts
FROM ranked
GROUP BY u;

INSERT INTO rec.users (user_id, properties, created_at)
SELECT user_id,
       jsonb_build_object('favourite_genres',
           CASE WHEN n_fav = 2 THEN jsonb_build_array(name1, name2) ELSE jsonb_build_array(name1) END),
       first_ts - make_interval(secs => 86400 * (1 + 60 * pg_temp.rnd('signup', user_id)))
FROM sample_user
ORDER BY user_id;

-- events: each user's favourite-genre taste w(item) = share of the genre (60/40
-- with two) x (65% own sub-cluster + 35% genre popularity); 84-92% of the
-- user's events are drawn from that taste and the rest from the other genres
-- by global popularity, both by weighted sampling without replacement
-- (smallest -ln(1-r)/w); then put in a random order and spaced in sessions.
INSERT INTO rec.interactions (user_id, item_id, event_type, event_value, ts)
WITH fav AS (
    SELECT user_id, fav1 AS g, sub1 AS sub, CASE WHEN n_fav = 2 THEN 0.6 ELSE 1.0 END AS share
    FROM sample_user
    UNION ALL
    SELECT user_id, fav2, sub2, 0.4 FROM sample_user WHERE n_fav = 2
), quota AS (   -- favourite-genre events: 84-92%, at most 80% of the favourite items
    SELECT u.user_id, u.n_events, u.first_ts,
           least(round(u.n_events * (0.84 + 0.08 * pg_temp.rnd('share', u.user_id))),
                 floor(0.8 * sum(g.n_items))) AS n_fav_events
    FROM sample_user u JOIN fav f USING (user_id) JOIN sample_genre g USING (g)
    GROUP BY u.user_id, u.n_events, u.first_ts
), taste AS (
    SELECT q.*, i.item_id, f.g IS NOT NULL AS in_fav,
           coalesce(f.share * (0.65 * (i.sub = f.sub)::int * i.p_sub + 0.35 * i.p_genre), i.p_all) AS w
    FROM quota q CROSS JOIN sample_item i
    LEFT JOIN fav f ON f.user_id = q.user_id AND f.g = i.g
), drawn AS (
    SELECT *, row_number() OVER (PARTITION BY user_id, in_fav
                                 ORDER BY -ln(1 - pg_temp.rnd('pick', user_id, item_id)) / w) AS draw
    FROM taste
), ordered AS (
    SELECT user_id, item_id, first_ts,
           row_number() OVER (PARTITION BY user_id ORDER BY pg_temp.rnd('order', user_id, item_id), item_id) AS seq
    FROM drawn WHERE draw <= CASE WHEN in_fav THEN n_fav_events ELSE n_events - n_fav_events END
), spaced AS (
    SELECT user_id, item_id, first_ts,
           sum(CASE WHEN seq = 1 THEN 0
                    WHEN pg_temp.rnd('session', user_id, seq) < 0.75
                    THEN 20 + 580 * pg_temp.rnd('gap', user_id, seq)               -- same session
                    ELSE 3600 * (3 + 90 * pg_temp.rnd('gap', user_id, seq) ^ 2)    -- next session
               END) OVER (PARTITION BY user_id ORDER BY seq) AS offset_s
    FROM ordered
)
SELECT e.user_id, e.item_id,
       CASE WHEN pg_temp.rnd('buy', e.user_id, e.item_id) < 0.08 THEN 'purchase' ELSE 'click' END,
       CASE WHEN pg_temp.rnd('buy', e.user_id, e.item_id) < 0.08 THEN (i.properties->>'price')::real END,
       date_trunc('second', e.first_ts + make_interval(secs => e.offset_s))
FROM spaced e JOIN rec.items i USING (item_id)
ORDER BY 5, 1;

DROP TABLE sample_genre, sample_item, sample_user;
DROP FUNCTION pg_temp.rnd(text, bigint, bigint);
ANALYZE rec.items, rec.users, rec.interactions;
