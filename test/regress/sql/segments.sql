-- User segments (issue 19): Personalize's Item-Affinity and Item-Attribute-Affinity
-- recipes, trained with rec.train and served as segments and batch segment jobs
\i data/reset_sample.psql

-- both recipes train with no parameters, and measure themselves as Personalize does
SELECT rec.train('aff', 'item-affinity') > 0 AS trained;
SELECT rec.train('attr', 'item-attribute-affinity') > 0 AS trained;
SELECT name, algorithm FROM rec.recipes() WHERE name LIKE 'item%affinity' ORDER BY name;
SELECT recipe, parameter, default_value FROM rec.recipe_parameters()
WHERE recipe LIKE 'item%affinity' ORDER BY recipe, parameter;
SELECT solution, params, metrics->'k' AS k, metrics->'evaluated_items' AS items,
       metrics->'evaluated_attributes' AS attributes,
       (metrics->>'recall_at_k')::float8 > 0.03 AS recall_beats_random_3x,
       (metrics->>'hit_at_k')::float8 > 0 AS hits
FROM rec.solution_version ORDER BY id;

-- the issue's forms, as written: an item's segment, best first
SELECT user_id, round(score::numeric, 4) AS score, rank
FROM rec.users_for_item(42, 100, solution => 'aff') WHERE rank <= 5;
SELECT count(*) AS users, bool_and(rank = expected) AS ranks_in_order,
       bool_and(score <= prev OR prev IS NULL) AS best_first, bool_and(score > 0) AS positive
FROM (SELECT user_id, score, rank, row_number() OVER (ORDER BY rank) AS expected,
             lag(score) OVER (ORDER BY rank) AS prev
      FROM rec.users_for_item(42, 100, solution => 'aff')) s;
-- the item's existing users are left out (as Personalize does)
SELECT count(*) AS existing_users_listed FROM rec.users_for_item(42, 1000, solution => 'aff') s
WHERE EXISTS (SELECT FROM rec.interactions i WHERE i.user_id = s.user_id AND i.item_id = 42);
-- the affinity is the user's current history: a new event on one of the item's
-- neighbours raises the score at once
SELECT rec.deploy('aff_c', 'aff') > 0 AS deployed;
CREATE TEMP TABLE before AS SELECT * FROM rec.users_for_item(42, 1000, solution => 'aff');
CREATE TEMP TABLE probe AS
SELECT b.user_id, s.item_id
FROM (SELECT user_id FROM before ORDER BY rank DESC LIMIT 1) b,
     LATERAL (SELECT s.item_id FROM rec.similar_items(42, 25, campaign => 'aff_c') s
              WHERE NOT EXISTS (SELECT FROM rec.interactions i WHERE i.user_id = b.user_id AND i.item_id = s.item_id)
              ORDER BY s.score DESC, s.item_id LIMIT 1) s;
SELECT count(*) FROM (SELECT rec.log_event(user_id, item_id, 'watch') FROM probe) l;
SELECT a.score > b.score AS raised, a.rank < b.rank AS moved_up
FROM rec.users_for_item(42, 1000, solution => 'aff') a JOIN before b USING (user_id)
JOIN probe USING (user_id);

-- attributes: a condition in the filter grammar; the users of the rare genre's
-- segment mostly have it among their favourites
SELECT user_id, round(score::numeric, 4) AS score, rank
FROM rec.users_for_attributes('Items.categories IN ("documentary")', 100, solution => 'attr') WHERE rank <= 5;
SELECT count(*) AS users, bool_and(rank = expected) AS ranks_in_order
FROM (SELECT rank, row_number() OVER (ORDER BY rank) AS expected
      FROM rec.users_for_attributes('Items.categories IN ("documentary")', 100, solution => 'attr')) s;
SELECT round(avg((u.properties->'favourite_genres' ? 'documentary')::int), 1) AS fans_in_segment,
       round((SELECT avg((properties->'favourite_genres' ? 'documentary')::int) FROM rec.users), 1) AS fans_overall
