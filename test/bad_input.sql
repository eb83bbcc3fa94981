-- Bad input at the SQL surface: every public function with NULLs, empty and
-- huge arrays, negative and enormous k, NaN/Infinity, duplicate ids, ids the
-- model does not know, and times far in the past or future.  Each gives its
-- documented result or a clear error with a real SQLSTATE, never a crash or
-- a silent wrong answer.  Everything happens in one transaction, rolled back.
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
SET client_min_messages = warning;
DELETE FROM rec.solution;
DELETE FROM rec.dataset_group WHERE name <> 'default';
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
-- a cold item: in the catalogue, never in an event
INSERT INTO rec.items (item_id, title, categories) VALUES (5000001, 'Cold movie', '{drama}');
SET rec.threads = 1;
-- no self-tuning here: these tests are about input, and tuning takes seconds
SELECT rec.train('up', 'user-personalization', params => '{"tune": false}') AS v_up \gset
SELECT rec.train('sims', 'sims') AS v_sims \gset
SELECT rec.train('pop', 'popularity-count') AS v_pop \gset
SELECT rec.deploy('main', 'up') IS NOT NULL AS deployed \gset
SELECT rec.deploy('sims', 'sims') IS NOT NULL AS deployed \gset
SET rec.campaign = 'main';
CREATE TEMP TABLE holdout (user_id bigint, item_id bigint);
INSERT INTO holdout VALUES (1, 5), (2, 6), (2, 6), (-7, 9), (3, NULL);

-- the SQLSTATE a statement raises, or 'none'
CREATE FUNCTION pg_temp.sqlstate_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE sql;
	RETURN 'none';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END
$$;

SELECT plan(150);

-- NULLs ---------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM rec.recommend(NULL)$$, '22004', 'user_id must not be null', 'recommend: NULL user_id');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, NULL)$$, '22004', 'k must not be null', 'recommend: NULL k');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, 10, NULL)$$, '22004', 'exclude_seen must not be null', 'recommend: NULL exclude_seen');
SELECT is((SELECT count(*) FROM rec.recommend(1, 10, true, NULL, NULL, NULL)), 10::bigint,
          'recommend: NULL include_items, exclude_items and campaign mean none and rec.campaign');
SET rec.campaign = '';
SELECT throws_ok($$SELECT * FROM rec.recommend(1, campaign => NULL)$$, '22023', 'no campaign given',
                 'recommend: no campaign and rec.campaign empty');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, campaign => '')$$, '22023', 'no campaign given',
                 'recommend: an empty campaign name and rec.campaign empty');
SET rec.campaign = 'main';
SELECT throws_ok($$SELECT * FROM rec.similar_items(NULL)$$, '22004', 'item_id must not be null', 'similar_items: NULL item_id');
SELECT throws_ok($$SELECT * FROM rec.similar_items(1, NULL)$$, '22004', 'k must not be null', 'similar_items: NULL k');
SELECT is((SELECT count(*) FROM rec.similar_items(1, 10, NULL, NULL)), 10::bigint,
          'similar_items: NULL exclude_items and campaign mean none and rec.campaign');
SELECT throws_ok($$SELECT * FROM rec.explain(NULL, 1)$$, '22004', 'user_id must not be null', 'explain: NULL user_id');
SELECT throws_ok($$SELECT * FROM rec.explain(1, NULL)$$, '22004', 'item_id must not be null', 'explain: NULL item_id');
SELECT is((SELECT count(*) FROM rec.explain(1, 310, NULL)), (SELECT count(*) FROM rec.explain(1, 310, 'main')),
          'explain: NULL campaign is rec.campaign');
SELECT throws_ok($$SELECT * FROM rec.rank(NULL, '{1}')$$, '22004', 'user_id must not be null', 'rank: NULL user_id');
SELECT throws_ok($$SELECT * FROM rec.rank(1, NULL)$$, '22004', 'items must not be null', 'rank: NULL items');
SELECT throws_ok($$SELECT * FROM rec.batch_recommend('main', NULL)$$, '22004', 'k must not be null', 'batch_recommend: NULL k');
SELECT throws_ok($$SELECT * FROM rec.batch_recommend('main', 5, NULL, NULL)$$, '22004', 'exclude_seen must not be null',
                 'batch_recommend: NULL exclude_seen');
