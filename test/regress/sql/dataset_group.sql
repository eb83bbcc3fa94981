-- rec.create_dataset_group, rec.drop_dataset_group: binding your own tables
\i data/reset_sample.psql

CREATE TABLE shop_events (uid integer, sku bigint, happened bigint, kind varchar, amount numeric);
CREATE TABLE shop_items (sku bigint, tags text[]);
INSERT INTO shop_items SELECT item_id, categories FROM rec.items;
INSERT INTO shop_events
SELECT user_id, item_id, extract(epoch FROM ts)::bigint, event_type, event_value FROM rec.interactions;

SELECT rec.create_dataset_group('shop', 'shop_events', items => 'shop_items',
	columns => '{"user_id": "uid", "item_id": "sku", "ts": "happened", "event_type": "kind",
	             "event_value": "amount", "items_item_id": "sku", "categories": "tags"}');
SELECT name, interactions, items, users, columns FROM rec.dataset_group ORDER BY name;

-- a group over epoch-second times trains like the default one
SELECT rec.train('shop_up', 'user-personalization', 'shop') > 0 AS trained;
SELECT rec.train('default_up', 'user-personalization') > 0 AS trained;
SELECT rec.deploy('shop', 'shop_up');
SELECT rec.deploy('default', 'default_up');
SELECT (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(7, 10, campaign => 'shop'))
     = (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(7, 10, campaign => 'default'))
     AS same_recommendations;

-- log_event writes through the mapping (epoch seconds, varchar kind)
SELECT rec.log_event(7, 42, 'purchase', 9.5, '2026-09-01 00:00:00+00', dataset_group => 'shop');
SELECT * FROM shop_events WHERE uid = 7 AND sku = 42;

-- a view works as the interactions relation
CREATE VIEW recent_events AS SELECT * FROM rec.interactions WHERE ts >= '2026-03-01';
SELECT rec.create_dataset_group('recent', 'recent_events');
SELECT rec.train('recent_pop', 'popularity-count', 'recent') > 0 AS trained;
SELECT n_interactions = (SELECT count(*) FROM recent_events) AS all_recent_read
FROM rec.solution_version WHERE solution = 'recent_pop';

-- bad input
SELECT rec.create_dataset_group('shop', 'shop_events', columns => '{"user_id": "uid", "item_id": "sku", "ts": "happened"}');
SELECT rec.create_dataset_group('default', 'shop_events');
SELECT rec.create_dataset_group(NULL, 'shop_events');
SELECT rec.create_dataset_group('bad', 'no_such_table');
SELECT rec.create_dataset_group('bad', 'shop_events');
SELECT rec.create_dataset_group('bad', 'shop_events', columns => '{"user_id": "uid", "item_id": "sku", "ts": "kind"}');
SELECT rec.create_dataset_group('bad', 'shop_events', columns => '{"user_id": "amount", "item_id": "sku", "ts": "happened"}');
SELECT rec.create_dataset_group('bad', 'shop_events', columns => '{"user": "uid"}');
SELECT rec.create_dataset_group('bad', 'shop_events', columns => '{"user_id": 1}');
SELECT rec.create_dataset_group('bad', 'shop_events', columns => '[]');
SELECT rec.create_dataset_group('bad', 'shop_events', columns => '{"user_id": "uid", "item_id": "sku", "ts": "happened", "categories": "tags"}');
SELECT rec.create_dataset_group('bad', 'shop_events', items => 'shop_events', columns => '{"user_id": "uid", "item_id": "sku", "ts": "happened", "items_item_id": "sku", "categories": "kind"}');
SELECT count(*) AS groups FROM rec.dataset_group;

-- rebinding with replace => true
SELECT rec.create_dataset_group('shop', 'shop_events', columns => '{"user_id": "uid", "item_id": "sku", "ts": "happened"}', replace => true);
SELECT columns FROM rec.dataset_group WHERE name = 'shop';

-- a bound relation cannot be dropped from under its group, even by a cascade
CREATE TABLE doomed (user_id bigint, item_id bigint, ts timestamptz);
CREATE VIEW doomed_view AS SELECT * FROM doomed;
SELECT rec.create_dataset_group('doomed', 'doomed_view');
DROP VIEW doomed_view;
DROP TABLE doomed CASCADE;
DROP TABLE rec.interactions CASCADE;
SELECT count(*) AS still_there FROM doomed_view;

-- dropping a group drops its solutions, versions and campaigns, not the tables
SELECT rec.drop_dataset_group('shop');
SELECT count(*) AS solutions, (SELECT count(*) FROM rec.campaign WHERE name = 'shop') AS campaigns
FROM rec.solution WHERE dataset_group = 'shop';
SELECT count(*) > 0 AS events_kept FROM shop_events;
SELECT rec.drop_dataset_group('shop');
SELECT rec.drop_dataset_group('default');
SELECT rec.drop_dataset_group('doomed');
DROP TABLE doomed CASCADE;
SELECT rec.drop_dataset_group('recent');
DROP VIEW recent_events;
DROP TABLE shop_events, shop_items;
