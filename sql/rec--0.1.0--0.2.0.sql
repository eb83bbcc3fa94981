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