SELECT is((SELECT count(DISTINCT user_id) FROM rec.batch_recommend(NULL, 2, NULL)), 600::bigint,
          'batch_recommend: NULL campaign is rec.campaign, NULL users is every user with events');
SELECT throws_ok($$SELECT * FROM rec.batch_recommend_jsonl('main', NULL)$$, '22004', 'k must not be null',
                 'batch_recommend_jsonl: NULL k');
SELECT throws_ok($$SELECT rec.log_event(NULL, 1)$$, '22004', 'user_id must not be null', 'log_event: NULL user_id');
SELECT throws_ok($$SELECT rec.log_event(1, NULL)$$, '22004', 'item_id must not be null', 'log_event: NULL item_id');
SELECT lives_ok($$SELECT rec.log_event(900007, 1, NULL)$$, 'log_event: NULL event_type is allowed');
SELECT is((SELECT event_type FROM rec.interactions WHERE user_id = 900007), 'click',
          'log_event: and takes the column default');
SELECT throws_ok($$SELECT rec.log_event(1, 1, ts => NULL)$$, '22004', 'ts must not be null', 'log_event: NULL ts');
SELECT lives_ok($$SELECT rec.log_event(1, 1, dataset_group => NULL)$$,
                'log_event: NULL dataset_group is the group of rec.campaign (here: default)');
SELECT lives_ok($$SELECT rec.log_event(1, 1, event_value => NULL)$$, 'log_event: NULL event_value is stored as NULL');
SELECT throws_ok($$SELECT rec.train(NULL)$$, '22004', 'solution must not be null', 'train: NULL solution');
SELECT throws_ok($$SELECT rec.train('up', params => NULL)$$, '22004', 'params must not be null', 'train: NULL params');
SELECT throws_ok($$SELECT rec.train('new-solution', NULL)$$, '42704', 'solution "new-solution" does not exist',
                 'train: NULL recipe for a new solution');
SELECT cmp_ok(rec.train('up', NULL, NULL), '>', :v_pop::bigint, 'train: NULL recipe and group reuse the solution''s');
SELECT throws_ok($$SELECT rec.deploy(NULL, 'up')$$, '22004', 'campaign and one of solution or version must be given',
                 'deploy: NULL campaign');
SELECT throws_ok($$SELECT rec.deploy('x', NULL, NULL)$$, '22004', 'campaign and one of solution or version must be given',
                 'deploy: neither solution nor version');
-- today: 'campaign "<NULL>" does not exist' (42704); null_value_not_allowed would be as good
SELECT ok(pg_temp.sqlstate_of($$SELECT rec.drop_campaign(NULL)$$) IN ('22004', '42704'), 'drop_campaign: NULL is an error');
SELECT ok(pg_temp.sqlstate_of($$SELECT rec.drop_solution(NULL)$$) IN ('22004', '42704'), 'drop_solution: NULL is an error');
SELECT ok(pg_temp.sqlstate_of($$SELECT rec.drop_dataset_group(NULL)$$) IN ('22004', '42704'), 'drop_dataset_group: NULL is an error');
SELECT ok(pg_temp.sqlstate_of($$SELECT * FROM rec.solution_metrics(NULL)$$) IN ('22004', '42704'),
          'solution_metrics: NULL solution is an error');
SELECT is((SELECT count(*) FROM rec.solution_metrics('up', NULL)), (SELECT count(*) FROM rec.solution_metrics('up')),
          'solution_metrics: NULL version is the newest');
SELECT throws_ok($$SELECT rec.create_dataset_group(NULL, 'rec.interactions')$$, '22004',
                 'name, interactions, columns and replace must not be null', 'create_dataset_group: NULL name');
