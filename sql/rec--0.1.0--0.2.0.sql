-- rec 0.1.0 -> 0.2.0
-- CREATE EXTENSION rec installs 0.1.0 and then runs this script; 0.1.0's
-- script is released and never edited, so every change since lives here.
\echo Use "ALTER EXTENSION rec UPDATE TO '0.2.0'" to load this file. \quit

-- Serving: similar_items says why each row is there ---------------------------

DROP FUNCTION @extschema@.similar_items(bigint, integer, bigint[], text);
CREATE FUNCTION @extschema@.similar_items(
	item_id bigint,
	k integer DEFAULT 25,
	exclude_items bigint[] DEFAULT NULL,
	campaign text DEFAULT NULL)
RETURNS TABLE (item_id bigint, score real, reason text)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_similar_items';
COMMENT ON FUNCTION @extschema@.similar_items(bigint, integer, bigint[], text) IS
'Top-k items similar to an item, best first. reason is ''similar'' (the model''s row of the item), ''category'' (for an item known only from metadata: shares its categories) or ''popular'' (when fewer than k items are similar, the most popular of the rest, score 0; and every row of a popularity-count campaign). Scores are shares of the row''s positive total, as in recommend(). An item unknown to the campaign''s model is an error.';

COMMENT ON FUNCTION @extschema@.recommend(bigint, integer, boolean, bigint[], bigint[], text) IS
'Top-k items for a user from the user''s current history, best first. score is the item''s share of the positive scores over the whole catalogue (they sum to 1; the popularity fallback''s is the item''s share of all events), on one scale for every user and model. reason is ''personalized'' (because_item_id: the history item that contributes most), ''session'' (a new category the newest events turned to; because_item_id: the newest such event), ''exploration'' (a new item matching the user''s categories) or ''popular'' (the fallback for a user with no usable history). Campaign defaults to rec.campaign.';

-- Training: recipes and their parameters, one row each -------------------------

DROP FUNCTION @extschema@.recipes();
CREATE FUNCTION @extschema@.recipes()
RETURNS TABLE (name text, algorithm text, description text)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_recipes';
COMMENT ON FUNCTION @extschema@.recipes() IS
'The recipes rec.train() accepts, with their algorithm; rec.recipe_parameters() lists their parameters.';

CREATE FUNCTION @extschema@.recipe_parameters(recipe text DEFAULT NULL)
RETURNS TABLE (recipe text, parameter text, type text, default_value text,
			   min_value double precision, max_value double precision, description text)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_recipe_parameters';
COMMENT ON FUNCTION @extschema@.recipe_parameters(text) IS
'The parameters a recipe accepts in rec.train()''s params (every recipe''s when recipe is NULL), with type, default, range and meaning.';

-- Campaigns: names are checked before they reach the table; which version serves

CREATE OR REPLACE FUNCTION @extschema@.deploy(campaign text, solution text DEFAULT NULL, version bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	sol text := solution;
	serving bigint;
BEGIN
	IF campaign IS NULL OR (solution IS NULL AND version IS NULL) THEN
		RAISE EXCEPTION 'campaign and one of solution or version must be given'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF campaign = '' THEN
		RAISE EXCEPTION 'campaign name must not be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF version IS NOT NULL THEN
		SELECT sv.solution INTO sol FROM @extschema@.solution_version sv WHERE sv.id = version;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'solution version % does not exist', version USING ERRCODE = 'undefined_object';
		END IF;
		IF solution IS NOT NULL AND sol <> solution THEN
			RAISE EXCEPTION 'solution version % belongs to solution "%", not "%"', version, sol, solution
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	ELSIF NOT EXISTS (SELECT FROM @extschema@.solution s WHERE s.name = sol) THEN
		RAISE EXCEPTION 'solution "%" does not exist', sol
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.train().';
	END IF;
	INSERT INTO @extschema@.campaign AS c (name, solution, solution_version)
	VALUES (campaign, sol, version)
	ON CONFLICT (name) DO UPDATE
	SET solution = excluded.solution, solution_version = excluded.solution_version,
		updated_at = pg_catalog.now();
	SELECT max(sv.id) INTO serving FROM @extschema@.solution_version sv
	WHERE sv.solution = sol AND (version IS NULL OR sv.id = version);
	RETURN serving;
END
$$;

CREATE VIEW @extschema@.campaign_status AS
SELECT c.name AS campaign, c.solution, c.solution_version IS NULL AS follows_newest,
	v.id AS serving_version, v.recipe, v.created_at AS version_created_at, c.updated_at
FROM @extschema@.campaign c
LEFT JOIN LATERAL (
	SELECT sv.id, sv.recipe, sv.created_at FROM @extschema@.solution_version sv
	WHERE sv.solution = c.solution AND (c.solution_version IS NULL OR sv.id = c.solution_version)
	ORDER BY sv.id DESC LIMIT 1) v ON true;
COMMENT ON VIEW @extschema@.campaign_status IS
'Each campaign with the solution version it serves now: its pinned version, or (follows_newest) the newest version of its solution; serving_version is NULL while the solution has none.';

-- Events: event type and value only when given; no silent drop ------------------

DROP FUNCTION @extschema@.log_event(bigint, bigint, text, real, timestamptz, text);
CREATE FUNCTION @extschema@.log_event(
	user_id bigint,
	item_id bigint,
	event_type text DEFAULT NULL,
	event_value real DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT 'default')
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(bigint, bigint, text, real, timestamptz, text) IS
'Record one event in a dataset group''s interactions (Personalize''s PutEvents). The next recommend(), even in the same transaction, reflects it. event_type and event_value left NULL take the column''s default (''click'' in rec.interactions); giving one to a group without that column is an error. An event dated more than a day after now() is refused.';

-- Dataset groups: a bound relation cannot be dropped from under its group -----

CREATE FUNCTION @extschema@.protect_bound_relations()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bound record;
BEGIN
	IF pg_catalog.to_regclass('@extschema@.dataset_group') IS NULL THEN
		RETURN;		-- the extension itself is being dropped
	END IF;
	SELECT g.name, o.object_type, o.object_identity INTO bound
	FROM pg_catalog.pg_event_trigger_dropped_objects() o
	JOIN @extschema@.dataset_group g
		ON o.objid OPERATOR(pg_catalog.=) ANY (ARRAY[g.interactions::oid, g.items::oid, g.users::oid])
	WHERE o.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
		AND o.objsubid OPERATOR(pg_catalog.=) 0
	ORDER BY g.name LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'cannot drop % % because dataset group "%" is bound to it',
			bound.object_type, bound.object_identity, bound.name
			USING ERRCODE = 'dependent_objects_still_exist',
				  HINT = CASE WHEN bound.name = 'default'
					THEN 'The default dataset group is bound to rec''s own tables; DROP EXTENSION rec removes them.'
					ELSE pg_catalog.format('Drop the group first with rec.drop_dataset_group(%L), or bind it to other relations with rec.create_dataset_group(..., replace => true).', bound.name) END;
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.protect_bound_relations() IS
'Internal event trigger: refuses to drop a table or view a dataset group is bound to, even with CASCADE, naming the group.';
CREATE EVENT TRIGGER rec_protect_bound_relations ON sql_drop
	EXECUTE FUNCTION @extschema@.protect_bound_relations();

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

-- Serving: the history read of the default group can be index-only -------------

DROP INDEX @extschema@.interactions_user_ts_idx;
CREATE INDEX interactions_user_ts_idx ON @extschema@.interactions (user_id, ts) INCLUDE (item_id);
