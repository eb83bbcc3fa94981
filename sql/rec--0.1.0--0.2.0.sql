-- rec 0.1.0 -> 0.2.0
-- CREATE EXTENSION rec installs 0.1.0 and then runs this script; 0.1.0's
-- script is released and never edited, so every change since lives here.
\echo Use "ALTER EXTENSION rec UPDATE TO '0.2.0'" to load this file. \quit

-- Evaluation (src/metrics.c, src/evaluate.c) --------------------------------
-- Metric aggregates over ranked rows, rec.holdout_recommend, and
-- rec.evaluate scoring "as of" the holdout with rounded figures.

CREATE FUNCTION @extschema@.rank_metric_trans(internal, bigint, boolean, integer)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_trans';
COMMENT ON FUNCTION @extschema@.rank_metric_trans(internal, bigint, boolean, integer) IS
'Internal: transition function of precision_agg, mrr_agg and hit_agg.';

CREATE FUNCTION @extschema@.rank_metric_trans(internal, bigint, boolean, integer, integer)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_trans';
COMMENT ON FUNCTION @extschema@.rank_metric_trans(internal, bigint, boolean, integer, integer) IS
'Internal: transition function of ndcg_agg and recall_agg.';

CREATE FUNCTION @extschema@.rank_metric_combine(internal, internal)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_combine';
COMMENT ON FUNCTION @extschema@.rank_metric_combine(internal, internal) IS
'Internal: combine function of the metric aggregates (the union of two sets of relevant ranks).';

CREATE FUNCTION @extschema@.rank_metric_serialize(internal)
RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_serialize';
COMMENT ON FUNCTION @extschema@.rank_metric_serialize(internal) IS
'Internal: serialization function of the metric aggregates.';

CREATE FUNCTION @extschema@.rank_metric_deserialize(bytea, internal)
RETURNS internal
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_deserialize';
COMMENT ON FUNCTION @extschema@.rank_metric_deserialize(bytea, internal) IS
'Internal: deserialization function of the metric aggregates.';

CREATE FUNCTION @extschema@.precision_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_precision_agg_final';
COMMENT ON FUNCTION @extschema@.precision_agg_final(internal) IS 'Internal: final function of precision_agg.';

CREATE FUNCTION @extschema@.recall_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_recall_agg_final';
COMMENT ON FUNCTION @extschema@.recall_agg_final(internal) IS 'Internal: final function of recall_agg.';

CREATE FUNCTION @extschema@.ndcg_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_ndcg_agg_final';
COMMENT ON FUNCTION @extschema@.ndcg_agg_final(internal) IS 'Internal: final function of ndcg_agg.';

CREATE FUNCTION @extschema@.mrr_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_mrr_agg_final';
COMMENT ON FUNCTION @extschema@.mrr_agg_final(internal) IS 'Internal: final function of mrr_agg.';

CREATE FUNCTION @extschema@.hit_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_hit_agg_final';
COMMENT ON FUNCTION @extschema@.hit_agg_final(internal) IS 'Internal: final function of hit_agg.';

CREATE AGGREGATE @extschema@.precision_agg(rank bigint, relevant boolean, k integer) (
	SFUNC = @extschema@.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = @extschema@.precision_agg_final,
	COMBINEFUNC = @extschema@.rank_metric_combine,
	SERIALFUNC = @extschema@.rank_metric_serialize, DESERIALFUNC = @extschema@.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.precision_agg(bigint, boolean, integer) IS
'Precision at k of one group of ranked rows (one user''s list): relevant ranks <= k divided by k; equals precision_at_k() on the same list. A NULL rank is skipped, a NULL relevant is not relevant, a rank given twice counts once.';

CREATE AGGREGATE @extschema@.recall_agg(rank bigint, relevant boolean, n_relevant integer, k integer) (
	SFUNC = @extschema@.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = @extschema@.recall_agg_final,
	COMBINEFUNC = @extschema@.rank_metric_combine,
	SERIALFUNC = @extschema@.rank_metric_serialize, DESERIALFUNC = @extschema@.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.recall_agg(bigint, boolean, integer, integer) IS
'Recall at k of one group of ranked rows: relevant ranks <= k divided by n_relevant (the user''s number of distinct relevant items, the same in every row); NULL when n_relevant is 0. Equals recall_at_k() on the same list.';

CREATE AGGREGATE @extschema@.ndcg_agg(rank bigint, relevant boolean, n_relevant integer, k integer) (
	SFUNC = @extschema@.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = @extschema@.ndcg_agg_final,
	COMBINEFUNC = @extschema@.rank_metric_combine,
	SERIALFUNC = @extschema@.rank_metric_serialize, DESERIALFUNC = @extschema@.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.ndcg_agg(bigint, boolean, integer, integer) IS
'Binary NDCG at k of one group of ranked rows, with the ideal DCG over min(k, n_relevant) hits; NULL when n_relevant is 0. Equals ndcg_at_k() on the same list.';

CREATE AGGREGATE @extschema@.mrr_agg(rank bigint, relevant boolean, k integer) (
	SFUNC = @extschema@.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = @extschema@.mrr_agg_final,
	COMBINEFUNC = @extschema@.rank_metric_combine,
	SERIALFUNC = @extschema@.rank_metric_serialize, DESERIALFUNC = @extschema@.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.mrr_agg(bigint, boolean, integer) IS
'Reciprocal rank of one group of ranked rows: 1 / the first relevant rank <= k, 0 if none; equals mrr() on the same list. Average it over users for MRR.';

CREATE AGGREGATE @extschema@.hit_agg(rank bigint, relevant boolean, k integer) (
	SFUNC = @extschema@.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = @extschema@.hit_agg_final,
	COMBINEFUNC = @extschema@.rank_metric_combine,
	SERIALFUNC = @extschema@.rank_metric_serialize, DESERIALFUNC = @extschema@.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.hit_agg(bigint, boolean, integer) IS
'Hit at k of one group of ranked rows: 1 if any rank <= k is relevant, else 0; equals hit_at_k() on the same list.';

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

DROP FUNCTION @extschema@.evaluate(text, regclass, text, text);
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