FROM rec.users_for_attributes('Items.categories IN ("documentary")', 20, solution => 'attr') s
JOIN rec.users u USING (user_id);
SELECT count(*) AS users FROM rec.users_for_attributes('categories IN ("horror") AND item_id < 100', 10, solution => 'attr');
SELECT count(*) AS users FROM rec.users_for_attributes('item_id > 100000', 10, solution => 'attr');

-- batch segment jobs, in Personalize's output format, ids as strings
SELECT * FROM rec.batch_segment_jsonl('aff', ARRAY[42, 43], 3);
SELECT * FROM rec.batch_segment_jsonl_text('attr', ARRAY['Items.categories IN ("documentary")', 'Items.categories IN ("horror")'], 3);
SELECT count(*) FROM rec.batch_segment_jsonl('aff', ARRAY[]::bigint[]);

-- bad input
SELECT * FROM rec.users_for_item(NULL::bigint, 10, solution => 'aff');
SELECT * FROM rec.users_for_item(42, NULL, solution => 'aff');
SELECT * FROM rec.users_for_item(42, 10);
SELECT * FROM rec.users_for_item(42, 10, solution => 'nope');
SELECT * FROM rec.users_for_item(4242, 10, solution => 'aff');
SELECT * FROM rec.users_for_item('x42', 10, solution => 'aff');
SELECT * FROM rec.users_for_item(42, 0, solution => 'aff');
SELECT * FROM rec.users_for_item(42, 1000001, solution => 'aff');
SELECT * FROM rec.users_for_item(42, 10, solution => 'attr');
SELECT rec.train('sims', 'sims') > 0 AS trained;
SELECT * FROM rec.users_for_item(42, 10, solution => 'sims');
SELECT * FROM rec.users_for_attributes(NULL, 10, solution => 'attr');
SELECT * FROM rec.users_for_attributes('Items.categories IN ("documentary")', 10, solution => 'aff');
SELECT * FROM rec.users_for_attributes('Items.categories IN ("documentary")', -1, solution => 'attr');
SELECT * FROM rec.users_for_attributes('Items.categories IN', 10, solution => 'attr');
SELECT * FROM rec.users_for_attributes('Items.nope = 1', 10, solution => 'attr');
SELECT * FROM rec.users_for_attributes('Interactions.event_type = "watch"', 10, solution => 'attr');
SELECT * FROM rec.users_for_attributes('Items.categories IN ($genres)', 10, solution => 'attr');
SELECT * FROM rec.users_for_attributes('Items.categories IN ("documentary") | EXCLUDE ItemID WHERE item_id = 1', 10, solution => 'attr');
SELECT * FROM rec.batch_segment_jsonl('aff', NULL, 3);
SELECT * FROM rec.batch_segment_jsonl('aff', ARRAY[42, 4242], 3);
SELECT * FROM rec.batch_segment_jsonl('nope', ARRAY[42], 3);
SELECT rec.train('aff', 'item-affinity', params => '{"lambda": 1}');

-- filters of users (Personalize's filters of batch segment jobs, e.g.
-- INCLUDE UserID WHERE Users.MEMBERSHIP_STATUS IN ($MEMBERSHIP)): UserID parts on the
-- users relation (Users.<field>, the default) or on the interactions
UPDATE rec.users SET properties = properties || jsonb_build_object('tier', CASE WHEN user_id % 3 = 0 THEN 'gold' ELSE 'basic' END);
SELECT rec.create_filter('gold', 'INCLUDE UserID WHERE Users.properties.tier IN ($tier)');
SELECT rec.create_filter('no-low-ids', 'EXCLUDE UserID WHERE user_id < $below');
SELECT rec.create_filter('buyers', 'INCLUDE UserID WHERE Interactions.event_type IN ("purchase")');
SELECT rec.create_filter('gold-not-buyers', 'INCLUDE UserID WHERE properties.tier = "gold" | EXCLUDE UserID WHERE Interactions.event_type = "purchase"');
-- a filtered segment is the unfiltered one's users that pass, in its order, ranked from 1
CREATE TEMP TABLE whole AS SELECT s.*, u.properties->>'tier' AS tier,
	EXISTS (SELECT FROM rec.interactions i WHERE i.user_id = s.user_id AND i.event_type = 'purchase') AS buyer
