-- Filters under the roles of docs/security.md: the trainer writes filters
-- (rec.create_filter), the server only reads them.  Serving compiles a filter
-- from its expression every time and never runs the SQL stored in
-- rec.filter.parts, so a role that can write rec.filter cannot make every
-- serving role run its SQL (before, setting parts to "... (SELECT 1/0) = 1"
-- made serving fail with division by zero).  A tampered expression is
-- compiled like any other: a filter, or a syntax error, never SQL.  A value
-- of the wrong type is reported with the parameter's name.
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
SET client_min_messages = warning;
DELETE FROM rec.solution;
DELETE FROM rec.dataset_group WHERE name <> 'default';
DELETE FROM rec.filter;
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
SET rec.threads = 1;
SELECT rec.deploy('main', version => rec.train('up', 'user-personalization', params => '{"tune": false}')) AS v_main \gset

-- the roles of docs/security.md, with their filter grants
CREATE ROLE rec_trainer;
CREATE ROLE rec_server;
GRANT USAGE ON SCHEMA rec TO rec_trainer, rec_server;
GRANT SELECT ON rec.dataset_group, rec.interactions, rec.items TO rec_trainer;
GRANT SELECT, INSERT, UPDATE, DELETE ON rec.filter TO rec_trainer;
GRANT SELECT ON rec.campaign, rec.campaign_variant, rec.solution, rec.solution_version,
    rec.model_chunk, rec.dataset_group TO rec_server;
GRANT SELECT ON rec.interactions TO rec_server;
GRANT SELECT ON rec.filter, rec.items TO rec_server;

SELECT plan(10);

SET ROLE rec_trainer;
SELECT lives_ok($$SELECT rec.create_filter('no-genre', 'EXCLUDE ITEMS WHERE categories IN $genres')$$,
                'trainer: creates a filter');
SELECT lives_ok($$SELECT rec.create_filter('below', 'INCLUDE ITEMS WHERE item_id < $max')$$,
                'trainer: creates a filter with a value parameter');
SELECT lives_ok($$SELECT rec.create_filter('these', 'INCLUDE ITEMS WHERE item_id IN $ids')$$,
                'trainer: creates a filter with a list parameter');
RESET ROLE;

SET ROLE rec_server;
CREATE TEMP TABLE honest AS
SELECT item_id FROM rec.recommend(42, 10, campaign => 'main', filter => 'no-genre',
                                  filter_values => '{"genres": ["drama"]}');
RESET ROLE;

-- a writer of rec.filter puts its own SQL in the stored parts
SET ROLE rec_trainer;
UPDATE rec.filter SET parts = jsonb_set(jsonb_set(parts, '{0,sql}',
    to_jsonb('SELECT i.item_id FROM rec.items i WHERE (SELECT 1/0) = 1 OR pg_catalog.set_config(''pwn.ran'', ''yes'', false) IS NOT NULL'::text)),
    '{0,all_sql}', to_jsonb('SELECT 1/0'::text))
WHERE name = 'no-genre';
RESET ROLE;

SET ROLE rec_server;
SELECT results_eq($$SELECT item_id FROM rec.recommend(42, 10, campaign => 'main', filter => 'no-genre',
                                                      filter_values => '{"genres": ["drama"]}')$$,
                  $$SELECT item_id FROM honest$$,
                  'server: tampered parts are not run, the filter serves as created');
SELECT is(current_setting('pwn.ran', true), NULL, 'server: the SQL written into rec.filter.parts never ran');
RESET ROLE;

-- ... or in the expression: it is compiled as a filter expression, never pasted
SET ROLE rec_trainer;
UPDATE rec.filter SET expression = 'EXCLUDE ITEMS WHERE categories IN $genres OR (SELECT 1/0) = 1'
WHERE name = 'no-genre';
RESET ROLE;
SET ROLE rec_server;
SELECT throws_ok($$SELECT * FROM rec.recommend(42, 10, campaign => 'main', filter => 'no-genre',
                                               filter_values => '{"genres": ["drama"]}')$$,
                 '42601', NULL, 'server: SQL written into the expression is a filter syntax error, not run');

-- a parameter value of the wrong type names the parameter
SELECT throws_ok($$SELECT * FROM rec.recommend(42, 10, campaign => 'main', filter => 'below',
                                               filter_values => '{"max": "abc"}')$$,
                 '22P02', 'value "abc" of filter parameter "max" is not a valid bigint',
                 'server: a value of the wrong type is reported with its parameter');
SELECT throws_ok($$SELECT * FROM rec.recommend(42, 10, campaign => 'main', filter => 'these',
                                               filter_values => '{"ids": [1, "x"]}')$$,
                 '22P02', 'value "x" of filter parameter "ids" is not a valid bigint',
                 'server: so is an element of a list');
SELECT is((SELECT count(*) FROM rec.recommend(42, 10, campaign => 'main', filter => 'below',
                                              filter_values => '{"max": 200}') WHERE item_id >= 200), 0::bigint,
          'server: a value of the right type filters');
RESET ROLE;

-- a filter follows its group's columns: compiled against them as they are now
SELECT throws_ok($$SELECT rec.create_filter('bad', 'INCLUDE ITEMS WHERE nosuch = 1')$$,
                 '42703', NULL, 'create_filter: an unknown column is refused');

SELECT * FROM finish();
ROLLBACK;
