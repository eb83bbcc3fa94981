-- Dataset groups (src/catalog.c, src/keys.c): a name bound to an interactions
-- relation and optional items and users relations, with their columns mapped.
--
-- A dataset group's user and item ids may each be bigint, integer, smallint,
-- text, varchar or uuid; the types are recorded in its column mapping
-- ("user_type", "item_type") when they are not integers.  Inside rec a text or
-- uuid id is its 64-bit hash (rec.key_id); models keep their items' keys.

CREATE FUNCTION rec_internal.column_type(rel regclass, col text, what text, hint text DEFAULT NULL)
RETURNS regtype
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t regtype;
BEGIN
	SELECT a.atttypid::regtype INTO t
	FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
	IF t IS NULL AND what IS NOT NULL THEN
		RAISE EXCEPTION 'relation % has no column "%"', rel, col
			USING ERRCODE = 'undefined_column',
				  HINT = coalesce(hint, format('Map the %s column with columns => ''{"%s": "column_name"}''.', what, what));
	END IF;
	RETURN t;
END
$$;
COMMENT ON FUNCTION rec_internal.column_type(regclass, text, text, text) IS
'Internal: the type of a column, or an error naming the mapping key when a required column is missing.';

CREATE FUNCTION @extschema@.drop_dataset_group(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF name = 'default' THEN
		RAISE EXCEPTION 'dataset group "default" cannot be dropped' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	DELETE FROM @extschema@.dataset_group g WHERE g.name = drop_dataset_group.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'dataset group "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_dataset_group(text) IS
'Drop a dataset group with its solutions, solution versions and campaigns. The bound relations are not touched.';

CREATE FUNCTION @extschema@.key_id(key text)
RETURNS bigint
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_key_id';
COMMENT ON FUNCTION @extschema@.key_id(text) IS
'The internal id of a text or uuid user or item id (uuids as their canonical text): its 64-bit hash. Dataset reads filter by it; rec.holdout_recommend and rec.event_attribution give text and uuid ids this way.';

CREATE FUNCTION @extschema@.create_dataset_group(
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
