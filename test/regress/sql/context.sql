-- Contextual recommendations (issue 19; Personalize's context in
-- GetRecommendations and GetPersonalizedRanking): a group maps context columns
-- of its interactions, and recommend/rank weigh the user's events recorded in
-- the asked context more
SET client_min_messages = warning;

-- 8 groups of 5 items; 0-3 are what users do on their phones (items 1-20),
-- 4-7 what they do on their desktops (items 21-40).  Each user has 3 events
-- in one phone group and 3 in one desktop group, alternating.
CREATE TABLE ctx_events (user_id bigint, item_id bigint, device text, ts timestamptz);
INSERT INTO ctx_events
SELECT u, g * 5 + 1 + (u + k) % 5, CASE WHEN g < 4 THEN 'mobile' ELSE 'desktop' END,
	'2026-01-01'::timestamptz + make_interval(hours => u) + make_interval(mins => 2 * k + (g / 4))
FROM generate_series(1, 200) u, generate_series(0, 2) k,
	LATERAL (VALUES (u % 4), (4 + (u / 4) % 4)) v(g);
CREATE INDEX ON ctx_events (user_id, ts);

-- the mapping: "context" names columns of the interactions
SELECT rec.create_dataset_group('ctx', 'ctx_events', columns => '{"context": ["device"]}');
SELECT columns -> 'context' AS context FROM rec.dataset_group WHERE name = 'ctx';
SELECT rec.create_dataset_group('bad', 'ctx_events', columns => '{"context": "device"}');
SELECT rec.create_dataset_group('bad', 'ctx_events', columns => '{"context": []}');
SELECT rec.create_dataset_group('bad', 'ctx_events', columns => '{"context": ["device", 1]}');
SELECT rec.create_dataset_group('bad', 'ctx_events', columns => '{"context": ["device", "daypart"]}');

-- default training, dense and sparse item models
SELECT rec.train('ctx', 'user-personalization', 'ctx') > 0 AS trained;
SELECT rec.train('ctx_sparse', 'ease', 'ctx', '{"neighbors": 10}') > 0 AS trained;
SELECT rec.deploy('ctx', 'ctx') > 0 AS deployed, rec.deploy('ctx_sparse', 'ctx_sparse') > 0 AS deployed;

-- a user with three phone events on items 1-3, then three desktop events on 21-23
INSERT INTO ctx_events VALUES
	(1000, 1, 'mobile', '2026-02-01 10:00'), (1000, 2, 'mobile', '2026-02-01 10:01'),
	(1000, 3, 'mobile', '2026-02-01 10:02'), (1000, 21, 'desktop', '2026-02-01 11:00'),
	(1000, 22, 'desktop', '2026-02-01 11:01'), (1000, 23, 'desktop', '2026-02-01 11:02');

-- no context (NULL, absent or {}): the list is the same, score for score
CREATE FUNCTION list(c text, ctx jsonb DEFAULT NULL, k int DEFAULT 3) RETURNS text LANGUAGE sql
	RETURN (SELECT string_agg(item_id::text, ' ' ORDER BY rank)
			FROM rec.recommend(1000, k, campaign => c, context => ctx));
SELECT c, (SELECT string_agg(item_id || ':' || score, ' ' ORDER BY rank) FROM rec.recommend(1000, 10, campaign => c))
	= (SELECT string_agg(item_id || ':' || score, ' ' ORDER BY rank) FROM rec.recommend(1000, 10, campaign => c, context => NULL))
	AND (SELECT string_agg(item_id || ':' || score, ' ' ORDER BY rank) FROM rec.recommend(1000, 10, campaign => c))
	= (SELECT string_agg(item_id || ':' || score, ' ' ORDER BY rank) FROM rec.recommend(1000, 10, campaign => c, context => '{}'))
	AS unchanged
FROM unnest('{ctx,ctx_sparse}'::text[]) c;

