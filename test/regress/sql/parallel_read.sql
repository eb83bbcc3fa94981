-- parallel training reads: rec.collect_events gathers the interactions with
-- parallel workers (Partial Aggregate under Gather); the dataset is built in
-- canonical order (user, time, item), so the model is the same bytes with
-- any number of workers, equals the serial read's for a table stored in that
-- order, and equals training on the union of per-shard collections
\i data/reset_sample.psql

-- store the events in canonical order, then train with the serial cursor read
CREATE TEMP TABLE ev AS SELECT * FROM rec.interactions ORDER BY user_id, ts, item_id;
TRUNCATE rec.interactions;
INSERT INTO rec.interactions SELECT * FROM ev;
SELECT rec.train('serial', 'sims') AS serial \gset
SELECT rec.train('serial_pop', 'popularity-count') AS serial_pop \gset
SELECT rec.train('serial_up', 'user-personalization') AS serial_up \gset

-- the parallel read plans two workers
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT rec.collect_events(user_id::int8, item_id::int8, extract(epoch FROM ts)::float8)
FROM rec.interactions WHERE user_id IS NOT NULL AND item_id IS NOT NULL AND ts IS NOT NULL;
SET rec.parallel_read = on;
SELECT rec.train('parallel', 'sims') AS parallel \gset
SELECT rec.train('parallel_pop', 'popularity-count') AS parallel_pop \gset
SELECT rec.train('parallel_up', 'user-personalization') AS parallel_up \gset
SELECT rec.version_checksum(:serial) = rec.version_checksum(:parallel) AS sims_same,
       rec.version_checksum(:serial_pop) = rec.version_checksum(:parallel_pop) AS popularity_same,
       rec.version_checksum(:serial_up) = rec.version_checksum(:parallel_up) AS personalization_same;

-- stored in another order, the parallel read with 2 and 0 workers still agree
TRUNCATE rec.interactions;
INSERT INTO rec.interactions SELECT * FROM ev ORDER BY md5(item_id::text || ts::text);
SELECT rec.train('parallel', 'sims') AS two_workers \gset
SET max_parallel_workers_per_gather = 0;
SELECT rec.train('parallel', 'sims') AS no_workers \gset
SELECT rec.version_checksum(:two_workers) = rec.version_checksum(:no_workers) AS same_bytes,
       rec.version_checksum(:two_workers) = rec.version_checksum(:parallel) AS same_as_ordered;
-- an event type is filtered in the collecting query
SELECT rec.train('purchases', 'popularity-count', params => '{"event_type": "purchase"}') AS purchases \gset
SELECT n_interactions = (SELECT count(*) FROM rec.interactions WHERE event_type = 'purchase') AS filtered,
       n_interactions < 20858 AS fewer
FROM rec.solution_version WHERE id = :purchases;
RESET rec.parallel_read;
RESET max_parallel_workers_per_gather;

-- collections of two "shards" (split by a hash of the user), trained once
SELECT rec.train_from_events('sharded', 'sims', events => ARRAY(
         SELECT rec.collect_events(user_id, item_id, extract(epoch FROM ts)::float8)
         FROM rec.interactions GROUP BY hashint8(user_id) & 1 ORDER BY 1)) AS sharded \gset
SELECT rec.version_checksum(:sharded) = rec.version_checksum(:parallel) AS sharded_same,
       n_users, n_items, n_interactions FROM rec.solution_version WHERE id = :sharded;
SELECT length(rec.dataset_events()) = 24 + 24 * (SELECT count(*) FROM rec.interactions) AS whole_group,
       length(rec.dataset_events('default', 'purchase')) < length(rec.dataset_events()) AS one_type;
-- a collection flagged sorted but not in canonical order (here reversed) is sorted
-- anyway: the same model, not one with each user split in many
CREATE TEMP TABLE whole AS SELECT rec.dataset_events() AS b;
SELECT rec.train_from_events('reversed', 'sims', events => ARRAY[
         (SELECT substr((SELECT b FROM whole), 1, 24)
                 || string_agg(substr((SELECT b FROM whole), 25 + 24 * i, 24), ''::bytea ORDER BY i DESC)
          FROM generate_series(0, (SELECT count(*)::int FROM rec.interactions) - 1) i)]) AS reversed \gset
