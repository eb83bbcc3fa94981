-- bench/synth.sql — deterministic MovieLens-like data for rec's speed benchmarks.
--
--   psql -v scale=1 -f bench/synth.sql            (scale 1, 5, 20, ... ; default 1)
--   psql -v scale=20 -v items=16000 -f bench/synth.sql
--   psql -v items=200000 -v users=200000 -v events=20000000 -f bench/synth.sql
--                                                 (the wide catalogue)
--
-- REPLACES the contents of rec.items and rec.interactions (the default
-- dataset group) with synthetic data shaped like MovieLens 1M, which at
-- scale 1 has 6,040 users, 3,706 items and 1,000,209 events:
--
--   users   6,040 x scale
--   items   round(3,706 x sqrt(scale)) unless -v items=N is given: catalogues
--           grow more slowly than audiences.  EASE keeps 4 x items^2 bytes
--           (scale 5: 8,287 items, 275 MB; scale 20: 16,574 items, 1.1 GB).
--   events  about 1,000,209 x scale (the exact count is printed): every user
--           draws the same activity distribution, so events grow with users.
--   -v users=N and -v events=N set those two directly (the activity
--   distribution is scaled to the events per user they give).
--
-- Distributions (all from hashes of the row's key and -v seed, default 42,
-- so the same arguments give the same rows on every run):
--   item popularity  power law with a soft end, w(r) = (r + r0)^-1.1 exp(-(r/tau)^4)
--                    over the popularity rank r, r0 = 0.01 N, tau = 0.675 N; at
--                    scale 1 the top item has ~3,300 events, the median item
--                    ~140 (MovieLens 1M: 3,428 and 124), the tail a handful, and
--                    ~2% of the items none (cold: in rec.items only).
--                    Item ids are a hashed permutation of the ranks.
--   categories       1-3 of MovieLens' 18 genres per item, weighted by their
--                    MovieLens frequency (Drama, Comedy most common).
--   user activity    20 + lognormal (median 96 events, mean ~166, capped at
--                    62% of the catalogue: MovieLens' 2,314 of 3,706), scaled
--                    so the total is ~1,000,209 x scale.
--   taste            half of each user's events come from one favourite genre
--                    (same popularity law within the genre), half from the
--                    whole catalogue, so co-occurrence has structure.
--   no repeats       a user has at most one event per item, like MovieLens
--                    ratings: draws are made with replacement, oversampled,
--                    and each user keeps its first distinct items.
--   timestamps       users start between 2000-04-25 and 2003-02-28, early
--                    starts more likely; each user's events are spread over
--                    a span from hours to years, in draw order.
--   event_type       'click' for every row, event_value NULL.
\set ON_ERROR_STOP on
\if :{?scale}
\else
\set scale 1
\endif
\if :{?items}
\else
\set items 0
\endif
\if :{?users}
\else
\set users 0
\endif
\if :{?events}
\else
\set events 0
\endif
\if :{?seed}
\else
\set seed 42
\endif

SET client_min_messages = warning;
SET work_mem = '256MB';
SET maintenance_work_mem = '1GB';
SET max_parallel_workers_per_gather = 0;

-- uniform (0, 1) from a 64-bit hash of a key and a seed
CREATE FUNCTION pg_temp.u01(k bigint, s bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (((pg_catalog.hashint8extended(k, s) >> 11) & 9007199254740991)::float8 + 0.5)
             / 9007199254740992.0 $$;

CREATE TEMP TABLE synth_param AS
SELECT :scale::float8 AS scale,
       CASE WHEN :items > 0 THEN :items ELSE round(3706 * sqrt(:scale::float8))::int END AS n_items,
       CASE WHEN :users > 0 THEN :users ELSE round(6040 * :scale::float8)::int END AS n_users,
       CASE WHEN :events > 0 THEN :events ELSE round(1000209 * :scale::float8)::bigint END AS n_events,
       :seed::bigint AS seed,
       2097152 AS m_all,        -- popularity buckets over the whole catalogue
       65536 AS m_genre;        -- popularity buckets per genre
SELECT n_items, n_users, n_events AS target_events, seed FROM synth_param \gset

-- MovieLens' 18 genres with their MovieLens 1M movie counts as weights
CREATE TEMP TABLE synth_genre (g int PRIMARY KEY, name text, weight float8, lo float8, hi float8);
INSERT INTO synth_genre (g, name, weight)
VALUES (0, 'Drama', 1603), (1, 'Comedy', 1200), (2, 'Action', 503), (3, 'Thriller', 492),
       (4, 'Romance', 471), (5, 'Horror', 343), (6, 'Adventure', 283), (7, 'Sci-Fi', 276),
       (8, 'Children''s', 251), (9, 'Crime', 211), (10, 'War', 143), (11, 'Documentary', 127),
       (12, 'Musical', 114), (13, 'Mystery', 106), (14, 'Animation', 105), (15, 'Fantasy', 68),
       (16, 'Western', 68), (17, 'Film-Noir', 44);
UPDATE synth_genre s SET lo = coalesce(c.lo, 0), hi = CASE WHEN s.g = 17 THEN 1.0 ELSE c.hi END
FROM (SELECT g, lag(hi) OVER (ORDER BY g) AS lo, hi
      FROM (SELECT g, sum(weight) OVER (ORDER BY g) / sum(weight) OVER () AS hi FROM synth_genre) x) c
WHERE c.g = s.g;

-- a genre picked by weight for a uniform draw
CREATE FUNCTION pg_temp.pick_genre(q float8) RETURNS int
LANGUAGE sql STABLE
AS $$ SELECT g FROM synth_genre WHERE q >= lo AND q < hi ORDER BY g LIMIT 1 $$;

-- Items: popularity rank r, weight, hashed id, 1-3 genres
CREATE TEMP TABLE synth_item AS
SELECT r,
       row_number() OVER (ORDER BY pg_catalog.hashint8extended(r, p.seed), r)::bigint AS item_id,
       power(r + 0.01 * p.n_items, -1.1) * exp(-power(r / (0.675 * p.n_items), 4)) AS w,
       pg_temp.pick_genre(pg_temp.u01(r, p.seed + 1)) AS g1,
       CASE WHEN pg_temp.u01(r, p.seed + 2) < 0.45 THEN pg_temp.pick_genre(pg_temp.u01(r, p.seed + 3)) END AS g2,
       CASE WHEN pg_temp.u01(r, p.seed + 4) < 0.15 THEN pg_temp.pick_genre(pg_temp.u01(r, p.seed + 5)) END AS g3
FROM synth_param p, generate_series(1, p.n_items) AS r;

CREATE TEMP TABLE synth_item_genre AS
SELECT DISTINCT r, g FROM (SELECT r, g1 AS g FROM synth_item
                           UNION ALL SELECT r, g2 FROM synth_item WHERE g2 IS NOT NULL
                           UNION ALL SELECT r, g3 FROM synth_item WHERE g3 IS NOT NULL) x;

-- Popularity buckets: a uniform bucket number maps to an item with
-- probability proportional to its weight (whole catalogue, and per genre)
CREATE TEMP TABLE synth_bucket_all AS
SELECT b, c.item_id
FROM (SELECT item_id, hi, coalesce(lag(hi) OVER (ORDER BY r), 0) AS lo
      FROM (SELECT r, item_id, sum(w) OVER (ORDER BY r) / sum(w) OVER () AS hi FROM synth_item) x) c,
     synth_param p,
     generate_series(floor(c.lo * p.m_all)::int, least(floor(c.hi * p.m_all)::int, p.m_all) - 1) AS b;
CREATE UNIQUE INDEX ON synth_bucket_all (b);

CREATE TEMP TABLE synth_bucket_genre AS
SELECT c.g, b, c.item_id
FROM (SELECT g, item_id, hi, coalesce(lag(hi) OVER (PARTITION BY g ORDER BY r), 0) AS lo
      FROM (SELECT ig.g, i.r, i.item_id,
                   sum(i.w) OVER (PARTITION BY ig.g ORDER BY i.r) / sum(i.w) OVER (PARTITION BY ig.g) AS hi
            FROM synth_item_genre ig JOIN synth_item i USING (r)) x) c,
     synth_param p,
     generate_series(floor(c.lo * p.m_genre)::int, least(floor(c.hi * p.m_genre)::int, p.m_genre) - 1) AS b;
CREATE UNIQUE INDEX ON synth_bucket_genre (g, b);

-- Users: activity (20 + lognormal, scaled to the event target), favourite
-- genre, first event time and span
CREATE TEMP TABLE synth_user AS
WITH raw AS (
    SELECT u,
           least(exp(ln(76.0) + 1.14 * sqrt(-2 * ln(pg_temp.u01(u, p.seed + 20)))
                                      * cos(2 * pi() * pg_temp.u01(u, p.seed + 21))),
                 0.62 * p.n_items - 20) AS act,
           pg_temp.pick_genre(pg_temp.u01(u, p.seed + 22)) AS fav,
           pg_temp.u01(u, p.seed + 23) AS q_start,
           pg_temp.u01(u, p.seed + 24) AS q_span
    FROM synth_param p, generate_series(1, p.n_users) AS u
)
SELECT u::bigint AS user_id, fav,
       n,
       -- oversampled draws: heavy users need more to reach n distinct items
       (ceil(n * (1.4 + 16.0 * n / p.n_items)) + 10)::int AS n_draws,
       timestamptz '2000-04-25 00:00+00' + interval '1 second' * (q_start ^ 3 * 88646400) AS t0,
       -- span from an hour to whatever is left before 2003-02-28
       3600 + (q_span ^ 2) * ((1 - q_start ^ 3) * 88646400) AS span
FROM raw, synth_param p, (SELECT sum(act) AS total FROM raw) t,
     LATERAL (SELECT least(greatest(20, round(20 + raw.act * (p.n_events - 20.0 * p.n_users) / t.total)),
                           floor(0.62 * p.n_items))::int AS n) s;

-- Draws with replacement; each user keeps its first n distinct items
CREATE TEMP TABLE synth_event AS
WITH key AS (
    SELECT us.user_id, us.fav, j, (us.user_id << 20) | j AS k
    FROM synth_user us, generate_series(1, us.n_draws) AS j
), draw AS (
    SELECT key.user_id, key.j, key.fav,
           pg_temp.u01(key.k, p.seed + 30) < 0.5 AS from_genre,
           floor(pg_temp.u01(key.k, p.seed + 31) * p.m_genre)::int AS bg,
           floor(pg_temp.u01(key.k, p.seed + 32) * p.m_all)::int AS ba
    FROM key, synth_param p
), picked AS (
    SELECT d.user_id, d.j, coalesce(g.item_id, a.item_id) AS item_id
    FROM draw d
    LEFT JOIN synth_bucket_genre g ON d.from_genre AND g.g = d.fav AND g.b = d.bg
    LEFT JOIN synth_bucket_all a ON NOT d.from_genre AND a.b = d.ba
), first AS (
    SELECT user_id, item_id, min(j) AS j FROM picked WHERE item_id IS NOT NULL GROUP BY user_id, item_id
), ranked AS (
    SELECT user_id, item_id, j, row_number() OVER (PARTITION BY user_id ORDER BY j) AS rn
    FROM first
)
SELECT k.user_id, k.item_id,
       us.t0 + interval '1 second' * (us.span * (k.rn - 1 + pg_temp.u01((k.user_id << 20) | k.j, p.seed + 33))
                                      / us.n) AS ts
FROM ranked k JOIN synth_user us USING (user_id), synth_param p
WHERE k.rn <= us.n;

-- Replace the default dataset group's rows
TRUNCATE rec.interactions, rec.items;
INSERT INTO rec.items (item_id, title, categories, created_at)
SELECT i.item_id, 'Synthetic movie ' || i.item_id,
       ARRAY(SELECT sg.name FROM synth_genre sg
             WHERE sg.g IN (i.g1, i.g2, i.g3)
             ORDER BY array_position(ARRAY[i.g1, i.g2, i.g3], sg.g)),
       timestamptz '2000-01-01 00:00+00'
FROM synth_item i ORDER BY i.item_id;
INSERT INTO rec.interactions (user_id, item_id, event_type, event_value, ts)
SELECT user_id, item_id, 'click', NULL, ts FROM synth_event ORDER BY user_id, ts;

DROP TABLE synth_event, synth_user, synth_bucket_genre, synth_bucket_all, synth_item_genre,
           synth_item, synth_genre, synth_param;
VACUUM (ANALYZE) rec.items;
VACUUM (ANALYZE) rec.interactions;

SELECT :'scale' AS scale,
       (SELECT count(*) FROM rec.items) AS items,
       (SELECT count(DISTINCT user_id) FROM rec.interactions) AS users,
       (SELECT count(*) FROM rec.interactions) AS events,
       :target_events AS target_events;