-- the context lifts what the user does there: on the phone, the rest of the
-- phone group (4, 5) leads; on the desktop, the rest of the desktop group (24, 25)
SELECT c, list(c) AS no_context, list(c, '{"device": "mobile"}') AS mobile,
	list(c, '{"device": "desktop"}') AS desktop
FROM unnest('{ctx,ctx_sparse}'::text[]) c;
SELECT c, (SELECT array_agg(item_id ORDER BY item_id) FROM rec.recommend(1000, 2, campaign => c, context => '{"device": "mobile"}'))
	AS mobile_top2,
	(SELECT array_agg(item_id ORDER BY item_id) FROM rec.recommend(1000, 2, campaign => c, context => '{"device": "desktop"}'))
	AS desktop_top2
FROM unnest('{ctx,ctx_sparse}'::text[]) c;
-- a context no event was recorded in weighs nothing more: the list without context
SELECT list('ctx', '{"device": "tv"}') = list('ctx') AS unchanged;

-- rank: the same lift over the caller's candidates
SELECT c, (SELECT array_agg(item_id ORDER BY rank) FROM rec.rank(1000, '{4,24}', c)) AS no_context,
	(SELECT array_agg(item_id ORDER BY rank) FROM rec.rank(1000, '{4,24}', c, context => '{"device": "mobile"}')) AS mobile,
	(SELECT array_agg(item_id ORDER BY rank) FROM rec.rank(1000, '{4,24}', c, context => '{"device": "desktop"}')) AS desktop
FROM unnest('{ctx,ctx_sparse}'::text[]) c;

