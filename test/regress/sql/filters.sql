-- Named filters (rec.create_filter) in recommend, similar_items and
-- batch_recommend, and promotions
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization', params => '{"tune": false}') > 0 AS trained;
SELECT rec.train('sims', 'sims') > 0 AS trained;
SELECT rec.deploy('main', 'up');
SELECT rec.deploy('by_sims', 'sims');
SET rec.campaign = 'main';

-- an item filter with a list parameter, compiled once
SELECT rec.create_filter('not-genre', 'EXCLUDE ITEMS WHERE categories IN $genres');
SELECT name, dataset_group, expression, parameters FROM rec.filter;
SELECT count(*) AS listed,
	count(*) FILTER (WHERE i.categories && '{drama}') AS drama
FROM rec.recommend(1, 25, filter => 'not-genre', filter_values => '{"genres": ["drama"]}') r
JOIN rec.items i USING (item_id);
-- the same list as excluding the ids by hand
SELECT array_agg(item_id ORDER BY score DESC, item_id) =
	(SELECT array_agg(item_id ORDER BY score DESC, item_id)
	 FROM rec.recommend(1, 10, exclude_items => (SELECT array_agg(item_id) FROM rec.items WHERE categories && '{drama}')))
	AS same_as_exclude_items
FROM rec.recommend(1, 10, filter => 'not-genre', filter_values => '{"genres": ["drama"]}');

-- an EXCLUDE part whose values are not given is left out, as in Personalize
SELECT array_agg(item_id ORDER BY score DESC, item_id) = (SELECT array_agg(item_id ORDER BY score DESC, item_id)
	FROM rec.recommend(1, 10)) AS unfiltered
FROM rec.recommend(1, 10, filter => 'not-genre');

-- include, with Personalize's spelling (ItemID, double quotes, IN ($param))
SELECT rec.create_filter('only-genre', 'INCLUDE ItemID WHERE Items.categories IN ($genres)');
SELECT count(*) AS listed, bool_and(i.categories && '{comedy}') AS all_comedy
FROM rec.recommend(1, 25, filter => 'only-genre', filter_values => '{"genres": ["comedy"]}') r
JOIN rec.items i USING (item_id);
-- k rows whenever k items pass: a rare category runs past the scored items into popularity order
SELECT count(*) AS listed, count(DISTINCT r.item_id) AS distinct_items
FROM rec.recommend(1, 40, filter => 'only-genre', filter_values => '{"genres": ["documentary"]}') r;
SELECT count(*) AS documentaries FROM rec.items WHERE categories && '{documentary}';

-- comparisons on columns and jsonb keys, AND / OR / NOT, literals
SELECT rec.create_filter('cheap-recent',
	'include items where (properties.price <= $max_price and properties.year >= ''2015'') or categories && (''documentary'')');
SELECT count(*) AS listed,
	bool_and((i.properties->>'price' <= '3' AND i.properties->>'year' >= '2015') OR i.categories && '{documentary}') AS all_pass
FROM rec.recommend(2, 15, filter => 'cheap-recent', filter_values => '{"max_price": "3"}') r
JOIN rec.items i USING (item_id);
SELECT rec.create_filter('numbers', 'EXCLUDE ITEMS WHERE item_id < 100 OR NOT item_id <> 150 OR title IS NULL');
SELECT count(*) AS listed, min(item_id) >= 100 AS none_below_100, bool_and(item_id <> 150) AS not_150
FROM rec.recommend(3, 30, filter => 'numbers');

-- a filter on the user's interactions, in real time: log_event changes the next list
SELECT rec.create_filter('not-purchased', 'EXCLUDE ITEMS WHERE interactions.event_type IN ("purchase")');
SELECT item_id AS top_item FROM rec.recommend(5, 1, exclude_seen => false, filter => 'not-purchased') \gset
BEGIN;
SELECT rec.log_event(5, :top_item, 'purchase', 9.99);
SELECT count(*) AS top_item_still_listed
FROM rec.recommend(5, 25, exclude_seen => false, filter => 'not-purchased') WHERE item_id = :top_item;
ROLLBACK;
SELECT count(*) AS top_item_back
FROM rec.recommend(5, 25, exclude_seen => false, filter => 'not-purchased') WHERE item_id = :top_item;
-- include only what the user clicked, with a value parameter
SELECT rec.create_filter('clicked-again', 'INCLUDE ITEMS WHERE interactions.event_type = $type');
SELECT count(*) = (SELECT count(DISTINCT item_id) FROM rec.interactions WHERE user_id = 5 AND event_type = 'click')
	AS exactly_the_clicked
