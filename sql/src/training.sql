-- Training (src/train.c, src/recipe_*.c, src/collect.c): recipes, solutions
-- and their versions.
--
-- rec.collect_events gathers (user, item, time) triples with a combine function
-- and bytea partial states, so training reads a large relation with parallel
-- workers (SET rec.parallel_read = on) and shards can send their events to the
-- one server that trains (rec.dataset_events, rec.train_from_events).

CREATE FUNCTION @extschema@.train(
	solution text,
	recipe text DEFAULT NULL,
	dataset_group text DEFAULT NULL,
	params jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_train';
COMMENT ON FUNCTION @extschema@.train(text, text, text, jsonb) IS
'Train a new version of a solution (created on first use with the given recipe and dataset group, default ''default''); returns the solution version id. Offline metrics are computed Personalize''s way.';

CREATE FUNCTION @extschema@.solution_metrics(solution text, version bigint DEFAULT NULL)
RETURNS TABLE (metric text, value double precision)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v record;
BEGIN
	IF NOT EXISTS (SELECT FROM @extschema@.solution s WHERE s.name = solution_metrics.solution) THEN
		RAISE EXCEPTION 'solution "%" does not exist', solution USING ERRCODE = 'undefined_object';
	END IF;
	SELECT sv.id, sv.metrics INTO v FROM @extschema@.solution_version sv
	WHERE sv.solution = solution_metrics.solution
	  AND (solution_metrics.version IS NULL OR sv.id = solution_metrics.version)
	ORDER BY sv.id DESC LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'solution "%" has no version%', solution,
			coalesce(' ' || solution_metrics.version, '') USING ERRCODE = 'undefined_object';
	END IF;
	RETURN QUERY SELECT e.key, e.value::text::double precision
		FROM jsonb_each(coalesce(v.metrics, '{}')) e ORDER BY e.key;
END
$$;
COMMENT ON FUNCTION @extschema@.solution_metrics(text, bigint) IS
'Offline metrics of a solution version (the newest by default), with Personalize''s names: coverage, mean_reciprocal_rank_at_25, normalized_discounted_cumulative_gain_at_5/10/25, precision_at_5/10/25.';

CREATE FUNCTION @extschema@.drop_solution(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM @extschema@.solution s WHERE s.name = drop_solution.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'solution "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_solution(text) IS
'Drop a solution with its versions and the campaigns that deploy it.';

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

CREATE FUNCTION @extschema@.collect_events_trans(internal, bigint, bigint, double precision)
RETURNS internal
LANGUAGE C PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_trans';
COMMENT ON FUNCTION @extschema@.collect_events_trans(internal, bigint, bigint, double precision) IS
'Internal: transition function of rec.collect_events.';

CREATE FUNCTION @extschema@.collect_events_combine(internal, internal)
RETURNS internal
LANGUAGE C PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_combine';
COMMENT ON FUNCTION @extschema@.collect_events_combine(internal, internal) IS
'Internal: combine function of rec.collect_events (merges sorted partial states).';

CREATE FUNCTION @extschema@.collect_events_serialize(internal)
RETURNS bytea
LANGUAGE C STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_serialize';
COMMENT ON FUNCTION @extschema@.collect_events_serialize(internal) IS
'Internal: serial function of rec.collect_events (sorts the partial state in the worker).';

CREATE FUNCTION @extschema@.collect_events_deserialize(bytea, internal)
RETURNS internal
LANGUAGE C STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_deserialize';
COMMENT ON FUNCTION @extschema@.collect_events_deserialize(bytea, internal) IS
'Internal: deserial function of rec.collect_events.';

CREATE FUNCTION @extschema@.collect_events_final(internal)
RETURNS bytea
LANGUAGE C PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_final';
COMMENT ON FUNCTION @extschema@.collect_events_final(internal) IS
'Internal: final function of rec.collect_events.';

CREATE AGGREGATE @extschema@.collect_events(user_id bigint, item_id bigint, event_time double precision) (
	SFUNC = @extschema@.collect_events_trans,
	STYPE = internal,
	COMBINEFUNC = @extschema@.collect_events_combine,
	SERIALFUNC = @extschema@.collect_events_serialize,
	DESERIALFUNC = @extschema@.collect_events_deserialize,
	FINALFUNC = @extschema@.collect_events_final,
	FINALFUNC_MODIFY = READ_WRITE,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.collect_events(bigint, bigint, double precision) IS
'The (user_id, item_id, event_time in epoch seconds) rows as one event collection (bytea) in canonical order: user, time, item. Parallel safe: each worker sorts its part, the leader merges. Rows with a null are skipped. The value is in the server''s native layout, at most 1 GB (about 44 million events); training inside the server has no such limit.';

CREATE FUNCTION @extschema@.dataset_events(dataset_group text DEFAULT 'default', event_type text DEFAULT NULL)
RETURNS bytea
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'rec_dataset_events';
COMMENT ON FUNCTION @extschema@.dataset_events(text, text) IS
'A dataset group''s interactions (optionally of one event type) as one event collection of rec.collect_events, read in parallel when the planner chooses: what a shard sends to the server that trains with rec.train_from_events().';

CREATE FUNCTION @extschema@.train_from_events(
	solution text,
	recipe text DEFAULT NULL,
	dataset_group text DEFAULT NULL,
	params jsonb DEFAULT '{}',
	events bytea[] DEFAULT NULL)
RETURNS bigint
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_train_from_events';
COMMENT ON FUNCTION @extschema@.train_from_events(text, text, text, jsonb, bytea[]) IS
'Train like rec.train(), on the union of event collections (e.g. rec.dataset_events() of every shard) instead of the group''s interactions; the group still gives the items relation. The collections are taken as they are: filter event types when collecting. The dataset is built in canonical order, so the model equals that of rec.train() with rec.parallel_read on over the same events.';
