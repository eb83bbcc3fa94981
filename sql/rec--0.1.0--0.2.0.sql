-- rec 0.1.0 -> 0.2.0
-- One change per object changed since 0.1.0, by topic in the order of
-- sql/src/*.sql (which hold the current definitions: a fresh install of 0.2.0
-- runs the script built from them). test/upgrade checks that 0.1.0 updated
-- with this script and a fresh install have the same catalogue.
\echo Use "ALTER EXTENSION rec UPDATE TO '0.2.0'" to load this file. \quit

-- Schemas: the functions only rec calls move out of rec ------------------------

CREATE SCHEMA rec_internal;
COMMENT ON SCHEMA rec_internal IS
'Functions only rec calls (triggers, aggregate support, helpers of its SQL functions); rec''s API is in schema rec.';
GRANT USAGE ON SCHEMA rec_internal TO PUBLIC;

ALTER FUNCTION @extschema@.catalogue_changed() SET SCHEMA rec_internal;
ALTER FUNCTION @extschema@.column_type(regclass, text, text, text) SET SCHEMA rec_internal;

-- Tables, indexes and the view ------------------------------------------------

DROP INDEX @extschema@.interactions_user_ts_idx;
CREATE INDEX interactions_user_ts_idx ON @extschema@.interactions (user_id, ts) INCLUDE (item_id);

CREATE INDEX items_categories_idx ON @extschema@.items USING gin (categories);

UPDATE @extschema@.dataset_group
SET columns = columns || '{"users_user_id": "user_id", "user_categories": "properties", "user_categories_json": true}'
WHERE name = 'default';

CREATE TABLE @extschema@.model_chunk (
	version bigint NOT NULL REFERENCES @extschema@.solution_version ON DELETE CASCADE,
	seq integer NOT NULL CHECK (seq > 0),
	data bytea NOT NULL,
	PRIMARY KEY (version, seq)
);

ALTER TABLE @extschema@.model_chunk ALTER COLUMN data SET STORAGE EXTERNAL;

COMMENT ON TABLE @extschema@.model_chunk IS
'The rest of a model larger than rec.model_chunk_size: solution_version.model holds its first piece, rows 1..n the following ones, each as long as the first but the last.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_chunk', '');

CREATE TABLE @extschema@.campaign_variant (
	campaign text NOT NULL REFERENCES @extschema@.campaign ON DELETE CASCADE ON UPDATE CASCADE,
	variant text NOT NULL REFERENCES @extschema@.campaign ON DELETE CASCADE ON UPDATE CASCADE,
	share double precision NOT NULL CHECK (share > 0 AND share <= 1),
	PRIMARY KEY (campaign, variant),
	CHECK (variant <> campaign)
);

CREATE INDEX campaign_variant_variant_idx ON @extschema@.campaign_variant (variant);

COMMENT ON TABLE @extschema@.campaign_variant IS
'The variants of an A/B campaign: other campaigns, each with its share of the users.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.campaign_variant', '');

CREATE TABLE @extschema@.filter (
	name text PRIMARY KEY CHECK (name <> ''),
	dataset_group text NOT NULL REFERENCES @extschema@.dataset_group ON DELETE CASCADE,
	expression text NOT NULL,
	parts jsonb NOT NULL,
	parameters jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE @extschema@.filter IS
'Named filters (Personalize''s filters): the expression as written, its parts compiled to queries over candidate items by rec.create_filter(), and the parameters it takes (list or value).';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.filter', '');

CREATE TABLE @extschema@.impression (
	campaign text NOT NULL,
	variant text NOT NULL,
	user_id bigint NOT NULL,
	items bigint[] NOT NULL,
	ts timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE INDEX impression_campaign_ts_idx ON @extschema@.impression (campaign, ts);
-- a user's newest impressions in a campaign, which recommend() reads (impression_decay)
CREATE INDEX impression_campaign_user_ts_idx ON @extschema@.impression (campaign, user_id, ts);

COMMENT ON TABLE @extschema@.impression IS
'Recommendation lists an application showed (rec.log_impression): one row per list, the items in the order shown.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.impression', '');

CREATE TABLE @extschema@.event_attribution (
	campaign text NOT NULL,
	variant text NOT NULL,
	rank integer CHECK (rank >= 1),
	user_id bigint NOT NULL,
	item_id bigint NOT NULL,
	event_type text NOT NULL,
	ts timestamptz NOT NULL
);

CREATE INDEX event_attribution_campaign_ts_idx ON @extschema@.event_attribution (campaign, ts);
-- rec.delete_users finds a user's rows by user_id
CREATE INDEX event_attribution_user_idx ON @extschema@.event_attribution (user_id);

COMMENT ON TABLE @extschema@.event_attribution IS
'Events attributed to the recommendation that led to them (rec.log_event with campaign): campaign, variant that served, rank shown.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.event_attribution', '');

CREATE TRIGGER campaign_variant_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.campaign_variant
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.catalogue_changed();

CREATE FUNCTION rec_internal.model_files_sweep()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'rec_model_files_sweep';
COMMENT ON FUNCTION rec_internal.model_files_sweep() IS
'Internal trigger: removes the server''s model files (rec_models/ in the data directory) of solution versions that no longer exist.';

CREATE TRIGGER solution_version_deleted AFTER DELETE OR TRUNCATE ON @extschema@.solution_version
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.model_files_sweep();

CREATE FUNCTION rec_internal.protect_bound_relations()
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
COMMENT ON FUNCTION rec_internal.protect_bound_relations() IS
'Internal event trigger: refuses to drop a table or view a dataset group is bound to, even with CASCADE, naming the group.';

CREATE EVENT TRIGGER rec_protect_bound_relations ON sql_drop
	EXECUTE FUNCTION rec_internal.protect_bound_relations();

CREATE VIEW @extschema@.campaign_status AS
SELECT c.name AS campaign, c.solution, c.solution_version IS NULL AS follows_newest,
	v.id AS serving_version, v.recipe, v.created_at AS version_created_at, c.updated_at,
	(SELECT pg_catalog.jsonb_object_agg(cv.variant, cv.share ORDER BY cv.variant)
	 FROM @extschema@.campaign_variant cv WHERE cv.campaign = c.name) AS variants
FROM @extschema@.campaign c
LEFT JOIN LATERAL (
	SELECT sv.id, sv.recipe, sv.created_at FROM @extschema@.solution_version sv
	WHERE sv.solution = c.solution AND (c.solution_version IS NULL OR sv.id = c.solution_version)
	ORDER BY sv.id DESC LIMIT 1) v ON true;

COMMENT ON VIEW @extschema@.campaign_status IS
'Each campaign with the solution version it serves now: its pinned version, or (follows_newest) the newest version of its solution; serving_version is NULL while the solution has none. variants: an A/B campaign''s variants and shares (its own row serves what its main variant served when deployed).';

-- Dataset groups --------------------------------------------------------------

CREATE FUNCTION @extschema@.key_id(key text)
RETURNS bigint
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_key_id';
COMMENT ON FUNCTION @extschema@.key_id(text) IS
'The internal id of a text or uuid user or item id (uuids as their canonical text): its 64-bit hash. Dataset reads filter by it; rec.holdout_recommend and rec.event_attribution give text and uuid ids this way.';

CREATE OR REPLACE FUNCTION @extschema@.create_dataset_group(
	name text,
	interactions regclass,
	items regclass DEFAULT NULL,
	users regclass DEFAULT NULL,
	columns jsonb DEFAULT '{}',
	replace boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m jsonb := '{}';
	k text;
	t regtype;
	item_kind text;
	user_kind text;
	ints regtype[] := '{smallint,integer,bigint}';
	ids regtype[] := '{smallint,integer,bigint,text,varchar,uuid}';
	nums regtype[] := '{smallint,integer,bigint,real,double precision,numeric}';
BEGIN
	IF name IS NULL OR interactions IS NULL OR columns IS NULL OR replace IS NULL THEN
		RAISE EXCEPTION 'name, interactions, columns and replace must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF name = 'default' THEN
		RAISE EXCEPTION 'dataset group "default" is bound to rec''s own tables and cannot be replaced'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF jsonb_typeof(columns) <> 'object' THEN
		RAISE EXCEPTION 'columns must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR k IN SELECT jsonb_object_keys(columns) LOOP
		IF k <> ALL ('{user_id,item_id,ts,event_type,event_value,context,items_item_id,categories,created_at,users_user_id,user_categories,user_categories_key}') THEN
			RAISE EXCEPTION 'unknown column mapping key "%"', k
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Keys are user_id, item_id, ts, event_type, event_value, context, items_item_id, categories, created_at, users_user_id, user_categories and user_categories_key.';
		END IF;
		IF k = 'context' THEN
			IF jsonb_typeof(columns -> k) <> 'array' OR jsonb_array_length(columns -> k) = 0
			   OR EXISTS (SELECT FROM jsonb_array_elements(columns -> k) e WHERE jsonb_typeof(e) <> 'string') THEN
				RAISE EXCEPTION 'column mapping "context" must be a non-empty array of column names'
					USING ERRCODE = 'invalid_parameter_value',
						  HINT = 'Give it as ''{"context": ["device", "daypart"]}''.';
			END IF;
			CONTINUE;
		END IF;
		IF jsonb_typeof(columns -> k) <> 'string' THEN
			RAISE EXCEPTION 'column mapping "%" must be a column name string', k
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END LOOP;

	-- interactions: user, item and time are required; event type and value optional
	FOREACH k IN ARRAY '{user_id,item_id}'::text[] LOOP
		t := rec_internal.column_type(interactions, coalesce(columns ->> k, k), k);
		IF t <> ALL (ids) THEN
			RAISE EXCEPTION 'column "%" of relation % must be an integer, text, varchar or uuid type, not %',
				coalesce(columns ->> k, k), interactions, t USING ERRCODE = 'datatype_mismatch';
		END IF;
		m := m || jsonb_build_object(k, coalesce(columns ->> k, k));
		IF t <> ALL (ints) THEN
			m := m || jsonb_build_object(CASE k WHEN 'user_id' THEN 'user_type' ELSE 'item_type' END, t::text);
		END IF;
	END LOOP;
	item_kind := CASE WHEN m ? 'item_type' THEN m ->> 'item_type' ELSE 'integer' END;
	user_kind := CASE WHEN m ? 'user_type' THEN m ->> 'user_type' ELSE 'integer' END;
	t := rec_internal.column_type(interactions, coalesce(columns ->> 'ts', 'ts'), 'ts');
	IF t <> ALL ('{timestamptz,timestamp}'::regtype[] || nums) THEN
		RAISE EXCEPTION 'column "%" of relation % must be a timestamp or epoch seconds, not %',
			coalesce(columns ->> 'ts', 'ts'), interactions, t USING ERRCODE = 'datatype_mismatch';
	END IF;
	m := m || jsonb_build_object('ts', coalesce(columns ->> 'ts', 'ts'),
								 'ts_is_epoch', t = ANY (nums));
	t := rec_internal.column_type(interactions, coalesce(columns ->> 'event_type', 'event_type'),
								 CASE WHEN columns ? 'event_type' THEN 'event_type' END);
	IF t IS NOT NULL THEN
		IF t <> ALL ('{text,varchar}'::regtype[]) THEN
			RAISE EXCEPTION 'column "%" of relation % must be text, not %',
				coalesce(columns ->> 'event_type', 'event_type'), interactions, t
				USING ERRCODE = 'datatype_mismatch';
		END IF;
		m := m || jsonb_build_object('event_type', coalesce(columns ->> 'event_type', 'event_type'));
	END IF;
	t := rec_internal.column_type(interactions, coalesce(columns ->> 'event_value', 'event_value'),
								 CASE WHEN columns ? 'event_value' THEN 'event_value' END);
	IF t IS NOT NULL THEN
		IF t <> ALL (nums) THEN
			RAISE EXCEPTION 'column "%" of relation % must be numeric, not %',
				coalesce(columns ->> 'event_value', 'event_value'), interactions, t
				USING ERRCODE = 'datatype_mismatch';
		END IF;
		m := m || jsonb_build_object('event_value', coalesce(columns ->> 'event_value', 'event_value'));
	END IF;

	-- context (Personalize's context): columns of the interactions, of any type,
	-- that serving's context => {"column": value} compares as text
	FOR k IN SELECT DISTINCT e FROM jsonb_array_elements_text(columns -> 'context') e ORDER BY 1 LOOP
		PERFORM rec_internal.column_type(interactions, k, 'context',
			'Map the interactions'' context columns with columns => ''{"context": ["device", "daypart"]}''.');
	END LOOP;
	IF columns ? 'context' THEN
		m := m || jsonb_build_object('context', (SELECT jsonb_agg(DISTINCT e ORDER BY e)
												 FROM jsonb_array_elements_text(columns -> 'context') e));
	END IF;

	-- items: an id column of the same kind as the interactions' item ids, and optional text[] categories
	IF items IS NOT NULL THEN
		t := rec_internal.column_type(items, coalesce(columns ->> 'items_item_id', 'item_id'), 'items_item_id');
		IF (CASE WHEN t = ANY (ints) THEN 'integer' WHEN t = 'varchar'::regtype THEN 'text' ELSE t::text END)
			IS DISTINCT FROM (CASE item_kind WHEN 'character varying' THEN 'text' ELSE item_kind END) THEN
			RAISE EXCEPTION 'column "%" of relation % must be of the type of the item ids (%), not %',
				coalesce(columns ->> 'items_item_id', 'item_id'), items,
				CASE item_kind WHEN 'integer' THEN 'an integer type' ELSE item_kind END, t
				USING ERRCODE = 'datatype_mismatch';
		END IF;
		m := m || jsonb_build_object('items_item_id', coalesce(columns ->> 'items_item_id', 'item_id'));
		t := rec_internal.column_type(items, coalesce(columns ->> 'categories', 'categories'),
									 CASE WHEN columns ? 'categories' THEN 'categories' END);
		IF t IS NOT NULL THEN
			IF t <> 'text[]'::regtype THEN
				RAISE EXCEPTION 'column "%" of relation % must be text[], not %',
					coalesce(columns ->> 'categories', 'categories'), items, t
					USING ERRCODE = 'datatype_mismatch';
			END IF;
			m := m || jsonb_build_object('categories', coalesce(columns ->> 'categories', 'categories'));
		END IF;
		t := rec_internal.column_type(items, coalesce(columns ->> 'created_at', 'created_at'),
									 CASE WHEN columns ? 'created_at' THEN 'created_at' END);
		IF t IS NOT NULL THEN
			IF t <> ALL ('{timestamptz,timestamp}'::regtype[]) THEN
				RAISE EXCEPTION 'column "%" of relation % must be a timestamp, not %',
					coalesce(columns ->> 'created_at', 'created_at'), items, t
					USING ERRCODE = 'datatype_mismatch';
			END IF;
			m := m || jsonb_build_object('created_at', coalesce(columns ->> 'created_at', 'created_at'));
		END IF;
	ELSIF columns ?| '{items_item_id,categories,created_at}' THEN
		RAISE EXCEPTION 'columns maps item metadata but no items relation is given'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- users: an id column of the same kind as the interactions' user ids, and
	-- what they like: a text[] column of categories, or a jsonb column whose
	-- string values (all, or under user_categories_key) are
	IF users IS NOT NULL THEN
		t := rec_internal.column_type(users, coalesce(columns ->> 'users_user_id', 'user_id'), 'users_user_id');
		IF (CASE WHEN t = ANY (ints) THEN 'integer' WHEN t = 'varchar'::regtype THEN 'text' ELSE t::text END)
			IS DISTINCT FROM (CASE user_kind WHEN 'character varying' THEN 'text' ELSE user_kind END) THEN
			RAISE EXCEPTION 'column "%" of relation % must be of the type of the user ids (%), not %',
				coalesce(columns ->> 'users_user_id', 'user_id'), users,
				CASE user_kind WHEN 'integer' THEN 'an integer type' ELSE user_kind END, t
				USING ERRCODE = 'datatype_mismatch';
		END IF;
		m := m || jsonb_build_object('users_user_id', coalesce(columns ->> 'users_user_id', 'user_id'));
		t := rec_internal.column_type(users, coalesce(columns ->> 'user_categories', 'properties'),
									 CASE WHEN columns ? 'user_categories' THEN 'user_categories' END);
		IF t IS NOT NULL THEN
			IF t <> ALL ('{text[],jsonb}'::regtype[]) THEN
				RAISE EXCEPTION 'column "%" of relation % must be text[] or jsonb, not %',
					coalesce(columns ->> 'user_categories', 'properties'), users, t
					USING ERRCODE = 'datatype_mismatch';
			END IF;
			IF columns ? 'user_categories_key' AND t <> 'jsonb'::regtype THEN
				RAISE EXCEPTION 'user_categories_key needs a jsonb user_categories column'
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
			m := m || jsonb_build_object('user_categories', coalesce(columns ->> 'user_categories', 'properties'),
										 'user_categories_json', t = 'jsonb'::regtype);
			IF columns ? 'user_categories_key' THEN
				m := m || jsonb_build_object('user_categories_key', columns ->> 'user_categories_key');
			END IF;
		ELSIF columns ? 'user_categories_key' THEN
			RAISE EXCEPTION 'user_categories_key needs a jsonb user_categories column'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	ELSIF columns ?| '{users_user_id,user_categories,user_categories_key}' THEN
		RAISE EXCEPTION 'columns maps user metadata but no users relation is given'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	IF replace THEN
		UPDATE @extschema@.dataset_group g
		SET interactions = create_dataset_group.interactions, items = create_dataset_group.items,
			users = create_dataset_group.users, columns = m
		WHERE g.name = create_dataset_group.name;
		IF FOUND THEN
			-- the group's filters are compiled against its relations and columns:
			-- compile them again, or they would go on reading the old ones
			FOR k IN SELECT f.name FROM @extschema@.filter f
					 WHERE f.dataset_group = create_dataset_group.name ORDER BY 1 LOOP
				BEGIN
					PERFORM @extschema@.create_filter(k, f.expression, create_dataset_group.name, true)
					FROM @extschema@.filter f WHERE f.name = k;
				EXCEPTION WHEN others THEN
					RAISE EXCEPTION 'filter "%" of dataset group "%" does not fit its new binding: %',
						k, create_dataset_group.name, SQLERRM
						USING ERRCODE = SQLSTATE,
							  HINT = 'Drop the filter with rec.drop_filter() first, or keep the fields it reads.';
				END;
			END LOOP;
			RETURN;
		END IF;
	END IF;
	INSERT INTO @extschema@.dataset_group (name, interactions, items, users, columns)
	VALUES (name, interactions, items, users, m);
EXCEPTION WHEN unique_violation THEN
	RAISE EXCEPTION 'dataset group "%" already exists', name
		USING ERRCODE = 'duplicate_object', HINT = 'Pass replace => true to bind it again.';
END
$$;
COMMENT ON FUNCTION @extschema@.create_dataset_group(text, regclass, regclass, regclass, jsonb, boolean) IS
'Bind a dataset group to your own tables or views. columns maps rec''s names (user_id, item_id, ts, event_type, event_value; items_item_id, categories, created_at of the items; users_user_id, user_categories (text[] or jsonb), user_categories_key of the users) to yours, and context to a JSON array of the interactions'' context columns (Personalize''s context, e.g. ["device"]); user and item ids may be integers, text, varchar or uuid (each its own; the items'' and users'' id columns of the same kind), ts a timestamp or epoch seconds.';

-- Training --------------------------------------------------------------------

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

CREATE FUNCTION rec_internal.collect_events_trans(internal, bigint, bigint, double precision)
RETURNS internal
LANGUAGE C PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_trans';
COMMENT ON FUNCTION rec_internal.collect_events_trans(internal, bigint, bigint, double precision) IS
'Internal: transition function of rec.collect_events.';

CREATE FUNCTION rec_internal.collect_events_combine(internal, internal)
RETURNS internal
LANGUAGE C PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_combine';
COMMENT ON FUNCTION rec_internal.collect_events_combine(internal, internal) IS
'Internal: combine function of rec.collect_events (merges sorted partial states).';

CREATE FUNCTION rec_internal.collect_events_serialize(internal)
RETURNS bytea
LANGUAGE C STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_serialize';
COMMENT ON FUNCTION rec_internal.collect_events_serialize(internal) IS
'Internal: serial function of rec.collect_events (sorts the partial state in the worker).';

CREATE FUNCTION rec_internal.collect_events_deserialize(bytea, internal)
RETURNS internal
LANGUAGE C STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_deserialize';
COMMENT ON FUNCTION rec_internal.collect_events_deserialize(bytea, internal) IS
'Internal: deserial function of rec.collect_events.';

CREATE FUNCTION rec_internal.collect_events_final(internal)
RETURNS bytea
LANGUAGE C PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_collect_events_final';
COMMENT ON FUNCTION rec_internal.collect_events_final(internal) IS
'Internal: final function of rec.collect_events.';

CREATE AGGREGATE @extschema@.collect_events(user_id bigint, item_id bigint, event_time double precision) (
	SFUNC = rec_internal.collect_events_trans,
	STYPE = internal,
	COMBINEFUNC = rec_internal.collect_events_combine,
	SERIALFUNC = rec_internal.collect_events_serialize,
	DESERIALFUNC = rec_internal.collect_events_deserialize,
	FINALFUNC = rec_internal.collect_events_final,
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

-- Filters ---------------------------------------------------------------------

CREATE FUNCTION @extschema@.create_filter(
	name text,
	expression text,
	dataset_group text DEFAULT 'default',
	replace boolean DEFAULT false)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_create_filter';
COMMENT ON FUNCTION @extschema@.create_filter(text, text, text, boolean) IS
'Create a named filter over a dataset group''s item metadata and the user''s interactions, e.g. ''EXCLUDE ITEMS WHERE categories IN $genres'' or ''INCLUDE ITEMS WHERE interactions.event_type IN ("click")''. Compiled and checked once; use it with filter => in recommend, similar_items and batch_recommend, or as a promotion.';

CREATE FUNCTION @extschema@.drop_filter(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM @extschema@.filter f WHERE f.name = drop_filter.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'filter "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_filter(text) IS 'Drop a named filter.';

-- Campaigns -------------------------------------------------------------------

DROP FUNCTION @extschema@.deploy(text, text, bigint);
CREATE FUNCTION @extschema@.deploy(
	campaign text,
	solution text DEFAULT NULL,
	version bigint DEFAULT NULL,
	variants jsonb DEFAULT NULL,
	pin_variants boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	sol text := solution;
	ver bigint := version;
	serving bigint;
	total double precision;
	bad record;
	main text;
	arm record;
BEGIN
	IF variants IS NOT NULL THEN
		IF campaign IS NULL THEN
			RAISE EXCEPTION 'campaign must not be null' USING ERRCODE = 'null_value_not_allowed';
		END IF;
		IF solution IS NOT NULL OR version IS NOT NULL THEN
			RAISE EXCEPTION 'give variants or a solution or version, not both'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Each variant is a campaign of its own: deploy the versions to those first.';
		END IF;
		IF jsonb_typeof(variants) <> 'object' OR variants = '{}' THEN
			RAISE EXCEPTION 'variants must be a JSON object of campaign names and shares'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'For example ''{"up-v7": 0.9, "up-v8": 0.1}''.';
		END IF;
		SELECT v.key, v.value INTO bad FROM jsonb_each(variants) v
		WHERE jsonb_typeof(v.value) <> 'number' OR v.value::text::float8 <= 0 OR v.value::text::float8 > 1
		ORDER BY v.key LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'share of variant "%" must be a number above 0 and at most 1, not %', bad.key, bad.value
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		SELECT sum(v.value::text::float8) INTO total FROM jsonb_each(variants) v;
		IF abs(total - 1) > 1e-6 THEN
			RAISE EXCEPTION 'variant shares must add up to 1, not %', pg_catalog.trim_scale(round(total::numeric, 4))
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		SELECT v.key INTO main FROM jsonb_each(variants) v
		WHERE v.key = campaign OR NOT EXISTS (SELECT FROM @extschema@.campaign c WHERE c.name = v.key)
		ORDER BY v.key LIMIT 1;
		IF FOUND THEN
			IF main = campaign THEN
				RAISE EXCEPTION 'campaign "%" cannot be a variant of itself', campaign
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
			RAISE EXCEPTION 'variant campaign "%" does not exist', main
				USING ERRCODE = 'undefined_object',
					  HINT = 'Deploy each variant as a campaign first, e.g. rec.deploy(''up-v8'', version => 8).';
		END IF;
		SELECT v.key INTO main FROM jsonb_each(variants) v
		JOIN @extschema@.campaign_variant cv ON cv.campaign = v.key ORDER BY v.key LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'variant campaign "%" has variants itself', main
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF EXISTS (SELECT FROM @extschema@.campaign_variant cv WHERE cv.variant = deploy.campaign) THEN
			RAISE EXCEPTION 'campaign "%" is a variant of campaign "%"', campaign,
				(SELECT min(cv.campaign) FROM @extschema@.campaign_variant cv WHERE cv.variant = deploy.campaign)
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		-- an arm that follows the newest version of its solution would move to a version
		-- trained during the test: pin it to the version it serves now, or say so
		FOR arm IN
			SELECT c.name, c.solution, max(sv.id) AS serving
			FROM jsonb_each(variants) v JOIN @extschema@.campaign c ON c.name = v.key
			JOIN @extschema@.solution_version sv ON sv.solution = c.solution
			WHERE c.solution_version IS NULL GROUP BY c.name, c.solution ORDER BY c.name
		LOOP
			IF pin_variants IS DISTINCT FROM false THEN
				UPDATE @extschema@.campaign c SET solution_version = arm.serving, updated_at = pg_catalog.now()
				WHERE c.name = arm.name;
				RAISE NOTICE 'variant campaign "%" followed the newest version of solution "%": pinned to version % for the test',
					arm.name, arm.solution, arm.serving
					USING HINT = pg_catalog.format('rec.deploy(%L, %L) makes it follow the newest version again.', arm.name, arm.solution);
			ELSE
				RAISE WARNING 'variant campaign "%" follows the newest version of solution "%": training that solution moves this arm during the test',
					arm.name, arm.solution
					USING HINT = 'Leave pin_variants at true to pin each arm to the version it serves now.';
			END IF;
		END LOOP;
		-- the row itself serves what the main variant (largest share) serves
		SELECT c.solution, c.solution_version INTO sol, ver
		FROM jsonb_each(variants) v JOIN @extschema@.campaign c ON c.name = v.key
		ORDER BY v.value::text::float8 DESC, v.key LIMIT 1;
	ELSE
		IF campaign IS NULL OR (solution IS NULL AND version IS NULL) THEN
			RAISE EXCEPTION 'campaign and one of solution or version must be given'
				USING ERRCODE = 'null_value_not_allowed';
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
	END IF;
	IF campaign = '' THEN
		RAISE EXCEPTION 'campaign name must not be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO @extschema@.campaign AS c (name, solution, solution_version)
	VALUES (campaign, sol, ver)
	ON CONFLICT (name) DO UPDATE
	SET solution = excluded.solution, solution_version = excluded.solution_version,
		updated_at = pg_catalog.now();
	DELETE FROM @extschema@.campaign_variant cv WHERE cv.campaign = deploy.campaign;
	IF variants IS NOT NULL THEN
		INSERT INTO @extschema@.campaign_variant (campaign, variant, share)
		SELECT deploy.campaign, v.key, v.value::text::float8 FROM jsonb_each(variants) v;
	END IF;
	SELECT max(sv.id) INTO serving FROM @extschema@.solution_version sv
	WHERE sv.solution = sol AND (ver IS NULL OR sv.id = ver);
	RETURN serving;
END
$$;
COMMENT ON FUNCTION @extschema@.deploy(text, text, bigint, jsonb, boolean) IS
'Create or move a campaign: to a pinned solution version, to whatever the newest version of a solution is (version NULL), or (variants) to an A/B test between other campaigns with their shares of the users, e.g. ''{"up-v7": 0.9, "up-v8": 0.1}''; a variant campaign that follows the newest version of its solution is pinned to the version it serves now, with a notice, so that retraining cannot move an arm mid-test (pin_variants => false leaves it following, with a warning). Serving sees the move at once. Returns the version the campaign (its main variant) serves now.';

CREATE FUNCTION @extschema@.version_checksum(version bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.md5(pg_catalog.string_agg(pg_catalog.md5(p.data), '' ORDER BY p.seq))
	FROM (SELECT 0 AS seq, sv.model AS data FROM @extschema@.solution_version sv WHERE sv.id = version_checksum.version
		  UNION ALL
		  SELECT c.seq, c.data FROM @extschema@.model_chunk c WHERE c.version = version_checksum.version) p;
END;
COMMENT ON FUNCTION @extschema@.version_checksum(bigint) IS
'MD5 over the MD5s of a solution version''s stored model pieces, in order: equal on two servers when they hold the same model bytes; NULL for a version that does not exist.';

CREATE FUNCTION @extschema@.version_model(version bigint)
RETURNS bytea[]
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.array_agg(p.data ORDER BY p.seq)
	FROM (SELECT 0 AS seq, sv.model AS data FROM @extschema@.solution_version sv WHERE sv.id = version_model.version
		  UNION ALL
		  SELECT c.seq, c.data FROM @extschema@.model_chunk c WHERE c.version = version_model.version) p;
END;
COMMENT ON FUNCTION @extschema@.version_model(bigint) IS
'A solution version''s stored model pieces in order (the model column, then rec.model_chunk rows), for rec.install_version() on another server.';

CREATE FUNCTION @extschema@.version_meta(version bigint)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.jsonb_build_object('id', sv.id, 'solution', sv.solution, 'recipe', sv.recipe,
		'params', sv.params, 'metrics', sv.metrics, 'n_users', sv.n_users, 'n_items', sv.n_items,
		'n_interactions', sv.n_interactions, 'training_seconds', sv.training_seconds,
		'created_at', sv.created_at, 'dataset_group', s.dataset_group, 'solution_params', s.params)
	FROM @extschema@.solution_version sv JOIN @extschema@.solution s ON s.name = sv.solution
	WHERE sv.id = version_meta.version;
END;
COMMENT ON FUNCTION @extschema@.version_meta(bigint) IS
'A solution version''s row (without its model) and its solution''s recipe, group and parameters, as jsonb for rec.install_version() on another server.';

CREATE FUNCTION @extschema@.install_version(meta jsonb, model bytea[])
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v bigint := (meta->>'id')::bigint;
	have_recipe text;
	have text;
	want text;
BEGIN
	IF v IS NULL OR meta->>'solution' IS NULL OR model IS NULL OR cardinality(model) = 0 THEN
		RAISE EXCEPTION 'meta must name a version id and a solution, and model must hold at least one piece'
			USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Pass rec.version_meta() and rec.version_model() of the server that trained the version.';
	END IF;
	INSERT INTO @extschema@.solution (name, recipe, dataset_group, params)
	VALUES (meta->>'solution', meta->>'recipe', meta->>'dataset_group', coalesce(meta->'solution_params', '{}'))
	ON CONFLICT (name) DO NOTHING;
	SELECT s.recipe INTO have_recipe FROM @extschema@.solution s WHERE s.name = meta->>'solution';
	IF have_recipe IS DISTINCT FROM meta->>'recipe' THEN
		RAISE EXCEPTION 'solution "%" uses recipe "%", not "%"', meta->>'solution', have_recipe, meta->>'recipe'
			USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Install the version on servers whose solution of that name has the same recipe.';
	END IF;
	SELECT md5(string_agg(md5(m.piece), '' ORDER BY m.seq)) INTO want
	FROM unnest(model) WITH ORDINALITY AS m(piece, seq);
	have := @extschema@.version_checksum(v);
	IF have IS NOT NULL THEN
		IF have <> want THEN
			RAISE EXCEPTION 'solution version % already exists here with another model', v
				USING ERRCODE = 'unique_violation',
				HINT = 'Drop it here first, or train a new version on the server that trains.';
		END IF;
		RETURN have;	-- installed before: nothing to do
	END IF;
	INSERT INTO @extschema@.solution_version (id, solution, recipe, params, metrics, n_users, n_items,
		n_interactions, training_seconds, model, created_at)
	VALUES (v, meta->>'solution', meta->>'recipe', meta->'params', meta->'metrics',
		(meta->>'n_users')::integer, (meta->>'n_items')::integer, (meta->>'n_interactions')::bigint,
		(meta->>'training_seconds')::double precision, model[1],
		coalesce((meta->>'created_at')::timestamptz, clock_timestamp()));
	INSERT INTO @extschema@.model_chunk (version, seq, data)
	SELECT v, m.seq - 1, m.piece FROM unnest(model) WITH ORDINALITY AS m(piece, seq) WHERE m.seq > 1;
	-- versions trained here later must not take an installed id
	PERFORM setval(pg_get_serial_sequence('@extschema@.solution_version', 'id'),
		greatest(v, (SELECT max(id) FROM @extschema@.solution_version)));
	have := @extschema@.version_checksum(v);
	IF have IS DISTINCT FROM want THEN
		RAISE EXCEPTION 'solution version % was not stored intact', v
			USING ERRCODE = 'data_corrupted';
	END IF;
	RETURN have;
END
$$;
COMMENT ON FUNCTION @extschema@.install_version(jsonb, bytea[]) IS
'Install a solution version trained on another server (rec.version_meta() and rec.version_model() there) under the same id, creating its solution if needed; returns rec.version_checksum(), equal to the source''s. Installing the same version twice does nothing; another model under that id is an error.';

-- A/B tests -------------------------------------------------------------------

CREATE FUNCTION @extschema@.variant(campaign text, user_id bigint)
RETURNS text
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_variant';
COMMENT ON FUNCTION @extschema@.variant(text, bigint) IS
'The campaign that serves a user: an A/B campaign''s variant for this user (a hash of the user id and the campaign name against the cumulative shares, stable while the shares stay), or the campaign itself.';

CREATE FUNCTION rec_internal.normal_cdf(z double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, pg_temp
RETURN (SELECT CASE WHEN z >= 0 THEN 1 - 0.5 * t.tail ELSE 0.5 * t.tail END
	FROM (SELECT a.t * exp(greatest(-a.x * a.x - 1.26551223 + a.t * (1.00002368 + a.t * (0.37409196
		+ a.t * (0.09678418 + a.t * (-0.18628806 + a.t * (0.27886807 + a.t * (-1.13520398
		+ a.t * (1.48851587 + a.t * (-0.82215223 + a.t * 0.17087277)))))))), -700)) AS tail
		FROM (SELECT b.x, 1 / (1 + 0.5 * b.x) AS t FROM (SELECT abs(z) / sqrt(2::float8) AS x) b) a) t);
COMMENT ON FUNCTION rec_internal.normal_cdf(double precision) IS
'Internal: the standard normal distribution function, from erfc by the Chebyshev fit of Numerical Recipes (fractional error below 1.2e-7 everywhere, so a small tail keeps its digits; tails below 1e-304 are held there).';

CREATE FUNCTION @extschema@.campaign_report(
	campaign text,
	since timestamptz DEFAULT '-infinity',
	click_event text DEFAULT 'click',
	conversion_event text DEFAULT NULL)
RETURNS TABLE (
	variant text,
	share double precision,
	control boolean,
	users bigint,
	impressions bigint,
	clicks bigint,
	ctr double precision,
	ctr_low double precision,
	ctr_high double precision,
	conversions bigint,
	conversion double precision,
	conversion_low double precision,
	conversion_high double precision,
	ctr_p_value double precision,
	conversion_p_value double precision,
	significant boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH configured AS (
		SELECT cv.variant, cv.share FROM @extschema@.campaign_variant cv
		WHERE cv.campaign = campaign_report.campaign
		UNION ALL
		SELECT c.name, 1 FROM @extschema@.campaign c
		WHERE c.name = campaign_report.campaign
			AND NOT EXISTS (SELECT FROM @extschema@.campaign_variant cv WHERE cv.campaign = c.name)),
	shown AS (
		SELECT i.variant, count(DISTINCT i.user_id) AS users,
			sum(cardinality(i.items))::bigint AS impressions
		FROM @extschema@.impression i
		WHERE i.campaign = campaign_report.campaign AND i.ts >= campaign_report.since
		GROUP BY i.variant),
	clicked AS (
		SELECT a.variant, count(*) AS clicks FROM @extschema@.event_attribution a
		WHERE a.campaign = campaign_report.campaign AND a.ts >= campaign_report.since
			AND a.event_type = campaign_report.click_event
		GROUP BY a.variant),
	converted AS (
		SELECT a.variant, count(DISTINCT a.user_id) AS conversions FROM @extschema@.event_attribution a
		WHERE a.campaign = campaign_report.campaign AND a.ts >= campaign_report.since
			AND (campaign_report.conversion_event IS NULL OR a.event_type = campaign_report.conversion_event)
			AND EXISTS (SELECT FROM @extschema@.impression i WHERE i.campaign = a.campaign
				AND i.variant = a.variant AND i.user_id = a.user_id AND i.ts >= campaign_report.since)
		GROUP BY a.variant),
	figures AS (
		SELECT v.variant, v.share,
			coalesce(s.users, 0) AS users, coalesce(s.impressions, 0) AS impressions,
			coalesce(k.clicks, 0) AS clicks, coalesce(cv.conversions, 0) AS conversions,
			coalesce(k.clicks, 0)::float8 / nullif(s.impressions, 0) AS ctr,
			coalesce(cv.conversions, 0)::float8 / nullif(s.users, 0) AS conv,
			row_number() OVER (ORDER BY v.share DESC NULLS LAST, v.variant) = 1 AS control
		FROM (SELECT cf.variant, cf.share FROM configured cf
			  UNION SELECT s2.variant, NULL::float8 FROM shown s2
			  WHERE s2.variant NOT IN (SELECT cf2.variant FROM configured cf2)) v
		LEFT JOIN shown s ON s.variant = v.variant
		LEFT JOIN clicked k ON k.variant = v.variant
		LEFT JOIN converted cv ON cv.variant = v.variant),
	tested AS (
		SELECT f.*,
			-- two-proportion z-tests against the control, pooled variance
			CASE WHEN NOT f.control AND f.impressions > 0 AND c.impressions > 0 THEN
				(f.ctr - c.ctr) / nullif(sqrt(((f.clicks + c.clicks)::float8 / (f.impressions + c.impressions))
					* (1 - least(1, (f.clicks + c.clicks)::float8 / (f.impressions + c.impressions)))
					* (1.0 / f.impressions + 1.0 / c.impressions)), 0) END AS ctr_z,
			CASE WHEN NOT f.control AND f.users > 0 AND c.users > 0 THEN
				(f.conv - c.conv) / nullif(sqrt(((f.conversions + c.conversions)::float8 / (f.users + c.users))
					* (1 - (f.conversions + c.conversions)::float8 / (f.users + c.users))
					* (1.0 / f.users + 1.0 / c.users)), 0) END AS conv_z
		FROM figures f CROSS JOIN (SELECT * FROM figures WHERE control) c),
	wilson AS (
		-- Wilson score intervals at 95% (z = 1.959964)
		SELECT t.*,
			least(t.clicks, t.impressions)::float8 AS kc, t.impressions::float8 AS nc,
			t.conversions::float8 AS kv, t.users::float8 AS nv, 1.959964::float8 AS z
		FROM tested t)
	SELECT w.variant, w.share, w.control, w.users, w.impressions, w.clicks,
		round(w.ctr::numeric, 6)::float8,
		CASE WHEN w.nc > 0 THEN round(((w.kc / w.nc + w.z ^ 2 / (2 * w.nc)
			- w.z * sqrt(w.kc / w.nc * (1 - w.kc / w.nc) / w.nc + w.z ^ 2 / (4 * w.nc ^ 2)))
			/ (1 + w.z ^ 2 / w.nc))::numeric, 6)::float8 END,
		CASE WHEN w.nc > 0 THEN round(((w.kc / w.nc + w.z ^ 2 / (2 * w.nc)
			+ w.z * sqrt(w.kc / w.nc * (1 - w.kc / w.nc) / w.nc + w.z ^ 2 / (4 * w.nc ^ 2)))
			/ (1 + w.z ^ 2 / w.nc))::numeric, 6)::float8 END,
		w.conversions,
		round(w.conv::numeric, 6)::float8,
		CASE WHEN w.nv > 0 THEN round(((w.kv / w.nv + w.z ^ 2 / (2 * w.nv)
			- w.z * sqrt(w.kv / w.nv * (1 - w.kv / w.nv) / w.nv + w.z ^ 2 / (4 * w.nv ^ 2)))
			/ (1 + w.z ^ 2 / w.nv))::numeric, 6)::float8 END,
		CASE WHEN w.nv > 0 THEN round(((w.kv / w.nv + w.z ^ 2 / (2 * w.nv)
			+ w.z * sqrt(w.kv / w.nv * (1 - w.kv / w.nv) / w.nv + w.z ^ 2 / (4 * w.nv ^ 2)))
			/ (1 + w.z ^ 2 / w.nv))::numeric, 6)::float8 END,
		-- two-sided p = 2 Phi(-|z|), from the tail itself (1 - Phi(|z|) cancels to 0 for a
		-- small p), to 4 significant digits
		(SELECT round(p.v::numeric, 3 - floor(log(p.v))::int)::float8
		 FROM (SELECT 2 * rec_internal.normal_cdf(-abs(w.ctr_z)) AS v) p),
		(SELECT round(p.v::numeric, 3 - floor(log(p.v))::int)::float8
		 FROM (SELECT 2 * rec_internal.normal_cdf(-abs(w.conv_z)) AS v) p),
		CASE WHEN w.ctr_z IS NOT NULL THEN 2 * rec_internal.normal_cdf(-abs(w.ctr_z)) < 0.05 END
	FROM wilson w
	ORDER BY w.control DESC, w.variant;
END;
COMMENT ON FUNCTION @extschema@.campaign_report(text, timestamptz, text, text) IS
'A/B report of a campaign since a time, per variant: users shown a list and impressions (items shown, rec.log_impression), clicks (attributed events of click_event), click-through rate (clicks per impression), conversion (share of users shown a list with an attributed event of conversion_event, any type when NULL), Wilson 95% intervals of both, and two-proportion z-test p-values against the control (the variant with the largest share); significant is the CTR difference at the 5% level. A variant with no click has a CTR of 0 (NULL only without impressions). p-values have 4 significant digits, so a small one is not printed as 0. Plain SQL over logged rows: runs on hot standbys.';

CREATE FUNCTION @extschema@.variant(campaign text, user_id text)
RETURNS text
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_variant';
COMMENT ON FUNCTION @extschema@.variant(text, text) IS
'rec.variant() for a user id given as text; a text or uuid user is assigned by its rec.key_id().';

CREATE FUNCTION @extschema@.variant(campaign text, user_id uuid)
RETURNS text
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_variant';
COMMENT ON FUNCTION @extschema@.variant(text, uuid) IS
'rec.variant() for a uuid user id, assigned by its rec.key_id().';

-- Serving ---------------------------------------------------------------------

CREATE FUNCTION @extschema@.user_history(user_id bigint, k integer DEFAULT 25, dataset_group text DEFAULT 'default')
RETURNS TABLE (item_id bigint, ts timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g record;
BEGIN
	IF user_id IS NULL OR k IS NULL OR dataset_group IS NULL THEN
		RAISE EXCEPTION 'user_id, k and dataset_group must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF k < 1 THEN
		RAISE EXCEPTION 'k must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT dg.interactions, dg.columns INTO g FROM @extschema@.dataset_group dg WHERE dg.name = dataset_group;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'dataset group "%" does not exist', dataset_group
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.create_dataset_group().';
	END IF;
	RETURN QUERY EXECUTE format(
		'SELECT %I::bigint, %s FROM %s WHERE %I OPERATOR(pg_catalog.=) $1 ORDER BY %I DESC LIMIT $2',
		g.columns->>'item_id',
		CASE WHEN (g.columns->>'ts_is_epoch')::bool THEN format('pg_catalog.to_timestamp(%I)', g.columns->>'ts')
			 ELSE format('%I::timestamptz', g.columns->>'ts') END,
		g.interactions, g.columns->>'user_id', g.columns->>'ts')
	USING user_id, k;
END
$$;
COMMENT ON FUNCTION @extschema@.user_history(bigint, integer, text) IS
'A user''s newest k events in a dataset group, newest first: what serving reads as the user''s history.';

DROP FUNCTION @extschema@.rank(bigint, bigint[], text);
CREATE FUNCTION @extschema@.rank(
	user_id bigint,
	items bigint[],
	campaign text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (item_id bigint, score real, rank integer)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank';
COMMENT ON FUNCTION @extschema@.rank(bigint, bigint[], text, text, jsonb, jsonb) IS
'Re-rank a caller''s candidate items for a user (Personalize''s GetPersonalizedRanking). Items unknown to the model come last with a NULL score. filter names a filter (rec.create_filter) with its filter_values: only the items that pass it are listed, as Personalize''s filters do for personalized-ranking. context weighs the user''s events recorded in that context as in rec.recommend().';

CREATE FUNCTION @extschema@.rank(
	user_id text,
	items text[],
	campaign text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (item_id text, score real, rank integer)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank';
COMMENT ON FUNCTION @extschema@.rank(text, text[], text, text, jsonb, jsonb) IS
'rec.rank() for a user id given as text: candidates of any id type written as text, item ids returned as text. Otherwise as rec.rank(bigint, bigint[], ...).';

CREATE FUNCTION @extschema@.rank(
	user_id uuid,
	items text[],
	campaign text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (item_id text, score real, rank integer)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank';
COMMENT ON FUNCTION @extschema@.rank(uuid, text[], text, text, jsonb, jsonb) IS
'rec.rank() for a uuid user id: candidates of any id type written as text, item ids returned as text. Otherwise as rec.rank(bigint, bigint[], ...).';

DROP FUNCTION @extschema@.explain(bigint, bigint, text);
CREATE FUNCTION @extschema@.explain(
	user_id bigint,
	item_id bigint,
	campaign text DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (history_item_id bigint, contribution real, share real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_explain';
COMMENT ON FUNCTION @extschema@.explain(bigint, bigint, text, jsonb) IS
'The user''s history items behind an item''s score, largest contribution first, with their share of the positive total. Exact: the models are linear in the history. context weighs the user''s events recorded in that context as rec.recommend() does, so the contributions are those of the list with that context.';

CREATE FUNCTION @extschema@.explain(
	user_id text,
	item_id text,
	campaign text DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (history_item_id text, contribution real, share real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_explain';
COMMENT ON FUNCTION @extschema@.explain(text, text, text, jsonb) IS
'rec.explain() for a text user id and a text item id: history items come back as text. Otherwise as rec.explain(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.explain(
	user_id text,
	item_id uuid,
	campaign text DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (history_item_id uuid, contribution real, share real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_explain';
COMMENT ON FUNCTION @extschema@.explain(text, uuid, text, jsonb) IS
'rec.explain() for a text user id and a uuid item id: history items come back as uuid. Otherwise as rec.explain(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.explain(
	user_id text,
	item_id bigint,
	campaign text DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (history_item_id bigint, contribution real, share real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_explain';
COMMENT ON FUNCTION @extschema@.explain(text, bigint, text, jsonb) IS
'rec.explain() for a text user id and a bigint item id: history items come back as bigint. Otherwise as rec.explain(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.explain(
	user_id uuid,
	item_id text,
	campaign text DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (history_item_id text, contribution real, share real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_explain';
COMMENT ON FUNCTION @extschema@.explain(uuid, text, text, jsonb) IS
'rec.explain() for a uuid user id and a text item id: history items come back as text. Otherwise as rec.explain(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.explain(
	user_id uuid,
	item_id uuid,
	campaign text DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (history_item_id uuid, contribution real, share real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_explain';
COMMENT ON FUNCTION @extschema@.explain(uuid, uuid, text, jsonb) IS
'rec.explain() for a uuid user id and a uuid item id: history items come back as uuid. Otherwise as rec.explain(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.explain(
	user_id uuid,
	item_id bigint,
	campaign text DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (history_item_id bigint, contribution real, share real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_explain';
COMMENT ON FUNCTION @extschema@.explain(uuid, bigint, text, jsonb) IS
'rec.explain() for a uuid user id and a bigint item id: history items come back as bigint. Otherwise as rec.explain(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.user_history(user_id text, k integer DEFAULT 25, dataset_group text DEFAULT 'default')
RETURNS TABLE (item_id text, ts timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g record;
BEGIN
	IF user_id IS NULL OR k IS NULL OR dataset_group IS NULL THEN
		RAISE EXCEPTION 'user_id, k and dataset_group must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF k < 1 THEN
		RAISE EXCEPTION 'k must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT dg.interactions, dg.columns INTO g FROM @extschema@.dataset_group dg WHERE dg.name = dataset_group;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'dataset group "%" does not exist', dataset_group
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.create_dataset_group().';
	END IF;
	-- the user compared in the column's own type, so that its index serves
	RETURN QUERY EXECUTE format(
		'SELECT %I::text, %s FROM %s WHERE %I OPERATOR(pg_catalog.=) $1::%s ORDER BY %I DESC LIMIT $2',
		g.columns->>'item_id',
		CASE WHEN (g.columns->>'ts_is_epoch')::bool THEN format('pg_catalog.to_timestamp(%I)', g.columns->>'ts')
			 ELSE format('%I::timestamptz', g.columns->>'ts') END,
		g.interactions, g.columns->>'user_id',
		CASE WHEN g.columns ? 'user_type' THEN (g.columns->>'user_type')::regtype::text ELSE 'bigint' END,
		g.columns->>'ts')
	USING user_id, k;
END
$$;
COMMENT ON FUNCTION @extschema@.user_history(text, integer, text) IS
'rec.user_history() for a user id given as text: item ids as text.';

CREATE FUNCTION @extschema@.user_history(user_id uuid, k integer DEFAULT 25, dataset_group text DEFAULT 'default')
RETURNS TABLE (item_id text, ts timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT h.item_id, h.ts FROM @extschema@.user_history(user_id::text, k, dataset_group) h
$$;
COMMENT ON FUNCTION @extschema@.user_history(uuid, integer, text) IS
'rec.user_history() for a uuid user id: item ids as text.';

DROP FUNCTION @extschema@.recommend(bigint, integer, boolean, bigint[], bigint[], text);
CREATE FUNCTION @extschema@.recommend(
	user_id bigint,
	k integer DEFAULT 25,
	exclude_seen boolean DEFAULT true,
	include_items bigint[] DEFAULT NULL,
	exclude_items bigint[] DEFAULT NULL,
	campaign text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (item_id bigint, score real, reason text, because_item_id bigint, variant text, rank integer)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_recommend';
COMMENT ON FUNCTION @extschema@.recommend(bigint, integer, boolean, bigint[], bigint[], text, text, jsonb, text, double precision, jsonb, jsonb) IS
'Top-k items for a user from the user''s current history, best first. score is the item''s share of the positive scores over the whole catalogue (they sum to 1; the popularity fallback''s is the item''s share of all events), on one scale for every user and model. reason is ''personalized'' (because_item_id: the history item that contributes most), ''session'' (a new category the newest events turned to; because_item_id: the newest such event), ''exploration'' (a new item matching the user''s categories), ''user-metadata'' (a user without history: the most popular items of the categories the user''s metadata names), ''promotion'' (promoted by the promotion filter), ''impressed'' (shown to the user again and again without the user acting on it: moved down by impression_decay), ''trending'' (a trending-now campaign: the item''s events rise fastest in the newest window, the same list for every user) or ''popular'' (the fallback for a user with no usable history, and the fill after the positive scores). filter names a filter (rec.create_filter) with its filter_values; promotion a filter whose best items take round(k * promotion_share) places (default 0.2), spread evenly over the list. variant is the campaign that served: an A/B campaign''s variant for this user, or the campaign itself. rank is the row''s place in the list, from 1 (promoted items sit at their places, whatever their score). context (Personalize''s context, e.g. ''{"device": "mobile"}'') names values of the dataset group''s context columns: the user''s events recorded in that context weigh 4 times more in the scores (NULL or {}: the list without context). Campaign defaults to rec.campaign.';

DROP FUNCTION @extschema@.similar_items(bigint, integer, bigint[], text);
CREATE FUNCTION @extschema@.similar_items(
	item_id bigint,
	k integer DEFAULT 25,
	exclude_items bigint[] DEFAULT NULL,
	campaign text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS TABLE (item_id bigint, score real, reason text)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_similar_items';
COMMENT ON FUNCTION @extschema@.similar_items(bigint, integer, bigint[], text, text, jsonb) IS
'Top-k items similar to an item, best first. reason is ''similar'' (the model''s row of the item), ''category'' (for an item known only from metadata: shares its categories) or ''popular'' (when fewer than k items are similar, the most popular of the rest, score 0; and every row of a popularity-count campaign). Scores are shares of the row''s positive total, as in recommend(). An item unknown to the campaign''s model is an error. filter names a filter on item metadata (rec.create_filter) with its filter_values.';

CREATE FUNCTION @extschema@.recommend(
	user_id text,
	k integer DEFAULT 25,
	exclude_seen boolean DEFAULT true,
	include_items text[] DEFAULT NULL,
	exclude_items text[] DEFAULT NULL,
	campaign text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (item_id text, score real, reason text, because_item_id text, variant text, rank integer)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_recommend';
COMMENT ON FUNCTION @extschema@.recommend(text, integer, boolean, text[], text[], text, text, jsonb, text, double precision, jsonb, jsonb) IS
'rec.recommend() for a user id given as text (a text or varchar id, or an integer or uuid one written as text): item ids come back as text, exactly as stored (uuids in canonical form). Otherwise as rec.recommend(bigint, ...), filters and promotions included.';

CREATE FUNCTION @extschema@.recommend(
	user_id uuid,
	k integer DEFAULT 25,
	exclude_seen boolean DEFAULT true,
	include_items text[] DEFAULT NULL,
	exclude_items text[] DEFAULT NULL,
	campaign text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (item_id text, score real, reason text, because_item_id text, variant text, rank integer)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_recommend';
COMMENT ON FUNCTION @extschema@.recommend(uuid, integer, boolean, text[], text[], text, text, jsonb, text, double precision, jsonb, jsonb) IS
'rec.recommend() for a uuid user id: item ids come back as text, exactly as stored (uuids in canonical form). Otherwise as rec.recommend(bigint, ...), filters and promotions included.';

CREATE FUNCTION @extschema@.similar_items(
	item_id text,
	k integer DEFAULT 25,
	exclude_items text[] DEFAULT NULL,
	campaign text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS TABLE (item_id text, score real, reason text)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_similar_items';
COMMENT ON FUNCTION @extschema@.similar_items(text, integer, text[], text, text, jsonb) IS
'rec.similar_items() for an item id given as text: item ids come back as text. Otherwise as rec.similar_items(bigint, ...), filters included.';

CREATE FUNCTION @extschema@.similar_items(
	item_id uuid,
	k integer DEFAULT 25,
	exclude_items uuid[] DEFAULT NULL,
	campaign text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS TABLE (item_id uuid, score real, reason text)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_similar_items';
COMMENT ON FUNCTION @extschema@.similar_items(uuid, integer, uuid[], text, text, jsonb) IS
'rec.similar_items() for a uuid item id: item ids come back as uuid. Otherwise as rec.similar_items(bigint, ...), filters included.';

-- Batch recommendations -------------------------------------------------------

DROP FUNCTION @extschema@.batch_recommend_jsonl(text, integer, bigint[]);
CREATE FUNCTION rec_internal.batch_inputs(inputs jsonb[], users_given boolean)
RETURNS TABLE (n bigint, input jsonb, user_id text, context jsonb)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	line jsonb;
	i bigint := 0;
	extra text;
BEGIN
	IF inputs IS NULL THEN
		RETURN;
	END IF;
	IF users_given THEN
		RAISE EXCEPTION 'users and inputs must not both be given' USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Give every user as an input line: {"userId": "42"}.';
	END IF;
	FOREACH line IN ARRAY inputs LOOP
		i := i + 1;
		IF line IS NULL OR jsonb_typeof(line) <> 'object' THEN
			RAISE EXCEPTION 'input line % must be a JSON object', i USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Write it as a line of Personalize''s batch input: {"userId": "42", "context": {"device": "mobile"}}.';
		END IF;
		IF coalesce(jsonb_typeof(line -> 'userId'), '') NOT IN ('string', 'number') THEN
			RAISE EXCEPTION 'input line % has no "userId"', i USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Write it as a line of Personalize''s batch input: {"userId": "42"}.';
		END IF;
		SELECT f INTO extra FROM jsonb_object_keys(line) f WHERE f NOT IN ('userId', 'context') ORDER BY f LIMIT 1;
		IF extra IS NOT NULL THEN
			RAISE EXCEPTION 'input line % has an unknown field "%"', i, extra USING ERRCODE = 'invalid_parameter_value',
				HINT = 'An input line holds "userId" and, optionally, "context"; filter values go in filter_values.';
		END IF;
		n := i;
		input := line;
		user_id := line ->> 'userId';
		context := line -> 'context';
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION rec_internal.batch_inputs(jsonb[], boolean) IS
'Internal: the input lines given to rec.batch_recommend_jsonl_text(), checked, with their users and contexts.';

CREATE FUNCTION @extschema@.batch_recommend_jsonl_text(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users text[] DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL,
	inputs jsonb[] DEFAULT NULL)
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH x AS (SELECT * FROM rec_internal.batch_inputs(inputs, users IS NOT NULL)),
	g AS (SELECT x.context, pg_catalog.array_agg(DISTINCT x.user_id) AS users FROM x GROUP BY x.context),
	-- the input lines: one batch per distinct context
	b AS (SELECT g.context, r.* FROM g, LATERAL @extschema@.batch_recommend_text(campaign, k, g.users, true,
			filter, filter_values, promotion, promotion_share, promotion_values, g.context) r)
	SELECT l.line FROM (
		SELECT pg_catalog.format('{"input":{"userId":%s},"output":{"recommendedItems":%s,"scores":%s},"error":null}',
				pg_catalog.to_json(b.user_id),
				pg_catalog.to_json(pg_catalog.array_agg(b.item_id ORDER BY b.rank)),
				pg_catalog.to_json(pg_catalog.array_agg(b.score ORDER BY b.rank))) AS line,
			0::bigint AS n, b.user_id AS u
		FROM @extschema@.batch_recommend_text(campaign, k, users, true, filter, filter_values,
			promotion, promotion_share, promotion_values) b
		WHERE inputs IS NULL
		GROUP BY b.user_id
		UNION ALL
		SELECT pg_catalog.format('{"input":%s,"output":{"recommendedItems":%s,"scores":%s},"error":null}',
				x.input,
				pg_catalog.to_json(coalesce(pg_catalog.array_agg(b.item_id ORDER BY b.rank) FILTER (WHERE b.rank IS NOT NULL), '{}')),
				pg_catalog.to_json(coalesce(pg_catalog.array_agg(b.score ORDER BY b.rank) FILTER (WHERE b.rank IS NOT NULL), '{}'))),
			x.n, x.user_id
		FROM x LEFT JOIN b ON b.context IS NOT DISTINCT FROM x.context AND b.user_id OPERATOR(pg_catalog.=) x.user_id
		GROUP BY x.n, x.input, x.user_id
	) l
	ORDER BY l.n, CASE WHEN l.u ~ '^-?[0-9]{1,30}$' THEN l.u::numeric END, l.u
$$;
COMMENT ON FUNCTION @extschema@.batch_recommend_jsonl_text(text, integer, text[], text, jsonb, text, double precision, jsonb, jsonb[]) IS
'rec.batch_recommend() as JSON Lines in Amazon Personalize''s batch inference output format, one line per user, ids as the strings they are (any id type), items in the list''s order; users given as text (text, varchar or uuid ids). filter and filter_values as in rec.batch_recommend() (Personalize''s filterArn on a batch inference job); promotion, promotion_share and promotion_values as in rec.recommend() (Personalize''s batch inference jobs have no promotions; its GetRecommendations does). inputs, instead of users, are the input lines of a batch job, {"userId": "42"} or {"userId": "42", "context": {"device": "mobile"}}: one output line per input line, in their order, the input echoed, each user''s list in its line''s context as rec.recommend(context => ...) gives it.';

CREATE FUNCTION @extschema@.batch_recommend_jsonl(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users bigint[] DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL,
	inputs jsonb[] DEFAULT NULL)
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.batch_recommend_jsonl_text(campaign, k, users::text[], filter, filter_values,
		promotion, promotion_share, promotion_values, inputs)
$$;
COMMENT ON FUNCTION @extschema@.batch_recommend_jsonl(text, integer, bigint[], text, jsonb, text, double precision, jsonb, jsonb[]) IS
'rec.batch_recommend_jsonl_text() with the users given as bigint: rec.batch_recommend() as JSON Lines in Amazon Personalize''s batch inference output format, one line per user (or input line), ids as the strings they are.';

DROP FUNCTION @extschema@.batch_recommend(text, integer, bigint[], boolean);
CREATE FUNCTION @extschema@.batch_recommend(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users bigint[] DEFAULT NULL,
	exclude_seen boolean DEFAULT true,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (user_id bigint, rank integer, item_id bigint, score real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_batch_recommend';
COMMENT ON FUNCTION @extschema@.batch_recommend(text, integer, bigint[], boolean, text, jsonb, text, double precision, jsonb, jsonb) IS
'Top-k items for every user with events (or for the given users), in one pass. Users without history get the popularity fallback. filter names a filter (rec.create_filter) applied to every user''s list, with its filter_values; promotion, promotion_share and promotion_values promote items in every list as in rec.recommend() (rank is the place in the list, promoted items at their places). context weighs every user''s events recorded in that context as rec.recommend() does (each history is then read as recommend() reads it).';

CREATE FUNCTION @extschema@.batch_recommend_text(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users text[] DEFAULT NULL,
	exclude_seen boolean DEFAULT true,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS TABLE (user_id text, rank integer, item_id text, score real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_batch_recommend';
COMMENT ON FUNCTION @extschema@.batch_recommend_text(text, integer, text[], boolean, text, jsonb, text, double precision, jsonb, jsonb) IS
'rec.batch_recommend() with user and item ids as text, exactly as stored (uuids in canonical form), for a group of any id types; users may be given as text. filter, filter_values, the promotion and context as in rec.batch_recommend().';

-- Events ----------------------------------------------------------------------

CREATE FUNCTION rec_internal.attributed_variant(campaign text, variant text, user_id bigint)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM @extschema@.campaign c WHERE c.name = attributed_variant.campaign) THEN
		RAISE EXCEPTION 'campaign "%" does not exist', campaign
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.deploy().';
	END IF;
	IF variant IS NULL THEN
		RETURN @extschema@.variant(campaign, user_id);
	END IF;
	IF variant <> campaign AND NOT EXISTS (SELECT FROM @extschema@.campaign_variant cv
			WHERE cv.campaign = attributed_variant.campaign AND cv.variant = attributed_variant.variant) THEN
		RAISE EXCEPTION 'campaign "%" has no variant "%"', campaign, variant
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the variant column of rec.recommend(), or leave variant out to take the user''s.';
	END IF;
	RETURN variant;
END
$$;
COMMENT ON FUNCTION rec_internal.attributed_variant(text, text, bigint) IS
'Internal: the variant an attributed event or impression is logged under (the given one, checked, or the user''s).';

DROP FUNCTION @extschema@.log_event(bigint, bigint, text, real, timestamptz, text);
CREATE FUNCTION @extschema@.log_event(
	user_id bigint,
	item_id bigint,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(bigint, bigint, text, double precision, timestamptz, text, text, text, integer) IS
'Record one event in a dataset group''s interactions (Personalize''s PutEvents). The next recommend(), even in the same transaction, reflects it. event_type and event_value left NULL take the column''s default (''click'' in rec.interactions); giving one to a group without that column is an error. An event dated more than a day after now() is refused. dataset_group defaults to the group of campaign, else of rec.campaign, else ''default''. event_value is double precision, so that a client''s floating-point value reaches it, and is stored in the column''s type. With campaign, the event is also attributed to the recommendation that led to it (rec.event_attribution): variant defaults to the user''s variant, rank is the position it was shown at.';

CREATE FUNCTION @extschema@.log_impression(
	user_id bigint,
	items bigint[],
	campaign text,
	variant text DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now())
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF user_id IS NULL OR items IS NULL OR campaign IS NULL OR ts IS NULL THEN
		RAISE EXCEPTION 'user_id, items, campaign and ts must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF cardinality(items) = 0 OR array_position(items, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'items must hold at least one item and no NULL'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO @extschema@.impression (campaign, variant, user_id, items, ts)
	VALUES (campaign, rec_internal.attributed_variant(campaign, variant, user_id), user_id, items, ts);
END
$$;
COMMENT ON FUNCTION @extschema@.log_impression(bigint, bigint[], text, text, timestamptz) IS
'Record a recommendation list an application showed to a user, in the order shown (recommend() itself never writes). variant defaults to the user''s variant.';

CREATE FUNCTION @extschema@.log_event(
	user_id text,
	item_id text,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(text, text, text, double precision, timestamptz, text, text, text, integer) IS
'rec.log_event() for a text user id and a text item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id text,
	item_id uuid,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(text, uuid, text, double precision, timestamptz, text, text, text, integer) IS
'rec.log_event() for a text user id and a uuid item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id text,
	item_id bigint,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(text, bigint, text, double precision, timestamptz, text, text, text, integer) IS
'rec.log_event() for a text user id and a bigint item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id uuid,
	item_id text,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(uuid, text, text, double precision, timestamptz, text, text, text, integer) IS
'rec.log_event() for a uuid user id and a text item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id uuid,
	item_id uuid,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(uuid, uuid, text, double precision, timestamptz, text, text, text, integer) IS
'rec.log_event() for a uuid user id and a uuid item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id uuid,
	item_id bigint,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(uuid, bigint, text, double precision, timestamptz, text, text, text, integer) IS
'rec.log_event() for a uuid user id and a bigint item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_impression(
	user_id text,
	items text[],
	campaign text,
	variant text DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now())
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	cols jsonb;
	uid bigint;
	ids bigint[];
BEGIN
	IF user_id IS NULL OR items IS NULL OR campaign IS NULL OR ts IS NULL THEN
		RAISE EXCEPTION 'user_id, items, campaign and ts must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF cardinality(items) = 0 OR array_position(items, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'items must hold at least one item and no NULL'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT g.columns INTO cols FROM @extschema@.campaign c
	JOIN @extschema@.solution s ON s.name = c.solution
	JOIN @extschema@.dataset_group g ON g.name = s.dataset_group
	WHERE c.name = log_impression.campaign;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'campaign "%" does not exist', campaign
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.deploy().';
	END IF;
	-- the ids as rec.event_attribution records them: integers as themselves, keys by rec.key_id()
	uid := CASE WHEN NOT cols ? 'user_type' THEN user_id::bigint
		WHEN cols ->> 'user_type' = 'uuid' THEN @extschema@.key_id(user_id::uuid::text)
		ELSE @extschema@.key_id(user_id) END;
	SELECT pg_catalog.array_agg(CASE WHEN NOT cols ? 'item_type' THEN i.x::bigint
		WHEN cols ->> 'item_type' = 'uuid' THEN @extschema@.key_id(i.x::uuid::text)
		ELSE @extschema@.key_id(i.x) END ORDER BY i.o) INTO ids
	FROM pg_catalog.unnest(items) WITH ORDINALITY i(x, o);
	INSERT INTO @extschema@.impression (campaign, variant, user_id, items, ts)
	VALUES (campaign,
			CASE WHEN variant IS NULL THEN @extschema@.variant(campaign, user_id)
				 ELSE rec_internal.attributed_variant(campaign, variant, uid) END,
			uid, ids, ts);
END
$$;
COMMENT ON FUNCTION @extschema@.log_impression(text, text[], text, text, timestamptz) IS
'rec.log_impression() for ids given as text (text, varchar, uuid or integer ids of the campaign''s group): text and uuid ids are recorded by their rec.key_id(), as attributed events are, so rec.campaign_report counts them together.';

CREATE FUNCTION @extschema@.log_impression(
	user_id uuid,
	items text[],
	campaign text,
	variant text DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now())
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.log_impression(user_id::text, items, campaign, variant, ts)
$$;
COMMENT ON FUNCTION @extschema@.log_impression(uuid, text[], text, text, timestamptz) IS
'rec.log_impression() for a uuid user id.';

-- Ranking metrics -------------------------------------------------------------

CREATE FUNCTION rec_internal.rank_metric_trans(internal, bigint, boolean, integer)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_trans';
COMMENT ON FUNCTION rec_internal.rank_metric_trans(internal, bigint, boolean, integer) IS
'Internal: transition function of precision_agg, mrr_agg and hit_agg.';

CREATE FUNCTION rec_internal.rank_metric_trans(internal, bigint, boolean, integer, integer)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_trans';
COMMENT ON FUNCTION rec_internal.rank_metric_trans(internal, bigint, boolean, integer, integer) IS
'Internal: transition function of ndcg_agg and recall_agg.';

CREATE FUNCTION rec_internal.rank_metric_combine(internal, internal)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_combine';
COMMENT ON FUNCTION rec_internal.rank_metric_combine(internal, internal) IS
'Internal: combine function of the metric aggregates (the union of two sets of relevant ranks).';

CREATE FUNCTION rec_internal.rank_metric_serialize(internal)
RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_serialize';
COMMENT ON FUNCTION rec_internal.rank_metric_serialize(internal) IS
'Internal: serialization function of the metric aggregates.';

CREATE FUNCTION rec_internal.rank_metric_deserialize(bytea, internal)
RETURNS internal
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_deserialize';
COMMENT ON FUNCTION rec_internal.rank_metric_deserialize(bytea, internal) IS
'Internal: deserialization function of the metric aggregates.';

CREATE FUNCTION rec_internal.precision_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_precision_agg_final';
COMMENT ON FUNCTION rec_internal.precision_agg_final(internal) IS 'Internal: final function of precision_agg.';

CREATE FUNCTION rec_internal.recall_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_recall_agg_final';
COMMENT ON FUNCTION rec_internal.recall_agg_final(internal) IS 'Internal: final function of recall_agg.';

CREATE FUNCTION rec_internal.ndcg_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_ndcg_agg_final';
COMMENT ON FUNCTION rec_internal.ndcg_agg_final(internal) IS 'Internal: final function of ndcg_agg.';

CREATE FUNCTION rec_internal.mrr_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_mrr_agg_final';
COMMENT ON FUNCTION rec_internal.mrr_agg_final(internal) IS 'Internal: final function of mrr_agg.';

CREATE FUNCTION rec_internal.hit_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_hit_agg_final';
COMMENT ON FUNCTION rec_internal.hit_agg_final(internal) IS 'Internal: final function of hit_agg.';

CREATE AGGREGATE @extschema@.precision_agg(rank bigint, relevant boolean, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.precision_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.precision_agg(bigint, boolean, integer) IS
'Precision at k of one group of ranked rows (one user''s list): relevant ranks <= k divided by k; equals precision_at_k() on the same list. A NULL rank is skipped, a NULL relevant is not relevant, a rank given twice counts once.';

CREATE AGGREGATE @extschema@.recall_agg(rank bigint, relevant boolean, n_relevant integer, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.recall_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.recall_agg(bigint, boolean, integer, integer) IS
'Recall at k of one group of ranked rows: relevant ranks <= k divided by n_relevant (the user''s number of distinct relevant items, the same in every row); NULL when n_relevant is 0. Equals recall_at_k() on the same list.';

CREATE AGGREGATE @extschema@.ndcg_agg(rank bigint, relevant boolean, n_relevant integer, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.ndcg_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.ndcg_agg(bigint, boolean, integer, integer) IS
'Binary NDCG at k of one group of ranked rows, with the ideal DCG over min(k, n_relevant) hits; NULL when n_relevant is 0. Equals ndcg_at_k() on the same list.';

CREATE AGGREGATE @extschema@.mrr_agg(rank bigint, relevant boolean, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.mrr_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.mrr_agg(bigint, boolean, integer) IS
'Reciprocal rank of one group of ranked rows: 1 / the first relevant rank <= k, 0 if none; equals mrr() on the same list. Average it over users for MRR.';

CREATE AGGREGATE @extschema@.hit_agg(rank bigint, relevant boolean, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.hit_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.hit_agg(bigint, boolean, integer) IS
'Hit at k of one group of ranked rows: 1 if any rank <= k is relevant, else 0; equals hit_at_k() on the same list.';

DROP FUNCTION @extschema@.precision_at_k(bigint[], bigint[], integer);
CREATE FUNCTION @extschema@.precision_at_k(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_precision_at_k';
COMMENT ON FUNCTION @extschema@.precision_at_k(anycompatiblearray, anycompatiblearray, integer) IS
'Precision at k: distinct relevant ids among the first k recommended, divided by k (a list shorter than k is not rescaled). A repeated id counts once, at its first position. 0 for an empty list. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

DROP FUNCTION @extschema@.recall_at_k(bigint[], bigint[], integer);
CREATE FUNCTION @extschema@.recall_at_k(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_recall_at_k';
COMMENT ON FUNCTION @extschema@.recall_at_k(anycompatiblearray, anycompatiblearray, integer) IS
'Recall at k: distinct relevant ids among the first k recommended, divided by the number of distinct relevant ids. NULL when relevant is empty, so avg() skips that user. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

DROP FUNCTION @extschema@.ndcg_at_k(bigint[], bigint[], integer);
CREATE FUNCTION @extschema@.ndcg_at_k(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_ndcg_at_k';
COMMENT ON FUNCTION @extschema@.ndcg_at_k(anycompatiblearray, anycompatiblearray, integer) IS
'Binary NDCG at k: sum of 1/log2(position+1) over hits in the first k, divided by the ideal value for min(k, distinct relevant) hits. A repeated id counts once, at its first position. NULL when relevant is empty, so avg() skips that user. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

DROP FUNCTION @extschema@.mrr(bigint[], bigint[], integer);
CREATE FUNCTION @extschema@.mrr(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 25)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_mrr';
COMMENT ON FUNCTION @extschema@.mrr(anycompatiblearray, anycompatiblearray, integer) IS
'Reciprocal rank: 1/position of the first relevant id within the first k recommended, 0 if none. Average it over users for MRR. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

DROP FUNCTION @extschema@.hit_at_k(bigint[], bigint[], integer);
CREATE FUNCTION @extschema@.hit_at_k(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_hit_at_k';
COMMENT ON FUNCTION @extschema@.hit_at_k(anycompatiblearray, anycompatiblearray, integer) IS
'Hit at k: 1 if any of the first k recommended ids is relevant, else 0. Average it over users for the hit rate. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

-- Metrics beyond accuracy (src/eval/metrics_beyond.c), as Microsoft Recommenders defines them

CREATE FUNCTION rec_internal.coverage_trans(internal, bigint, bigint)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_coverage_trans';
COMMENT ON FUNCTION rec_internal.coverage_trans(internal, bigint, bigint) IS
'Internal: transition function of coverage_agg over bigint ids.';

CREATE FUNCTION rec_internal.coverage_trans(internal, text, bigint)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_coverage_trans';
COMMENT ON FUNCTION rec_internal.coverage_trans(internal, text, bigint) IS
'Internal: transition function of coverage_agg over text ids.';

CREATE FUNCTION rec_internal.novelty_trans(internal, bigint, bigint)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_novelty_trans';
COMMENT ON FUNCTION rec_internal.novelty_trans(internal, bigint, bigint) IS
'Internal: transition function of novelty_agg.';

CREATE FUNCTION rec_internal.diversity_trans(internal, text[])
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_diversity_trans';
COMMENT ON FUNCTION rec_internal.diversity_trans(internal, text[]) IS
'Internal: transition function of diversity_agg.';

CREATE FUNCTION rec_internal.serendipity_trans(internal, text[], boolean, boolean)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_serendipity_trans';
COMMENT ON FUNCTION rec_internal.serendipity_trans(internal, text[], boolean, boolean) IS
'Internal: transition function of serendipity_agg.';

CREATE FUNCTION rec_internal.gain_ndcg_trans(internal, bigint, double precision, integer)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_gain_ndcg_trans';
COMMENT ON FUNCTION rec_internal.gain_ndcg_trans(internal, bigint, double precision, integer) IS
'Internal: transition function of gain_ndcg_agg.';

CREATE FUNCTION rec_internal.bag_metric_combine(internal, internal)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_bag_combine';
COMMENT ON FUNCTION rec_internal.bag_metric_combine(internal, internal) IS
'Internal: combine function of coverage_agg, novelty_agg, diversity_agg, serendipity_agg and gain_ndcg_agg.';

CREATE FUNCTION rec_internal.bag_metric_serialize(internal)
RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_bag_serialize';
COMMENT ON FUNCTION rec_internal.bag_metric_serialize(internal) IS
'Internal: serialization function of coverage_agg, novelty_agg, diversity_agg, serendipity_agg and gain_ndcg_agg.';

CREATE FUNCTION rec_internal.bag_metric_deserialize(bytea, internal)
RETURNS internal
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_bag_deserialize';
COMMENT ON FUNCTION rec_internal.bag_metric_deserialize(bytea, internal) IS
'Internal: deserialization function of coverage_agg, novelty_agg, diversity_agg, serendipity_agg and gain_ndcg_agg.';

CREATE FUNCTION rec_internal.coverage_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_coverage_final';
COMMENT ON FUNCTION rec_internal.coverage_agg_final(internal) IS 'Internal: final function of coverage_agg.';

CREATE FUNCTION rec_internal.novelty_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_novelty_final';
COMMENT ON FUNCTION rec_internal.novelty_agg_final(internal) IS 'Internal: final function of novelty_agg.';

CREATE FUNCTION rec_internal.diversity_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_diversity_final';
COMMENT ON FUNCTION rec_internal.diversity_agg_final(internal) IS 'Internal: final function of diversity_agg.';

CREATE FUNCTION rec_internal.serendipity_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_serendipity_final';
COMMENT ON FUNCTION rec_internal.serendipity_agg_final(internal) IS 'Internal: final function of serendipity_agg.';

CREATE FUNCTION rec_internal.gain_ndcg_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_gain_ndcg_final';
COMMENT ON FUNCTION rec_internal.gain_ndcg_agg_final(internal) IS 'Internal: final function of gain_ndcg_agg.';

CREATE AGGREGATE @extschema@.coverage_agg(item_id bigint, catalogue bigint) (
	SFUNC = rec_internal.coverage_trans, STYPE = internal, SSPACE = 1024,
	FINALFUNC = rec_internal.coverage_agg_final, FINALFUNC_MODIFY = READ_WRITE,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.coverage_agg(bigint, bigint) IS
'Catalogue coverage of all the recommendations aggregated (Recommenders'' catalog_coverage): distinct recommended items divided by catalogue, the number of items that could be recommended (the same in every row). NULL ids are skipped.';

CREATE AGGREGATE @extschema@.coverage_agg(item_id text, catalogue bigint) (
	SFUNC = rec_internal.coverage_trans, STYPE = internal, SSPACE = 1024,
	FINALFUNC = rec_internal.coverage_agg_final, FINALFUNC_MODIFY = READ_WRITE,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.coverage_agg(text, bigint) IS
'Catalogue coverage over text ids: distinct recommended items divided by catalogue (the same in every row). NULL ids are skipped.';

CREATE AGGREGATE @extschema@.novelty_agg(item_interactions bigint, interactions bigint) (
	SFUNC = rec_internal.novelty_trans, STYPE = internal, SSPACE = 64,
	FINALFUNC = rec_internal.novelty_agg_final,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.novelty_agg(bigint, bigint) IS
'Novelty of recommendations (Recommenders'' novelty, after Castells et al. 2011): the mean over rows of the recommended item''s self-information -log2(item_interactions / interactions), from the training data; an item without interactions (0 or NULL) adds 0. One row per recommendation.';

CREATE AGGREGATE @extschema@.diversity_agg(categories text[]) (
	SFUNC = rec_internal.diversity_trans, STYPE = internal, SSPACE = 1024,
	FINALFUNC = rec_internal.diversity_agg_final,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.diversity_agg(text[]) IS
'Intra-list diversity of one group of rows (one user''s list, one row per item with its categories; Recommenders'' user_diversity): 1 - the mean cosine similarity of its pairs of items, the cosine of two category sets being shared / sqrt(|A| |B|), 0 when either is empty. NULL under two rows. Average it over users for Recommenders'' diversity.';

CREATE AGGREGATE @extschema@.serendipity_agg(categories text[], relevant boolean, in_history boolean) (
	SFUNC = rec_internal.serendipity_trans, STYPE = internal, SSPACE = 4096,
	FINALFUNC = rec_internal.serendipity_agg_final,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.serendipity_agg(text[], boolean, boolean) IS
'Serendipity of one user''s recommendations (Recommenders'' user_serendipity, after Zhang et al. 2012): rows of the user''s history (in_history true) and of its recommendations (in_history false, relevant true when in its holdout), each with the item''s categories; the mean over recommendations of (1 - the item''s mean cosine similarity to the history items) * relevant. NULL without history or without recommendations. Average it over users for Recommenders'' serendipity.';

CREATE AGGREGATE @extschema@.gain_ndcg_agg(rank bigint, gain double precision, k integer) (
	SFUNC = rec_internal.gain_ndcg_trans, STYPE = internal, SSPACE = 1024,
	FINALFUNC = rec_internal.gain_ndcg_agg_final,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.gain_ndcg_agg(bigint, double precision, integer) IS
'NDCG at k with graded relevance (Personalize''s NDCG weighted by event type) of one group of rows: one user''s recommendations (rank) FULL JOIN its relevant items (gain, e.g. the weight of the event type). DCG sums gain / log2(rank + 1) over ranks <= k; the ideal sums the k largest gains the same way. NULL when no row has a gain > 0; with gains 0 or 1 it equals ndcg_agg.';

-- Evaluation ------------------------------------------------------------------

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
CREATE FUNCTION rec_internal.id_expr(rel regclass, col text, alias text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT CASE WHEN rec_internal.column_type(rel, col, NULL) IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
		THEN pg_catalog.format('%I.%I::pg_catalog.int8', alias, col)
		ELSE pg_catalog.format('@extschema@.key_id(%I.%I::pg_catalog.text)', alias, col) END;
END;
COMMENT ON FUNCTION rec_internal.id_expr(regclass, text, text) IS
'Internal: the SQL expression of a column''s ids as rec''s internal ids (an integer id itself, a text or uuid id its rec.key_id()), for queries that match ids of two relations.';

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
	hit_at_10 double precision,
	novelty double precision,
	diversity double precision,
	serendipity double precision,
	weighted_ndcg_at_10 double precision)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	catalogue integer;
	ts_type regtype;
	g record;
	weights jsonb;
	cats_col text;
	type_col text;
	ev_ts text;
	ho_ts text;
	train_sql text;
	cats_sql text := 'SELECT NULL::bigint AS item_id, NULL::text[] AS categories WHERE false';
	gain_sql text := 'SELECT NULL::bigint AS user_id, NULL::bigint AS item_id, NULL::float8 AS gain WHERE false';
BEGIN
	IF campaign IS NULL OR holdout IS NULL OR user_column IS NULL OR item_column IS NULL THEN
		RAISE EXCEPTION 'campaign, holdout, user_column and item_column must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF exclude_holdout IS NULL THEN
		RAISE EXCEPTION 'exclude_holdout must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM rec_internal.column_type(holdout, user_column, 'user_column',
		'Name the holdout''s columns with user_column => and item_column =>.');
	PERFORM rec_internal.column_type(holdout, item_column, 'item_column',
		'Name the holdout''s columns with user_column => and item_column =>.');
	IF ts_column IS NOT NULL THEN
		ts_type := rec_internal.column_type(holdout, ts_column, 'ts_column',
			'Name the holdout''s time column with ts_column =>.');
		IF ts_type <> ALL ('{timestamptz,timestamp,date,smallint,integer,bigint,real,double precision,numeric}'::regtype[]) THEN
			RAISE EXCEPTION 'ts_column "%" has type %, not a time', ts_column, ts_type
				USING ERRCODE = 'datatype_mismatch',
					  HINT = 'Give a timestamptz, timestamp or date column, or epoch seconds.';
		END IF;
	END IF;
	SELECT sv.n_items, sv.params -> 'event_weights' INTO catalogue, weights
	FROM @extschema@.campaign c
	JOIN @extschema@.solution_version sv ON sv.solution = c.solution
		AND (c.solution_version IS NULL OR sv.id = c.solution_version)
	WHERE c.name = campaign ORDER BY sv.id DESC LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'campaign "%" does not exist', campaign
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.deploy().';
	END IF;
	SELECT dg.interactions, dg.items, dg.columns INTO g
	FROM @extschema@.campaign c
	JOIN @extschema@.solution s ON s.name = c.solution
	JOIN @extschema@.dataset_group dg ON dg.name = s.dataset_group
	WHERE c.name = campaign;

	-- The beyond-accuracy metrics read the training data as of the holdout,
	-- as holdout_recommend does: the group's (user, item) pairs without the
	-- holdout's pairs (exclude_holdout) and, with ts_column, without each
	-- holdout user's events after its first holdout event.
	IF ts_column IS NOT NULL AND g.columns ->> 'ts' IS NOT NULL THEN
		ev_ts := CASE WHEN (g.columns ->> 'ts_is_epoch')::boolean
			THEN format('i.%I::float8', g.columns ->> 'ts')
			ELSE format('extract(epoch FROM i.%I)::float8', g.columns ->> 'ts') END;
		ho_ts := CASE WHEN ts_type IN ('timestamptz', 'timestamp', 'date')
			THEN format('extract(epoch FROM h.%I)::float8', ts_column)
			ELSE format('h.%I::float8', ts_column) END;
	END IF;
	train_sql := format(
		'SELECT DISTINCT %1$s AS user_id, %2$s AS item_id FROM %3$s i%4$s WHERE i.%5$I IS NOT NULL AND i.%6$I IS NOT NULL%7$s',
		rec_internal.id_expr(g.interactions, g.columns ->> 'user_id', 'i'),
		rec_internal.id_expr(g.interactions, g.columns ->> 'item_id', 'i'),
		g.interactions,
		CASE WHEN ev_ts IS NOT NULL THEN format(
			' LEFT JOIN (SELECT %s AS user_id, min(%s) AS cut FROM %s h GROUP BY 1) c ON c.user_id = %s',
			rec_internal.id_expr(holdout, user_column, 'h'), ho_ts, holdout,
			rec_internal.id_expr(g.interactions, g.columns ->> 'user_id', 'i'))
		ELSE '' END,
		g.columns ->> 'user_id', g.columns ->> 'item_id',
		CASE WHEN exclude_holdout THEN format(
			' AND NOT EXISTS (SELECT FROM %s h WHERE %s = %s AND %s = %s)', holdout,
			rec_internal.id_expr(holdout, user_column, 'h'), rec_internal.id_expr(g.interactions, g.columns ->> 'user_id', 'i'),
			rec_internal.id_expr(holdout, item_column, 'h'), rec_internal.id_expr(g.interactions, g.columns ->> 'item_id', 'i'))
		ELSE '' END
		|| CASE WHEN ev_ts IS NOT NULL THEN format(' AND NOT coalesce(%s > c.cut, false)', ev_ts) ELSE '' END);
	cats_col := g.columns ->> 'categories';
	-- (a caller who may not read the items gets no diversity nor serendipity)
	IF g.items IS NOT NULL AND cats_col IS NOT NULL
	   AND rec_internal.column_type(g.items, cats_col, NULL) = 'text[]'::regtype
	   AND has_table_privilege(g.items, 'SELECT') THEN
		cats_sql := format('SELECT %s AS item_id, i.%I AS categories FROM %s i',
			rec_internal.id_expr(g.items, coalesce(g.columns ->> 'items_item_id', g.columns ->> 'item_id'), 'i'),
			cats_col, g.items);
	END IF;
	-- NDCG weighted by event type: a holdout item's gain is the largest weight of its event types
	type_col := g.columns ->> 'event_type';
	IF weights IS NOT NULL AND type_col IS NOT NULL
	   AND rec_internal.column_type(holdout, type_col, NULL) IS NOT NULL THEN
		gain_sql := format(
			'SELECT %s AS user_id, %s AS item_id, max(coalesce((%L::jsonb ->> h.%I::text)::float8, 1)) AS gain '
			'FROM %s h WHERE h.%I IS NOT NULL AND h.%I IS NOT NULL GROUP BY 1, 2',
			rec_internal.id_expr(holdout, user_column, 'h'), rec_internal.id_expr(holdout, item_column, 'h'),
			weights, type_col, holdout, user_column, item_column);
	END IF;

	-- one group of ranked rows per user, one metric aggregate per figure,
	-- means rounded to 6 decimals so that they print as what they are
	RETURN QUERY EXECUTE format($q$
	WITH r AS MATERIALIZED (
		SELECT h.user_id, h.rank, h.item_id, h.relevant, h.n_relevant
		FROM @extschema@.holdout_recommend($1, $2, 25, $3, $4, $5, $6) h),
	train AS MATERIALIZED (%s),
	cats AS MATERIALIZED (%s),
	pop AS (SELECT t.item_id, count(*) AS n FROM train t GROUP BY 1),
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
			@extschema@.hit_agg(r.rank, r.relevant, 10) AS h10,
			@extschema@.diversity_agg(c.categories) FILTER (WHERE r.rank IS NOT NULL) AS div
		FROM r LEFT JOIN cats c ON c.item_id = r.item_id
		GROUP BY r.user_id),
	ser AS (
		SELECT @extschema@.serendipity_agg(c.categories, x.relevant, x.in_history) AS s
		FROM (SELECT r.user_id, r.item_id, r.relevant, false AS in_history FROM r WHERE r.rank IS NOT NULL
			  UNION ALL
			  SELECT t.user_id, t.item_id, NULL, true FROM train t WHERE t.user_id IN (SELECT r.user_id FROM r)) x
		LEFT JOIN cats c ON c.item_id = x.item_id
		WHERE EXISTS (SELECT FROM cats)
		GROUP BY x.user_id),
	gains AS MATERIALIZED (%s),
	weighted AS (
		SELECT @extschema@.gain_ndcg_agg(x.rank, x.gain, 10) AS w
		FROM (SELECT coalesce(r.user_id, g.user_id) AS user_id, r.rank, g.gain
			  FROM (SELECT * FROM r WHERE r.rank IS NOT NULL) r
			  FULL JOIN gains g ON g.user_id = r.user_id AND g.item_id = r.item_id) x
		WHERE x.user_id IN (SELECT r.user_id FROM r)
		GROUP BY x.user_id)
	SELECT count(*),
		round(coalesce((SELECT @extschema@.coverage_agg(r.item_id, greatest($7, 1)::bigint) FROM r), 0)::numeric, 6)::float8,
		round(avg(u.mrr25)::numeric, 6)::float8,
		round(avg(u.ndcg5)::numeric, 6)::float8,
		round(avg(u.ndcg10)::numeric, 6)::float8,
		round(avg(u.ndcg25)::numeric, 6)::float8,
		round(avg(u.p5)::numeric, 6)::float8,
		round(avg(u.p10)::numeric, 6)::float8,
		round(avg(u.p25)::numeric, 6)::float8,
		round(avg(u.r10)::numeric, 6)::float8,
		round(avg(u.r25)::numeric, 6)::float8,
		round(avg(u.h10)::numeric, 6)::float8,
		round((SELECT @extschema@.novelty_agg(p.n, greatest((SELECT count(*) FROM train), 1))
			   FROM r LEFT JOIN pop p ON p.item_id = r.item_id WHERE r.rank IS NOT NULL)::numeric, 6)::float8,
		round((CASE WHEN EXISTS (SELECT FROM cats) THEN avg(u.div) END)::numeric, 6)::float8,
		round((SELECT avg(ser.s) FROM ser)::numeric, 6)::float8,
		round((SELECT avg(weighted.w) FROM weighted)::numeric, 6)::float8
	FROM per_user u$q$, train_sql, cats_sql, gain_sql)
	USING campaign, holdout, user_column, item_column, ts_column, exclude_holdout, catalogue;
END
$$;
COMMENT ON FUNCTION @extschema@.evaluate(text, regclass, text, text, text, boolean) IS
'Score a campaign against any holdout relation of (user, item) rows, as of the holdout: each holdout user gets 25 recommendations from its history without its holdout items (exclude_holdout) and, with ts_column, without its events after its first holdout event; seen items excluded. A NOTICE counts holdout rows also in the interactions. Metric aggregates per user, means rounded to 6 decimals; coverage is distinct recommended items over the catalogue. Beyond accuracy, over the 25-item lists and as Microsoft Recommenders defines them, from the group''s (user, item) pairs as of the holdout: novelty (novelty_agg), diversity and serendipity over the items'' categories (diversity_agg, serendipity_agg; NULL without categories or without the right to read them), and, for a version trained with event_weights and a holdout with the group''s event type column, NDCG at 10 with each holdout item''s gain the largest weight of its event types (gain_ndcg_agg).';

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

-- Deleting users (Personalize's data deletion job) -------------------------------

CREATE FUNCTION @extschema@.delete_users(dataset_group text, user_ids anycompatiblearray)
RETURNS TABLE (relation regclass, deleted bigint)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_delete_users';
COMMENT ON FUNCTION @extschema@.delete_users(text, anycompatiblearray) IS
'Delete users from a dataset group (Personalize''s data deletion job), in the caller''s transaction and with the caller''s privileges: their rows in the group''s interactions and users relations, and in rec.impression and rec.event_attribution (rows of the group''s campaigns and of campaigns that no longer exist). user_ids are read as the group''s user ids, as log_event reads them (integers, text, or uuids). One row per relation with the rows deleted there. A NOTICE names the solution versions trained before, whose models still contain the users: train again.';

-- Campaigns: rec.refresh ----------------------------------------------------

CREATE FUNCTION rec_internal.refresh_version(version bigint)
RETURNS bigint
LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'rec_refresh_version';
COMMENT ON FUNCTION rec_internal.refresh_version(bigint) IS
'Internal: store a refreshed copy of a solution version (popularity, item ages, categories and new items from the events and items now; weights reused) as a new version; rec.refresh calls it holding the solution''s lock.';

CREATE FUNCTION @extschema@.refresh(campaign text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	c record;
	base bigint;
	recipe text;
	fresh bigint;
BEGIN
	IF campaign IS NULL THEN
		RAISE EXCEPTION 'campaign must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT cm.solution INTO c FROM @extschema@.campaign cm WHERE cm.name = refresh.campaign;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'campaign "%" does not exist', campaign
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.deploy().';
	END IF;
	IF EXISTS (SELECT FROM @extschema@.campaign_variant cv WHERE cv.campaign = refresh.campaign) THEN
		RAISE EXCEPTION 'campaign "%" is an A/B test', campaign
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Refresh each variant campaign instead; a pinned variant stays on its version until you deploy the refreshed one.';
	END IF;
	-- the lock rec.train takes: a second refresh waits, then starts from the first one's version
	PERFORM FROM @extschema@.solution s WHERE s.name = c.solution FOR NO KEY UPDATE;
	SELECT coalesce(cm.solution_version,
					(SELECT max(sv.id) FROM @extschema@.solution_version sv WHERE sv.solution = cm.solution))
	INTO base FROM @extschema@.campaign cm WHERE cm.name = refresh.campaign;
	SELECT sv.recipe INTO recipe FROM @extschema@.solution_version sv WHERE sv.id = base;
	IF recipe IS NULL THEN
		RAISE EXCEPTION 'campaign "%" has no trained version to refresh', campaign
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = pg_catalog.format('Train it first: rec.train(%L).', c.solution);
	END IF;
	IF recipe = 'popularity-count' THEN
		RAISE EXCEPTION 'recipe "popularity-count" cannot be refreshed'
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'Its model is only the popularity a refresh would recompute.',
				  HINT = pg_catalog.format('Train it again instead: rec.train(%L).', c.solution);
	END IF;
	fresh := rec_internal.refresh_version(base);
	-- a pinned campaign moves to the new version; one following its solution follows it already
	UPDATE @extschema@.campaign cm SET solution_version = fresh, updated_at = pg_catalog.now()
	WHERE cm.name = refresh.campaign AND cm.solution_version IS NOT NULL;
	RETURN fresh;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh(text) IS
'Refresh the version a campaign serves without retraining (Personalize''s automatic updates): a new version of the same solution whose popularity, new items and categories come from the events and items now, its transitions solved again over the events now with its trained transition parameters, its neighbour or dense weights reused; metrics say refreshed_from. The campaign serves it at once. Refuses A/B campaigns (refresh each variant) and popularity-count (retrain it). Returns the new version id.';

-- User segments (issue 19): item-affinity and item-attribute-affinity
CREATE FUNCTION @extschema@.users_for_item(
	item_id bigint,
	k integer DEFAULT 25,
	solution text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS TABLE (user_id bigint, score real, rank integer)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_users_for_item';
COMMENT ON FUNCTION @extschema@.users_for_item(bigint, integer, text, text, jsonb) IS
'The k users with the highest affinity for an item, best first (Personalize''s Item-Affinity segment). A user''s affinity is the sum, over the distinct items of the user''s current history, of their cosine similarity to the item; users who already interacted with the item are left out. solution names a solution trained with recipe item-affinity (its newest version serves). filter names a filter of users (rec.create_filter with UserID parts, e.g. EXCLUDE UserID WHERE Users.membership IN ($tier): Personalize''s filter of a batch segment job) with its filter_values: only the users who pass it are listed. An item unknown to the model is an error.';

CREATE FUNCTION @extschema@.users_for_item(
	item_id text,
	k integer DEFAULT 25,
	solution text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS TABLE (user_id text, score real, rank integer)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_users_for_item';
COMMENT ON FUNCTION @extschema@.users_for_item(text, integer, text, text, jsonb) IS
'rec.users_for_item() for an item id given as text (any id type written as text): user ids come back as text. Otherwise as rec.users_for_item(bigint, ...).';

CREATE FUNCTION @extschema@.users_for_item(
	item_id uuid,
	k integer DEFAULT 25,
	solution text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS TABLE (user_id text, score real, rank integer)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_users_for_item';
COMMENT ON FUNCTION @extschema@.users_for_item(uuid, integer, text, text, jsonb) IS
'rec.users_for_item() for a uuid item id: user ids come back as text. Otherwise as rec.users_for_item(bigint, ...).';

CREATE FUNCTION @extschema@.users_for_attributes(
	attributes text,
	k integer DEFAULT 25,
	solution text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS TABLE (user_id bigint, score real, rank integer)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_users_for_attributes';
COMMENT ON FUNCTION @extschema@.users_for_attributes(text, integer, text, text, jsonb) IS
'The k users with the highest affinity for the items whose metadata satisfy attributes, best first (Personalize''s Item-Attribute-Affinity segment). attributes is a condition in the filter grammar on the items relation, e.g. Items.categories IN ("Documentary"). A user''s affinity is the mean of the user''s affinities (as in rec.users_for_item) for the matching items; users who interacted with them are kept. solution names a solution trained with recipe item-attribute-affinity. filter and filter_values as in rec.users_for_item(). No matching item: no users.';

CREATE FUNCTION @extschema@.users_for_attributes_text(
	attributes text,
	k integer DEFAULT 25,
	solution text DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS TABLE (user_id text, score real, rank integer)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_users_for_attributes';
COMMENT ON FUNCTION @extschema@.users_for_attributes_text(text, integer, text, text, jsonb) IS
'rec.users_for_attributes() with user ids as text, for a group of any user id type.';

CREATE FUNCTION @extschema@.batch_segment_jsonl_text(
	solution text,
	inputs text[],
	k integer DEFAULT 25,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS SETOF text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r text;
BEGIN
	IF inputs IS NULL THEN
		RAISE EXCEPTION 'inputs must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT s.recipe INTO r FROM @extschema@.solution s WHERE s.name = solution;
	IF r = 'item-attribute-affinity' THEN
		RETURN QUERY
		SELECT jsonb_build_object('input', jsonb_build_object('itemAttributes', x.input),
				'output', jsonb_build_object('recommendedUsers',
					(SELECT coalesce(jsonb_agg(u.user_id ORDER BY u.rank), '[]')
					 FROM @extschema@.users_for_attributes_text(x.input, k, solution, filter, filter_values) u)))::text
		FROM unnest(inputs) WITH ORDINALITY AS x(input, n)
		ORDER BY x.n;
	ELSE
		RETURN QUERY
		SELECT jsonb_build_object('input', jsonb_build_object('itemId', x.input),
				'output', jsonb_build_object('recommendedUsers',
					(SELECT coalesce(jsonb_agg(u.user_id ORDER BY u.rank), '[]')
					 FROM @extschema@.users_for_item(x.input, k, solution, filter, filter_values) u)))::text
		FROM unnest(inputs) WITH ORDINALITY AS x(input, n)
		ORDER BY x.n;
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.batch_segment_jsonl_text(text, text[], integer, text, jsonb) IS
'A batch segment job: one JSON line per input in Personalize''s output format, {"input": {"itemId": "42"}, "output": {"recommendedUsers": ["3", "9"]}}, ids as strings. The inputs are item ids for a solution of recipe item-affinity, attribute conditions ({"input": {"itemAttributes": "..."}, ...}) for one of recipe item-attribute-affinity. filter and filter_values (a filter of users, Personalize''s filterArn of a batch segment job) apply to every line.';

CREATE FUNCTION @extschema@.batch_segment_jsonl(
	solution text,
	items bigint[],
	k integer DEFAULT 25,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL)
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.batch_segment_jsonl_text(solution, items::text[], k, filter, filter_values)
$$;
COMMENT ON FUNCTION @extschema@.batch_segment_jsonl(text, bigint[], integer, text, jsonb) IS
'rec.batch_segment_jsonl_text() for bigint item ids: one JSON line per item, in Personalize''s batch segment output format, through the filter of users if given.';

-- log_event takes impression => item[] (Personalize's PutEvents impression list)
DROP FUNCTION @extschema@.log_event(bigint, bigint, text, double precision, timestamptz, text, text, text, integer);
DROP FUNCTION @extschema@.log_event(text, text, text, double precision, timestamptz, text, text, text, integer);
DROP FUNCTION @extschema@.log_event(text, uuid, text, double precision, timestamptz, text, text, text, integer);
DROP FUNCTION @extschema@.log_event(text, bigint, text, double precision, timestamptz, text, text, text, integer);
DROP FUNCTION @extschema@.log_event(uuid, text, text, double precision, timestamptz, text, text, text, integer);
DROP FUNCTION @extschema@.log_event(uuid, uuid, text, double precision, timestamptz, text, text, text, integer);
DROP FUNCTION @extschema@.log_event(uuid, bigint, text, double precision, timestamptz, text, text, text, integer);
CREATE FUNCTION @extschema@.log_event(
	user_id bigint,
	item_id bigint,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL,
	impression bigint[] DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(bigint, bigint, text, double precision, timestamptz, text, text, text, integer, bigint[], jsonb) IS
'Record one event in a dataset group''s interactions (Personalize''s PutEvents). The next recommend(), even in the same transaction, reflects it. event_type and event_value left NULL take the column''s default (''click'' in rec.interactions); giving one to a group without that column is an error. An event dated more than a day after now() is refused. dataset_group defaults to the group of campaign, else of rec.campaign, else ''default''. event_value is double precision, so that a client''s floating-point value reaches it, and is stored in the column''s type. With campaign, the event is also attributed to the recommendation that led to it (rec.event_attribution): variant defaults to the user''s variant, rank is the position it was shown at. impression (Personalize''s impression list) records the items shown with the event, as rec.log_impression() does, under campaign (else rec.campaign), in the same call. context (Personalize''s PutEvents context, e.g. ''{"device": "mobile"}'') stores its values in the group''s context columns, which recommend(..., context => ...) reads at once.';

CREATE FUNCTION @extschema@.log_event(
	user_id text,
	item_id text,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL,
	impression text[] DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(text, text, text, double precision, timestamptz, text, text, text, integer, text[], jsonb) IS
'rec.log_event() for a text user id and a text item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id text,
	item_id uuid,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL,
	impression uuid[] DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(text, uuid, text, double precision, timestamptz, text, text, text, integer, uuid[], jsonb) IS
'rec.log_event() for a text user id and a uuid item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id text,
	item_id bigint,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL,
	impression bigint[] DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(text, bigint, text, double precision, timestamptz, text, text, text, integer, bigint[], jsonb) IS
'rec.log_event() for a text user id and a bigint item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id uuid,
	item_id text,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL,
	impression text[] DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(uuid, text, text, double precision, timestamptz, text, text, text, integer, text[], jsonb) IS
'rec.log_event() for a uuid user id and a text item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id uuid,
	item_id uuid,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL,
	impression uuid[] DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(uuid, uuid, text, double precision, timestamptz, text, text, text, integer, uuid[], jsonb) IS
'rec.log_event() for a uuid user id and a uuid item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

CREATE FUNCTION @extschema@.log_event(
	user_id uuid,
	item_id bigint,
	event_type text DEFAULT NULL,
	event_value double precision DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT NULL,
	campaign text DEFAULT NULL,
	variant text DEFAULT NULL,
	rank integer DEFAULT NULL,
	impression bigint[] DEFAULT NULL,
	context jsonb DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(uuid, bigint, text, double precision, timestamptz, text, text, text, integer, bigint[], jsonb) IS
'rec.log_event() for a uuid user id and a bigint item id. An attributed event of a text or uuid group is recorded with the ids'' rec.key_id(). Otherwise as rec.log_event(bigint, bigint, ...).';

-- the newest events of the whole group, read by time (trending-now, issue 16)
CREATE INDEX interactions_ts_idx ON @extschema@.interactions (ts);

-- Filters keep their matching items per backend, following rec.items ------

CREATE FUNCTION rec_internal.items_changed()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'rec_items_changed';
COMMENT ON FUNCTION rec_internal.items_changed() IS
'Internal trigger: tells every backend''s filter cache that an items (or users) relation changed. A table bound as a group''s items or users relation that carries it (AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE, FOR EACH STATEMENT, ENABLE ALWAYS) lets filters keep their matching items (or users) across calls, as rec.items and rec.users do.';

CREATE TRIGGER items_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.items
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.items_changed();
ALTER TABLE @extschema@.items ENABLE ALWAYS TRIGGER items_changed;

CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.users
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.items_changed();
ALTER TABLE @extschema@.users ENABLE ALWAYS TRIGGER users_changed;