FROM rec.recommend(5, 10000, exclude_seen => false, filter => 'clicked-again', filter_values => '{"type": "click"}');
-- parts joined by |: each must hold
SELECT rec.create_filter('two-parts',
	'EXCLUDE ITEMS WHERE categories IN ("drama") | EXCLUDE ITEMS WHERE interactions.event_type IN ("click", "purchase")');
SELECT count(*) AS listed, count(*) FILTER (WHERE i.categories && '{drama}') AS drama,
	count(*) FILTER (WHERE EXISTS (SELECT FROM rec.interactions e WHERE e.user_id = 1 AND e.item_id = r.item_id)) AS seen
FROM rec.recommend(1, 25, exclude_seen => false, filter => 'two-parts') r JOIN rec.items i USING (item_id);

-- the README's example: a jsonb key, a timestamp literal, two parts over multiple lines
SELECT rec.create_filter('brand-new', $$INCLUDE ITEMS WHERE properties.brand IN $brands AND created_at > '2025-06-01'
                                        | EXCLUDE ITEMS WHERE interactions.event_type = 'purchase'$$);
SELECT count(*) AS listed FROM rec.recommend(1, 10, filter => 'brand-new', filter_values => '{"brands": ["acme"]}');
UPDATE rec.items SET properties = properties || '{"brand": "acme"}' WHERE item_id % 10 = 0;
SELECT count(*) AS listed, bool_and(i.properties->>'brand' = 'acme' AND i.created_at > '2025-06-01') AS all_pass
FROM rec.recommend(1, 10, filter => 'brand-new', filter_values => '{"brands": ["acme"]}') r JOIN rec.items i USING (item_id);

-- similar_items and batch_recommend take filters too
SELECT count(*) AS listed, count(*) FILTER (WHERE i.categories && '{drama}') AS drama
FROM rec.similar_items(1, 20, campaign => 'by_sims', filter => 'not-genre', filter_values => '{"genres": ["drama"]}') s
JOIN rec.items i USING (item_id);
SELECT count(*) AS rows, count(DISTINCT b.user_id) AS users, count(*) FILTER (WHERE i.categories && '{drama}') AS drama
FROM rec.batch_recommend('main', 10, users => '{1,2,3,999999}', filter => 'not-genre',
	filter_values => '{"genres": ["drama"]}') b JOIN rec.items i USING (item_id);
SELECT count(*) AS rows,
	count(*) FILTER (WHERE EXISTS (SELECT FROM rec.interactions e WHERE e.user_id = b.user_id AND e.item_id = b.item_id
		AND e.event_type = 'click')) AS clicked
FROM rec.batch_recommend('main', 10, users => '{1,2,3}', exclude_seen => false, filter => 'two-parts') b;

-- promotions: a share of the list for the promotion filter's best items, spread evenly
SELECT rec.create_filter('documentaries', 'INCLUDE ITEMS WHERE categories IN ("documentary")');
SELECT r.rank, r.reason, i.categories && '{documentary}' AS documentary
FROM rec.recommend(1, 10, promotion => 'documentaries', promotion_share => 0.2)
	WITH ORDINALITY r(item_id, score, reason, because_item_id, variant, rank)
JOIN rec.items i USING (item_id) ORDER BY r.rank;
SELECT count(*) FILTER (WHERE reason = 'promotion') AS promoted, count(*) AS listed
FROM rec.recommend(1, 25, promotion => 'documentaries');
-- the promoted items are the model's best of the promotion filter
SELECT array_agg(item_id ORDER BY score DESC, item_id) FILTER (WHERE reason = 'promotion') =
	(SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 2, filter => 'only-genre',
		filter_values => '{"genres": ["documentary"]}')) AS best_of_filter
