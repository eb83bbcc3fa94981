-- Evaluation (src/holdout.c, src/evaluate.c): a campaign's recommendations for
-- the users of a holdout, scored "as of" the holdout, with rounded figures.

CREATE FUNCTION @extschema@.holdout_recommend(
	campaign text,
	holdout regclass,
	k integer DEFAULT 25,
	user_column text DEFAULT 'user_id',
	item_column text DEFAULT 'item_id',
	ts_column text DEFAULT NULL,
	exclude_holdout boolean DEFAULT true)
RETURNS TABLE (user_id bigint, rank integer, item_id bigint, relevant boolean, n_relevant integer)
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'rec_holdout_recommend';
COMMENT ON FUNCTION @extschema@.holdout_recommend(text, regclass, integer, text, text, text, boolean) IS
'Top-k of every holdout user as of the holdout, each row marked relevant (in that user''s holdout) or not, with the user''s number of distinct holdout items: the rows the metric aggregates take. Each user''s history leaves out its events on its holdout items (exclude_holdout) and, with ts_column, leaves out its events after its first holdout event. A user with no recommendation gets one row with a NULL rank.';

CREATE FUNCTION @extschema@.evaluate(
	campaign text,
	holdout regclass,
	user_column text DEFAULT 'user_id',
	item_column text DEFAULT 'item_id',
	ts_column text DEFAULT NULL,
	exclude_holdout boolean DEFAULT true)
RETURNS TABLE (
	users bigint,
	coverage double precision,
	mrr_at_25 double precision,
	ndcg_at_5 double precision,
	ndcg_at_10 double precision,
	ndcg_at_25 double precision,
	precision_at_5 double precision,
	precision_at_10 double precision,
	precision_at_25 double precision,
	recall_at_10 double precision,
	recall_at_25 double precision,
	hit_at_10 double precision)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	catalogue integer;
	ts_type regtype;
BEGIN
	IF campaign IS NULL OR holdout IS NULL OR user_column IS NULL OR item_column IS NULL THEN
		RAISE EXCEPTION 'campaign, holdout, user_column and item_column must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF exclude_holdout IS NULL THEN
		RAISE EXCEPTION 'exclude_holdout must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM @extschema@.column_type(holdout, user_column, 'user_column',
		'Name the holdout''s columns with user_column => and item_column =>.');
	PERFORM @extschema@.column_type(holdout, item_column, 'item_column',
		'Name the holdout''s columns with user_column => and item_column =>.');
	IF ts_column IS NOT NULL THEN
		ts_type := @extschema@.column_type(holdout, ts_column, 'ts_column',
			'Name the holdout''s time column with ts_column =>.');
		IF ts_type <> ALL ('{timestamptz,timestamp,date,smallint,integer,bigint,real,double precision,numeric}'::regtype[]) THEN
			RAISE EXCEPTION 'ts_column "%" has type %, not a time', ts_column, ts_type
				USING ERRCODE = 'datatype_mismatch',
					  HINT = 'Give a timestamptz, timestamp or date column, or epoch seconds.';
		END IF;
	END IF;
	SELECT sv.n_items INTO catalogue
	FROM @extschema@.campaign c
	JOIN @extschema@.solution_version sv ON sv.solution = c.solution
		AND (c.solution_version IS NULL OR sv.id = c.solution_version)
	WHERE c.name = campaign ORDER BY sv.id DESC LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'campaign "%" does not exist', campaign
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.deploy().';
	END IF;
	-- one group of ranked rows per user, one metric aggregate per figure,
	-- means rounded to 6 decimals so that they print as what they are
	RETURN QUERY
	WITH r AS MATERIALIZED (
		SELECT h.user_id, h.rank, h.item_id, h.relevant, h.n_relevant
		FROM @extschema@.holdout_recommend(evaluate.campaign, evaluate.holdout, 25,
			evaluate.user_column, evaluate.item_column, evaluate.ts_column, evaluate.exclude_holdout) h),
	per_user AS (
		SELECT @extschema@.mrr_agg(r.rank, r.relevant, 25) AS mrr25,
			@extschema@.ndcg_agg(r.rank, r.relevant, r.n_relevant, 5) AS ndcg5,
			@extschema@.ndcg_agg(r.rank, r.relevant, r.n_relevant, 10) AS ndcg10,
			@extschema@.ndcg_agg(r.rank, r.relevant, r.n_relevant, 25) AS ndcg25,
			@extschema@.precision_agg(r.rank, r.relevant, 5) AS p5,
			@extschema@.precision_agg(r.rank, r.relevant, 10) AS p10,
			@extschema@.precision_agg(r.rank, r.relevant, 25) AS p25,
			@extschema@.recall_agg(r.rank, r.relevant, r.n_relevant, 10) AS r10,
			@extschema@.recall_agg(r.rank, r.relevant, r.n_relevant, 25) AS r25,
			@extschema@.hit_agg(r.rank, r.relevant, 10) AS h10
		FROM r GROUP BY r.user_id)
	SELECT count(*),
		round(((SELECT count(DISTINCT r.item_id) FROM r)::float8 / greatest(catalogue, 1))::numeric, 6)::float8,
		round(avg(u.mrr25)::numeric, 6)::float8,
		round(avg(u.ndcg5)::numeric, 6)::float8,
		round(avg(u.ndcg10)::numeric, 6)::float8,
		round(avg(u.ndcg25)::numeric, 6)::float8,
		round(avg(u.p5)::numeric, 6)::float8,
		round(avg(u.p10)::numeric, 6)::float8,
		round(avg(u.p25)::numeric, 6)::float8,
		round(avg(u.r10)::numeric, 6)::float8,
		round(avg(u.r25)::numeric, 6)::float8,
		round(avg(u.h10)::numeric, 6)::float8
	FROM per_user u;
END
$$;
COMMENT ON FUNCTION @extschema@.evaluate(text, regclass, text, text, text, boolean) IS
'Score a campaign against any holdout relation of (user, item) rows, as of the holdout: each holdout user gets 25 recommendations from its history without its holdout items (exclude_holdout) and, with ts_column, without its events after its first holdout event; seen items excluded. A NOTICE counts holdout rows also in the interactions. Metric aggregates per user, means rounded to 6 decimals; coverage is distinct recommended items over the catalogue.';

CREATE FUNCTION @extschema@.holdout_recommend_text(
	campaign text,
	holdout regclass,
	k integer DEFAULT 25,
	user_column text DEFAULT 'user_id',
	item_column text DEFAULT 'item_id',
	ts_column text DEFAULT NULL,
	exclude_holdout boolean DEFAULT true)
RETURNS TABLE (user_id text, rank integer, item_id text, relevant boolean, n_relevant integer)
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'rec_holdout_recommend';
COMMENT ON FUNCTION @extschema@.holdout_recommend_text(text, regclass, integer, text, text, text, boolean) IS
'rec.holdout_recommend() with the users'' and items'' ids as text, exactly as stored (uuids in canonical form), for a group of any id types; rec.holdout_recommend gives text and uuid ids as their rec.key_id().';
