-- stored models: format version and checksum are checked before use
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization') AS version \gset
SELECT rec.deploy('main', 'up');
SELECT count(*) FROM rec.recommend(1, 5, campaign => 'main');

-- damage one byte of the payload: the checksum catches it (created_at is
-- touched too, as the per-backend cache would otherwise keep serving the
-- model it loaded before the damage)
UPDATE rec.solution_version
SET model = overlay(model PLACING '\xff'::bytea FROM 200 FOR 1), created_at = clock_timestamp()
WHERE id = :version;
SELECT * FROM rec.recommend(1, 5, campaign => 'main');
-- a model from another format version
UPDATE rec.solution_version
SET model = overlay(model PLACING '\x63000000'::bytea FROM 5 FOR 4), created_at = clock_timestamp()
WHERE id = :version;
SELECT * FROM rec.recommend(1, 5, campaign => 'main');
-- a model of format 2 (before item keys, whose header was shorter) is
-- refused by its version, not reported as damaged
UPDATE rec.solution_version
SET model = overlay(model PLACING '\x02000000'::bytea FROM 5 FOR 4), created_at = clock_timestamp()
WHERE id = :version;
SELECT * FROM rec.recommend(1, 5, campaign => 'main');
-- not a rec model at all, a stub, and a truncated model
UPDATE rec.solution_version SET model = decode(repeat('00', 500), 'hex'), created_at = clock_timestamp() WHERE id = :version;
SELECT * FROM rec.recommend(1, 5, campaign => 'main');
UPDATE rec.solution_version SET model = '\x0102', created_at = clock_timestamp() WHERE id = :version;
SELECT * FROM rec.recommend(1, 5, campaign => 'main');
SELECT rec.train('up') AS version \gset
UPDATE rec.solution_version SET model = substring(model FROM 1 FOR length(model) - 8), created_at = clock_timestamp() WHERE id = :version;
SELECT * FROM rec.recommend(1, 5, campaign => 'main');
-- retraining repairs it
SELECT rec.train('up') > 0 AS retrained;
SELECT count(*) FROM rec.recommend(1, 5, campaign => 'main');