SELECT throws_ok($$SELECT rec.create_dataset_group('g', NULL)$$, '22004',
                 'name, interactions, columns and replace must not be null', 'create_dataset_group: NULL relation');
SELECT throws_ok($$SELECT rec.create_dataset_group('g', 'holdout', columns => NULL)$$, '22004',
                 'name, interactions, columns and replace must not be null', 'create_dataset_group: NULL columns');
SELECT throws_ok($$SELECT * FROM rec.evaluate(NULL, 'holdout')$$, '22004',
                 'campaign, holdout, user_column and item_column must not be null', 'evaluate: NULL campaign');
SELECT throws_ok($$SELECT * FROM rec.evaluate('main', 'holdout', NULL)$$, '22004',
                 'campaign, holdout, user_column and item_column must not be null', 'evaluate: NULL column');
SELECT ok(rec.precision_at_k(NULL, '{1}', 5) IS NULL AND rec.recall_at_k('{1}', NULL, 5) IS NULL
          AND rec.ndcg_at_k('{1}', '{1}', NULL) IS NULL AND rec.mrr(NULL, NULL) IS NULL AND rec.hit_at_k(NULL, '{}', 1) IS NULL,
          'metrics: a NULL argument gives NULL (STRICT)');
SELECT throws_ok($$SELECT rec.ndcg_at_k('{1,NULL}', '{1}', 5)$$, '22004', 'recommended must not contain nulls',
                 'metrics: a NULL element is an error');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, include_items => '{1,NULL}')$$, '22004', 'include_items must not contain nulls',
                 'recommend: a NULL id in include_items');
SELECT throws_ok($$SELECT * FROM rec.batch_recommend('main', 5, '{1,NULL}')$$, '22004', 'users must not contain nulls',
                 'batch_recommend: a NULL user id');
SELECT throws_ok($$SELECT * FROM rec.rank(1, '{NULL}')$$, '22004', 'items must not contain nulls', 'rank: a NULL candidate');

-- empty arrays ----------------------------------------------------------------
SELECT is((SELECT count(*) FROM rec.recommend(1, 10, include_items => '{}')), 0::bigint,
          'recommend: an empty include_items allows nothing');
SELECT results_eq($$SELECT item_id FROM rec.recommend(1, 10, exclude_items => '{}')$$,
                  $$SELECT item_id FROM rec.recommend(1, 10)$$, 'recommend: an empty exclude_items excludes nothing');
SELECT results_eq($$SELECT item_id FROM rec.similar_items(1, 10, exclude_items => '{}')$$,
                  $$SELECT item_id FROM rec.similar_items(1, 10)$$, 'similar_items: an empty exclude_items excludes nothing');
SELECT is((SELECT count(*) FROM rec.rank(1, '{}')), 0::bigint, 'rank: no candidates, no rows');
SELECT is((SELECT count(*) FROM rec.batch_recommend('main', 5, '{}')), 0::bigint, 'batch_recommend: no users, no rows');
SELECT is((SELECT count(*) FROM rec.batch_recommend_jsonl('main', 5, '{}')), 0::bigint, 'batch_recommend_jsonl: no users, no lines');
SELECT is(ARRAY[rec.precision_at_k('{}', '{1}', 5), rec.recall_at_k('{}', '{1}', 5), rec.ndcg_at_k('{}', '{1}', 5),
                rec.mrr('{}', '{1}', 5), rec.hit_at_k('{}', '{1}', 5)],
          ARRAY[0, 0, 0, 0, 0]::float8[], 'metrics: an empty recommended list scores 0');
SELECT is(ARRAY[rec.precision_at_k('{1}', '{}', 5), rec.recall_at_k('{1}', '{}', 5), rec.ndcg_at_k('{1}', '{}', 5),
                rec.mrr('{1}', '{}', 5), rec.hit_at_k('{1}', '{}', 5)],
          ARRAY[0, NULL, NULL, 0, 0]::float8[], 'metrics: an empty relevant set gives 0, and NULL for recall and NDCG');
