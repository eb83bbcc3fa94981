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
SQL
    cat "$(dirname "${BASH_SOURCE[0]}")/ml100k_rows.sql"
    echo 'ANALYZE;'
}
