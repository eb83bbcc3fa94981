-- The filter cache (issue 19): the matching items of a filter's parts on
-- item metadata are kept per backend per parameter values, and follow every
-- change of the items relation in the next call
\i data/reset_sample.psql

SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.deploy('pop', 'pop');
SET rec.campaign = 'pop';
SHOW rec.filter_cache;
SELECT rec.create_filter('genre', 'INCLUDE ITEMS WHERE categories IN $genres');
SELECT rec.create_filter('not-genre', 'EXCLUDE ITEMS WHERE categories IN $genres');
CREATE TEMP TABLE saved AS SELECT * FROM rec.items;

-- a rare genre (12 items): the first call reads its matches, the next ones keep them
SELECT array_agg(item_id ORDER BY item_id) AS documentary FROM rec.items WHERE categories && '{documentary}';
SELECT array_agg(item_id ORDER BY rank) AS listed
FROM rec.recommend(2, 5, filter => 'genre', filter_values => '{"genres": ["documentary"]}');
SELECT array_agg(item_id ORDER BY rank) AS listed
FROM rec.recommend(2, 5, filter => 'genre', filter_values => '{"genres": ["documentary"]}');
-- another item becomes documentary: the next call lists it, in the same session
UPDATE rec.items SET categories = '{documentary}' WHERE item_id = (
	SELECT item_id FROM rec.recommend(2, 1, filter => 'not-genre', filter_values => '{"genres": ["documentary"]}'));
SELECT array_agg(item_id ORDER BY rank) AS listed
FROM rec.recommend(2, 5, filter => 'genre', filter_values => '{"genres": ["documentary"]}');
-- other values are another set
SELECT bool_and(i.categories && '{comedy}') AS all_comedy, count(*) AS listed
FROM rec.recommend(2, 5, filter => 'genre', filter_values => '{"genres": ["comedy"]}') r JOIN rec.items i USING (item_id);
-- the same lists with the cache off
SELECT a.item_id = b.item_id AS same, count(*)
FROM rec.recommend(2, 10, filter => 'not-genre', filter_values => '{"genres": ["drama"]}') a
JOIN (SELECT * FROM rec.recommend(2, 10, filter => 'not-genre', filter_values => '{"genres": ["drama"]}')) b USING (rank)
GROUP BY 1;
SET rec.filter_cache = off;
CREATE TEMP TABLE off_list AS
SELECT rank, item_id FROM rec.recommend(2, 10, filter => 'not-genre', filter_values => '{"genres": ["drama"]}');
RESET rec.filter_cache;
SELECT bool_and(o.item_id = r.item_id) AS same_as_off, count(*)
FROM off_list o JOIN rec.recommend(2, 10, filter => 'not-genre', filter_values => '{"genres": ["drama"]}') r USING (rank);

-- in a transaction that writes the items: its own change at once, and
-- after a rollback the kept set is the one before again
BEGIN;
UPDATE rec.items SET categories = '{}' WHERE categories && '{documentary}';
SELECT count(*) AS listed FROM rec.recommend(2, 5, filter => 'genre', filter_values => '{"genres": ["documentary"]}');
ROLLBACK;
SELECT count(*) AS listed FROM rec.recommend(2, 5, filter => 'genre', filter_values => '{"genres": ["documentary"]}');
-- deleted items leave the next call
DELETE FROM rec.items WHERE categories && '{documentary}';
SELECT count(*) AS listed FROM rec.recommend(2, 5, filter => 'genre', filter_values => '{"genres": ["documentary"]}');

-- a table bound as a group's items relation keeps no set without the
-- trigger, and follows its changes with it
CREATE TABLE shop_items (item_id bigint PRIMARY KEY, categories text[]);
INSERT INTO shop_items SELECT item_id, categories FROM rec.items;
SELECT rec.create_dataset_group('shop', 'rec.interactions', items => 'shop_items');
SELECT rec.train('shop-pop', 'popularity-count', 'shop') > 0 AS trained;
SELECT rec.deploy('shop-pop', 'shop-pop');
SELECT rec.create_filter('shop-genre', 'INCLUDE ITEMS WHERE categories IN $genres', 'shop');
SELECT count(*) AS listed FROM rec.recommend(2, 5, campaign => 'shop-pop', filter => 'shop-genre',
	filter_values => '{"genres": ["documentary"]}');
UPDATE shop_items SET categories = '{}' WHERE categories && '{documentary}';
SELECT count(*) AS listed FROM rec.recommend(2, 5, campaign => 'shop-pop', filter => 'shop-genre',
	filter_values => '{"genres": ["documentary"]}');
CREATE TRIGGER items_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON shop_items
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.items_changed();
ALTER TABLE shop_items ENABLE ALWAYS TRIGGER items_changed;
UPDATE shop_items SET categories = '{documentary}' WHERE item_id IN (1, 2);
SELECT array_agg(item_id ORDER BY item_id) AS listed FROM rec.recommend(2, 5, campaign => 'shop-pop',
	filter => 'shop-genre', filter_values => '{"genres": ["documentary"]}');
SELECT array_agg(item_id ORDER BY item_id) AS listed FROM rec.recommend(2, 5, campaign => 'shop-pop',
	filter => 'shop-genre', filter_values => '{"genres": ["documentary"]}');
TRUNCATE shop_items;
SELECT count(*) AS listed FROM rec.recommend(2, 5, campaign => 'shop-pop', filter => 'shop-genre',
	filter_values => '{"genres": ["documentary"]}');
SELECT rec_internal.items_changed();

-- leave the database as the other tests expect it
SELECT rec.drop_filter(n) FROM unnest('{genre,not-genre,shop-genre}'::text[]) n;
DELETE FROM rec.campaign WHERE name = 'shop-pop';
DELETE FROM rec.solution WHERE dataset_group = 'shop';
DELETE FROM rec.dataset_group WHERE name = 'shop';
DROP TABLE shop_items;
DELETE FROM rec.items;
INSERT INTO rec.items SELECT * FROM saved;