SELECT throws_ok($$SELECT rec.hit_at_k('{{1,2},{3,4}}', '{1}', 5)$$, '2202E', 'recommended must be a one-dimensional array',
                 'metrics: a two-dimensional array is an error');
SELECT is(rec.hit_at_k('[0:1]={7,8}', '[5:5]={8}', 2), 1::float8, 'metrics: arrays with other lower bounds are plain lists');

-- huge arrays -------------------------------------------------------------------
SELECT is((SELECT count(*) FROM rec.recommend(1, 10, exclude_items => (SELECT array_agg(g::bigint) FROM generate_series(1, 1000000) g))),
          1::bigint, 'recommend: a million excluded ids leave only the cold item');
SELECT is((SELECT count(*) FROM rec.recommend(1, 10, include_items => (SELECT array_agg(g::bigint) FROM generate_series(-500000, 500000) g))),
          10::bigint, 'recommend: a million allowed ids, most unknown, still give k items');
SELECT is((SELECT count(*) FROM rec.rank(1, (SELECT array_agg(g::bigint) FROM generate_series(1, 10000) g))), 10000::bigint,
          'rank: 10000 candidates (the limit) are all ranked');
SELECT throws_ok($$SELECT * FROM rec.rank(1, (SELECT array_agg(g::bigint) FROM generate_series(1, 10001) g))$$, '54000',
                 'items must hold at most 10000 ids', 'rank: 10001 candidates is an error');
SELECT is((SELECT count(*) FROM rec.batch_recommend('main', 1, (SELECT array_agg(g::bigint) FROM generate_series(1, 20000) g))),
          20000::bigint, 'batch_recommend: 20000 users, most unknown, one row each');
SELECT is(rec.precision_at_k((SELECT array_agg(g::bigint) FROM generate_series(1, 100000) g),
                             (SELECT array_agg(g::bigint) FROM generate_series(1, 100000, 2) g), 10000),
          0.5::float8, 'metrics: 100000-id lists, only the first k count');
SELECT is(rec.ndcg_at_k((SELECT array_agg(g::bigint % 3) FROM generate_series(1, 100000) g), '{0}', 10000),
          (1 / log(2, 4))::float8, 'metrics: a 100000-id list of repeats counts each id once');

-- negative and enormous k ------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM rec.recommend(1, 0)$$, '22023', 'k must be between 1 and 10000', 'recommend: k = 0');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, -1)$$, '22023', 'k must be between 1 and 10000', 'recommend: k = -1');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, -2147483648)$$, '22023', 'k must be between 1 and 10000', 'recommend: k = -2^31');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, 10001)$$, '22023', 'k must be between 1 and 10000', 'recommend: k = 10001');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, 2147483647)$$, '22023', 'k must be between 1 and 10000', 'recommend: k = 2^31-1');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, 4294967296)$$, '42883', NULL, 'recommend: a k beyond integer does not resolve');
SELECT is((SELECT count(*) FROM rec.recommend(1, 10000)),
          (SELECT count(DISTINCT item_id) FROM rec.items) - (SELECT count(DISTINCT item_id) FROM rec.interactions WHERE user_id = 1),
          'recommend: k = 10000 gives every unseen catalogue item');
SELECT is((SELECT format('%s, score %s', r.reason, CASE WHEN r.score > 0 THEN 'positive' ELSE coalesce(r.score::text, 'NULL') END)
           FROM rec.recommend(1, 10000) r WHERE r.item_id = 5000001),
          'exploration, score positive', 'recommend: k = 10000 reaches the cold item, recommended as exploration');
SELECT throws_ok($$SELECT * FROM rec.similar_items(1, 0)$$, '22023', 'k must be between 1 and 10000', 'similar_items: k = 0');
SELECT throws_ok($$SELECT * FROM rec.similar_items(1, 10001)$$, '22023', 'k must be between 1 and 10000', 'similar_items: k = 10001');
SELECT throws_ok($$SELECT * FROM rec.batch_recommend('main', -5)$$, '22023', 'k must be between 1 and 10000', 'batch_recommend: k = -5');
SELECT throws_ok($$SELECT * FROM rec.batch_recommend_jsonl('main', 100000)$$, '22023', 'k must be between 1 and 10000',
                 'batch_recommend_jsonl: k = 100000');
