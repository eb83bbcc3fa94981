-- Two backends: one keeps a filter's matching items (rec.filter_cache) while
-- another changes the items; the first sees a committed change at its next
-- call, and never an uncommitted one.  Data is committed here (the other
-- backend must see it) and removed at the end.
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
DELETE FROM rec.solution;
DELETE FROM rec.filter;
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
SELECT plan(6);

SELECT rec.train('pop', 'popularity-count') > 0 AS trained \gset
SELECT rec.deploy('pop', 'pop');
SELECT rec.create_filter('genre', 'INCLUDE ITEMS WHERE categories IN $genres');
SELECT dblink_connect('other', format('dbname=%s host=%s port=%s user=%s', current_database(),
	split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user));
CREATE TEMP TABLE docs AS SELECT item_id FROM rec.items WHERE categories && '{documentary}';

-- this backend keeps the documentaries (the first calls read them)
SELECT count(*) AS n FROM rec.recommend(1, 25, campaign => 'pop', filter => 'genre',
	filter_values => '{"genres": ["documentary"]}') \gset
SELECT count(*) AS n FROM rec.recommend(1, 25, campaign => 'pop', filter => 'genre',
	filter_values => '{"genres": ["documentary"]}') \gset
SELECT is(:n::bigint, (SELECT count(*) FROM docs), 'every documentary is listed');

-- the other backend makes item 1 a documentary, in a transaction left open
SELECT dblink_exec('other', 'BEGIN');
SELECT dblink_exec('other', $$UPDATE rec.items SET categories = '{documentary}' WHERE item_id = 1$$);
SELECT is((SELECT count(*) FROM rec.recommend(1, 25, campaign => 'pop', filter => 'genre',
	filter_values => '{"genres": ["documentary"]}') WHERE item_id = 1), 0::bigint,
	'an uncommitted change of the items is not seen');
SELECT dblink_exec('other', 'COMMIT');
SELECT is((SELECT count(*) FROM rec.recommend(1, 25, campaign => 'pop', filter => 'genre',
	filter_values => '{"genres": ["documentary"]}') WHERE item_id = 1), 1::bigint,
	'a committed change of the items is seen at the next call');
-- a deletion elsewhere, then the same with the cache off
SELECT dblink_exec('other', $$DELETE FROM rec.items WHERE item_id = (SELECT min(item_id) FROM rec.items
	WHERE categories && '{documentary}' AND item_id > 1)$$);
SELECT is((SELECT count(*) FROM rec.recommend(1, 25, campaign => 'pop', filter => 'genre',
	filter_values => '{"genres": ["documentary"]}')), (SELECT count(*) FROM docs),
	'a deleted item leaves the next call');
SELECT set_config('rec.filter_cache', 'off', false) AS off \gset
SELECT is((SELECT count(*) FROM rec.recommend(1, 25, campaign => 'pop', filter => 'genre',
	filter_values => '{"genres": ["documentary"]}')), (SELECT count(*) FROM docs),
	'the same list with the cache off');
SELECT set_config('rec.filter_cache', 'on', false) AS on \gset
-- the other backend keeps its own sets and follows this one's change
SELECT count(*) AS n FROM dblink('other', $$SELECT item_id FROM rec.recommend(1, 25, campaign => 'pop',
	filter => 'genre', filter_values => '{"genres": ["documentary"]}')$$) AS t(item_id bigint) \gset
UPDATE rec.items SET categories = '{drama}' WHERE item_id = 1;
SELECT is((SELECT count(*) FROM dblink('other', $$SELECT item_id FROM rec.recommend(1, 25, campaign => 'pop',
	filter => 'genre', filter_values => '{"genres": ["documentary"]}')$$) AS t(item_id bigint)),
	:n::bigint - 1, 'the other backend sees this one''s change at its next call');

SELECT dblink_disconnect('other');
SELECT * FROM finish();
DELETE FROM rec.filter;
DELETE FROM rec.solution;
TRUNCATE rec.interactions, rec.items, rec.users;