SELECT rec.version_checksum(:reversed) = rec.version_checksum(:sharded) AS reversed_same,
       n_users FROM rec.solution_version WHERE id = :reversed;

-- rows with a null are skipped; no rows is an empty collection
SELECT length(rec.collect_events(u, i, t)) AS one_event
FROM (VALUES (1::int8, 2::int8, 3::float8), (NULL, 2, 3), (1, NULL, 3), (1, 2, NULL)) v(u, i, t);
SELECT length(rec.collect_events(1, 2, 3)) AS empty FROM generate_series(1, 0);

-- bad collections
SELECT rec.train_from_events('bad', 'sims', events => ARRAY['\x0102'::bytea]);
SELECT rec.train_from_events('bad', 'sims', events => ARRAY[NULL::bytea]);
SELECT rec.train_from_events('bad', 'sims', events => ARRAY[[rec.dataset_events()]]);
SELECT rec.train_from_events('bad', 'sims', events => NULL);
SELECT rec.train_from_events('bad', 'sims', events => '{}');

-- event weights and a value threshold need each event's type and value, which
-- collections do not carry: with rec.parallel_read on such a version reads its
-- events in one pass (the same model as the serial read), and training on
-- collections refuses them
SET rec.parallel_read = on;
SELECT rec.train('weighed', 'sims', params => '{"event_weights": {"purchase": 3, "click": 1}}') AS weighed_parallel \gset
RESET rec.parallel_read;
SELECT rec.train('weighed', 'sims') AS weighed_serial \gset
SELECT rec.train('unweighed', 'sims') AS unweighed \gset
SELECT rec.version_checksum(:weighed_parallel) = rec.version_checksum(:weighed_serial) AS same_as_serial,
       rec.version_checksum(:weighed_parallel) <> rec.version_checksum(:unweighed) AS weighed;
SELECT rec.train_from_events('bad', 'sims', params => '{"event_weights": {"purchase": 3}}',
                             events => ARRAY[rec.dataset_events()]);
SELECT rec.train_from_events('bad', 'sims', params => '{"event_value_threshold": 1}',
                             events => ARRAY[rec.dataset_events()]);

-- a version copied to another server keeps its id and bytes: drop it here, install it again
CREATE TEMP TABLE copied AS SELECT rec.version_meta(:sharded) AS meta, rec.version_model(:sharded) AS model;
SELECT rec.install_version(meta, model) = rec.version_checksum(:sharded) AS again_is_noop FROM copied;
DELETE FROM rec.solution WHERE name = 'sharded';
SELECT rec.install_version(meta, model) = (SELECT rec.version_checksum(:parallel)) AS reinstalled FROM copied;
SELECT id = :sharded AS same_id, recipe, n_users FROM rec.solution_version WHERE solution = 'sharded';
SELECT rec.train('sharded') > :sharded AS next_id_is_free;
SET rec.model_chunk_size = 4096;
SELECT rec.train('chunked', 'sims') AS chunked \gset
RESET rec.model_chunk_size;
CREATE TEMP TABLE copied_chunks AS SELECT rec.version_meta(:chunked) AS meta, rec.version_model(:chunked) AS model;
SELECT cardinality(model) > 1 AS several_pieces FROM copied_chunks;
DELETE FROM rec.solution WHERE name = 'chunked';
SELECT rec.install_version(meta, model) IS NOT NULL AS installed FROM copied_chunks;
SELECT rec.deploy('chunked_c', 'chunked') = :chunked AS deployed;
SELECT count(*) AS served FROM rec.recommend(1, 5, campaign => 'chunked_c');
-- bad installs
SELECT rec.install_version('{}', ARRAY['\x00'::bytea]);
SELECT rec.install_version(jsonb_set(meta, '{recipe}', '"ease"'), model) FROM copied;
SELECT rec.install_version(meta, ARRAY['\x00'::bytea]) FROM copied;