SELECT throws_ok($$SELECT rec.mrr('{1}', '{1}', 0)$$, '22023', 'k must be between 1 and 10000', 'metrics: k = 0');
SELECT throws_ok($$SELECT rec.precision_at_k('{1}', '{1}', 2147483647)$$, '22023', 'k must be between 1 and 10000',
                 'metrics: k = 2^31-1');
SELECT is(rec.precision_at_k('{1,2}', '{1,2}', 10000), 0.0002::float8, 'metrics: k beyond the list divides by k');

-- NaN and Infinity -----------------------------------------------------------------------
SELECT throws_ok($$SELECT rec.log_event(1, 1, event_value => 'NaN')$$, '22023', 'event_value must be a number, not NaN',
                 'log_event: NaN event_value');
SELECT lives_ok($$SELECT rec.log_event(900001, 1, event_value => 'Infinity'), rec.log_event(900001, 2, event_value => '-Infinity')$$,
                'log_event: infinite event values are accepted');
SELECT is((SELECT array_agg(event_value ORDER BY item_id) FROM rec.interactions WHERE user_id = 900001),
          ARRAY['Infinity', '-Infinity']::real[], 'log_event: and stored as given');
SELECT throws_ok($$SELECT rec.log_event(1, 1, ts => 'infinity')$$, '22023', 'ts must be a finite time', 'log_event: ts infinity');
SELECT throws_ok($$SELECT rec.log_event(1, 1, ts => '-infinity')$$, '22023', 'ts must be a finite time', 'log_event: ts -infinity');
SELECT throws_ok($$SELECT rec.train('x', 'ease', params => '{"lambda": "NaN"}')$$, '22023', 'parameter "lambda" must be a number',
                 'train: a NaN parameter (JSON has no NaN) is not a number');
SELECT throws_ok($$SELECT rec.train('x', 'ease', params => '{"lambda": 1e400}')$$, '22003', NULL,
                 'train: a parameter beyond double precision is out of range');
SELECT throws_ok($$SELECT rec.train('x', 'sims', params => '{"neighbors": 1e10}')$$, '22023',
                 'parameter "neighbors" must be an integer between 0 and 10000', 'train: an enormous integer parameter');
SELECT throws_ok($$SELECT rec.train('x', 'sims', params => '{"neighbors": -1}')$$, '22023',
                 'parameter "neighbors" must be an integer between 0 and 10000', 'train: a negative integer parameter');
SELECT throws_ok($$SELECT rec.train('x', 'sims', params => '{"neighbors": 2.5}')$$, '22023',
                 'parameter "neighbors" must be an integer between 0 and 10000', 'train: a fractional integer parameter');
SELECT throws_ok($$SELECT rec.train('x', 'sims', params => '{"neighbors": null}')$$, '22023', 'parameter "neighbors" must be a number',
                 'train: a JSON null parameter');
SELECT throws_ok($$SELECT rec.train('x', 'user-personalization', params => '{"exploration_weight": "Infinity"}')$$, '22023', NULL,
                 'train: "Infinity" as a parameter is a string, not a number');
SELECT throws_ok($$SELECT rec.train('x', 'user-personalization', params => '{"tune": 1}')$$, '22023', NULL,
                 'train: a boolean parameter given a number');
-- an infinite event value is stored but not used: training and serving still work
SELECT lives_ok($$SELECT rec.train('pop')$$, 'train: data holding infinite event values trains');

-- duplicate ids --------------------------------------------------------------------------------
SELECT results_eq($$SELECT item_id FROM rec.rank(1, '{310,310,112,999999,999999,112}') ORDER BY rank$$,
                  $$SELECT item_id FROM rec.rank(1, '{310,112,999999}') ORDER BY rank$$, 'rank: a repeated candidate appears once');
