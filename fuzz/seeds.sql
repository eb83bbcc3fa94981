-- fuzz/seeds.sql — a tiny dataset (14 items in 4 categories, 40 users) and
-- one trained model per recipe: the seed corpus of fuzz_model.  Small on
-- purpose, so seeds stay a few KB and the fuzzer mutates structure, not bulk.
-- Run in a fresh database with rec created; fuzz/run exports the models.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET rec.threads = 1;

INSERT INTO rec.items (item_id, categories)
SELECT i, CASE WHEN i % 5 = 0 THEN ARRAY['c' || i % 4, 'extra'] WHEN i = 13 THEN '{}' ELSE ARRAY['c' || i % 4] END
FROM generate_series(1, 14) i;		-- item 14 never has an event: a cold item
INSERT INTO rec.interactions (user_id, item_id, event_type, ts)
SELECT u, 1 + (u * 7 + e * (1 + u % 3)) % 13,
       CASE WHEN e % 4 = 0 THEN 'purchase' ELSE 'click' END,
       timestamptz '2026-01-01' + make_interval(secs => u * 3600 + e * 60)
FROM generate_series(1, 40) u, generate_series(1, 2 + u % 6) e;

-- every recipe rec knows; one that cannot train on this data is skipped
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT name FROM rec.recipes() ORDER BY name LOOP
		BEGIN
			PERFORM rec.train(r, r);
		EXCEPTION WHEN OTHERS THEN
			RAISE WARNING 'recipe % not trained: %', r, SQLERRM;
		END;
	END LOOP;
END
$$;

-- the same events with text users and uuid items: models with a key section
CREATE TABLE public.ev_keys AS
SELECT 'u' || user_id AS user_id, md5(item_id::text)::uuid AS item_id, ts FROM rec.interactions;
SELECT rec.create_dataset_group('keys', 'public.ev_keys');
SELECT rec.train('keys-sims', 'sims', 'keys');
SELECT rec.train('keys-up', 'user-personalization', 'keys', '{"tune": false}');
