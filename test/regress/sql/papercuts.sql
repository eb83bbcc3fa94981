-- What a new user trips over (issue 20): the list's rank, floating-point
-- arguments from clients that send double precision, log_event following
-- rec.campaign's dataset group, A/B arms pinned at deploy, a variant with no
-- click in the report, small p-values, and the NOTICEs of evaluate and explain.
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization', params => '{"tune": false}') AS v_up \gset
SELECT rec.deploy('main', version => :v_up) = :v_up AS deployed;
SELECT rec.create_filter('genre', 'INCLUDE ITEMS WHERE categories IN $genres');

-- rank: the list's order, which ORDER BY score is not when promoted items sit at their places
SELECT rank, reason FROM rec.recommend(42, 10, campaign => 'main', promotion => 'genre',
    promotion_values => '{"genres": ["documentary"]}') ORDER BY rank;
SELECT bool_and(rank = n) AS rank_is_the_position
FROM rec.recommend(42, 10, campaign => 'main') WITH ORDINALITY AS r(item_id, score, reason, because_item_id, variant, rank, n);
SELECT array_agg(rank ORDER BY score DESC, rank) <> array_agg(rank ORDER BY rank) AS score_order_differs
FROM rec.recommend(42, 10, campaign => 'main', promotion => 'genre', promotion_values => '{"genres": ["documentary"]}');
SELECT max(rank) AS text_overload_rank FROM rec.recommend('42', 5, campaign => 'main');

-- double precision arguments (what psycopg sends for a Python float) reach promotion_share and event_value
SELECT count(*) FROM rec.recommend(42, 10, campaign => 'main', promotion => 'genre', promotion_share => 0.3::float8,
    promotion_values => '{"genres": ["documentary"]}') WHERE reason = 'promotion';
SELECT rec.log_event(42, 7, 'click', 2.5::float8, '2026-05-05 12:00+00');
SELECT event_value, pg_typeof(event_value) FROM rec.interactions WHERE user_id = 42 AND item_id = 7 AND ts = '2026-05-05 12:00+00';
-- untyped literals still find exactly one function
SELECT rec.log_event(42, 8, 'click', 1.5, '2026-05-05 12:00+00');
SELECT count(*) FROM rec.recommend(42, 5, campaign => 'main', promotion_share => 0.5);
SELECT rec.log_event(42, 7, 'click', 'NaN'::float8);

-- log_event goes to the dataset group of its campaign, or of rec.campaign
CREATE TABLE pc_shop_events (customer text NOT NULL, product text NOT NULL, at timestamptz NOT NULL);
INSERT INTO pc_shop_events SELECT 'u' || user_id, 'p' || item_id, ts FROM rec.interactions;
SELECT rec.create_dataset_group('shop', 'pc_shop_events',
    columns => '{"user_id": "customer", "item_id": "product", "ts": "at"}');
SELECT rec.deploy('shop', version => rec.train('shop-up', 'sims', 'shop')) > 0 AS deployed;
SET rec.campaign = 'shop';
SELECT rec.log_event('alice', 'p1', ts => '2026-05-05 12:00+00');
SELECT customer, product FROM pc_shop_events WHERE customer = 'alice';
RESET rec.campaign;
SELECT rec.log_event('bob', 'p1', ts => '2026-05-05 12:00+00', campaign => 'shop');
SELECT customer, product FROM pc_shop_events WHERE customer = 'bob';
-- without either, the default group, and a wrong id says where it went
SELECT rec.log_event('carol', 'p1');
SET rec.campaign = 'main';
SELECT rec.log_event('dave', 'p1');
SET rec.campaign = 'nosuch';
SELECT rec.log_event(1, 1);
RESET rec.campaign;
-- a group named explicitly wins
SET rec.campaign = 'shop';
SELECT rec.log_event(42, 9, ts => '2026-05-05 12:00+00', dataset_group => 'default');
SELECT count(*) FROM rec.interactions WHERE user_id = 42 AND item_id = 9 AND ts = '2026-05-05 12:00+00';
RESET rec.campaign;

-- A/B arms are pinned at deploy: training again during the test moves no arm
SELECT rec.train('pop', 'popularity-count') AS v_pop \gset
SELECT rec.deploy('arm-a', 'up') = :v_up AS arm_a_serves_up, rec.deploy('arm-b', 'pop') = :v_pop AS arm_b_serves_pop;
SELECT rec.deploy('pc-ab', variants => '{"arm-a": 0.5, "arm-b": 0.5}') = :v_up AS ab_serves_up;
SELECT campaign, follows_newest, serving_version = CASE solution WHEN 'up' THEN :v_up ELSE :v_pop END AS deployed_version
FROM rec.campaign_status WHERE campaign IN ('arm-a', 'arm-b', 'pc-ab') ORDER BY campaign;
SELECT rec.train('pop') > :v_pop AS retrained;
SELECT campaign, serving_version = :v_pop AS still_the_deployed_version
FROM rec.campaign_status WHERE campaign = 'arm-b';
-- ... unless told otherwise, with a warning
SELECT rec.deploy('arm-c', 'pop') > 0 AS deployed;
SELECT rec.deploy('pc-ab2', variants => '{"arm-a": 0.5, "arm-c": 0.5}', pin_variants => false) > 0 AS deployed;
SELECT campaign, follows_newest FROM rec.campaign_status WHERE campaign = 'arm-c';

-- the report: a variant with impressions and no click has a CTR of 0 and a p-value
SELECT count(rec.log_impression(u, '{1,2,3,4,5,6,7,8,9,10}', 'pc-ab', ts => '2026-06-01')) AS impressions
FROM generate_series(1, 400) u;
SELECT count(rec.log_event(u, 3, ts => '2026-06-01 00:01', campaign => 'pc-ab', rank => 3)) AS clicks
FROM generate_series(1, 400) u WHERE rec.variant('pc-ab', u) = 'arm-a' AND u % 2 = 0;
SELECT variant, control, impressions, clicks, round(ctr::numeric, 4) AS ctr, round(ctr_low::numeric, 4) AS ctr_low,
       round(ctr_high::numeric, 4) AS ctr_high, round(conversion::numeric, 4) AS conversion, ctr_p_value, ctr_p_value < 0.0001 AS small, significant
FROM rec.campaign_report('pc-ab', since => '2026-01-01');
-- a variant without impressions has no rate
SELECT variant, impressions, ctr, ctr_p_value FROM rec.campaign_report('pc-ab2');

-- evaluate in a LATERAL over campaigns says its NOTICE once
CREATE TEMP TABLE holdout AS SELECT user_id, item_id FROM rec.interactions WHERE user_id <= 50 AND item_id % 7 = 0;
SELECT c.campaign, e.users FROM (VALUES ('main'), ('arm-b'), ('main'), ('arm-b')) c(campaign),
    LATERAL rec.evaluate(c.campaign, 'holdout') e;

-- explain with no row says why
SELECT * FROM rec.explain(424242, (SELECT item_id FROM rec.recommend(424242, 1, campaign => 'main')), 'main');
SELECT * FROM rec.explain(42, (SELECT item_id FROM rec.recommend(42, 1, campaign => 'arm-b')), 'arm-b');

-- leave nothing for the tests that follow
SELECT rec.drop_dataset_group('shop');
DROP TABLE pc_shop_events;
DELETE FROM rec.event_attribution WHERE campaign LIKE 'pc-%' OR campaign = 'shop';
DELETE FROM rec.impression WHERE campaign LIKE 'pc-%';
