-- Faults: a training cancelled at any point (statement_timeout, or
-- pg_cancel_backend) leaves no solution version and no solution behind, does
-- not make the backend's memory grow, and leaves the backend able to train
-- and serve.  The long version, with 20 random cancellations from another
-- session, a SIGKILL and a pg_dump round trip, is bench/faults.
-- One transaction, rolled back.
\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
SET client_min_messages = warning;
DELETE FROM rec.solution;
DELETE FROM rec.dataset_group WHERE name <> 'default';
TRUNCATE rec.interactions, rec.items, rec.users;
-- big enough for a training of a few hundred milliseconds
INSERT INTO rec.interactions (user_id, item_id, ts)
SELECT u, 1 + abs(hashint8(u * 1000 + e)) % (300 + abs(hashint4(u)) % 1300),
       timestamptz '2026-01-01' + make_interval(secs => u * 60 + e)
FROM generate_series(1, 3000) u, generate_series(1, 25) e;
ANALYZE rec.interactions;
SET rec.threads = 1;
SELECT rec.deploy('live', version => rec.train('live', 'sims')) AS v_live \gset
CREATE TEMP TABLE live_before AS
SELECT array_agg(item_id ORDER BY score DESC, item_id) AS items FROM rec.recommend(42, 20, campaign => 'live');