FROM rec.recommend(1, 10, promotion => 'documentaries', promotion_share => 0.2);
-- with a filter and a promotion, each with its own values
SELECT count(*) FILTER (WHERE reason = 'promotion') AS promoted,
	count(*) FILTER (WHERE reason <> 'promotion' AND i.categories && '{comedy}') AS comedy_regular,
	count(*) FILTER (WHERE reason = 'promotion' AND i.categories && '{action}') AS action_promoted
FROM rec.recommend(1, 10, filter => 'not-genre', filter_values => '{"genres": ["comedy"]}',
	promotion => 'only-genre', promotion_share => 0.5, promotion_values => '{"genres": ["action"]}') r
JOIN rec.items i USING (item_id);
SELECT count(*) FILTER (WHERE reason = 'promotion') AS promoted FROM rec.recommend(1, 10, promotion => 'documentaries', promotion_share => 0);
SELECT count(*) FILTER (WHERE reason = 'promotion') AS promoted FROM rec.recommend(1, 10, promotion => 'documentaries', promotion_share => 1);

-- the same over the touched items (a sparse model, popularity-count): the scored items
-- best first, then the popularity order, checked in rounds until k pass
SELECT rec.train('up_sparse', 'user-personalization', params => '{"tune": false, "neighbors": 100}') > 0 AS trained;
SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.deploy('sparse', 'up_sparse') > 0 AS deployed, rec.deploy('pop', 'pop') > 0 AS deployed;
SELECT c AS campaign,
	(SELECT count(*) FROM rec.recommend(1, 25, campaign => c, filter => 'not-genre', filter_values => '{"genres": ["drama"]}') r
	 JOIN rec.items i USING (item_id) WHERE NOT i.categories && '{drama}') AS listed_not_drama,
	(SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => c, filter => 'not-genre',
		filter_values => '{"genres": ["drama"]}'))
	= (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => c,
		exclude_items => (SELECT array_agg(item_id) FROM rec.items WHERE categories && '{drama}'))) AS same_as_exclude_items,
	(SELECT count(DISTINCT item_id) FROM rec.recommend(1, 40, campaign => c, filter => 'only-genre',
		filter_values => '{"genres": ["documentary"]}') r JOIN rec.items i USING (item_id)
	 WHERE i.categories && '{documentary}') AS rare_include,
	(SELECT count(*) FROM rec.recommend(1, 5, campaign => c, include_items => '{1,2,3,4,5,6,7,8}', filter => 'not-genre',
		filter_values => '{"genres": ["drama"]}') r JOIN rec.items i USING (item_id)
	 WHERE NOT i.categories && '{drama}' AND r.item_id <= 8) AS included_not_drama,
	(SELECT count(*) FILTER (WHERE reason = 'promotion') FROM rec.recommend(1, 10, campaign => c,
		promotion => 'documentaries', promotion_share => 0.2)) AS promoted,
	(SELECT count(*) FROM rec.recommend(1, 25, exclude_seen => false, campaign => c, filter => 'not-purchased') r
	 WHERE EXISTS (SELECT FROM rec.interactions e WHERE e.user_id = 1 AND e.item_id = r.item_id
		AND e.event_type = 'purchase')) AS purchased_listed,
	(SELECT count(*) FROM rec.similar_items(1, 20, campaign => c, filter => 'not-genre', filter_values => '{"genres": ["drama"]}') s
	 JOIN rec.items i USING (item_id) WHERE NOT i.categories && '{drama}') AS similar_not_drama,
	(SELECT count(*) FROM rec.batch_recommend(c, 10, users => '{1,2,3,999999}', filter => 'not-genre',
		filter_values => '{"genres": ["drama"]}') b JOIN rec.items i USING (item_id)
	 WHERE NOT i.categories && '{drama}') AS batch_not_drama
FROM unnest(ARRAY['sparse', 'pop']) c;

-- replace and drop
SELECT rec.create_filter('not-genre', 'EXCLUDE ITEMS WHERE categories && $genres', replace => true);
SELECT expression FROM rec.filter WHERE name = 'not-genre';
SELECT rec.drop_filter('numbers');
SELECT name FROM rec.filter ORDER BY name;

