-- Two backends: one keeps a model cached while another retrains and moves
-- the campaign; the next call of the first backend serves the new version.
-- Data is committed here (the other backend must see it) and removed at the end.
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
DELETE FROM rec.solution;
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
SELECT plan(7);

SELECT rec.train('live', 'sims', params => '{"neighbors": 100}') AS v1 \gset
SELECT rec.train('pop', 'popularity-count') > 0 AS trained \gset
SELECT rec.deploy('live', 'live');
SELECT rec.deploy('popular', 'pop');
SELECT dblink_connect('other', format('dbname=%s host=%s port=%s user=%s', current_database(),
	split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user));

-- this backend caches version 1
CREATE TEMP TABLE list_v1 AS SELECT array_agg(item_id ORDER BY score DESC, item_id) AS items
FROM rec.recommend(1, 10, campaign => 'live');

-- the other backend serves another campaign meanwhile, then trains version 2
SELECT is((SELECT items FROM dblink('other', $$SELECT array_agg(item_id ORDER BY score DESC, item_id)
                                              FROM rec.recommend(1, 10, campaign => 'popular')$$) AS t(items bigint[])),
          (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'popular')),
          'two backends serve another campaign alike');
SELECT v2 FROM dblink('other', $$SELECT rec.train('live', params => '{"neighbors": 3}')$$) AS t(v2 bigint) \gset
CREATE TEMP TABLE list_v2 AS SELECT items
FROM dblink('other', $$SELECT array_agg(item_id ORDER BY score DESC, item_id)
                       FROM rec.recommend(1, 10, campaign => 'live')$$) AS t(items bigint[]);

SELECT isnt((SELECT items FROM list_v2), (SELECT items FROM list_v1), 'version 2 gives another list');
SELECT is((SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'live')),
          (SELECT items FROM list_v2), 'a campaign following the latest version serves version 2 at once');

-- the other backend pins the campaign back to version 1
SELECT * FROM dblink('other', format('SELECT rec.deploy(%L, version => %s)::text', 'live', :v1)) AS t(done text) \gset
SELECT is((SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'live')),
          (SELECT items FROM list_v1), 'pinning the campaign to version 1 takes effect at the next call');
SELECT is((SELECT items FROM dblink('other', $$SELECT array_agg(item_id ORDER BY score DESC, item_id)
                                              FROM rec.recommend(1, 10, campaign => 'live')$$) AS t(items bigint[])),
          (SELECT items FROM list_v1), 'and in the other backend');
-- a transaction that has already served the campaign (and holds its locks) sees a move
-- committed meanwhile at its next call, as a new READ COMMITTED snapshot would
-- (nothing else in the transaction may lock a relation for the first time: that too
-- processes invalidations)
SELECT items::text AS want_v2 FROM list_v2 \gset
BEGIN;
SELECT count(*) AS served FROM rec.recommend(1, 10, campaign => 'live') \gset
SELECT * FROM dblink('other', format('SELECT rec.deploy(%L, %L)::text', 'live', 'live')) AS t(done text) \gset
SELECT is((SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'live'))::text,
          :'want_v2', 'a move committed during a transaction is seen at its next call');
COMMIT;
-- dropping the campaign elsewhere is seen here too
SELECT * FROM dblink('other', $$SELECT rec.drop_campaign('live')::text$$) AS t(done text) \gset
SELECT throws_ok($$SELECT * FROM rec.recommend(1, 10, campaign => 'live')$$, '42704',
                 'campaign "live" does not exist', 'a dropped campaign is gone for every backend');

SELECT dblink_disconnect('other');
SELECT * FROM finish();
DELETE FROM rec.solution;
TRUNCATE rec.interactions, rec.items, rec.users;