-- train, and say how it ended: 'finished', or 'cancelled' with nothing left behind
CREATE FUNCTION pg_temp.train_run(solution text, recipe text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM rec.train(solution, recipe);
	RETURN 'finished';
EXCEPTION WHEN query_canceled THEN
	RETURN 'cancelled';
END
$$;
CREATE FUNCTION pg_temp.cancel_self_then_train(solution text, recipe text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_cancel_backend(pg_backend_pid());
	PERFORM rec.train(solution, recipe);
	RETURN 'finished';
EXCEPTION WHEN query_canceled THEN
	RETURN 'cancelled';
END
$$;
CREATE FUNCTION pg_temp.memory() RETURNS bigint LANGUAGE sql AS
$$ SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts $$;
CREATE TEMP TABLE runs (n serial, how text, outcome text, versions bigint, solutions bigint, memory bigint);

SELECT plan(14);

-- warm up: one full training (loads BLAS, prepares plans)
SELECT is(pg_temp.train_run('warm', 'ease'), 'finished', 'a training runs to the end');
-- how long a whole training takes here, so that the timeouts below are fractions of it
-- on any CPU (fixed ones of 1-120 ms would let a faster CPU finish the trainings)
SELECT clock_timestamp() AS t0 \gset
SELECT rec.train('measure-up', 'user-personalization') > 0 AS measured \gset
SELECT clock_timestamp() AS t1 \gset
SELECT rec.train('measure-sims', 'sims') > 0 AS measured \gset
SELECT 1000 * extract(epoch FROM clock_timestamp() - :'t1'::timestamptz) AS sims_ms,
       1000 * extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz) AS up_ms \gset
SELECT greatest(1, round(:up_ms * 0.02))::int AS up_2, greatest(1, round(:up_ms * 0.1))::int AS up_10,
       greatest(1, round(:up_ms * 0.05))::int AS up_5, greatest(1, round(:up_ms * 0.25))::int AS up_25,
       greatest(1, round(:sims_ms * 0.05))::int AS sims_5, greatest(1, round(:sims_ms * 0.25))::int AS sims_25 \gset

INSERT INTO runs (how, outcome, versions, solutions, memory)
VALUES ('warm-up', 'finished', (SELECT count(*) FROM rec.solution_version), (SELECT count(*) FROM rec.solution), pg_temp.memory());

-- cancellations at many points: statement_timeout from 1 ms up to a quarter of the training time
-- (a loaded machine may run a training twice as fast as when it was measured)
SET statement_timeout = '1ms';
INSERT INTO runs (how, outcome) VALUES ('timeout 1 ms', pg_temp.train_run('cancelled-up', 'user-personalization'));
SET statement_timeout = :up_2;
INSERT INTO runs (how, outcome) VALUES ('timeout 2% of a training', pg_temp.train_run('cancelled-up', 'user-personalization'));
SET statement_timeout = :up_5;
INSERT INTO runs (how, outcome) VALUES ('timeout 5% of a training', pg_temp.train_run('cancelled-up', 'user-personalization'));
SET statement_timeout = :up_10;
INSERT INTO runs (how, outcome) VALUES ('timeout 10% of a training', pg_temp.train_run('cancelled-up', 'user-personalization'));
SET statement_timeout = :up_25;
INSERT INTO runs (how, outcome) VALUES ('timeout 25% of a training', pg_temp.train_run('cancelled-up', 'user-personalization'));
SET statement_timeout = :sims_5;
INSERT INTO runs (how, outcome) VALUES ('timeout 5% of a training, sims', pg_temp.train_run('cancelled-sims', 'sims'));
SET statement_timeout = :sims_25;
INSERT INTO runs (how, outcome) VALUES ('timeout 25% of a training, sims', pg_temp.train_run('cancelled-sims', 'sims'));
RESET statement_timeout;
INSERT INTO runs (how, outcome) VALUES ('pg_cancel_backend', pg_temp.cancel_self_then_train('cancelled-up', 'user-personalization'));
INSERT INTO runs (how, outcome) VALUES ('pg_cancel_backend, existing solution', pg_temp.cancel_self_then_train('live', NULL));
INSERT INTO runs (how, outcome, versions, solutions, memory)
VALUES ('after', 'finished', (SELECT count(*) FROM rec.solution_version), (SELECT count(*) FROM rec.solution), pg_temp.memory());

SELECT diag(format('measured: user-personalization %s ms, sims %s ms; ', round(:up_ms), round(:sims_ms))
            || string_agg(how || ': ' || outcome, ', ' ORDER BY n)) FROM runs WHERE how LIKE 'timeout%';
SELECT cmp_ok((SELECT count(*) FROM runs WHERE outcome = 'cancelled'), '>=', 8::bigint,
              'the trainings were cancelled (timeouts at most a quarter of a measured training; one may finish if the machine got four times as fast meanwhile)');
SELECT is((SELECT count(*) FROM runs WHERE outcome NOT IN ('cancelled', 'finished')), 0::bigint,
          'every run was cancelled or finished, none failed otherwise');
SELECT is((SELECT count(*) FROM rec.solution_version WHERE solution LIKE 'cancelled-%'),
          (SELECT count(*) FROM runs WHERE outcome = 'finished' AND how LIKE 'timeout%'),
          'a cancelled training leaves no solution version');
SELECT ok((SELECT count(*) FROM rec.solution WHERE name LIKE 'cancelled-%') <=
          (SELECT count(*) FROM runs WHERE outcome = 'finished' AND how LIKE 'timeout%'),
          'a cancelled first training of a solution leaves no solution either');
SELECT is((SELECT outcome FROM runs WHERE how = 'pg_cancel_backend'), 'cancelled', 'pg_cancel_backend at the start of a training cancels it');
SELECT is((SELECT count(*) FROM rec.solution_version WHERE solution = 'live'), 1::bigint,
          'a cancelled training of an existing solution adds no version');
SELECT cmp_ok((SELECT a.memory - w.memory FROM runs a, runs w WHERE a.how = 'after' AND w.how = 'warm-up'), '<', 1048576::bigint,
              'backend memory (all contexts) grows by less than 1 MB over the cancelled runs');

-- the backend is fine afterwards
SELECT is(pg_temp.train_run('after', 'sims'), 'finished', 'the backend trains again after the cancellations');
SELECT is((SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(42, 20, campaign => 'live')),
          (SELECT items FROM live_before), 'a campaign deployed before serves the same list');
SELECT lives_ok($$SELECT rec.deploy('live', 'after')$$, 'and can be moved to a new version');
SELECT is((SELECT count(*) FROM rec.recommend(42, 20, campaign => 'live')), 20::bigint, 'which serves');

-- an error inside training (here: the memory budget) leaves nothing either:
-- 1,600 more items make plain EASE's dense item x item matrices larger than 16 MB
-- (by default it would train its sparse model instead: ask for the dense one)
INSERT INTO rec.interactions (user_id, item_id, ts)
SELECT u, 5000 + u % 1600, timestamptz '2026-02-01' + make_interval(secs => u) FROM generate_series(1, 3000) u;
SET rec.train_memory_limit = '16MB';
SELECT throws_ok($$SELECT rec.train('too-big', 'ease', params => '{"neighbors": 0}')$$, '54000', NULL,
                 'a training over rec.train_memory_limit fails before allocating');
RESET rec.train_memory_limit;
SELECT is((SELECT count(*) FROM rec.solution WHERE name = 'too-big'), 0::bigint, 'and leaves no solution behind');

SELECT * FROM finish();
ROLLBACK;
