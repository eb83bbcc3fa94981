-- serving over the items a history touches: sparse models and popularity score only
-- those, fill from popularity, and keep the whole catalogue's scale
\i data/reset_sample.psql
-- an old cold item without categories: nothing scores it
INSERT INTO rec.items (item_id, title, created_at) VALUES (990001, 'old and cold', '2000-01-01');

SELECT rec.train('sparse5', 'user-personalization', params => '{"tune": false, "neighbors": 5}') > 0 AS trained;
SELECT rec.train('sims', 'sims') > 0 AS trained;
SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.deploy('sparse5', 'sparse5') > 0, rec.deploy('sims', 'sims') > 0, rec.deploy('pop', 'pop') > 0;
CREATE TEMP TABLE counts AS
SELECT item_id, count(*) AS n FROM rec.interactions GROUP BY item_id;

-- the scores of a sparse list are shares of the positive scores over the whole catalogue
SELECT c AS campaign, round(sum(r.score) FILTER (WHERE r.score > 0)::numeric, 4) AS positive_total
FROM unnest(ARRAY['sparse5', 'sims', 'pop']) c,
     LATERAL rec.rank(7, ARRAY(SELECT item_id FROM rec.items), campaign => c) r
GROUP BY c ORDER BY c;
-- and recommend scores an item as rank does
SELECT count(*) AS rows, bool_and(abs(r.score - k.score) <= 1e-6) AS same_scores
FROM rec.recommend(7, 25, campaign => 'sparse5') r
JOIN rec.rank(7, ARRAY(SELECT item_id FROM rec.recommend(7, 25, campaign => 'sparse5')),
              campaign => 'sparse5') k USING (item_id);

-- fewer positive scores than k: the rest come from popularity, most popular first,
-- with score 0 and reason popular
CREATE TEMP TABLE short_list AS
SELECT row_number() OVER () AS pos, r.*
FROM rec.recommend(7, 30, include_items => ARRAY(SELECT generate_series(1, 40)::bigint),
                   campaign => 'sparse5') r;
SELECT reason, count(*) AS rows, min(score) > 0 AS positive, max(score) = 0 AS zero,
       bool_and(because_item_id IS NULL) AS no_because
FROM short_list GROUP BY reason ORDER BY reason;
SELECT bool_and(a.n >= b.n) AS most_popular_first
FROM short_list x JOIN counts a USING (item_id), short_list y JOIN counts b ON b.item_id = y.item_id
WHERE x.reason = 'popular' AND y.reason = 'popular' AND x.pos < y.pos;
SELECT bool_and(item_id BETWEEN 1 AND 40) AS only_included FROM short_list;

-- the same without include_items: a user whose few events touch few items
BEGIN;
SELECT rec.log_event(900001, 50, ts => '2026-09-01 10:00') IS NOT NULL AS logged;
SELECT reason, count(*) AS rows FROM rec.recommend(900001, 30, campaign => 'sparse5')
GROUP BY reason ORDER BY reason;
CREATE TEMP TABLE lone AS
SELECT row_number() OVER () AS pos, r.* FROM rec.recommend(900001, 30, campaign => 'sparse5') r;
SELECT array_agg(c.n ORDER BY l.pos) = (SELECT array_agg(n ORDER BY n DESC) FROM (
           SELECT c.n FROM counts c
           WHERE c.item_id <> 50 AND c.item_id NOT IN (SELECT item_id FROM lone WHERE reason <> 'popular')
           ORDER BY c.n DESC LIMIT (SELECT count(*) FROM lone WHERE reason = 'popular')) t)
       AS fill_in_popularity_order
FROM lone l JOIN counts c USING (item_id) WHERE l.reason = 'popular';
-- exclusions are checked on candidates and on the fill: nothing seen, nothing excluded
SELECT count(*) AS rows, count(*) FILTER (WHERE item_id IN (50, 181, 258)) AS excluded_rows
FROM rec.recommend(900001, 30, exclude_items => ARRAY[181, 258], campaign => 'sparse5');
ROLLBACK;

-- popularity-count: the most popular unseen items, in order
SELECT array_agg(item_id ORDER BY score DESC, item_id)
       = (SELECT array_agg(item_id ORDER BY n DESC, item_id) FROM (
              SELECT item_id, n FROM counts
              WHERE item_id NOT IN (SELECT item_id FROM rec.interactions WHERE user_id = 7)
              ORDER BY n DESC, item_id LIMIT 10) t) AS popularity_order
FROM rec.recommend(7, 10, campaign => 'pop');
-- a list longer than the catalogue ends with the items that score nothing
SELECT count(*) = (SELECT count(*) FROM rec.items) AS whole_catalogue,
       count(*) FILTER (WHERE score IS NULL) AS unscored,
       (array_agg(item_id ORDER BY score DESC NULLS LAST))[count(*)] AS last_item
FROM rec.recommend(7, 1000, exclude_seen => false, campaign => 'sims');

-- batch_recommend selects as recommend does
SELECT bool_and(b.item_id = r.item_id AND abs(b.score - r.score) <= 1e-6) AS same_lists, count(*) AS rows
FROM rec.batch_recommend('sparse5', 10, ARRAY[3, 7, 11]) b
JOIN LATERAL (SELECT row_number() OVER () AS rank, item_id, score
              FROM rec.recommend(b.user_id, 10, campaign => 'sparse5')) r USING (rank);

-- similar_items of a sparse model: the row's items, then the most popular of the rest
SELECT reason, count(*) AS rows FROM rec.similar_items(50, 40, campaign => 'sparse5')
GROUP BY reason ORDER BY reason;
