-- A new user's metadata: recommendations from the categories the users
-- relation says they like, instead of the global popularity list
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization', params => '{"tune": false}') > 0 AS trained;
SELECT rec.deploy('main', 'up');
SET rec.campaign = 'main';
SELECT columns->'users_user_id' AS users_user_id, columns->'user_categories' AS user_categories,
	columns->'user_categories_json' AS user_categories_json
FROM rec.dataset_group WHERE name = 'default';

-- a user with no events but with liked categories in rec.users.properties
INSERT INTO rec.users (user_id, properties) VALUES
	(9001, '{"favourite_genres": ["documentary"]}'),
	(9002, '{"favourite_genres": ["documentary", "comedy"], "city": "Paris"}'),
	(9003, '{}');
SELECT r.item_id, round(r.score::numeric, 4) AS score, r.reason, i.categories
FROM rec.recommend(9001, 5) WITH ORDINALITY r(item_id, score, reason, because_item_id, variant, rank)
JOIN rec.items i USING (item_id) ORDER BY r.rank;
-- the most popular items of the categories, on the fallback's scale, then the popular ones
SELECT reason, count(*), bool_and(i.categories && '{documentary}') AS documentary
FROM rec.recommend(9001, 20) r JOIN rec.items i USING (item_id) GROUP BY reason ORDER BY reason;
SELECT array_agg(r.item_id ORDER BY r.score DESC, r.item_id) =
	(SELECT array_agg(p.item_id ORDER BY p.score DESC, p.item_id) FROM rec.recommend(999999, 10000) p
	 JOIN rec.items i USING (item_id) WHERE i.categories && '{documentary}') AS by_popularity
FROM rec.recommend(9001, 12) r;
SELECT count(*) FILTER (WHERE reason = 'user-metadata') AS from_metadata,
	bool_and(i.categories && '{documentary,comedy}') FILTER (WHERE reason = 'user-metadata') AS liked
FROM rec.recommend(9002, 25) r JOIN rec.items i USING (item_id);
-- batch_recommend serves a new user the same way
SELECT u.user_id, array_agg(b.item_id ORDER BY b.rank) =
	(SELECT array_agg(r.item_id) FROM rec.recommend(u.user_id, 15) r) AS same_as_recommend
FROM (VALUES (9001), (9002), (9003)) u(user_id)
JOIN rec.batch_recommend('main', 15, users => '{9001,9002,9003}') b USING (user_id)
GROUP BY u.user_id ORDER BY u.user_id;
-- nothing liked, or not in rec.users: the popularity fallback as before
SELECT DISTINCT reason FROM rec.recommend(9003, 5);
SELECT DISTINCT reason FROM rec.recommend(999999, 5);
-- a user with history is personalized; after a first event so is the new user
SELECT DISTINCT reason FROM rec.recommend(1, 5) WHERE reason = 'user-metadata';
BEGIN;
SELECT rec.log_event(9001, 1);
SELECT count(*) FILTER (WHERE reason = 'user-metadata') AS from_metadata FROM rec.recommend(9001, 10);
ROLLBACK;
-- filters and promotions apply to the metadata list too
SELECT rec.create_filter('no-ids-below', 'EXCLUDE ITEMS WHERE item_id < $below');
SELECT count(*) AS listed, min(item_id) >= 200 AS filtered,
	count(*) FILTER (WHERE reason = 'user-metadata') AS from_metadata
FROM rec.recommend(9002, 10, filter => 'no-ids-below', filter_values => '{"below": 200}');

-- a group of your own: a text[] column, or one jsonb key
CREATE TABLE shop_users (uid bigint PRIMARY KEY, likes text[], props jsonb);
INSERT INTO shop_users VALUES (1, '{comedy}', '{"genres": ["action"], "note": "comedy"}');
CREATE VIEW shop_events AS SELECT user_id AS uid, item_id, ts FROM rec.interactions;
SELECT rec.create_dataset_group('shop', 'shop_events', 'rec.items', 'shop_users',
	columns => '{"user_id": "uid", "users_user_id": "uid", "user_categories": "likes"}');
SELECT columns FROM rec.dataset_group WHERE name = 'shop';
SELECT rec.train('shop-up', 'user-personalization', 'shop', '{"tune": false}') > 0 AS trained;
SELECT rec.deploy('shop', 'shop-up');
DELETE FROM rec.interactions WHERE user_id = 1;
SELECT reason, bool_and(i.categories && '{comedy}') AS comedy
FROM rec.recommend(1, 5, campaign => 'shop') r JOIN rec.items i USING (item_id) GROUP BY reason;
SELECT rec.create_dataset_group('shop', 'shop_events', 'rec.items', 'shop_users', replace => true,
	columns => '{"user_id": "uid", "users_user_id": "uid", "user_categories": "props", "user_categories_key": "genres"}');
SELECT reason, bool_and(i.categories && '{action}') AS action
FROM rec.recommend(1, 5, campaign => 'shop') r JOIN rec.items i USING (item_id) GROUP BY reason;

-- bad input
SELECT rec.create_dataset_group('bad', 'shop_events', columns => '{"user_id": "uid", "user_categories": "likes"}');
SELECT rec.create_dataset_group('bad', 'shop_events', users => 'shop_users', columns => '{"user_id": "uid"}');
SELECT rec.create_dataset_group('bad', 'shop_events', users => 'shop_users',
	columns => '{"user_id": "uid", "users_user_id": "uid", "user_categories": "uid"}');
SELECT rec.create_dataset_group('bad', 'shop_events', users => 'shop_users',
	columns => '{"user_id": "uid", "users_user_id": "uid", "user_categories": "likes", "user_categories_key": "x"}');
SELECT rec.create_dataset_group('bad', 'shop_events', users => 'shop_users',
	columns => '{"user_id": "uid", "users_user_id": "uid", "user_categories_key": "x"}');
SELECT rec.create_dataset_group('bad', 'shop_events', users => 'shop_users',
	columns => '{"user_id": "uid", "users_user_id": "likes"}');
SELECT rec.drop_dataset_group('shop');
DROP VIEW shop_events;
DROP TABLE shop_users;