SELECT is((SELECT count(*) FROM rec.recommend(424242, 10, include_items => '{5,5,5,6}')), 2::bigint,
          'recommend: a repeated id in include_items is one item');
SELECT is((SELECT count(*) FROM rec.batch_recommend('main', 3, '{1,1,1,2}')), 6::bigint, 'batch_recommend: a user given twice is served once');
SELECT is((SELECT count(*) FROM rec.batch_recommend_jsonl('main', 3, '{1,1,2}')), 2::bigint,
          'batch_recommend_jsonl: one line per distinct user');
SELECT is(rec.precision_at_k('{4,4,4,4}', '{4,4}', 4), 0.25::float8, 'metrics: a repeated id counts once, in both lists');
SELECT is(rec.recall_at_k('{4,5}', '{4,4,6,6}', 2), 0.5::float8, 'metrics: recall divides by distinct relevant ids');
SELECT lives_ok($$SELECT rec.log_event(900002, 3), rec.log_event(900002, 3)$$, 'log_event: the same event twice is accepted');
SELECT is((SELECT count(*) FROM rec.interactions WHERE user_id = 900002), 2::bigint, 'log_event: and stored twice (events are not deduplicated)');
SELECT is((SELECT count(*) FROM rec.recommend(900002, 10) WHERE item_id = 3), 0::bigint, 'recommend: an item seen twice is still excluded once');
SELECT throws_ok($$SELECT rec.create_dataset_group('default', 'holdout')$$, '22023', NULL,
                 'create_dataset_group: the name default is taken by rec');
SELECT lives_ok($$SELECT rec.deploy('main', 'up'), rec.deploy('main', 'up')$$, 'deploy: the same deployment twice is idempotent');

-- ids absent from the model -------------------------------------------------------------------
SELECT is((SELECT array_agg(DISTINCT reason) FROM rec.recommend(-9223372036854775808, 5)), '{popular}'::text[],
          'recommend: an unknown (minimum bigint) user gets the popularity fallback');
SELECT results_eq($$SELECT item_id FROM rec.recommend(9223372036854775807, 5)$$,
                  $$SELECT item_id FROM rec.recommend(424242, 5)$$, 'recommend: every unknown user gets the same list');
SELECT lives_ok($$SELECT rec.log_event(900003, 999999999)$$, 'log_event: an item unknown to every model is accepted');
SELECT is((SELECT array_agg(DISTINCT reason) FROM rec.recommend(900003, 5)), '{popular}'::text[],
          'recommend: a history of unknown items only gets the popularity fallback');
SELECT throws_ok($$SELECT * FROM rec.explain(1, 999999999)$$, '42704', 'item 999999999 is unknown to campaign "main"',
                 'explain: an item unknown to the model is an error');
SELECT is((SELECT count(*) FROM rec.explain(-9223372036854775808, 310)), 0::bigint, 'explain: an unknown user has nothing to explain');
SELECT is((SELECT count(*) FROM rec.explain(1, 5000001)), 0::bigint, 'explain: a cold item owes nothing to the history');
SELECT throws_ok($$SELECT * FROM rec.similar_items(999999999, 5)$$, '42704', 'item 999999999 is unknown to campaign "main"',
                 'similar_items: an unknown item is an error (documented)');
SELECT is((SELECT count(*) FROM rec.similar_items(5000001, 5) s JOIN rec.items i USING (item_id)
           WHERE s.score IS NOT NULL AND i.categories && '{drama}'), 5::bigint,
          'similar_items: a cold item (metadata only) gets items sharing its categories');
SELECT ok((SELECT bool_and(score IS NULL) FROM rec.rank(1, '{999999991,999999992}'))
          AND (SELECT array_agg(item_id ORDER BY rank) FROM rec.rank(1, '{999999992,310,999999991}')) = '{310,999999992,999999991}',
          'rank: unknown candidates come last, in the order given, with NULL scores');
SELECT is((SELECT count(DISTINCT user_id) FROM rec.batch_recommend('main', 2, '{-1,-2}')), 2::bigint,
          'batch_recommend: unknown users get the fallback');