-- bad input
SELECT rec.create_filter('not-genre', 'EXCLUDE ITEMS WHERE categories IN $genres');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS categories IN $genres');
SELECT rec.create_filter('x', 'KEEP ITEMS WHERE item_id = 1');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id =');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id = 1 item_id = 2');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE (item_id = 1');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE title = ''open');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE title ~ ''a''');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id = $');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id NOT = 1');
SELECT rec.create_filter('x', 'EXCLUDE USERS WHERE item_id = 1');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE = 1');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id 1');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE title IS 1');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id = 1.2.3');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE categories IN ''drama''');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id IN (1 2)');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE title. = ''a''');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE items.properties.a.b = ''a''');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE ' || string_agg(format('item_id = $p%s', i), ' OR '))
FROM generate_series(1, 33) i;
SELECT rec.create_filter('x', string_agg(format('EXCLUDE ITEMS WHERE item_id = %s', i), ' | '))
FROM generate_series(1, 9) i;
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE no_such_column = 1');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE interactions.no_such_column = 1');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE title.key = ''a''');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE categories = 1 AND interactions.event_type = ''click''');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id && (1, 2)');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id IN $a OR item_id = $a');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE categories = 1');
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE item_id = 1', dataset_group => 'nope');
SELECT rec.create_filter('', 'EXCLUDE ITEMS WHERE item_id = 1');
SELECT rec.create_filter('x', NULL);
SELECT * FROM rec.recommend(1, 5, filter => 'no-such-filter');
SELECT * FROM rec.recommend(1, 5, filter => 'only-genre');
SELECT * FROM rec.recommend(1, 5, filter => 'not-genre', filter_values => '{"genres": ["drama"], "other": 1}');
SELECT * FROM rec.recommend(1, 5, filter => 'not-genre', filter_values => '{"genres": "drama"}');
SELECT * FROM rec.recommend(1, 5, filter => 'not-genre', filter_values => '["drama"]');
SELECT * FROM rec.recommend(1, 5, filter => 'clicked-again', filter_values => '{"type": ["click"]}');
SELECT * FROM rec.recommend(1, 5, filter_values => '{"genres": ["drama"]}');
SELECT * FROM rec.recommend(1, 5, promotion => 'documentaries', promotion_share => 1.5);
SELECT * FROM rec.recommend(1, 5, promotion_values => '{}');
SELECT * FROM rec.similar_items(1, 5, campaign => 'by_sims', filter => 'not-purchased');
SELECT * FROM rec.batch_recommend('main', 5, users => '{1}', filter_values => '{}');
SELECT rec.drop_filter('no-such-filter');
-- a filter belongs to its dataset group, and goes with it
CREATE VIEW other_events AS SELECT * FROM rec.interactions;
SELECT rec.create_dataset_group('other', 'other_events', 'rec.items');
SELECT rec.create_filter('other-genre', 'EXCLUDE ITEMS WHERE categories IN ("drama")', dataset_group => 'other');
SELECT * FROM rec.recommend(1, 5, filter => 'other-genre');
-- rebinding a group compiles its filters again: they read the new relations
CREATE VIEW other_items AS SELECT item_id AS id, categories AS genres FROM rec.items;
SELECT rec.create_dataset_group('other', 'other_events', 'other_items',
                                columns => '{"items_item_id": "id", "categories": "genres"}', replace => true);
SELECT parts::text LIKE '%other_items%' AS reads_new_items FROM rec.filter WHERE name = 'other-genre';
SELECT rec.create_dataset_group('other', 'other_events', replace => true);
SELECT rec.drop_filter('other-genre');
SELECT rec.create_filter('other-bought', 'EXCLUDE ITEMS WHERE interactions.event_type IN ("purchase")',
                         dataset_group => 'other');
SELECT rec.create_dataset_group('other', 'other_events', replace => true);
DROP VIEW other_items;
SELECT rec.create_filter('x', 'EXCLUDE ITEMS WHERE categories IN ("drama")', dataset_group => 'other');
SELECT rec.drop_dataset_group('other');
SELECT count(*) AS left_behind FROM rec.filter WHERE dataset_group = 'other';
DROP VIEW other_events;
