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

-- leave the database as the other tests expect it
SELECT rec.drop_filter(n) FROM unnest('{minors,adults-comedy,t-minors}'::text[]) n;
DELETE FROM rec.campaign WHERE name = 'tpop';
DELETE FROM rec.solution WHERE dataset_group = 't';
DELETE FROM rec.dataset_group WHERE name = 't';
DROP TABLE ev_text, people;
