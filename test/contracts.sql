-- Contracts of rec's SQL surface: functions, labels, comments, privileges.
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
LOAD 'rec';
SELECT plan(44);

SELECT has_function('rec', 'train', ARRAY['text', 'text', 'text', 'jsonb']);
SELECT has_function('rec', 'recipes', ARRAY[]::text[]);
SELECT has_function('rec', 'solution_metrics', ARRAY['text', 'bigint']);
SELECT has_function('rec', 'create_dataset_group', ARRAY['text', 'regclass', 'regclass', 'regclass', 'jsonb', 'boolean']);
SELECT has_function('rec', 'drop_dataset_group', ARRAY['text']);
SELECT has_function('rec', 'drop_solution', ARRAY['text']);
SELECT has_function('rec', 'deploy', ARRAY['text', 'text', 'bigint', 'jsonb', 'boolean']);
SELECT has_function('rec', 'drop_campaign', ARRAY['text']);
SELECT has_function('rec', 'refresh', ARRAY['text']);
SELECT has_function('rec', 'variant', ARRAY['text', 'bigint']);
SELECT has_function('rec', 'log_impression', ARRAY['bigint', 'bigint[]', 'text', 'text', 'timestamp with time zone']);
SELECT has_function('rec', 'campaign_report', ARRAY['text', 'timestamp with time zone', 'text', 'text']);
SELECT has_function('rec', 'user_history', ARRAY['bigint', 'integer', 'text']);
SELECT has_function('rec', 'recommend', ARRAY['bigint', 'integer', 'boolean', 'bigint[]', 'bigint[]', 'text', 'text', 'jsonb', 'text', 'double precision', 'jsonb', 'jsonb']);
SELECT has_function('rec', 'similar_items', ARRAY['bigint', 'integer', 'bigint[]', 'text', 'text', 'jsonb']);
SELECT has_function('rec', 'rank', ARRAY['bigint', 'bigint[]', 'text', 'text', 'jsonb', 'jsonb']);
SELECT has_function('rec', 'batch_recommend', ARRAY['text', 'integer', 'bigint[]', 'boolean', 'text', 'jsonb', 'text', 'double precision', 'jsonb', 'jsonb']);
SELECT has_function('rec', 'create_filter', ARRAY['text', 'text', 'text', 'boolean']);
SELECT has_function('rec', 'drop_filter', ARRAY['text']);
SELECT has_function('rec', 'batch_recommend_jsonl', ARRAY['text', 'integer', 'bigint[]', 'text', 'jsonb', 'text', 'double precision', 'jsonb', 'jsonb[]']);
SELECT has_function('rec', 'log_event', ARRAY['bigint', 'bigint', 'text', 'double precision', 'timestamp with time zone', 'text', 'text', 'text', 'integer', 'bigint[]', 'jsonb']);
SELECT has_function('rec', 'explain', ARRAY['bigint', 'bigint', 'text', 'jsonb']);
SELECT has_function('rec', 'evaluate', ARRAY['text', 'regclass', 'text', 'text', 'text', 'boolean']);
SELECT has_function('rec', 'ndcg_at_k', ARRAY['anycompatiblearray', 'anycompatiblearray', 'integer']);
SELECT has_function('rec', 'precision_at_k', ARRAY['anycompatiblearray', 'anycompatiblearray', 'integer']);
SELECT has_function('rec', 'recall_at_k', ARRAY['anycompatiblearray', 'anycompatiblearray', 'integer']);
SELECT has_function('rec', 'mrr', ARRAY['anycompatiblearray', 'anycompatiblearray', 'integer']);
SELECT has_function('rec', 'hit_at_k', ARRAY['anycompatiblearray', 'anycompatiblearray', 'integer']);

-- honest labels
SELECT volatility_is('rec', 'recommend', ARRAY['bigint', 'integer', 'boolean', 'bigint[]', 'bigint[]', 'text', 'text', 'jsonb', 'text', 'double precision', 'jsonb', 'jsonb'], 'stable');
SELECT volatility_is('rec', 'similar_items', ARRAY['bigint', 'integer', 'bigint[]', 'text', 'text', 'jsonb'], 'stable');
SELECT volatility_is('rec', 'train', ARRAY['text', 'text', 'text', 'jsonb'], 'volatile');
SELECT volatility_is('rec', 'log_event', ARRAY['bigint', 'bigint', 'text', 'double precision', 'timestamp with time zone', 'text', 'text', 'text', 'integer', 'bigint[]', 'jsonb'], 'volatile');
SELECT volatility_is('rec', 'ndcg_at_k', ARRAY['anycompatiblearray', 'anycompatiblearray', 'integer'], 'immutable');
SELECT volatility_is('rec', 'variant', ARRAY['text', 'bigint'], 'stable');
SELECT volatility_is('rec', 'campaign_report', ARRAY['text', 'timestamp with time zone', 'text', 'text'], 'stable');
SELECT volatility_is('rec', 'log_impression', ARRAY['bigint', 'bigint[]', 'text', 'text', 'timestamp with time zone'], 'volatile');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
           WHERE p.pronamespace = 'rec'::regnamespace AND p.proname IN ('recommend', 'similar_items', 'rank', 'ndcg_at_k')
             AND p.proparallel <> 's'), NULL, 'serving and metric functions are parallel safe');

-- every function and table is documented, nothing runs as its owner
SELECT is((SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p
           WHERE p.pronamespace = 'rec'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL),
          NULL, 'every rec function has a comment');
SELECT is((SELECT array_agg(c.relname::text) FROM pg_class c
           WHERE c.relnamespace = 'rec'::regnamespace AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') IS NULL),
          NULL, 'every rec table has a comment');
SELECT is((SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'rec'::regnamespace AND p.prosecdef),
          0::bigint, 'no function is SECURITY DEFINER');
SELECT is((SELECT array_agg(p.proname::text) FROM pg_proc p
           WHERE p.pronamespace = 'rec'::regnamespace
             AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
             AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
          NULL, 'every plpgsql function pins its search_path');

-- extension tables are dumped with the data
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname)
           FROM pg_extension e, unnest(e.extconfig) cfg(relid) JOIN pg_class c ON c.oid = cfg.relid
           WHERE e.extname = 'rec'),
          ARRAY['campaign', 'campaign_variant', 'dataset_group', 'event_attribution', 'filter', 'impression',
                'interactions', 'items', 'model_chunk', 'solution', 'solution_version', 'solution_version_id_seq', 'users'],
          'rec''s tables and sequence are marked for pg_dump');

-- the settings exist with their defaults
SELECT is(current_setting('rec.max_history'), '1000', 'rec.max_history defaults to 1000');
SELECT throws_ok($$SET rec.no_such_setting = 1$$, '42602', NULL, 'the rec. prefix is reserved');

SELECT * FROM finish();
ROLLBACK;
