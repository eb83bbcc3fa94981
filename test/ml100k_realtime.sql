-- Real time on real data, on defaults (the solution trains with NO
-- parameters): MovieLens 100K users who never rated a Documentary rate the
-- three most rated; Documentary enters their next top 10, and so does every
-- other genre in the same experiment (bench/realtime_genres prints the table).  The data's licence
-- forbids copying it here: the test reads ../shared/data/ml-100k and skips
-- when it is absent.
\set ON_ERROR_STOP on
\set QUIET on
\set have_data `test -r ../shared/data/ml-100k/u.data && test -r ../shared/data/ml-100k/u.item && echo true || echo false`
\if :have_data
BEGIN;
DELETE FROM rec.solution;
TRUNCATE rec.interactions, rec.items, rec.users;
SELECT plan(7);

CREATE TEMP TABLE ml_data (user_id bigint, item_id bigint, rating int, ts bigint);
\copy ml_data FROM '../shared/data/ml-100k/u.data'
CREATE TEMP TABLE ml_item (line text);
\copy ml_item FROM '../shared/data/ml-100k/u.item' WITH (FORMAT text, DELIMITER E'\x01', ENCODING 'LATIN1')
\ir ../bench/ml100k_rows.sql

SELECT is((SELECT count(*) FROM rec.interactions), 100000::bigint, 'MovieLens 100K loaded');
SELECT rec.train('up', 'user-personalization') AS version \gset
SELECT rec.deploy('main', 'up') AS deployed \gset
SET LOCAL rec.campaign = 'main';

-- twenty active users who never rated a documentary, and the three most rated documentaries
CREATE TEMP TABLE probe AS
SELECT e.user_id FROM rec.interactions e JOIN rec.items i USING (item_id)
GROUP BY e.user_id HAVING bool_and(NOT 'Documentary' = ANY (i.categories)) AND count(*) >= 50
ORDER BY e.user_id LIMIT 20;
CREATE TEMP TABLE documentary AS
SELECT e.item_id, row_number() OVER (ORDER BY count(*) DESC, e.item_id) AS n
FROM rec.interactions e JOIN rec.items i USING (item_id)
WHERE 'Documentary' = ANY (i.categories) GROUP BY e.item_id ORDER BY count(*) DESC, e.item_id LIMIT 3;

SELECT is((SELECT count(*) FROM probe p
           WHERE EXISTS (SELECT FROM rec.recommend(p.user_id, 10) r JOIN rec.items i USING (item_id)
                         WHERE 'Documentary' = ANY (i.categories))),
          0::bigint, 'no documentary in their top 10 before');
SELECT count(rec.log_event(p.user_id, d.item_id, 'rating', 5, '1998-05-01'::timestamptz + d.n * interval '1 minute'))
       AS logged
FROM probe p CROSS JOIN documentary d \gset
CREATE TEMP TABLE after AS
SELECT p.user_id, (SELECT count(*) FROM rec.recommend(p.user_id, 10) r JOIN rec.items i USING (item_id)
                   WHERE 'Documentary' = ANY (i.categories)) AS docs
FROM probe p;
SELECT is((SELECT count(*) FROM after WHERE docs >= 1),
          20::bigint, 'three documentary ratings bring Documentary into the top 10 of every probe user');
-- the workshop's target; measured 2.65 (rec 0.1: 2.50)
SELECT cmp_ok((SELECT avg(docs) FROM after), '>=', 2.0,
              'on average at least two documentaries in the top 10 after three events');
SELECT is((SELECT count(*) FROM rec.solution_version), 1::bigint, 'without retraining');

-- every genre that at least 20 of those active users never rated, the same way
-- ('unknown' is MovieLens' placeholder of 2 titles: both are logged, none is left)
CREATE FUNCTION pg_temp.genre_gain(genre text) RETURNS numeric
LANGUAGE plpgsql AS $fn$
DECLARE
    gain numeric;
BEGIN
    BEGIN
        CREATE TEMP TABLE gprobe AS
        SELECT e.user_id FROM rec.interactions e JOIN rec.items i USING (item_id)
        GROUP BY e.user_id HAVING bool_and(NOT genre = ANY (i.categories)) AND count(*) >= 50
        ORDER BY e.user_id LIMIT 20;
        IF (SELECT count(*) FROM gprobe) < 20 THEN
            RAISE EXCEPTION 'undo';
        END IF;
        CREATE TEMP TABLE gtitles AS
        SELECT e.item_id, row_number() OVER (ORDER BY count(*) DESC, e.item_id) AS n
        FROM rec.interactions e JOIN rec.items i USING (item_id)
        WHERE genre = ANY (i.categories) GROUP BY e.item_id ORDER BY count(*) DESC, e.item_id LIMIT 3;
        SELECT - avg((SELECT count(*) FROM rec.recommend(p.user_id, 10) r JOIN rec.items i USING (item_id)
                      WHERE genre = ANY (i.categories))) INTO gain FROM gprobe p;
        PERFORM rec.log_event(p.user_id, t.item_id, 'rating', 5, '1998-05-01'::timestamptz + t.n * interval '1 minute')
        FROM gprobe p CROSS JOIN gtitles t;
        SELECT gain + avg((SELECT count(*) FROM rec.recommend(p.user_id, 10) r JOIN rec.items i USING (item_id)
                           WHERE genre = ANY (i.categories))) INTO gain FROM gprobe p;
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    RETURN gain;
END
$fn$;
CREATE TEMP TABLE genre_gains AS
SELECT g AS genre, pg_temp.genre_gain(g) AS gain
FROM (SELECT DISTINCT unnest(categories) AS g FROM rec.items) s WHERE g <> 'unknown';
-- measured: the least is Children's, +2.45
SELECT is((SELECT string_agg(genre || ' ' || round(gain, 2), ', ' ORDER BY genre) FROM genre_gains
           WHERE gain < 1.0), NULL, 'every genre gains at least one title in the top 10 after three events');
SELECT cmp_ok((SELECT count(*) FROM genre_gains WHERE gain IS NOT NULL), '>=', 8::bigint,
              'the genres that 20 active users never rated are tried');

SELECT * FROM finish();
ROLLBACK;
\else
SELECT plan(1);
SELECT skip('MovieLens 100K is not in ../shared/data/ml-100k', 1);
SELECT * FROM finish();
\endif
