-- bench/sequential.sql — a product-review-shaped dataset with short, strongly
-- sequential histories, for the tuner (issue 16): 12,000 items, 22,000 users,
-- 8 events each (176,000 events).
--
--   psql -v seed=42 -f bench/sequential.sql      (replaces rec.items and rec.interactions)
--
-- Items come in product lines of 50 consecutive ids, one category each
-- ('line-17'); item popularity falls off as a power of the id's rank.  A user
-- starts on a popular item, and each next event is, with probability 0.55,
-- the next item of the same line (the product that follows the one just
-- bought), 0.25 another item of the same line, 0.20 any item by popularity.
-- Deterministic: every draw is a hash of (seed, user, position).
\set ON_ERROR_STOP on
\if :{?seed}
\else
\set seed 42
\endif
SET client_min_messages = warning;
TRUNCATE rec.interactions, rec.items, rec.users;

CREATE FUNCTION pg_temp.u01(k text) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT ((pg_catalog.hashtext(k)::bigint + 2147483648) % 1000003) / 1000003.0 $$;

INSERT INTO rec.items (item_id, title, categories)
SELECT i, 'product ' || i, ARRAY['line-' || ((i - 1) / 50)]
FROM generate_series(1, 12000) i;

SELECT pg_catalog.set_config('seq.seed', :'seed', false) AS seed \gset
CREATE TEMP TABLE seq_events (user_id bigint, pos int, item_id bigint);
DO $$
DECLARE
    seed text := current_setting('seq.seed');
    u int;
    k int;
    cur int;
    r float8;
BEGIN
    FOR u IN 1..22000 LOOP
        -- a popular start: ids drawn with density falling as id^-0.7
        cur := 1 + floor(12000 * pg_temp.u01(seed || ':s:' || u) ^ 3.3)::int;
        INSERT INTO seq_events VALUES (u, 1, cur);
        FOR k IN 2..8 LOOP
            r := pg_temp.u01(seed || ':r:' || u || ':' || k);
            IF r < 0.55 THEN
                cur := CASE WHEN cur % 50 = 0 THEN cur - 49 ELSE cur + 1 END;
            ELSIF r < 0.80 THEN
                cur := ((cur - 1) / 50) * 50 + 1 + floor(50 * pg_temp.u01(seed || ':l:' || u || ':' || k) ^ 1.5)::int;
            ELSE
                cur := 1 + floor(12000 * pg_temp.u01(seed || ':p:' || u || ':' || k) ^ 3.3)::int;
            END IF;
            cur := least(greatest(cur, 1), 12000);
            INSERT INTO seq_events VALUES (u, k, cur);
        END LOOP;
    END LOOP;
END
$$;

-- a repeated (user, item) keeps its first event
INSERT INTO rec.interactions (user_id, item_id, event_type, ts)
SELECT user_id, item_id, 'purchase',
       timestamptz '2024-01-01 00:00:00+00' + make_interval(days => (user_id % 300)::int, hours => min(pos))
FROM seq_events GROUP BY user_id, item_id;
ANALYZE rec.interactions;
SELECT count(*) AS events, count(DISTINCT user_id) AS users, count(DISTINCT item_id) AS items
FROM rec.interactions;
