-- Concurrency between sessions (through dblink): a training in progress
-- blocks nothing but another training of the same solution; two sessions
-- creating the same new solution at once cannot store a version that
-- contradicts the solution's recipe or dataset group.
-- Data is committed here (other backends must see it) and removed at the end.
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
DELETE FROM rec.solution;
DELETE FROM rec.dataset_group WHERE name <> 'default';
TRUNCATE rec.interactions, rec.items, rec.users;
\i data/sample.sql
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS public.rec_test_few_events;
CREATE TABLE public.rec_test_few_events AS SELECT * FROM rec.interactions WHERE user_id <= 100;
SELECT rec.create_dataset_group('few', 'rec_test_few_events') AS created \gset
SELECT rec.deploy('main', version => rec.train('up', 'user-personalization', params => '{"tune": false}')) AS v_up \gset
SELECT format('dbname=%s host=%s port=%s user=%s', current_database(),
              split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user) AS conninfo \gset
SELECT dblink_connect('a', :'conninfo') AS connected \gset
SELECT dblink_connect('b', :'conninfo') AS connected \gset
SELECT pid AS pid_b FROM dblink('b', 'SELECT pg_backend_pid()') AS t(pid int) \gset

-- wait (up to 10 s) until a backend waits for a lock
CREATE FUNCTION pg_temp.wait_for_lock(p int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..1000 LOOP
		IF EXISTS (SELECT FROM pg_locks WHERE pid = p AND NOT granted) THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.01);
	END LOOP;
	RETURN false;
END
$$;

SELECT plan(10);

-- a training in progress (session a, transaction open) ...
SELECT dblink_exec('a', 'BEGIN') AS began \gset
SELECT v FROM dblink('a', $$SELECT rec.train('up')$$) AS t(v bigint) \gset
SET lock_timeout = '2s';
SELECT lives_ok($$SELECT rec.log_event(1, 2)$$, 'a training in progress does not block log_event');
SELECT is((SELECT count(*) FROM rec.recommend(1, 5, campaign => 'main')), 5::bigint, 'nor recommend');
SELECT lives_ok($$SELECT rec.train('other', 'sims')$$, 'nor the training of another solution');
SELECT lives_ok(format('SELECT rec.deploy(%L, version => %s)', 'main', :v_up),
                'nor deploying (here: pinning back) a campaign of the solution being trained');
SELECT lives_ok($$SELECT rec.deploy('second', 'up')$$, 'nor creating a campaign on it');
RESET lock_timeout;
SELECT dblink_exec('a', 'COMMIT') AS committed \gset
SELECT is((SELECT count(*) FROM rec.solution_version WHERE solution = 'up'), 2::bigint, 'the training committed its version');

-- two sessions create the same new solution at once, with other recipes and groups
SELECT dblink_exec('a', 'BEGIN') AS began \gset
SELECT v FROM dblink('a', $$SELECT rec.train('race', 'ease')$$) AS t(v bigint) \gset
SELECT dblink_send_query('b', $$SELECT rec.train('race', 'sims', 'few')$$) AS sent \gset
SELECT ok(pg_temp.wait_for_lock(:pid_b), 'session b waits for session a''s new solution');
SELECT dblink_exec('a', 'COMMIT') AS committed \gset
CREATE TEMP TABLE b_result AS SELECT * FROM dblink_get_result('b', false) AS t(v bigint);
SELECT count(*) AS drained FROM dblink_get_result('b', false) AS t(v bigint) \gset
SELECT is((SELECT array_agg(DISTINCT v.recipe) FROM rec.solution_version v WHERE v.solution = 'race'),
          (SELECT ARRAY[s.recipe] FROM rec.solution s WHERE s.name = 'race'),
          'no version of the solution has another recipe than the solution');
SELECT is((SELECT array_agg(DISTINCT v.n_users) FROM rec.solution_version v WHERE v.solution = 'race'), '{600}'::int[],
          'no version of the solution was trained on another dataset group than the solution''s');
SELECT ok((SELECT count(*) FROM b_result) = 0 OR
          (SELECT recipe FROM rec.solution_version WHERE id = (SELECT v FROM b_result)) = 'ease',
          'the second session failed, or trained the solution as it exists');

SELECT dblink_disconnect('a') AS disconnected \gset
SELECT dblink_disconnect('b') AS disconnected \gset
SELECT * FROM finish();
DELETE FROM rec.solution;
DELETE FROM rec.dataset_group WHERE name <> 'default';
DROP TABLE public.rec_test_few_events;
TRUNCATE rec.interactions, rec.items, rec.users;
