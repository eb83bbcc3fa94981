-- Items added to the items relation after training are cold items, not errors
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization') > 0 AS trained;
SELECT rec.train('sims', 'sims') > 0 AS trained;
SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.deploy('main', 'up');
SELECT rec.deploy('by_sims', 'sims');
SELECT rec.deploy('popular', 'pop');
SET rec.campaign = 'main';

-- two items arrive after training: a documentary, and one with a category no model item has
INSERT INTO rec.items (item_id, categories, created_at) VALUES
	(5001, '{documentary}', now()), (5002, '{opera}', now()), (5003, '{}', now());

-- similar_items: the items sharing its categories ('category'), then the most popular ('popular')
SELECT reason, count(*) FROM rec.similar_items(5001, 20) GROUP BY reason ORDER BY reason;
SELECT bool_and('documentary' = ANY(i.categories)) AS all_documentaries
FROM rec.similar_items(5001, 12) s JOIN rec.items i USING (item_id) WHERE s.reason = 'category';
-- the items with just its category first (overlap 1), then those with another one too (1/2)
SELECT array_agg(i.categories = '{documentary}' ORDER BY s.score DESC, s.item_id) AS only_documentary
FROM rec.similar_items(5001, 12) s JOIN rec.items i USING (item_id) WHERE s.reason = 'category';
-- every campaign serves it, through a filter too
SELECT count(*) FROM rec.similar_items(5001, 5, campaign => 'by_sims') WHERE reason = 'category';
SELECT reason, count(*) FROM rec.similar_items(5001, 5, campaign => 'popular') GROUP BY reason;
SELECT rec.create_filter('not-genre', 'EXCLUDE ITEMS WHERE categories IN $genres');
SELECT count(*) FROM rec.similar_items(5001, 5, filter => 'not-genre', filter_values => '{"genres": ["documentary"]}')
WHERE reason = 'category';
-- a category the model never saw, or none: the most popular items
SELECT reason, count(*) FROM rec.similar_items(5002, 5) GROUP BY reason;
SELECT reason, count(*) FROM rec.similar_items(5003, 5) GROUP BY reason;
-- explain: it owes nothing to the history
SELECT count(*) FROM rec.explain(1, 5001);
-- an item in neither the model nor the items relation is still an error
SELECT * FROM rec.similar_items(999999, 5);
SELECT * FROM rec.explain(1, 999999);

-- uuid item ids: the item is looked up in its own type
CREATE FUNCTION ni_iid(n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE RETURN md5('i' || n)::uuid;
CREATE TABLE ni_ev_uuid (customer bigint, product uuid, at timestamptz);
CREATE TABLE ni_it_uuid (product uuid PRIMARY KEY, tags text[]);
INSERT INTO ni_ev_uuid SELECT user_id, ni_iid(item_id), ts FROM rec.interactions;
INSERT INTO ni_it_uuid SELECT ni_iid(item_id), categories FROM rec.items WHERE item_id < 5000;
SELECT rec.create_dataset_group('ni_g', 'ni_ev_uuid', items => 'ni_it_uuid',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at",
	             "items_item_id": "product", "categories": "tags"}');
SELECT rec.train('s', 'user-personalization', 'ni_g', '{"tune": false}') > 0 AS trained;
SELECT rec.deploy('c', 's') > 0 AS deployed;
INSERT INTO ni_it_uuid VALUES (ni_iid(5001), '{documentary}');
SELECT (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.similar_items(ni_iid(5001), 12, campaign => 'c'))
     = (SELECT array_agg(ni_iid(item_id) ORDER BY score DESC, ni_iid(item_id)) FROM rec.similar_items(5001, 12))
	AS same_as_bigint;
SELECT count(*) FROM rec.explain('1', ni_iid(5001)::text, campaign => 'c');
SELECT * FROM rec.similar_items(ni_iid(999999), 5, campaign => 'c');
-- clean up: the next test starts from the sample data
DELETE FROM rec.solution;
DELETE FROM rec.dataset_group WHERE name = 'ni_g';
DROP TABLE ni_ev_uuid, ni_it_uuid;
DROP FUNCTION ni_iid(bigint);
DELETE FROM rec.items WHERE item_id > 5000;