SELECT throws_ok($$SELECT rec.deploy('x', version => 9223372036854775807)$$, '42704', 'solution version 9223372036854775807 does not exist',
                 'deploy: an unknown version');
SELECT throws_ok($$SELECT * FROM rec.solution_metrics('up', -1)$$, '42704', 'solution "up" has no version -1',
                 'solution_metrics: an unknown version');
SELECT throws_ok($$SELECT * FROM rec.recommend(1, campaign => 'no such campaign')$$, '42704', 'campaign "no such campaign" does not exist',
                 'recommend: an unknown campaign');
SELECT throws_ok($$SELECT rec.log_event(1, 1, dataset_group => '')$$, '42704', 'dataset group "" does not exist',
                 'log_event: an empty dataset group name');
-- today: the tables' CHECK (name <> '') speaks (23514)
SELECT ok(pg_temp.sqlstate_of($$SELECT rec.train('', 'sims')$$) IN ('22023', '23514'), 'train: an empty solution name is rejected');
SELECT ok(pg_temp.sqlstate_of($$SELECT rec.deploy('', 'up')$$) IN ('22023', '23514'), 'deploy: an empty campaign name is rejected');
SELECT is((SELECT users FROM rec.evaluate('main', 'holdout')), 3::bigint,
          'evaluate: users absent from the data are scored, rows with a NULL id skipped');
SELECT throws_ok($$SELECT rec.train('x', 'no-such-recipe')$$, '42704', 'recipe "no-such-recipe" does not exist', 'train: an unknown recipe');
SELECT throws_ok($$SELECT rec.train('x', 'sims', 'no-such-group')$$, '42704', 'dataset group "no-such-group" does not exist',
                 'train: an unknown dataset group');
SELECT throws_ok($$SELECT rec.train('x', 'sims', params => '{"no_such_param": 1}')$$, '22023', 'recipe "sims" has no parameter "no_such_param"',
                 'train: an unknown parameter');

-- timestamps far in the past and future --------------------------------------------------------
SELECT lives_ok($$SELECT rec.log_event(900004, 1, ts => '4713-01-01 00:00:00+00 BC')$$, 'log_event: the earliest timestamptz');
SELECT throws_ok($$SELECT rec.log_event(900004, 2, ts => '294276-12-31 23:59:59+00')$$, '22023',
                 'event time 294276-12-31 23:59:59+00 is more than a day after now()', 'log_event: the latest timestamptz is refused');
-- (loaded by hand instead: training takes it as happening now)
INSERT INTO rec.interactions (user_id, item_id, ts) VALUES (900004, 2, '294276-12-31 23:59:59+00');
SELECT lives_ok($$SELECT rec.log_event(900004, 3, ts => '1970-01-01 00:00:00+00')$$, 'log_event: the Unix epoch');
SELECT is((SELECT array_agg(item_id ORDER BY ts) FROM rec.interactions WHERE user_id = 900004), '{1,3,2}'::bigint[],
          'log_event: stored with their times');
SELECT is((SELECT count(*) FROM rec.recommend(900004, 10) WHERE item_id IN (1, 2, 3)), 0::bigint,
          'recommend: far past and future events are in the history (seen items excluded)');
SELECT is((SELECT count(*) FROM rec.recommend(900004, 10) WHERE reason = 'popular'), 0::bigint,
          'recommend: and personalize the list');
SELECT is((SELECT count(*) FROM rec.explain(900004, (SELECT item_id FROM rec.recommend(900004, 1)))
           WHERE history_item_id NOT IN (1, 2, 3)), 0::bigint, 'explain: names only those events');
