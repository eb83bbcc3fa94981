-- Errors name the user's objects, not rec's internal SQL: a mapped column
-- renamed after binding is named as the dataset group's mapping (before:
-- 'column "happened_at" does not exist' with rec's internal query), at
-- training and at serving; an event type of event_weights that the data
-- does not have (a misspelling) is an error that lists the types it has
-- (before: accepted in silence, weighing nothing).
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
SET client_min_messages = warning;
DELETE FROM rec.solution;
DELETE FROM rec.dataset_group WHERE name <> 'default';
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
SET rec.threads = 1;
CREATE TABLE shop_events AS
SELECT 'u' || user_id AS customer, item_id AS product_id, ts AS happened_at, event_type AS kind FROM rec.interactions;
SELECT rec.create_dataset_group('shop', 'shop_events',
    columns => '{"user_id": "customer", "item_id": "product_id", "ts": "happened_at", "event_type": "kind"}') AS bound \gset
SELECT rec.deploy('shop', version => rec.train('shop-up', 'user-personalization', 'shop', '{"tune": false}')) AS v \gset

SELECT plan(7);

-- event_weights: only the types the data has
SELECT throws_ok($$SELECT rec.train('shop-w', 'user-personalization', 'shop', '{"tune": false, "event_weights": {"purchse": 3, "click": 1}}')$$,
                 '22023', 'event_weights names event type "purchse", which dataset group "shop" has no events of',
                 'event_weights: a misspelt event type is an error');
SELECT is((SELECT count(*) FROM rec.solution_version WHERE solution = 'shop-w'), 0::bigint,
          'event_weights: no version was trained');
SELECT throws_ok($$SELECT rec.train('shop-w', 'user-personalization', 'shop', '{"tune": false, "event_weights": {"buy": 3, "look": 1}}')$$,
                 '22023', 'event_weights names event types "buy", "look", which dataset group "shop" has no events of',
                 'event_weights: every missing type is named');
SELECT cmp_ok(rec.train('shop-w', 'user-personalization', 'shop', '{"tune": false, "event_weights": {"purchase": 3, "click": 1}}'),
              '>', 0::bigint, 'event_weights: types the data has train');

-- a mapped column renamed
ALTER TABLE shop_events RENAME happened_at TO happened;
SELECT throws_ok($$SELECT * FROM rec.recommend('u1', 5, campaign => 'shop')$$,
                 '42703', 'dataset group "shop" maps ts to column "happened_at", which does not exist',
                 'serving: a renamed column is named as the mapping');
SELECT throws_ok($$SELECT rec.train('shop-up', dataset_group => 'shop')$$,
                 '42703', 'dataset group "shop" maps ts to column "happened_at", which does not exist',
                 'training: a renamed column is named as the mapping');
ALTER TABLE shop_events RENAME happened TO happened_at;
SELECT is((SELECT count(*) FROM rec.recommend('u1', 5, campaign => 'shop')), 5::bigint,
          'serving: renamed back, the group serves again');

SELECT * FROM finish();
ROLLBACK;