FROM rec.users_for_item(42, 1000000, solution => 'aff') s LEFT JOIN rec.users u USING (user_id);
SELECT (SELECT array_agg(user_id ORDER BY rank) FROM rec.users_for_item(42, 20, solution => 'aff', filter => 'gold',
		filter_values => '{"tier": ["gold"]}'))
     = (SELECT array_agg(user_id ORDER BY rank) FROM (SELECT * FROM whole WHERE tier = 'gold' ORDER BY rank LIMIT 20) w)
	AS gold_as_filtered_after,
	(SELECT array_agg(rank ORDER BY rank) = array_agg(g ORDER BY g) FROM rec.users_for_item(42, 20, solution => 'aff',
		filter => 'gold', filter_values => '{"tier": ["gold"]}') s, generate_series(1, 20) g WHERE g = s.rank) AS ranked_from_1;
SELECT (SELECT array_agg(user_id ORDER BY rank) FROM rec.users_for_item(42, 2000, solution => 'aff', filter => 'gold-not-buyers'))
     = (SELECT array_agg(user_id ORDER BY rank) FROM (SELECT * FROM whole WHERE tier = 'gold' AND NOT buyer ORDER BY rank LIMIT 2000) w)
	AS two_parts_as_filtered_after;
SELECT count(*) AS listed, count(*) FILTER (WHERE NOT EXISTS (SELECT FROM rec.interactions i
		WHERE i.user_id = s.user_id AND i.event_type = 'purchase')) AS not_buyers
FROM rec.users_for_item(42, 50, solution => 'aff', filter => 'buyers') s;
SELECT min(user_id) >= 300 AS none_below, count(*) AS listed
FROM rec.users_for_item(42, 30, solution => 'aff', filter => 'no-low-ids', filter_values => '{"below": 300}');
-- an EXCLUDE part without its values is left out, as in Personalize
SELECT count(*) AS listed FROM rec.users_for_item(42, 30, solution => 'aff', filter => 'no-low-ids');
SELECT (SELECT array_agg(user_id ORDER BY rank) FROM rec.users_for_attributes('Items.categories IN ("documentary")', 20,
		solution => 'attr', filter => 'gold', filter_values => '{"tier": ["gold"]}'))
     = (SELECT array_agg(user_id ORDER BY rank) FROM (SELECT s.* FROM rec.users_for_attributes('Items.categories IN ("documentary")', 1000000,
		solution => 'attr') s JOIN rec.users u USING (user_id) WHERE u.properties->>'tier' = 'gold' ORDER BY rank LIMIT 20) w)
	AS attributes_filtered;