-- an event recorded with its context counts at once, in the same transaction
BEGIN;
INSERT INTO ctx_events VALUES (1000, 11, 'tablet', '2026-02-01 09:00');
SELECT array_agg(item_id ORDER BY rank) AS tablet FROM rec.recommend(1000, 2, campaign => 'ctx', context => '{"device": "tablet"}');
ROLLBACK;
-- rec.log_event stores the context it is given (Personalize's PutEvents context)
BEGIN;
SELECT rec.log_event(1000, 11, ts => '2026-02-01 09:00', dataset_group => 'ctx', context => '{"device": "tablet"}');
SELECT item_id, device FROM ctx_events WHERE user_id = 1000 AND item_id = 11;
SELECT array_agg(item_id ORDER BY rank) AS tablet FROM rec.recommend(1000, 2, campaign => 'ctx', context => '{"device": "tablet"}');
SELECT array_agg(item_id ORDER BY rank) AS no_context FROM rec.recommend(1000, 2, campaign => 'ctx');
-- {} or NULL stores none
SELECT rec.log_event(1000, 12, ts => '2026-02-01 09:01', dataset_group => 'ctx', context => '{}');
SELECT rec.log_event(1000, 13, ts => '2026-02-01 09:02', dataset_group => 'ctx', context => NULL);
SELECT item_id, device FROM ctx_events WHERE user_id = 1000 AND item_id IN (12, 13) ORDER BY item_id;
ROLLBACK;
-- bad contexts lose nothing: the event is refused whole
SELECT rec.log_event(1000, 11, dataset_group => 'ctx', context => '{"daypart": "evening"}');
SELECT rec.log_event(1000, 11, dataset_group => 'ctx', context => '["tablet"]');
SELECT rec.log_event(1000, 11, dataset_group => 'ctx', context => '{"device": null}');
SELECT rec.log_event(1000, 11, context => '{"device": "tablet"}');
SELECT count(*) AS events FROM ctx_events WHERE user_id = 1000;

-- context values compare as text, whatever the column's type: numbers and booleans too
CREATE TABLE ctx_typed (user_id bigint, item_id bigint, ts timestamptz, screen int, app boolean);
INSERT INTO ctx_typed SELECT user_id, item_id, ts, CASE device WHEN 'mobile' THEN 6 ELSE 27 END, device = 'mobile'
FROM ctx_events;
SELECT rec.create_dataset_group('typed', 'ctx_typed', columns => '{"context": ["screen", "app"]}');
SELECT columns -> 'context' AS context FROM rec.dataset_group WHERE name = 'typed';
SELECT rec.train('typed', 'user-personalization', 'typed') > 0 AS trained;
SELECT rec.deploy('typed', 'typed') > 0 AS deployed;
BEGIN;
SELECT rec.log_event(1001, 1, dataset_group => 'typed', context => '{"screen": 6, "app": true}'),
	rec.log_event(1001, 2, dataset_group => 'typed', context => '{"screen": "27"}');
SELECT item_id, screen, app FROM ctx_typed WHERE user_id = 1001 ORDER BY item_id;
ROLLBACK;
SELECT rec.log_event(1001, 1, dataset_group => 'typed', context => '{"screen": "wide"}');
SELECT (SELECT array_agg(item_id ORDER BY item_id) FROM rec.recommend(1000, 2, campaign => 'typed', context => '{"screen": 6}')) AS screen_6,
	(SELECT array_agg(item_id ORDER BY item_id) FROM rec.recommend(1000, 2, campaign => 'typed', context => '{"app": false}')) AS not_app,
	(SELECT array_agg(item_id ORDER BY item_id) FROM rec.recommend(1000, 2, campaign => 'typed', context => '{"screen": 6, "app": false}')) AS neither;

-- bad contexts
SELECT * FROM rec.recommend(1000, 2, campaign => 'ctx', context => '{"daypart": "evening"}');
SELECT * FROM rec.recommend(1000, 2, campaign => 'ctx', context => '["mobile"]');
SELECT * FROM rec.recommend(1000, 2, campaign => 'ctx', context => '"mobile"');
SELECT * FROM rec.recommend(1000, 2, campaign => 'ctx', context => '{"device": null}');
SELECT * FROM rec.recommend(1000, 2, campaign => 'ctx', context => '{"device": ["mobile"]}');
SELECT * FROM rec.rank(1000, '{4,24}', 'ctx', context => '{"device": {"os": "ios"}}');
INSERT INTO rec.interactions (user_id, item_id, ts) SELECT user_id, item_id, ts FROM ctx_events;
SELECT rec.train('plain', 'popularity-count', 'default') > 0 AS trained;
SELECT rec.deploy('plain', 'plain') > 0 AS deployed;
SELECT * FROM rec.recommend(1000, 2, campaign => 'plain', context => '{"device": "mobile"}');
SELECT count(*) FROM rec.recommend(1000, 2, campaign => 'plain', context => '{}');
-- a context column renamed under the group is named as the mapping
ALTER TABLE ctx_events RENAME device TO platform;
SELECT * FROM rec.recommend(1000, 2, campaign => 'ctx', context => '{"device": "mobile"}');
ALTER TABLE ctx_events RENAME platform TO device;

-- text ids: the same lists (their leads: the models' tails differ in the last bits), key for key
CREATE TABLE ctx_text (customer text, product text, device text, at timestamptz);
INSERT INTO ctx_text SELECT 'u' || user_id, 'i' || item_id, device, ts FROM ctx_events;
CREATE INDEX ON ctx_text (customer, at);
SELECT rec.create_dataset_group('ctx_text', 'ctx_text',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at", "context": ["device"]}');
SELECT rec.train('ctx_text', 'user-personalization', 'ctx_text') > 0 AS trained;
SELECT rec.deploy('ctx_text', 'ctx_text') > 0 AS deployed;
SELECT d, (SELECT array_agg(item_id ORDER BY rank) FROM rec.recommend('u1000', 2, campaign => 'ctx_text', context => d))
	= (SELECT array_agg('i' || item_id ORDER BY rank) FROM rec.recommend(1000, 2, campaign => 'ctx', context => d)) AS same_as_bigint,
	(SELECT array_agg(item_id ORDER BY rank) FROM rec.rank('u1000', '{i4,i24}', 'ctx_text', context => d)) AS ranked
FROM unnest(ARRAY[NULL, '{"device": "mobile"}', '{"device": "desktop"}']::jsonb[]) d;
BEGIN;
SELECT rec.log_event('u1000', 'i11', ts => '2026-02-01 09:00', dataset_group => 'ctx_text', context => '{"device": "tablet"}');
SELECT array_agg(item_id ORDER BY rank) AS tablet FROM rec.recommend('u1000', 2, campaign => 'ctx_text', context => '{"device": "tablet"}');
ROLLBACK;

-- rec.explain takes the context as recommend does: the reasons of an item follow the
-- lift of the events recorded in that context (no context, or none recorded in it: as before)
SELECT coalesce(d->>'device', '-') AS context, e.history_item_id, round(e.share::numeric, 3) AS share
FROM unnest(ARRAY[NULL, '{"device": "mobile"}', '{"device": "desktop"}']::jsonb[]) d,
	rec.explain(1000, 24, 'ctx', context => d) e
ORDER BY 1, 3 DESC, 2;
SELECT (SELECT array_agg(history_item_id || ':' || round(share::numeric, 3) ORDER BY history_item_id) FROM rec.explain(1000, 24, 'ctx', context => '{}'))
     = (SELECT array_agg(history_item_id || ':' || round(share::numeric, 3) ORDER BY history_item_id) FROM rec.explain(1000, 24, 'ctx'))
	AS empty_is_none,
	(SELECT array_agg(history_item_id || ':' || round(share::numeric, 3) ORDER BY history_item_id) FROM rec.explain(1000, 24, 'ctx', context => '{"device": "tablet"}'))
     = (SELECT array_agg(history_item_id || ':' || round(share::numeric, 3) ORDER BY history_item_id) FROM rec.explain(1000, 24, 'ctx'))
	AS unrecorded_is_none;
-- text ids: the same reasons, key for key
SELECT coalesce(d->>'device', '-') AS context,
	(SELECT array_agg(history_item_id ORDER BY share DESC, history_item_id) FROM rec.explain('u1000', 'i24', 'ctx_text', context => d))
     = (SELECT array_agg('i' || history_item_id ORDER BY share DESC, 'i' || history_item_id) FROM rec.explain(1000, 24, 'ctx', context => d))
	AS same_as_bigint
FROM unnest(ARRAY[NULL, '{"device": "mobile"}', '{"device": "desktop"}']::jsonb[]) d ORDER BY 1;
-- bad contexts, as recommend's
SELECT * FROM rec.explain(1000, 24, 'ctx', context => '{"daypart": "evening"}');
SELECT * FROM rec.explain('u1000', 'i24', 'ctx_text', context => '["mobile"]');
SELECT * FROM rec.explain(1000, 24, 'ctx', context => '{"device": null}');

-- batch_recommend_jsonl takes the input lines of a batch job, each with its own context
-- ({"userId": "42", "context": {...}}): one output line per input line, the input echoed,
-- each list as rec.recommend(context => ...) gives it
-- (scores rounded: their last digits depend on the CPU)
SELECT l::jsonb -> 'input' AS input, l::jsonb #> '{output,recommendedItems}' AS items,
	(SELECT array_agg(round(x::numeric, 4) ORDER BY n) FROM jsonb_array_elements_text(l::jsonb #> '{output,scores}')
		WITH ORDINALITY AS e(x, n)) AS scores, l::jsonb -> 'error' AS error
FROM rec.batch_recommend_jsonl('ctx', 2, inputs => ARRAY['{"userId": "1000"}',
	'{"userId": 1000, "context": {"device": "mobile"}}', '{"userId": "1000", "context": {"device": "desktop"}}',
	'{"userId": "7", "context": {}}']::jsonb[]) l;
SELECT count(*) AS lines, bool_and(l::jsonb #> '{output,recommendedItems}' = (SELECT jsonb_agg(r.item_id::text ORDER BY r.rank)
		FROM rec.recommend((l::jsonb #>> '{input,userId}')::bigint, 5, campaign => c, context => l::jsonb #> '{input,context}') r))
	AS same_as_recommend
FROM unnest('{ctx,ctx_sparse}'::text[]) c, rec.batch_recommend_jsonl(c, 5, inputs => ARRAY(
	SELECT jsonb_build_object('userId', u, 'context', jsonb_build_object('device', d))
	FROM generate_series(1, 40) u, unnest('{mobile,desktop}'::text[]) d
	UNION ALL SELECT '{"userId": 1000}'::jsonb)) l;
-- rec.batch_recommend takes one context for every user
SELECT (SELECT array_agg(item_id ORDER BY rank) FROM rec.batch_recommend('ctx', 2, users => '{1000}', context => '{"device": "mobile"}'))
     = (SELECT array_agg(item_id ORDER BY rank) FROM rec.recommend(1000, 2, campaign => 'ctx', context => '{"device": "mobile"}'))
	AS same_as_recommend;
-- text ids
SELECT l::jsonb -> 'input' AS input, l::jsonb #> '{output,recommendedItems}' AS items,
	(SELECT array_agg(round(x::numeric, 4) ORDER BY n) FROM jsonb_array_elements_text(l::jsonb #> '{output,scores}')
		WITH ORDINALITY AS e(x, n)) AS scores, l::jsonb -> 'error' AS error
FROM rec.batch_recommend_jsonl_text('ctx_text', 2, inputs => ARRAY['{"userId": "u1000", "context": {"device": "mobile"}}',
	'{"userId": "u1000", "context": {"device": "desktop"}}', '{"userId": "nobody"}']::jsonb[]) l;
SELECT (SELECT array_agg(x ORDER BY n) FROM rec.batch_recommend_jsonl_text('ctx_text', 2, inputs => ARRAY['{"userId": "u1000", "context": {"device": "mobile"}}']::jsonb[]) l,
		jsonb_array_elements_text(l::jsonb #> '{output,recommendedItems}') WITH ORDINALITY AS e(x, n))
     = (SELECT array_agg(item_id ORDER BY rank) FROM rec.recommend('u1000', 2, campaign => 'ctx_text', context => '{"device": "mobile"}'))
	AS same_as_recommend;
SELECT count(*) AS lines FROM rec.batch_recommend_jsonl('ctx', 2, inputs => '{}');
-- bad input lines
SELECT * FROM rec.batch_recommend_jsonl('ctx', 2, '{1000}', inputs => ARRAY['{"userId": "1000"}']::jsonb[]);
SELECT * FROM rec.batch_recommend_jsonl('ctx', 2, inputs => ARRAY['{"userId": "1000"}', '["1000"]']::jsonb[]);
SELECT * FROM rec.batch_recommend_jsonl('ctx', 2, inputs => ARRAY[NULL]::jsonb[]);
SELECT * FROM rec.batch_recommend_jsonl('ctx', 2, inputs => ARRAY['{"user": "1000"}']::jsonb[]);
SELECT * FROM rec.batch_recommend_jsonl('ctx', 2, inputs => ARRAY['{"userId": null}']::jsonb[]);
SELECT * FROM rec.batch_recommend_jsonl('ctx', 2, inputs => ARRAY['{"userId": "1000", "filterValues": {}}']::jsonb[]);
SELECT * FROM rec.batch_recommend_jsonl('ctx', 2, inputs => ARRAY['{"userId": "1000", "context": {"daypart": "evening"}}']::jsonb[]);
SELECT * FROM rec.batch_recommend_jsonl_text('ctx_text', 2, inputs => ARRAY['{"userId": "u1000", "context": "mobile"}']::jsonb[]);
SELECT * FROM rec.batch_recommend('ctx', 2, users => '{1000}', context => '{"device": null}');
