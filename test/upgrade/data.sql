-- test/upgrade/data.sql — the data of the upgrade test, loaded under rec 0.1.0's API:
-- the sample data in rec's default group, and the dataset group "v010" over every
-- 8th item of it (50 items, so that the models rec 0.1.0 trains on it are small
-- enough to keep as a fixture: test/upgrade/rec-0.1.0-models.sql).
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
\i data/sample.sql
CREATE TABLE public.v010_interactions AS SELECT * FROM rec.interactions WHERE item_id % 8 = 0;
CREATE INDEX ON public.v010_interactions (user_id, ts);
CREATE TABLE public.v010_items AS SELECT * FROM rec.items WHERE item_id % 8 = 0;
ALTER TABLE public.v010_items ADD PRIMARY KEY (item_id);
SELECT rec.create_dataset_group('v010', 'public.v010_interactions', 'public.v010_items') IS NULL AS bound \gset
RESET client_min_messages;