SELECT l::jsonb -> 'input' AS input, jsonb_array_length(l::jsonb #> '{output,recommendedUsers}') AS users,
	(SELECT bool_and(u.properties->>'tier' = 'gold') FROM jsonb_array_elements_text(l::jsonb #> '{output,recommendedUsers}') x
	 JOIN rec.users u ON u.user_id = x::bigint) AS all_gold
FROM rec.batch_segment_jsonl('aff', ARRAY[42, 43], 5, filter => 'gold', filter_values => '{"tier": ["gold"]}') l;
-- the kept set of a filter on rec.users follows its changes at once
CREATE TEMP TABLE top_gold AS SELECT user_id FROM rec.users_for_item(42, 1, solution => 'aff', filter => 'gold',
	filter_values => '{"tier": ["gold"]}');
UPDATE rec.users SET properties = properties || '{"tier": "basic"}' WHERE user_id IN (SELECT user_id FROM top_gold);
SELECT count(*) AS demoted_user_listed FROM rec.users_for_item(42, 20, solution => 'aff', filter => 'gold',
	filter_values => '{"tier": ["gold"]}') s JOIN top_gold USING (user_id);
UPDATE rec.users SET properties = properties || '{"tier": "gold"}' WHERE user_id IN (SELECT user_id FROM top_gold);
-- errors: a filter of items, values without a filter, a missing value, an unknown
-- filter, a filter of users given to recommend
SELECT rec.create_filter('docs', 'INCLUDE ItemID WHERE Items.categories IN ("documentary")');
SELECT * FROM rec.users_for_item(42, 10, solution => 'aff', filter => 'docs');
SELECT * FROM rec.users_for_attributes('Items.categories IN ("documentary")', 10, solution => 'attr', filter => 'docs');
SELECT * FROM rec.users_for_item(42, 10, solution => 'aff', filter_values => '{"tier": ["gold"]}');
SELECT * FROM rec.users_for_item(42, 10, solution => 'aff', filter => 'gold');
SELECT * FROM rec.users_for_item(42, 10, solution => 'aff', filter => 'gold', filter_values => '{"tier": "gold"}');
SELECT * FROM rec.users_for_item(42, 10, solution => 'aff', filter => 'gold', filter_values => '{"grade": ["gold"]}');
SELECT * FROM rec.users_for_item(42, 10, solution => 'aff', filter => 'nope');
SELECT * FROM rec.batch_segment_jsonl('aff', ARRAY[42], 3, filter => 'docs');
SELECT * FROM rec.recommend(1, 5, campaign => 'aff_c', filter => 'gold', filter_values => '{"tier": ["gold"]}');
SELECT * FROM rec.similar_items(42, 5, campaign => 'aff_c', filter => 'buyers');
-- errors of the expression: targets, fields and IF
SELECT rec.create_filter('bad', 'INCLUDE UserID WHERE Users.properties.tier = "a" | EXCLUDE ItemID WHERE item_id = 1');
SELECT rec.create_filter('bad', 'INCLUDE UserID WHERE Items.categories IN ("documentary")');
SELECT rec.create_filter('bad', 'INCLUDE ItemID WHERE Users.properties.tier = "gold"');
SELECT rec.create_filter('bad', 'INCLUDE UserID WHERE Users.properties.tier = "gold" AND Interactions.event_type = "click"');
SELECT rec.create_filter('bad', 'INCLUDE UserID WHERE Users.nope = 1');
SELECT rec.create_filter('bad', 'INCLUDE UserID WHERE Users.properties.tier = "gold" IF CurrentUser.properties.tier = "gold"');
SELECT rec.create_filter('bad', 'INCLUDE UserID WHERE Users.properties.tier IN (CurrentItem.categories)');
SELECT rec.create_filter('bad', 'INCLUDE UserID WHERE Users.user_id = "x"');
SELECT rec.create_filter('bad', 'INCLUDE USERS WHERE Users.user_id = 1');

-- a group with text users and uuid items gives the same segments, as its own ids
CREATE FUNCTION uid(n bigint) RETURNS text LANGUAGE sql IMMUTABLE
	RETURN CASE WHEN n = 1 THEN 'alice' ELSE 'user ' || n END;
CREATE FUNCTION iid(n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE RETURN md5('i' || n)::uuid;
CREATE TABLE ev_text (customer text, product uuid, kind text, at timestamptz);
CREATE TABLE it_uuid (product uuid PRIMARY KEY, tags text[]);
INSERT INTO ev_text SELECT uid(user_id), iid(item_id), event_type, ts FROM rec.interactions;
INSERT INTO it_uuid SELECT iid(item_id), categories FROM rec.items;
CREATE INDEX ON ev_text (product);
CREATE TABLE people_t (customer text PRIMARY KEY, tier text);
INSERT INTO people_t SELECT uid(user_id), properties->>'tier' FROM rec.users;
SELECT rec.create_dataset_group('g', 'ev_text', items => 'it_uuid', users => 'people_t',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at", "event_type": "kind",
	             "items_item_id": "product", "categories": "tags", "users_user_id": "customer"}');
SELECT rec.train('aff_t', 'item-affinity', 'g') > 0 AS trained;
SELECT rec.train('attr_t', 'item-attribute-affinity', 'g') > 0 AS trained;
SELECT rec.train('aff', 'item-affinity') > 0 AS retrained;	-- with the logged event, as the text group has it
SELECT pg_typeof(user_id), count(*) FROM rec.users_for_item(iid(42), 100, solution => 'aff_t') GROUP BY 1;
SELECT (SELECT array_agg(user_id ORDER BY rank) FROM rec.users_for_item(iid(42), 100, solution => 'aff_t'))
     = (SELECT array_agg(uid(user_id) ORDER BY rank) FROM rec.users_for_item(42, 100, solution => 'aff'))
	AS same_as_bigint;
SELECT (SELECT array_agg(round(score::numeric, 4) ORDER BY rank) FROM rec.users_for_item(iid(42)::text, 100, solution => 'aff_t'))
     = (SELECT array_agg(round(score::numeric, 4) ORDER BY rank) FROM rec.users_for_item(42, 100, solution => 'aff'))
	AS same_scores;
SELECT (SELECT array_agg(user_id ORDER BY rank) FROM rec.users_for_attributes_text('Items.tags IN ("documentary")', 50, solution => 'attr_t'))
     = (SELECT array_agg(uid(user_id) ORDER BY rank) FROM rec.users_for_attributes('Items.categories IN ("documentary")', 50, solution => 'attr'))
	AS same_attribute_segment;
SELECT * FROM rec.batch_segment_jsonl_text('aff_t', ARRAY[iid(42)::text], 3);
SELECT * FROM rec.users_for_item(42, 10, solution => 'aff_t');
SELECT * FROM rec.users_for_item('not-a-uuid', 10, solution => 'aff_t');
SELECT * FROM rec.users_for_item(iid(4242), 10, solution => 'aff_t');
SELECT * FROM rec.users_for_attributes('Items.tags IN ("documentary")', 10, solution => 'attr_t');
SELECT user_id, round(score::numeric, 4) AS score, rank FROM rec.users_for_item('42', 3, solution => 'aff');
-- filters of users on the text group: its users are compared by their keys, and the
-- segments are the bigint group's, key for key
SELECT rec.create_filter('t-gold', 'INCLUDE UserID WHERE tier IN ($tier)', 'g');
SELECT rec.create_filter('t-buyers', 'EXCLUDE UserID WHERE Interactions.kind = "purchase"', 'g');
SELECT (SELECT array_agg(user_id ORDER BY rank) FROM rec.users_for_item(iid(42), 20, solution => 'aff_t', filter => 't-gold',
		filter_values => '{"tier": ["gold"]}'))
     = (SELECT array_agg(uid(user_id) ORDER BY rank) FROM rec.users_for_item(42, 20, solution => 'aff', filter => 'gold',
		filter_values => '{"tier": ["gold"]}')) AS same_as_bigint;
SELECT count(*) = (SELECT count(*) FROM whole WHERE NOT buyer) AS all_but_buyers,
	count(*) FILTER (WHERE EXISTS (SELECT FROM ev_text e WHERE e.customer = s.user_id AND e.kind = 'purchase')) AS buyers_listed
FROM rec.users_for_item(iid(42)::text, 1000, solution => 'aff_t', filter => 't-buyers') s;
SELECT (SELECT array_agg(user_id ORDER BY rank) FROM rec.users_for_attributes_text('Items.tags IN ("documentary")', 20,
		solution => 'attr_t', filter => 't-gold', filter_values => '{"tier": ["gold"]}'))
     = (SELECT array_agg(uid(user_id) ORDER BY rank) FROM rec.users_for_attributes('Items.categories IN ("documentary")', 20,
		solution => 'attr', filter => 'gold', filter_values => '{"tier": ["gold"]}')) AS same_attribute_segment;
SELECT * FROM rec.batch_segment_jsonl_text('aff_t', ARRAY[iid(42)::text], 3, filter => 't-gold', filter_values => '{"tier": ["gold"]}');
SELECT * FROM rec.users_for_item(iid(42), 10, solution => 'aff_t', filter => 'gold', filter_values => '{"tier": ["gold"]}');
SELECT rec.create_filter('bad', 'INCLUDE UserID WHERE Users.tier = "gold"', 'default');

-- leave the database as the other tests expect it
SELECT rec.drop_solution(s) FROM unnest('{aff_t,attr_t}'::text[]) s;
SELECT rec.drop_filter(f) FROM unnest('{gold,no-low-ids,buyers,gold-not-buyers,docs,t-gold,t-buyers}'::text[]) f;
UPDATE rec.users SET properties = properties - 'tier';
DELETE FROM rec.dataset_group WHERE name = 'g';
DROP TABLE ev_text, it_uuid, people_t;
DROP FUNCTION uid(bigint), iid(bigint);
