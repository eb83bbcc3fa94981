-- scripts/demo.sql — the rec walkthrough, run by scripts/demo on database
-- rec_demo after data/sample.sql is loaded (psql -e echoes each statement).
-- Each stage starts with an \echo heading.
--
-- Placeholder: only shows the sample data; the stages (train, recommend,
-- log events, evaluate) are to be filled in.

\echo
\echo '=== 1. The sample data ==='
SELECT count(*) AS items FROM rec.items;
SELECT count(*) AS interactions FROM rec.interactions;
