-- Filter features (issue 19): IF CurrentUser conditions on the user's
-- metadata, on bigint and text groups, and their errors
\i data/reset_sample.psql

SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.deploy('pop', 'pop');
SET rec.campaign = 'pop';
INSERT INTO rec.users (user_id, properties) VALUES (1, '{"age": 15}'), (2, '{"age": 40}')
ON CONFLICT (user_id) DO UPDATE SET properties = EXCLUDED.properties;

-- Personalize's form: the part applies only to users whose metadata satisfies IF
SELECT rec.create_filter('minors',
	'EXCLUDE ItemID WHERE Items.categories IN ($genres) IF CurrentUser.properties.age < $age');
SELECT u AS user_id, count(*) AS listed, count(*) FILTER (WHERE i.categories && '{drama}') AS drama
FROM unnest('{1,2,999}'::bigint[]) u,
	rec.recommend(u, 20, filter => 'minors', filter_values => '{"genres": ["drama"], "age": "18"}') r
JOIN rec.items i USING (item_id)
GROUP BY u ORDER BY u;
-- the same through batch_recommend, one user after another
SELECT user_id, count(*) FILTER (WHERE i.categories && '{drama}') AS drama
FROM rec.batch_recommend('pop', 20, users => '{1,2}'::bigint[], filter => 'minors',
	filter_values => '{"genres": ["drama"], "age": "18"}') b
JOIN rec.items i USING (item_id)
GROUP BY user_id ORDER BY user_id;
-- an INCLUDE part with IF: users it does not apply to get the whole list
SELECT rec.create_filter('adults-comedy',
	'INCLUDE ItemID WHERE Items.categories IN ("comedy") IF CurrentUser.properties.age >= "18"');
SELECT u AS user_id, count(*) AS listed, bool_and(i.categories && '{comedy}') AS all_comedy
FROM unnest('{1,2}'::bigint[]) u, rec.recommend(u, 10, filter => 'adults-comedy') r
JOIN rec.items i USING (item_id)
GROUP BY u ORDER BY u;
-- the user's metadata is read at each call
UPDATE rec.users SET properties = '{"age": 30}' WHERE user_id = 1;
SELECT count(*) FILTER (WHERE i.categories && '{drama}') > 0 AS drama_now
FROM rec.recommend(1, 20, filter => 'minors', filter_values => '{"genres": ["drama"], "age": "18"}') r
JOIN rec.items i USING (item_id);

-- errors: an unknown user field, a bad operator, CurrentUser outside IF,
-- an item field in IF, and a filter with IF where there is no user
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE Items.categories IN ($g) IF CurrentUser.shoe_size > $s');
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE Items.categories IN ($g) IF CurrentUser.properties ~ $s');
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE Items.categories IN ($g) IF CurrentUser.properties.age IS $s');
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE CurrentUser.properties.age > $s');
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE Items.categories IN ($g) IF Items.categories IN ($g)');
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE Items.categories IN ($g) IF');
SELECT * FROM rec.similar_items(1, 5, filter => 'adults-comedy');

