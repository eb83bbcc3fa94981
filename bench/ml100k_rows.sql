-- bench/ml100k_rows.sql: MovieLens 100K's rows into rec.items (title, the
-- genres as categories) and rec.interactions (event type 'rating', the rating
-- as event_value, the timestamp), from the temp tables ml_data (u.data) and
-- ml_item (u.item's lines) the caller has copied the files into.  Read by
-- bench/ml100k.sh (bench/realtime_genres, bench/impressions) and
-- test/ml100k_realtime.sql; the data itself is never copied here.
INSERT INTO rec.items (item_id, title, categories)
SELECT f[1]::bigint, f[2],
       ARRAY(SELECT g.name FROM unnest(f[6:24]) WITH ORDINALITY AS x(flag, i)
             JOIN (VALUES (1, 'unknown'), (2, 'Action'), (3, 'Adventure'), (4, 'Animation'), (5, 'Children''s'),
                          (6, 'Comedy'), (7, 'Crime'), (8, 'Documentary'), (9, 'Drama'), (10, 'Fantasy'),
                          (11, 'Film-Noir'), (12, 'Horror'), (13, 'Musical'), (14, 'Mystery'), (15, 'Romance'),
                          (16, 'Sci-Fi'), (17, 'Thriller'), (18, 'War'), (19, 'Western')) g(i, name) USING (i)
             WHERE x.flag = '1')
FROM (SELECT string_to_array(line, '|') AS f FROM ml_item) s;
INSERT INTO rec.interactions (user_id, item_id, event_type, event_value, ts)
SELECT user_id, item_id, 'rating', rating, to_timestamp(ts) FROM ml_data;
