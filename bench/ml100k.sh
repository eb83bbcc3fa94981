# bench/ml100k.sh — sourced: ml100k_load_sql DIR prints the SQL that loads
# MovieLens 100K from DIR (u.data, u.item) into rec.items (title, the genres
# as categories) and rec.interactions (event type 'rating', the rating as
# event_value, the timestamp).  bench/realtime_genres and bench/impressions
# load it this way; the data is never copied into the repository.
ml100k_load_sql() {
    local data=$1
    cat <<SQL
CREATE TEMP TABLE ml_data (user_id bigint, item_id bigint, rating int, ts bigint);
\copy ml_data FROM '$data/u.data'
CREATE TEMP TABLE ml_item (line text);
\copy ml_item FROM '$data/u.item' WITH (FORMAT text, DELIMITER E'\x01', ENCODING 'LATIN1')
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
ANALYZE;
SQL
}
