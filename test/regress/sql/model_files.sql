-- one copy of each model per server: rec_models/ in the data directory,
-- mapped by every backend that serves the model
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization', params => '{"tune": false}') AS version \gset
SELECT rec.deploy('main', 'up');
SELECT array_agg(item_id ORDER BY score DESC, item_id) AS list FROM rec.recommend(1, 10, campaign => 'main') \gset
-- the file is named by database, version, creation time and the stored CRC,
-- and holds a 128-byte header, the stored model and the item index (4 bytes an item)
SELECT 'rec_models/' || f AS path FROM pg_ls_dir('rec_models') f
WHERE f LIKE (SELECT oid FROM pg_database WHERE datname = current_database()) || '-' || :version || '-%.model' \gset
SELECT (pg_stat_file(:'path')).size = 128 + (length(model) + 7) / 8 * 8 + 4 * n_items AS file_size
FROM rec.solution_version WHERE id = :version;
SELECT md5(pg_read_binary_file(:'path')) AS good \gset

-- a damaged file is found by the next backend that maps it, removed and
-- rebuilt from the table: a flipped byte of the model, a truncated file, a
-- wrong header, a flipped byte of the item index
SELECT lo_from_bytea(0, overlay(pg_read_binary_file(:'path') PLACING '\xff'::bytea FROM 5000 FOR 1)) AS lo \gset
SELECT lo_export(:lo, :'path');
SELECT lo_unlink(:lo);
SELECT md5(pg_read_binary_file(:'path')) = :'good' AS same_file;
\c
SELECT array_agg(item_id ORDER BY score DESC, item_id) = :'list' AS same_list FROM rec.recommend(1, 10, campaign => 'main');
SELECT md5(pg_read_binary_file(:'path')) = :'good' AS rebuilt;

SELECT lo_from_bytea(0, substring(pg_read_binary_file(:'path') FROM 1 FOR 100000)) AS lo \gset
SELECT lo_export(:lo, :'path');
SELECT lo_unlink(:lo);
\c
SELECT array_agg(item_id ORDER BY score DESC, item_id) = :'list' AS same_list FROM rec.recommend(1, 10, campaign => 'main');
SELECT md5(pg_read_binary_file(:'path')) = :'good' AS rebuilt;

SELECT lo_from_bytea(0, overlay(pg_read_binary_file(:'path') PLACING '\x02'::bytea FROM 17 FOR 1)) AS lo \gset
SELECT lo_export(:lo, :'path');
SELECT lo_unlink(:lo);
\c
SELECT array_agg(item_id ORDER BY score DESC, item_id) = :'list' AS same_list FROM rec.recommend(1, 10, campaign => 'main');
SELECT md5(pg_read_binary_file(:'path')) = :'good' AS rebuilt;

SELECT lo_from_bytea(0, overlay(pg_read_binary_file(:'path') PLACING '\xffffff7f'::bytea
                                FROM (pg_stat_file(:'path')).size::int - 40 FOR 4)) AS lo \gset
SELECT lo_export(:lo, :'path');
SELECT lo_unlink(:lo);
\c
SELECT array_agg(item_id ORDER BY score DESC, item_id) = :'list' AS same_list FROM rec.recommend(1, 10, campaign => 'main');
SELECT md5(pg_read_binary_file(:'path')) = :'good' AS rebuilt;

-- a damaged table row is not hidden by a good file: a changed row is another file
UPDATE rec.solution_version
SET model = overlay(model PLACING '\xff'::bytea FROM 200 FOR 1), created_at = clock_timestamp()
WHERE id = :version;
SELECT * FROM rec.recommend(1, 5, campaign => 'main');
SELECT count(*) AS files FROM pg_ls_dir('rec_models') f
WHERE f LIKE (SELECT oid FROM pg_database WHERE datname = current_database()) || '-%';

-- with rec.model_sharing off a backend keeps its own copy and writes no file
SELECT rec.train('pop', 'popularity-count') AS pop \gset
SELECT rec.deploy('pop', 'pop');
SET rec.model_sharing = off;
SELECT count(*) FROM rec.recommend(1, 5, campaign => 'pop');
SELECT count(*) AS pop_files FROM pg_ls_dir('rec_models') f WHERE f LIKE '%-' || :pop || '-%';
RESET rec.model_sharing;
SELECT count(*) FROM rec.recommend(1, 5, campaign => 'pop');
SELECT count(*) AS pop_files FROM pg_ls_dir('rec_models') f WHERE f LIKE '%-' || :pop || '-%';

-- deleting versions removes their files
SELECT rec.drop_solution('up');
SELECT rec.drop_solution('pop');
SELECT count(*) AS files_left FROM pg_ls_dir('rec_models') f
WHERE f LIKE (SELECT oid FROM pg_database WHERE datname = current_database()) || '-%';

-- the sweep is a trigger
SELECT rec.model_files_sweep();
