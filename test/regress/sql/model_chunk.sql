-- models larger than rec.model_chunk_size: the first piece in
-- rec.solution_version.model, the rest in rows of rec.model_chunk
\i data/reset_sample.psql

SET rec.model_chunk_size = 4096;
SELECT rec.train('chunked', 'sims') AS version \gset
RESET rec.model_chunk_size;
SELECT rec.train('whole', 'sims') AS whole \gset
SELECT rec.deploy('chunked', 'chunked');
SELECT rec.deploy('whole', 'whole');

-- the head is one chunk long; chunks 1..n follow, each as long, the last shorter
SELECT length(model) AS head FROM rec.solution_version WHERE id = :version;
SELECT count(*) > 10 AS several, min(seq) AS first, max(seq) = count(*) AS contiguous,
       bool_and(length(data) = 4096 OR seq = (SELECT max(seq) FROM rec.model_chunk WHERE version = :version)) AS sized
FROM rec.model_chunk WHERE version = :version;
SELECT count(*) AS whole_chunks FROM rec.model_chunk WHERE version = :whole;
-- the pieces put together are the model trained in one piece
SELECT (SELECT model FROM rec.solution_version WHERE id = :version) ||
       (SELECT string_agg(data, ''::bytea ORDER BY seq) FROM rec.model_chunk WHERE version = :version)
     = (SELECT model FROM rec.solution_version WHERE id = :whole) AS same_bytes;

-- serving a chunked model: the same lists, from the shared file and from a private copy
SELECT (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(u, 10, campaign => 'chunked')) =
       (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(u, 10, campaign => 'whole')) AS same_list
FROM generate_series(1, 3) u;
SET rec.model_sharing = off;
SELECT (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'chunked')) =
       (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10, campaign => 'whole')) AS same_list;
RESET rec.model_sharing;
SELECT count(*) FROM rec.similar_items(1, 5, campaign => 'chunked');

-- damaged chunks (created_at is touched too, as the stored model is cached by
-- version and creation time): a missing row, a gap, a short row, a flipped
-- byte, a head that lost its chunks; with the shared file and the private copy
BEGIN;
UPDATE rec.solution_version SET created_at = clock_timestamp() WHERE id = :version;
DELETE FROM rec.model_chunk WHERE version = :version AND seq = 3;
SELECT * FROM rec.recommend(1, 5, campaign => 'chunked');
ROLLBACK;
BEGIN;
UPDATE rec.solution_version SET created_at = clock_timestamp() WHERE id = :version;
UPDATE rec.model_chunk SET seq = 1000 WHERE version = :version AND seq = 3;
SELECT * FROM rec.recommend(1, 5, campaign => 'chunked');
ROLLBACK;
BEGIN;
UPDATE rec.solution_version SET created_at = clock_timestamp() WHERE id = :version;
UPDATE rec.model_chunk SET data = substring(data FROM 1 FOR 100) WHERE version = :version AND seq = 2;
SELECT * FROM rec.recommend(1, 5, campaign => 'chunked');
ROLLBACK;
BEGIN;
SET LOCAL rec.model_sharing = off;
UPDATE rec.solution_version SET created_at = clock_timestamp() WHERE id = :version;
UPDATE rec.model_chunk SET data = substring(data FROM 1 FOR 100) WHERE version = :version AND seq = 2;
SELECT * FROM rec.recommend(1, 5, campaign => 'chunked');
ROLLBACK;
BEGIN;
UPDATE rec.solution_version SET created_at = clock_timestamp() WHERE id = :version;
UPDATE rec.model_chunk SET data = overlay(data PLACING '\xff'::bytea FROM 7 FOR 1) WHERE version = :version AND seq = 2;
SELECT * FROM rec.recommend(1, 5, campaign => 'chunked');
ROLLBACK;
BEGIN;
SET LOCAL rec.model_sharing = off;
UPDATE rec.solution_version SET created_at = clock_timestamp() WHERE id = :version;
UPDATE rec.model_chunk SET data = overlay(data PLACING '\xff'::bytea FROM 7 FOR 1) WHERE version = :version AND seq = 2;
SELECT * FROM rec.recommend(1, 5, campaign => 'chunked');
ROLLBACK;
BEGIN;
UPDATE rec.solution_version SET created_at = clock_timestamp() WHERE id = :version;
DELETE FROM rec.model_chunk WHERE version = :version;
SELECT * FROM rec.recommend(1, 5, campaign => 'chunked');
ROLLBACK;
-- after the rollbacks the model serves again
SELECT count(*) FROM rec.recommend(1, 5, campaign => 'chunked');

-- a chunk belongs to an existing version, numbered from 1
INSERT INTO rec.model_chunk VALUES (999999, 1, '\x00');
INSERT INTO rec.model_chunk VALUES (:version, 0, '\x00');
-- the chunk size's range
SET rec.model_chunk_size = 100;
SET rec.model_chunk_size = '1GB';

-- dropping the solution drops its chunks
SELECT rec.drop_solution('chunked');
SELECT count(*) AS chunks_left FROM rec.model_chunk;