SELECT lives_ok($$SELECT rec.train('up')$$, 'train: data with times from 4713 BC to 294276 AD trains');
SELECT lives_ok($$SELECT rec.train('sims')$$, 'train: sims too');
SELECT is((SELECT count(*) FROM rec.recommend(900004, 10, campaign => 'sims')), 10::bigint, 'recommend: serving the retrained model');
CREATE TEMP TABLE epoch_events (uid int, sku bigint, t double precision);
INSERT INTO epoch_events SELECT user_id, item_id, extract(epoch FROM ts) FROM rec.interactions WHERE user_id <= 100 AND user_id > 0;
SELECT lives_ok($$SELECT rec.create_dataset_group('epoch', 'epoch_events', columns => '{"user_id": "uid", "item_id": "sku", "ts": "t"}')$$,
                'create_dataset_group: epoch seconds in a float column');
SELECT throws_ok($$SELECT rec.log_event(5, 7, ts => '294276-12-31 23:59:59+00', dataset_group => 'epoch')$$, '22023',
                 'event time 294276-12-31 23:59:59+00 is more than a day after now()', 'log_event: the latest timestamptz is refused into epoch seconds too');
INSERT INTO epoch_events VALUES (5, 7, 9224318015999);
SELECT lives_ok($$SELECT rec.log_event(5, 8, ts => '4713-01-01 00:00:00+00 BC', dataset_group => 'epoch')$$,
                'log_event: the earliest timestamptz into epoch seconds');
SELECT is((SELECT array_agg(t ORDER BY t) FROM epoch_events WHERE uid = 5 AND sku IN (7, 8) AND (t < 0 OR t > 1e10)),
          ARRAY[-210863520000, 9224318015999]::float8[], 'log_event: stored as epoch seconds');
SELECT throws_ok($$SELECT rec.log_event(3000000000, 7, dataset_group => 'epoch')$$, '22003', 'integer out of range',
                 'log_event: a user id too large for the group''s integer column');
INSERT INTO epoch_events VALUES (6, 9, 'NaN'), (6, 10, 'Infinity'), (6, 11, '-Infinity');
SELECT lives_ok($$SELECT rec.train('epoch-up', 'user-personalization', 'epoch', '{"tune": false}')$$,
                'train: epoch times with NaN and infinities in the data');
SELECT lives_ok($$SELECT rec.deploy('epoch', 'epoch-up')$$, 'deploy: that model');
SELECT is((SELECT count(*) FROM rec.recommend(6, 5, campaign => 'epoch')), 5::bigint, 'recommend: a user with NaN and infinite times');

-- a bound relation's time column changes type, and the group is bound again ----------------------
CREATE TABLE rebound_events (user_id bigint, item_id bigint, ts timestamptz);
SELECT rec.create_dataset_group('rebound', 'rebound_events') AS bound \gset
SELECT lives_ok($$SELECT rec.log_event(1, 2, dataset_group => 'rebound')$$, 'rebind: log_event into a timestamptz time column');
ALTER TABLE rebound_events ALTER COLUMN ts TYPE double precision USING extract(epoch FROM ts);
SELECT lives_ok($$SELECT rec.create_dataset_group('rebound', 'rebound_events', replace => true)$$,
                'rebind: the time column is now epoch seconds; bind the group again, as the hint says');
SELECT lives_ok($$SELECT rec.log_event(1, 3, ts => '2026-03-03 00:00:00+00', dataset_group => 'rebound')$$,
                'rebind: log_event in the same session writes epoch seconds');
SELECT is((SELECT ts FROM rebound_events WHERE item_id = 3), 1772496000::float8, 'rebind: as epoch seconds');

-- bad names and settings --------------------------------------------------------------------------
SELECT throws_ok($$SET rec.max_history = 0$$, '22023', NULL, 'rec.max_history below 1 is rejected');
SELECT throws_ok($$SET rec.threads = -1$$, '22023', NULL, 'rec.threads below 0 is rejected');
SELECT throws_ok($$SET rec.train_memory_limit = '1kB'$$, '22023', NULL, 'rec.train_memory_limit below its minimum is rejected');
SELECT throws_ok($$SELECT rec.train('x', 'sims', params => '[1]')$$, '22023', 'params must be a JSON object', 'train: params not an object');

SELECT * FROM finish();
ROLLBACK;