-- a text group: users bound with their own ids
CREATE TABLE ev_text (customer text, product bigint, at timestamptz);
INSERT INTO ev_text SELECT 'u' || user_id, item_id, ts FROM rec.interactions;
CREATE TABLE people (customer text PRIMARY KEY, age int);
INSERT INTO people VALUES ('u1', 15), ('u2', 40);
SELECT rec.create_dataset_group('t', 'ev_text', items => 'rec.items', users => 'people',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at", "users_user_id": "customer"}');
SELECT rec.train('tpop', 'popularity-count', 't') > 0 AS trained;
SELECT rec.deploy('tpop', 'tpop');
SELECT rec.create_filter('t-minors', 'EXCLUDE ItemID WHERE categories IN $genres IF CurrentUser.age < 18', 't');
SELECT u AS user_id, count(*) AS listed, count(*) FILTER (WHERE i.categories && '{drama}') AS drama
FROM unnest('{u1,u2}'::text[]) u,
	rec.recommend(u, 20, campaign => 'tpop', filter => 't-minors', filter_values => '{"genres": ["drama"]}') r
JOIN rec.items i ON i.item_id::text = r.item_id::text
GROUP BY u ORDER BY u;

-- filters in rank (Personalize's personalized-ranking filters): the items
-- that pass are re-ranked, the others left out, known to the model or not
SELECT rec.create_filter('no-drama', 'EXCLUDE ItemID WHERE Items.categories IN ("drama")');
SELECT array_agg(i.item_id ORDER BY i.item_id) AS drama FROM rec.items i
WHERE i.item_id <= 20 AND i.categories && '{drama}';
SELECT array_agg(r.item_id ORDER BY r.rank) = (SELECT array_agg(x.item_id ORDER BY x.rank)
		FROM rec.rank(2, '{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20}') x
		JOIN rec.items i USING (item_id) WHERE NOT i.categories && '{drama}') AS same_order,
	bool_or(i.categories && '{drama}') AS any_drama, count(*) AS listed
FROM rec.rank(2, '{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20}', filter => 'no-drama') r
JOIN rec.items i USING (item_id);
-- an item the model does not know is filtered too, and still listed last when it passes
INSERT INTO rec.items (item_id, categories) VALUES (90001, '{drama}'), (90002, '{comedy}');
SELECT item_id, score IS NULL AS unknown, rank
FROM rec.rank(2, '{90001,90002,1,1}', filter => 'no-drama') ORDER BY rank;
-- a filter with parameters and an IF condition (user 1 is 30 now: nothing
-- left out), and one on the user's interactions
SELECT count(*) AS listed FROM rec.rank(1, '{1,2,3,4,5,6,7,8,9,10}', filter => 'minors',
	filter_values => '{"genres": ["drama"], "age": "18"}');
SELECT rec.create_filter('unseen', 'EXCLUDE ItemID WHERE Interactions.event_type IN ("click", "view", "purchase")');
SELECT count(*) AS seen_listed FROM rec.rank(2, ARRAY(SELECT item_id FROM rec.interactions WHERE user_id = 2),
	filter => 'unseen');
-- errors: values without a filter, an unknown filter, a missing INCLUDE value
SELECT * FROM rec.rank(2, '{1,2}', filter_values => '{"genres": ["drama"]}');
SELECT * FROM rec.rank(2, '{1,2}', filter => 'nope');
SELECT rec.create_filter('only', 'INCLUDE ItemID WHERE Items.categories IN $genres');
SELECT * FROM rec.rank(2, '{1,2}', filter => 'only');
SELECT * FROM rec.rank(2, '{1,2}', filter => 't-minors');

-- filters in batch_recommend_jsonl: the lines hold the filtered lists
SELECT count(*) AS lines, bool_and(NOT l LIKE '%"error":"%') AS ok
FROM rec.batch_recommend_jsonl('pop', 5, '{1,2}', filter => 'no-drama') l;
SELECT count(*) FILTER (WHERE i.categories && '{drama}') AS drama, count(*) AS listed
FROM rec.batch_recommend_jsonl('pop', 5, '{1,2}', filter => 'no-drama') l,
	jsonb_array_elements_text(l::jsonb #> '{output,recommendedItems}') x
JOIN rec.items i ON i.item_id = x::bigint;
SELECT count(*) FILTER (WHERE i.categories && '{drama}') AS drama, count(*) AS listed
FROM rec.batch_recommend_jsonl_text('tpop', 5, '{u1,u2}', filter => 't-minors', filter_values => '{"genres": ["drama"]}') l,
	jsonb_array_elements_text(l::jsonb #> '{output,recommendedItems}') x
JOIN rec.items i ON i.item_id = x::bigint
WHERE l::jsonb #>> '{input,userId}' = 'u1';
SELECT * FROM rec.batch_recommend_jsonl('pop', 5, '{1}', filter_values => '{}');

-- rank in a group of text items: an unknown item's key is checked as it is
CREATE TABLE ev_sku (customer text, sku text, at timestamptz);
INSERT INTO ev_sku SELECT 'u' || user_id, 'sku-' || item_id, ts FROM rec.interactions;
CREATE TABLE skus (sku text PRIMARY KEY, tags text[]);
INSERT INTO skus SELECT 'sku-' || item_id, categories FROM rec.items;
SELECT rec.create_dataset_group('s', 'ev_sku', items => 'skus',
	columns => '{"user_id": "customer", "item_id": "sku", "ts": "at", "items_item_id": "sku", "categories": "tags"}');
SELECT rec.train('spop', 'popularity-count', 's') > 0 AS trained;
SELECT rec.deploy('spop', 'spop');
SELECT rec.create_filter('s-no-drama', 'EXCLUDE ItemID WHERE categories IN ("drama")', 's');
SELECT array_agg(r.item_id ORDER BY r.rank) = (SELECT array_agg('sku-' || x.item_id ORDER BY x.rank)
		FROM rec.rank(2, '{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20}', filter => 'no-drama') x) AS as_bigint
FROM rec.rank('u2', ARRAY(SELECT 'sku-' || g FROM generate_series(1, 20) g), 'spop', filter => 's-no-drama') r;
INSERT INTO skus VALUES ('sku-90003', '{drama}'), ('sku-90004', '{comedy}');
SELECT item_id, score IS NULL AS unknown, rank
FROM rec.rank('u2', '{sku-90003,sku-90004,sku-1,sku-2}', 'spop', filter => 's-no-drama') ORDER BY rank;

-- CurrentItem in similar_items (Personalize's INCLUDE ItemID WHERE
-- Items.genre IN (CurrentItem.genre)): the item's own fields as values
SELECT categories FROM rec.items WHERE item_id = 1;
SELECT rec.create_filter('same-genre', 'INCLUDE ItemID WHERE Items.categories IN (CurrentItem.categories)');
SELECT rec.create_filter('other-genre', 'EXCLUDE ITEMS WHERE categories IN CurrentItem.categories');
SELECT count(*) AS listed, bool_and(i.categories && '{drama}') AS all_share
FROM rec.similar_items(1, 10, campaign => 'pop', filter => 'same-genre') r JOIN rec.items i USING (item_id);
SELECT count(*) AS listed, bool_or(i.categories && '{drama}') AS any_share
FROM rec.similar_items(1, 10, campaign => 'pop', filter => 'other-genre') r JOIN rec.items i USING (item_id);
-- each call reads its own item's fields
SELECT count(*) AS listed, bool_and(i.categories && (SELECT categories FROM rec.items WHERE item_id = 2)) AS all_share
FROM rec.similar_items(2, 10, campaign => 'pop', filter => 'same-genre') r JOIN rec.items i USING (item_id);
-- a value of one field, and a jsonb key compared with one
CREATE TEMP TABLE saved_props AS SELECT item_id, properties FROM rec.items WHERE item_id <= 30;
UPDATE rec.items SET properties = jsonb_build_object('brand', CASE WHEN item_id % 3 = 0 THEN 'acme' ELSE 'other' END)
WHERE item_id <= 30;
SELECT rec.create_filter('same-brand', 'INCLUDE ItemID WHERE properties.brand = CurrentItem.properties.brand');
SELECT array_agg(r.item_id ORDER BY r.item_id) AS acme
FROM rec.similar_items(3, 25, campaign => 'pop', filter => 'same-brand') r;
-- an item without a row in the items relation: CurrentItem's fields are
-- NULL and match no item, so an INCLUDE part passes nothing and an EXCLUDE
-- part removes nothing
BEGIN;
DELETE FROM rec.items WHERE item_id = 1;
SELECT count(*) AS listed FROM rec.similar_items(1, 10, campaign => 'pop', filter => 'same-genre');
SELECT count(*) AS listed FROM rec.similar_items(1, 10, campaign => 'pop', filter => 'other-genre');
ROLLBACK;
-- errors: CurrentItem outside similar_items, in IF, an unknown field, in
-- item attributes
SELECT * FROM rec.recommend(2, 5, filter => 'same-genre');
SELECT * FROM rec.rank(2, '{1,2}', filter => 'same-genre');
SELECT * FROM rec.batch_recommend('pop', 5, '{2}', filter => 'same-genre');
SELECT * FROM rec.recommend(2, 5, promotion => 'same-genre');
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE Items.categories IN ($g) IF CurrentUser.properties.age < CurrentItem.properties.age');
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE Items.categories IN CurrentItem.shoe_size');
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE Items.categories IN (CurrentItem.)');
SELECT rec.create_filter('bad', 'EXCLUDE ItemID WHERE Items.title = CurrentItem.title.x');
SELECT rec.train('ff-attr', 'item-attribute-affinity') > 0 AS trained;
SELECT * FROM rec.users_for_attributes('Items.categories IN (CurrentItem.categories)', 5, solution => 'ff-attr');
-- a group of text items
SELECT rec.create_filter('s-same-genre', 'INCLUDE ItemID WHERE categories IN (CurrentItem.categories)', 's');
SELECT array_agg(r.item_id ORDER BY r.item_id) = (SELECT array_agg('sku-' || x.item_id ORDER BY x.item_id)
		FROM rec.similar_items(1, 10, campaign => 'pop', filter => 'same-genre') x) AS as_bigint
FROM rec.similar_items('sku-1', 10, campaign => 'spop', filter => 's-same-genre') r;

-- promotions in batch_recommend_jsonl (Personalize's batch jobs have none): each
-- line is rec.recommend()'s list with the same promotion, promoted items at their places
SELECT rec.create_filter('docs', 'INCLUDE ItemID WHERE Items.categories IN ($genres)');
SELECT count(*) AS lines,
	bool_and(l::jsonb #> '{output,recommendedItems}' = (SELECT jsonb_agg(r.item_id::text ORDER BY r.rank)
		FROM rec.recommend((l::jsonb #>> '{input,userId}')::bigint, 10, promotion => 'docs',
			promotion_share => 0.3, promotion_values => '{"genres": ["documentary"]}') r)) AS same_as_recommend
FROM rec.batch_recommend_jsonl('pop', 10, '{1,2,999}', promotion => 'docs', promotion_share => 0.3,
	promotion_values => '{"genres": ["documentary"]}') l;
SELECT l::jsonb #>> '{input,userId}' AS user_id, count(*) FILTER (WHERE i.categories && '{documentary}') AS documentary
FROM rec.batch_recommend_jsonl('pop', 10, '{1,2}', filter => 'no-drama', promotion => 'docs',
	promotion_values => '{"genres": ["documentary"]}') l,
	jsonb_array_elements_text(l::jsonb #> '{output,recommendedItems}') x
JOIN rec.items i ON i.item_id = x::bigint
GROUP BY 1 ORDER BY 1;
SELECT count(*) AS rows, count(DISTINCT user_id) AS users
FROM rec.batch_recommend('pop', 10, promotion => 'docs', promotion_values => '{"genres": ["documentary"]}');
-- a group of text users
SELECT rec.create_filter('t-docs', 'INCLUDE ItemID WHERE categories IN ("documentary")', 't');
SELECT l::jsonb #>> '{input,userId}' AS user_id,
	l::jsonb #> '{output,recommendedItems}' = (SELECT jsonb_agg(r.item_id ORDER BY r.rank)
		FROM rec.recommend(l::jsonb #>> '{input,userId}', 10, campaign => 'tpop', promotion => 't-docs',
			promotion_share => 0.5) r) AS same_as_recommend
FROM rec.batch_recommend_jsonl_text('tpop', 10, '{u1,u2}', promotion => 't-docs', promotion_share => 0.5) l
ORDER BY 1;
-- errors: a share out of range, values without a promotion, a missing value, an unknown filter
SELECT * FROM rec.batch_recommend_jsonl('pop', 5, '{1}', promotion => 'docs', promotion_share => 1.5);
SELECT * FROM rec.batch_recommend_jsonl('pop', 5, '{1}', promotion_values => '{"genres": ["drama"]}');
SELECT * FROM rec.batch_recommend_jsonl('pop', 5, '{1}', promotion => 'docs');
SELECT * FROM rec.batch_recommend_jsonl_text('tpop', 5, '{u1}', promotion => 'nope');
SELECT * FROM rec.batch_recommend_jsonl_text('tpop', 5, '{u1}', promotion => 'docs');

-- leave the database as the other tests expect it
UPDATE rec.items i SET properties = p.properties FROM saved_props p WHERE p.item_id = i.item_id;
SELECT rec.drop_filter(n) FROM unnest('{docs,t-docs,minors,adults-comedy,t-minors,no-drama,unseen,only,s-no-drama,same-genre,other-genre,same-brand,s-same-genre}'::text[]) n;
DELETE FROM rec.items WHERE item_id IN (90001, 90002);
DELETE FROM rec.campaign WHERE name IN ('tpop', 'spop');
DELETE FROM rec.solution WHERE dataset_group IN ('t', 's') OR name = 'ff-attr';
DELETE FROM rec.dataset_group WHERE name IN ('t', 's');
DROP TABLE ev_text, people, ev_sku, skus;
