-- Text, varchar and uuid ids (issue 10): bound groups of each id type train and
-- serve like the bigint default group, and return the ids exactly as stored
\i data/reset_sample.psql

-- the sample data again, with text users and uuid items ('alice' is user 1,
-- item n is md5('i' || n)::uuid), and an integer copy to compare with
CREATE FUNCTION uid(n bigint) RETURNS text LANGUAGE sql IMMUTABLE
	RETURN CASE WHEN n = 1 THEN 'alice' ELSE 'user ' || n END;
CREATE FUNCTION iid(n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE RETURN md5('i' || n)::uuid;
CREATE TABLE ev_text (customer text, product uuid, kind text, at timestamptz);
CREATE TABLE it_uuid (product uuid PRIMARY KEY, tags text[]);
INSERT INTO ev_text SELECT uid(user_id), iid(item_id), event_type, ts FROM rec.interactions;
INSERT INTO it_uuid SELECT iid(item_id), categories FROM rec.items;
CREATE INDEX ON ev_text (customer, at);
SELECT rec.create_dataset_group('g', 'ev_text', items => 'it_uuid',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at", "event_type": "kind",
	             "items_item_id": "product", "categories": "tags"}');
SELECT columns ->> 'user_type' AS user_type, columns ->> 'item_type' AS item_type
FROM rec.dataset_group WHERE name = 'g';

-- training on text and uuid ids gives the bigint group's model, key for key
SELECT rec.train('s', 'user-personalization', 'g', '{"tune": false}') > 0 AS trained;
SELECT rec.train('b', 'user-personalization', params => '{"tune": false}') > 0 AS trained;
SELECT rec.deploy('c', 's') > 0 AS deployed, rec.deploy('cb', 'b') > 0 AS deployed;
SELECT n_users, n_items, n_interactions FROM rec.solution_version ORDER BY id;

-- the issue's calls, as written
SELECT count(*) AS rows, bool_and(reason = 'personalized') AS personalized
FROM rec.recommend('alice', 10, campaign => 'c');
SELECT (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend('alice', 10, campaign => 'c'))
     = (SELECT array_agg(iid(item_id)::text ORDER BY score DESC, iid(item_id)::text) FROM rec.recommend(1, 10, campaign => 'cb'))
	AS same_as_bigint;
SELECT (SELECT array_agg(because_item_id ORDER BY score DESC, item_id) FROM rec.recommend('alice', 10, campaign => 'c'))
     = (SELECT array_agg(iid(because_item_id)::text ORDER BY score DESC, iid(item_id)::text) FROM rec.recommend(1, 10, campaign => 'cb'))
	AS same_reasons;
SELECT item_id, round(score::numeric, 4) AS score, reason FROM rec.similar_items(iid(1), 3, campaign => 'c')
ORDER BY score DESC, item_id;
SELECT pg_typeof(item_id) FROM rec.similar_items(iid(1), 1, campaign => 'c');
SELECT (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.similar_items(iid(1), 10, campaign => 'c'))
     = (SELECT array_agg(iid(item_id) ORDER BY score DESC, iid(item_id)) FROM rec.similar_items(1, 10, campaign => 'cb'))
	AS same_as_bigint;
-- a uuid given as text, in any of the forms uuid accepts, is the same item
SELECT count(*) FROM rec.similar_items(upper(iid(1)::text), 3, campaign => 'c');
SELECT count(*) FROM rec.similar_items('{' || replace(iid(1)::text, '-', '') || '}', 3, campaign => 'c');

-- log_event takes effect at once, in the caller's transaction
BEGIN;
CREATE TEMP TABLE before AS SELECT item_id FROM rec.recommend('alice', 10, campaign => 'c');
SELECT rec.log_event('alice', iid(7), 'click', dataset_group => 'g');
SELECT rec.log_event('alice', iid(9), 'click', dataset_group => 'g');
SELECT rec.log_event('alice', iid(11), 'click', dataset_group => 'g');
SELECT customer, product, kind FROM ev_text WHERE customer = 'alice' ORDER BY at DESC LIMIT 3;
SELECT item_id, ts IS NOT NULL AS dated FROM rec.user_history('alice', 3, 'g') ORDER BY ts DESC, item_id;
SELECT (SELECT array_agg(item_id ORDER BY item_id) FROM before)
    <> (SELECT array_agg(item_id ORDER BY item_id) FROM rec.recommend('alice', 10, campaign => 'c')) AS list_changed;
SELECT count(*) AS still_recommended FROM rec.recommend('alice', 25, campaign => 'c')
WHERE item_id IN (iid(7)::text, iid(9)::text, iid(11)::text);
ROLLBACK;
SELECT count(*) FROM ev_text WHERE customer = 'alice' AND product IN (iid(7), iid(9), iid(11))
	AND at > now() - interval '1 hour';

-- rank, explain: in the type of the item given
SELECT item_id, rank, score IS NULL AS unknown
FROM rec.rank('alice', ARRAY[iid(310), iid(112), md5('nope')::uuid, iid(310)]::text[], campaign => 'c');
SELECT (SELECT array_agg(item_id ORDER BY rank) FROM rec.rank('alice', ARRAY[iid(310), iid(112), iid(5)]::text[], campaign => 'c'))
     = (SELECT array_agg(iid(item_id)::text ORDER BY rank) FROM rec.rank(1, ARRAY[310, 112, 5], campaign => 'cb'))
	AS same_as_bigint;
SELECT pg_typeof(history_item_id) FROM rec.explain('alice', iid(310), campaign => 'c') LIMIT 1;
SELECT (SELECT array_agg(history_item_id ORDER BY contribution DESC, history_item_id) FROM rec.explain('alice', iid(310), campaign => 'c'))
     = (SELECT array_agg(iid(history_item_id) ORDER BY contribution DESC, iid(history_item_id)) FROM rec.explain(1, 310, campaign => 'cb'))
	AS same_as_bigint;
SELECT pg_typeof(history_item_id) FROM rec.explain('alice', iid(310)::text, campaign => 'c') LIMIT 1;

-- batch recommendations: the original strings, as Personalize writes them
SELECT user_id, rank, item_id IS NOT NULL AS has_item
FROM rec.batch_recommend_text('c', 2, users => ARRAY['alice', 'user 2', 'nobody'])
ORDER BY user_id COLLATE "C", rank;
SELECT (SELECT array_agg(user_id || ':' || item_id ORDER BY user_id, rank) FROM rec.batch_recommend_text('c', 5))
     = (SELECT array_agg(uid(user_id) || ':' || iid(item_id)::text ORDER BY uid(user_id), rank) FROM rec.batch_recommend('cb', 5))
	AS same_as_bigint;
SELECT line::jsonb -> 'input' AS input, jsonb_array_length(line::jsonb #> '{output,recommendedItems}') AS items,
	(line::jsonb #>> '{output,recommendedItems,0}')::uuid IS NOT NULL AS uuid_strings
FROM rec.batch_recommend_jsonl('c', 3) line ORDER BY line COLLATE "C" LIMIT 2;
SELECT count(*) AS lines FROM rec.batch_recommend_jsonl('c', 3);
SELECT line::jsonb -> 'input' AS input FROM rec.batch_recommend_jsonl_text('c', 3, users => '{alice}') line;
-- filters and promotions on a text/uuid group: its parts compare the candidates'
-- keys in the column's type, and the lists are the bigint group's, key for key
SELECT rec.create_filter('g-not-genre', 'EXCLUDE ITEMS WHERE categories IN $genres', dataset_group => 'g');
SELECT rec.create_filter('g-docs', 'INCLUDE ITEMS WHERE categories IN ("documentary")', dataset_group => 'g');
SELECT rec.create_filter('g-not-clicked', 'EXCLUDE ITEMS WHERE interactions.event_type IN ("click")', dataset_group => 'g');
SELECT rec.create_filter('b-not-genre', 'EXCLUDE ITEMS WHERE categories IN $genres');
SELECT rec.create_filter('b-docs', 'INCLUDE ITEMS WHERE categories IN ("documentary")');
SELECT rec.create_filter('b-not-clicked', 'EXCLUDE ITEMS WHERE interactions.event_type IN ("click")');
SELECT rec.train('s_sparse', 'user-personalization', 'g', '{"tune": false, "neighbors": 100}') > 0 AS trained;
SELECT rec.train('b_sparse', 'user-personalization', params => '{"tune": false, "neighbors": 100}') > 0 AS trained;
SELECT rec.deploy('cs', 's_sparse') > 0 AS deployed, rec.deploy('cbs', 'b_sparse') > 0 AS deployed;
SELECT campaign,
	(SELECT count(*) FROM rec.recommend('alice', 10, campaign => campaign, filter => 'g-not-genre',
		filter_values => '{"genres": ["drama"]}') r JOIN it_uuid t ON t.product = r.item_id::uuid
	 WHERE NOT t.tags && '{drama}') AS listed_not_drama,
	(SELECT array_agg(item_id || ' ' || reason ORDER BY score DESC, item_id) FROM rec.recommend('alice', 10,
		campaign => campaign, filter => 'g-not-genre', filter_values => '{"genres": ["drama"]}',
		promotion => 'g-docs', promotion_share => 0.3))
	= (SELECT array_agg(iid(item_id)::text || ' ' || reason ORDER BY score DESC, iid(item_id)::text) FROM rec.recommend(1, 10,
		campaign => bigint_campaign, filter => 'b-not-genre', filter_values => '{"genres": ["drama"]}',
		promotion => 'b-docs', promotion_share => 0.3)) AS same_as_bigint,
	(SELECT count(*) FILTER (WHERE reason = 'promotion') FROM rec.recommend('alice', 10, campaign => campaign,
		promotion => 'g-docs', promotion_share => 0.3)) AS promoted,
	(SELECT count(*) FROM rec.recommend('alice', 25, exclude_seen => false, campaign => campaign,
		filter => 'g-not-clicked') r
	 WHERE EXISTS (SELECT FROM ev_text e WHERE e.customer = 'alice' AND e.product = r.item_id::uuid
		AND e.kind = 'click')) AS clicked_listed,
	(SELECT count(*) FROM rec.similar_items(iid(1), 10, campaign => campaign, filter => 'g-not-genre',
		filter_values => '{"genres": ["drama"]}') s JOIN it_uuid t ON t.product = s.item_id
	 WHERE NOT t.tags && '{drama}') AS similar_not_drama,
	(SELECT array_agg(user_id || ':' || item_id ORDER BY user_id, rank) FROM rec.batch_recommend_text(campaign, 5,
		users => ARRAY['alice', 'user 2', 'user 3'], filter => 'g-not-genre', filter_values => '{"genres": ["drama"]}'))
	= (SELECT array_agg(uid(user_id) || ':' || iid(item_id)::text ORDER BY uid(user_id), rank) FROM rec.batch_recommend(
		bigint_campaign, 5, users => '{1,2,3}', filter => 'b-not-genre', filter_values => '{"genres": ["drama"]}'))
		AS batch_same_as_bigint
FROM (VALUES ('c', 'cb'), ('cs', 'cbs')) v(campaign, bigint_campaign);
-- a text user without history but with liked categories gets user-metadata items
CREATE TABLE us_text (customer text PRIMARY KEY, likes text[]);
INSERT INTO us_text VALUES ('newcomer', '{documentary}');
SELECT rec.create_dataset_group('g', 'ev_text', items => 'it_uuid', users => 'us_text', replace => true,
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at", "event_type": "kind",
	             "items_item_id": "product", "categories": "tags", "users_user_id": "customer", "user_categories": "likes"}');
SELECT count(*) AS listed, count(*) FILTER (WHERE reason = 'user-metadata' AND t.tags && '{documentary}') AS from_metadata
FROM rec.recommend('newcomer', 5, campaign => 'cs') r JOIN it_uuid t ON t.product = r.item_id::uuid;

-- integer groups print the same lines as before
SELECT regexp_replace(line, '"scores":\[[^]]*\]', '"scores":[...]') AS line
FROM rec.batch_recommend_jsonl('cb', 2, users => '{1}') line;

-- metrics: evaluate a text group, and the metric functions over text and uuid ids
CREATE TABLE hold_text AS SELECT uid(user_id) AS customer, iid(item_id) AS product
	FROM rec.interactions WHERE user_id % 50 = 0 AND item_id % 3 = 0;
CREATE TABLE hold_int AS SELECT user_id, item_id
	FROM rec.interactions WHERE user_id % 50 = 0 AND item_id % 3 = 0;
SELECT (SELECT row(e.*)::text FROM rec.evaluate('c', 'hold_text', 'customer', 'product') e)
     = (SELECT row(e.*)::text FROM rec.evaluate('cb', 'hold_int') e) AS same_as_bigint;
SELECT (SELECT array_agg(row(h.user_id, h.rank, h.item_id, h.relevant, h.n_relevant)::text ORDER BY h.user_id, h.rank)
		FROM rec.holdout_recommend_text('c', 'hold_text', 5, 'customer', 'product') h)
     = (SELECT array_agg(row(uid(h.user_id), h.rank, iid(h.item_id)::text, h.relevant, h.n_relevant)::text ORDER BY uid(h.user_id), h.rank)
		FROM rec.holdout_recommend('cb', 'hold_int', 5) h) AS same_as_bigint;
SELECT user_id, rank, relevant FROM rec.holdout_recommend_text('c', 'hold_text', 2, 'customer', 'product')
ORDER BY user_id COLLATE "C", rank LIMIT 4;
SELECT round(rec.precision_at_k('{a,b,c,d}', '{b,x}', 2)::numeric, 4) AS p2,
	round(rec.recall_at_k('{a,b,c,d}', '{b,x}', 4)::numeric, 4) AS r4,
	round(rec.mrr('{a,b,c}', '{c}')::numeric, 4) AS mrr, rec.hit_at_k('{a,b}', '{B}', 2) AS case_matters,
	rec.precision_at_k('{007}', '{7}', 1) AS zeros_matter, rec.precision_at_k('{7}'::bigint[], '{007}'::bigint[], 1) AS as_integers;
SELECT round(rec.ndcg_at_k(ARRAY[iid(1), iid(2)], ARRAY[iid(2)], 2)::numeric, 4) AS uuid_ndcg;
SELECT round(rec.ndcg_at_k(ARRAY[1, 2], ARRAY[2], 2)::numeric, 4) AS int_ndcg;

-- exact keys: unicode, spaces, case and leading zeros are kept as they are
CREATE TABLE ev_exact (who varchar(40), what text, at timestamptz);
INSERT INTO ev_exact SELECT u.k, i.k, '2026-01-01'::timestamptz + make_interval(mins => u.n * 10 + i.n)
FROM (VALUES (1, 'Zoë'), (2, 'zoë'), (3, ' zoë'), (4, '0042'), (5, '42'), (6, 'Ünïcødé ✓')) u(n, k),
	 (VALUES (1, 'Heat'), (2, 'heat'), (3, ' heat '), (4, '007'), (5, '7'), (6, '東京'), (7, 'a"b\c')) i(n, k)
WHERE (u.n + i.n) % 3 <> 0;
SELECT rec.create_dataset_group('exact', 'ev_exact', columns => '{"user_id": "who", "item_id": "what", "ts": "at"}');
SELECT rec.train('exact', 'sims', 'exact') > 0 AS trained;
SELECT rec.deploy('exact', 'exact') > 0 AS deployed;
SELECT item_id, length(item_id) AS len FROM rec.similar_items('Heat', 10, campaign => 'exact') ORDER BY item_id COLLATE "C";
SELECT count(*) FROM rec.similar_items(' heat ', 10, campaign => 'exact');
SELECT user_id, count(*) FROM rec.batch_recommend_text('exact', 3) GROUP BY user_id ORDER BY user_id COLLATE "C";
SELECT line::jsonb -> 'input' AS input FROM rec.batch_recommend_jsonl('exact', 1) line ORDER BY line COLLATE "C";
SELECT rec.log_event('Zoë', '東京', dataset_group => 'exact');
SELECT who, what FROM ev_exact ORDER BY at DESC LIMIT 1;
SELECT * FROM rec.user_history('0042', 2, 'exact');

-- a bigint-user group with text items: a user id as text gets the items as text
CREATE TABLE ev_mixed (user_id bigint, item_id text, ts timestamptz);
INSERT INTO ev_mixed SELECT user_id, 'sku-' || lpad(item_id::text, 5, '0'), ts FROM rec.interactions;
SELECT rec.create_dataset_group('mixed', 'ev_mixed');
SELECT rec.train('mixed', 'popularity-count', 'mixed') > 0 AS trained;
SELECT rec.deploy('mixed', 'mixed') > 0 AS deployed;
SELECT item_id, reason FROM rec.recommend('1', 2, campaign => 'mixed') ORDER BY score DESC, item_id;
SELECT item_id, rank FROM rec.rank(42::text, '{sku-00310,sku-00112}', campaign => 'mixed');
SELECT user_id, rank, item_id FROM rec.batch_recommend_text('mixed', 1, users => '{1,2}') ORDER BY user_id;
SELECT rec.log_event(1::text, 'sku-00005', dataset_group => 'mixed');
-- and the default group still answers a user id written as text
SELECT (SELECT array_agg(item_id::bigint ORDER BY score DESC, item_id) FROM rec.recommend('1', 5, campaign => 'cb'))
     = (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 5, campaign => 'cb')) AS same;

-- A/B assignment of a text user is stable
SELECT rec.deploy('c2', 's') > 0 AS deployed;
SELECT rec.deploy('ab', variants => '{"c": 0.5, "c2": 0.5}') > 0 AS deployed;
SELECT rec.variant('ab', 'alice') = (SELECT variant FROM rec.recommend('alice', 1, campaign => 'ab')) AS same_variant;
SELECT rec.log_event('alice', iid(5), dataset_group => 'g', campaign => 'ab', rank => 1);
SELECT campaign, variant = rec.variant('ab', 'alice') AS users_variant, user_id = rec.key_id('alice') AS by_key_id,
	item_id = rec.key_id(iid(5)::text) AS item_key_id
FROM rec.event_attribution WHERE campaign = 'ab';
SELECT rec.log_impression('alice', ARRAY[iid(5), iid(6)]::text[], 'ab');
SELECT variant = rec.variant('ab', 'alice') AS users_variant, user_id = rec.key_id('alice') AS by_key_id,
	items = ARRAY[rec.key_id(iid(5)::text), rec.key_id(iid(6)::text)] AS items_by_key_id
FROM rec.impression WHERE campaign = 'ab';
SELECT variant, users, impressions, clicks FROM rec.campaign_report('ab') WHERE users > 0;
DELETE FROM rec.event_attribution WHERE campaign = 'ab';
DELETE FROM rec.impression WHERE campaign = 'ab';

-- wrong id types name the group and the type it expects
SELECT * FROM rec.recommend(42, 3, campaign => 'c');
SELECT * FROM rec.recommend(iid(1), 3, campaign => 'c');
SELECT * FROM rec.recommend('alice', 3, include_items => '{not-a-uuid}', campaign => 'c');
SELECT * FROM rec.recommend('x42', 3, campaign => 'cb');
SELECT * FROM rec.recommend(' 42', 3, campaign => 'cb');
-- any leading white space, not only a blank (strtoi64 would skip it)
SELECT * FROM rec.recommend(E'\t42', 3, campaign => 'cb');
SELECT * FROM rec.recommend(42, 3, campaign => 'mixed');
SELECT * FROM rec.similar_items(5, 3, campaign => 'c');
SELECT * FROM rec.similar_items('no uuid', 3, campaign => 'c');
SELECT * FROM rec.similar_items(md5('nope')::uuid, 3, campaign => 'c');
SELECT * FROM rec.similar_items('Tokyo', 3, campaign => 'exact');
SELECT * FROM rec.similar_items(iid(1), 3, campaign => 'cb');
SELECT * FROM rec.similar_items(7, 3, campaign => 'exact');
SELECT * FROM rec.rank(42, '{1}', campaign => 'c');
SELECT * FROM rec.explain('alice', 310, campaign => 'c');
SELECT * FROM rec.batch_recommend('c', 3);
SELECT * FROM rec.batch_recommend('mixed', 3);
SELECT user_id, rank FROM rec.batch_recommend_text('c', 1, users => '{1}');
SELECT * FROM rec.batch_recommend_text('cb', 3, users => '{alice}');
SELECT rec.log_event(42, iid(1), dataset_group => 'g');
SELECT rec.log_event('alice', 7, dataset_group => 'g');
SELECT rec.log_event(iid(1), iid(1), dataset_group => 'g');
SELECT rec.variant('ab', 42);
-- a damaged column mapping
UPDATE rec.dataset_group SET columns = columns || '{"user_type": "money"}' WHERE name = 'exact';
SELECT * FROM rec.recommend('Zoë', 1, campaign => 'exact');
UPDATE rec.dataset_group SET columns = columns || '{"user_type": "character varying"}' WHERE name = 'exact';
SELECT count(*) FROM rec.recommend('Zoë', 1, campaign => 'exact');
-- a group bound again to other id types: its old models must be trained again
-- (its filters are compiled again, and those on its items and event types would not fit)
SELECT rec.drop_filter(name) FROM rec.filter WHERE dataset_group = 'g' ORDER BY name;
CREATE TABLE ev_int (customer bigint, product bigint, kind text, at timestamptz);
SELECT rec.create_dataset_group('g', 'ev_int', columns => '{"user_id": "customer", "item_id": "product", "ts": "at"}', replace => true);
SELECT * FROM rec.recommend(1, 3, campaign => 'c');
SELECT rec.create_dataset_group('g', 'ev_text', items => 'it_uuid',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at", "items_item_id": "product"}', replace => true);
-- binding: id columns of other types, items ids of another kind
CREATE TABLE it_int (product bigint);
SELECT rec.create_dataset_group('bad', 'ev_text', items => 'it_int',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at", "items_item_id": "product"}');
SELECT rec.create_dataset_group('bad', 'ev_text', columns => '{"user_id": "at", "item_id": "product", "ts": "at"}');
SELECT rec.create_dataset_group('bad', 'ev_mixed', items => 'it_uuid', columns => '{"items_item_id": "product"}');
-- event collections (parallel reads, shards) hold integer ids; a parallel read of a text group reads in one pass
SELECT rec.dataset_events('g');
SELECT rec.train_from_events('g-shards', 'popularity-count', 'g', events => ARRAY[rec.dataset_events('default')]);
SET rec.parallel_read = on;
SELECT rec.train('g-parallel', 'popularity-count', 'g') > 0 AS trained;
RESET rec.parallel_read;
