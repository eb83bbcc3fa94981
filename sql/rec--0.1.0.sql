-- rec 0.1.0: Amazon Personalize's loop inside PostgreSQL
\echo Use "CREATE EXTENSION rec" to load this file. \quit

-- Datasets of the default dataset group -------------------------------------

CREATE TABLE @extschema@.interactions (
	user_id bigint NOT NULL,
	item_id bigint NOT NULL,
	event_type text NOT NULL DEFAULT 'click',
	event_value real,
	ts timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX interactions_user_ts_idx ON @extschema@.interactions (user_id, ts);
COMMENT ON TABLE @extschema@.interactions IS
'Interactions of the default dataset group: one row per event (Personalize''s Interactions dataset). Load with INSERT or COPY, or rec.log_event().';

CREATE TABLE @extschema@.items (
	item_id bigint PRIMARY KEY,
	title text,
	categories text[] NOT NULL DEFAULT '{}',
	properties jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.items IS
'Items of the default dataset group with their metadata (Personalize''s Items dataset). Items listed here but absent from the interactions are cold items; created_at (NULL if unknown) dates them for exploration.';

CREATE TABLE @extschema@.users (
	user_id bigint PRIMARY KEY,
	properties jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.users IS
'Users of the default dataset group with their metadata (Personalize''s Users dataset).';

-- Catalogue ----------------------------------------------------------------

CREATE TABLE @extschema@.dataset_group (
	name text PRIMARY KEY CHECK (name <> ''),
	interactions regclass NOT NULL,
	items regclass,
	users regclass,
	columns jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.dataset_group IS
'A name bound to an interactions relation and optional items and users relations, with the column names resolved by rec.create_dataset_group().';

INSERT INTO @extschema@.dataset_group (name, interactions, items, users, columns)
VALUES ('default', '@extschema@.interactions', '@extschema@.items', '@extschema@.users',
		'{"user_id": "user_id", "item_id": "item_id", "ts": "ts", "ts_is_epoch": false,
		  "event_type": "event_type", "event_value": "event_value",
		  "items_item_id": "item_id", "categories": "categories", "created_at": "created_at"}');

CREATE TABLE @extschema@.solution (
	name text PRIMARY KEY CHECK (name <> ''),
	recipe text NOT NULL,
	dataset_group text NOT NULL REFERENCES @extschema@.dataset_group ON DELETE CASCADE,
	params jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.solution IS
'A recipe with its parameters over a dataset group; rec.train() adds versions.';

CREATE TABLE @extschema@.solution_version (
	id bigserial PRIMARY KEY,
	solution text NOT NULL REFERENCES @extschema@.solution ON DELETE CASCADE,
	recipe text NOT NULL,
	params jsonb NOT NULL,
	metrics jsonb,
	n_users integer NOT NULL,
	n_items integer NOT NULL,
	n_interactions bigint NOT NULL,
	training_seconds double precision NOT NULL,
	model bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
ALTER TABLE @extschema@.solution_version ALTER COLUMN model SET STORAGE EXTERNAL;
CREATE INDEX solution_version_solution_idx ON @extschema@.solution_version (solution, id);
COMMENT ON TABLE @extschema@.solution_version IS
'One trained model: its effective parameters, offline metrics (Personalize''s method) and serialized model.';

CREATE TABLE @extschema@.campaign (
	name text PRIMARY KEY CHECK (name <> ''),
	solution text NOT NULL REFERENCES @extschema@.solution ON DELETE CASCADE,
	solution_version bigint REFERENCES @extschema@.solution_version ON DELETE CASCADE,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.campaign IS
'A named deployment: a pinned solution version, or (solution_version NULL) the newest version of a solution.';

CREATE FUNCTION @extschema@.catalogue_changed()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'rec_catalogue_changed';
COMMENT ON FUNCTION @extschema@.catalogue_changed() IS
'Internal trigger: tells every backend''s campaign cache that rec''s catalogue changed.';
CREATE TRIGGER dataset_group_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.dataset_group
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.catalogue_changed();
CREATE TRIGGER solution_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.solution
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.catalogue_changed();
CREATE TRIGGER solution_version_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.solution_version
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.catalogue_changed();
CREATE TRIGGER campaign_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.campaign
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.catalogue_changed();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.interactions', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.items', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.users', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.dataset_group', 'WHERE name <> ''default''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.solution', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.solution_version', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.solution_version_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.campaign', '');

-- Dataset groups -----------------------------------------------------------

CREATE FUNCTION @extschema@.column_type(rel regclass, col text, what text, hint text DEFAULT NULL)
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
COMMENT ON FUNCTION @extschema@.column_type(regclass, text, text, text) IS
'Internal: the type of a column, or an error naming the mapping key when a required column is missing.';

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
	ints regtype[] := '{smallint,integer,bigint}';
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
		IF k <> ALL ('{user_id,item_id,ts,event_type,event_value,items_item_id,categories,created_at}') THEN
			RAISE EXCEPTION 'unknown column mapping key "%"', k
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Keys are user_id, item_id, ts, event_type, event_value, items_item_id, categories and created_at.';
		END IF;
		IF jsonb_typeof(columns -> k) <> 'string' THEN
			RAISE EXCEPTION 'column mapping "%" must be a column name string', k
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END LOOP;

	-- interactions: user, item and time are required; event type and value optional
	FOREACH k IN ARRAY '{user_id,item_id}'::text[] LOOP
		t := @extschema@.column_type(interactions, coalesce(columns ->> k, k), k);
		IF t <> ALL (ints) THEN
			RAISE EXCEPTION 'column "%" of relation % must be an integer type, not %',
				coalesce(columns ->> k, k), interactions, t USING ERRCODE = 'datatype_mismatch';
		END IF;
		m := m || jsonb_build_object(k, coalesce(columns ->> k, k));
	END LOOP;
	t := @extschema@.column_type(interactions, coalesce(columns ->> 'ts', 'ts'), 'ts');
	IF t <> ALL ('{timestamptz,timestamp}'::regtype[] || nums) THEN
		RAISE EXCEPTION 'column "%" of relation % must be a timestamp or epoch seconds, not %',
			coalesce(columns ->> 'ts', 'ts'), interactions, t USING ERRCODE = 'datatype_mismatch';
	END IF;
	m := m || jsonb_build_object('ts', coalesce(columns ->> 'ts', 'ts'),
								 'ts_is_epoch', t = ANY (nums));
	t := @extschema@.column_type(interactions, coalesce(columns ->> 'event_type', 'event_type'),
								 CASE WHEN columns ? 'event_type' THEN 'event_type' END);
	IF t IS NOT NULL THEN
		IF t <> ALL ('{text,varchar}'::regtype[]) THEN
			RAISE EXCEPTION 'column "%" of relation % must be text, not %',
				coalesce(columns ->> 'event_type', 'event_type'), interactions, t
				USING ERRCODE = 'datatype_mismatch';
		END IF;
		m := m || jsonb_build_object('event_type', coalesce(columns ->> 'event_type', 'event_type'));
	END IF;
	t := @extschema@.column_type(interactions, coalesce(columns ->> 'event_value', 'event_value'),
								 CASE WHEN columns ? 'event_value' THEN 'event_value' END);
	IF t IS NOT NULL THEN
		IF t <> ALL (nums) THEN
			RAISE EXCEPTION 'column "%" of relation % must be numeric, not %',
				coalesce(columns ->> 'event_value', 'event_value'), interactions, t
				USING ERRCODE = 'datatype_mismatch';
		END IF;
		m := m || jsonb_build_object('event_value', coalesce(columns ->> 'event_value', 'event_value'));
	END IF;

	-- items: an id column, and optional text[] categories
	IF items IS NOT NULL THEN
		t := @extschema@.column_type(items, coalesce(columns ->> 'items_item_id', 'item_id'), 'items_item_id');
		IF t <> ALL (ints) THEN
			RAISE EXCEPTION 'column "%" of relation % must be an integer type, not %',
				coalesce(columns ->> 'items_item_id', 'item_id'), items, t USING ERRCODE = 'datatype_mismatch';
		END IF;
		m := m || jsonb_build_object('items_item_id', coalesce(columns ->> 'items_item_id', 'item_id'));
		t := @extschema@.column_type(items, coalesce(columns ->> 'categories', 'categories'),
									 CASE WHEN columns ? 'categories' THEN 'categories' END);
		IF t IS NOT NULL THEN
			IF t <> 'text[]'::regtype THEN
				RAISE EXCEPTION 'column "%" of relation % must be text[], not %',
					coalesce(columns ->> 'categories', 'categories'), items, t
					USING ERRCODE = 'datatype_mismatch';
			END IF;
			m := m || jsonb_build_object('categories', coalesce(columns ->> 'categories', 'categories'));
		END IF;
		t := @extschema@.column_type(items, coalesce(columns ->> 'created_at', 'created_at'),
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

	IF replace THEN
		UPDATE @extschema@.dataset_group g
		SET interactions = create_dataset_group.interactions, items = create_dataset_group.items,
			users = create_dataset_group.users, columns = m
		WHERE g.name = create_dataset_group.name;
		IF FOUND THEN
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
'Bind a dataset group to your own tables or views. columns maps rec''s names (user_id, item_id, ts, event_type, event_value; items_item_id, categories, created_at of the items) to yours; ts may be a timestamp or epoch seconds.';

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

-- Training -----------------------------------------------------------------

CREATE FUNCTION @extschema@.recipes()
RETURNS TABLE (name text, algorithm text, default_params jsonb, description text)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_recipes';
COMMENT ON FUNCTION @extschema@.recipes() IS
'The recipes rec.train() accepts, with their algorithm and default parameters.';

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

-- Campaigns ----------------------------------------------------------------

CREATE FUNCTION @extschema@.deploy(campaign text, solution text DEFAULT NULL, version bigint DEFAULT NULL)
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
COMMENT ON FUNCTION @extschema@.deploy(text, text, bigint) IS
'Create or move a campaign: to a pinned solution version, or (version NULL) to whatever the newest version of the solution is. Serving sees the move at once. Returns the version the campaign serves now (NULL if its solution has none yet).';

CREATE FUNCTION @extschema@.drop_campaign(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM @extschema@.campaign c WHERE c.name = drop_campaign.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'campaign "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_campaign(text) IS 'Drop a campaign; its solution stays.';

-- Serving ------------------------------------------------------------------

CREATE FUNCTION @extschema@.recommend(
	user_id bigint,
	k integer DEFAULT 25,
	exclude_seen boolean DEFAULT true,
	include_items bigint[] DEFAULT NULL,
	exclude_items bigint[] DEFAULT NULL,
	campaign text DEFAULT NULL)
RETURNS TABLE (item_id bigint, score real, reason text, because_item_id bigint)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_recommend';
COMMENT ON FUNCTION @extschema@.recommend(bigint, integer, boolean, bigint[], bigint[], text) IS
'Top-k items for a user from the user''s current history, best first. reason is ''personalized'' (because_item_id: the history item that contributes most), ''session'' (a new category the newest events turned to; because_item_id: the newest such event), ''exploration'' (a new item matching the user''s categories) or ''popular'' (the fallback for a user with no usable history). Campaign defaults to rec.campaign.';

CREATE FUNCTION @extschema@.explain(
	user_id bigint,
	item_id bigint,
	campaign text DEFAULT NULL)
RETURNS TABLE (history_item_id bigint, contribution real, share real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_explain';
COMMENT ON FUNCTION @extschema@.explain(bigint, bigint, text) IS
'The user''s history items behind an item''s score, largest contribution first, with their share of the positive total. Exact: the models are linear in the history.';

CREATE FUNCTION @extschema@.similar_items(
	item_id bigint,
	k integer DEFAULT 25,
	exclude_items bigint[] DEFAULT NULL,
	campaign text DEFAULT NULL)
RETURNS TABLE (item_id bigint, score real)
LANGUAGE C STABLE PARALLEL SAFE ROWS 25
AS 'MODULE_PATHNAME', 'rec_similar_items';
COMMENT ON FUNCTION @extschema@.similar_items(bigint, integer, bigint[], text) IS
'Top-k items similar to an item, best first. An item unknown to the campaign''s model is an error.';

CREATE FUNCTION @extschema@.rank(
	user_id bigint,
	items bigint[],
	campaign text DEFAULT NULL)
RETURNS TABLE (item_id bigint, score real, rank integer)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank';
COMMENT ON FUNCTION @extschema@.rank(bigint, bigint[], text) IS
'Re-rank a caller''s candidate items for a user (Personalize''s GetPersonalizedRanking). Items unknown to the model come last with a NULL score.';

CREATE FUNCTION @extschema@.batch_recommend(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users bigint[] DEFAULT NULL,
	exclude_seen boolean DEFAULT true)
RETURNS TABLE (user_id bigint, rank integer, item_id bigint, score real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_batch_recommend';
COMMENT ON FUNCTION @extschema@.batch_recommend(text, integer, bigint[], boolean) IS
'Top-k items for every user with events (or for the given users), in one pass. Users without history get the popularity fallback.';

CREATE FUNCTION @extschema@.batch_recommend_jsonl(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users bigint[] DEFAULT NULL)
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.format('{"input":{"userId":%s},"output":{"recommendedItems":%s,"scores":%s},"error":null}',
			pg_catalog.to_json(b.user_id::text),
			pg_catalog.to_json(pg_catalog.array_agg(b.item_id::text ORDER BY b.rank)),
			pg_catalog.to_json(pg_catalog.array_agg(b.score ORDER BY b.rank)))
	FROM @extschema@.batch_recommend(campaign, k, users) b
	GROUP BY b.user_id
	ORDER BY b.user_id
$$;
COMMENT ON FUNCTION @extschema@.batch_recommend_jsonl(text, integer, bigint[]) IS
'rec.batch_recommend() as JSON Lines in Amazon Personalize''s batch inference output format, one line per user.';

-- Events -------------------------------------------------------------------

CREATE FUNCTION @extschema@.log_event(
	user_id bigint,
	item_id bigint,
	event_type text DEFAULT 'click',
	event_value real DEFAULT NULL,
	ts timestamptz DEFAULT pg_catalog.now(),
	dataset_group text DEFAULT 'default')
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_log_event';
COMMENT ON FUNCTION @extschema@.log_event(bigint, bigint, text, real, timestamptz, text) IS
'Record one event in a dataset group''s interactions (Personalize''s PutEvents). The next recommend(), even in the same transaction, reflects it.';

-- Evaluation ---------------------------------------------------------------
-- Ranking metrics (src/metrics.c)

CREATE FUNCTION @extschema@.precision_at_k(recommended bigint[], relevant bigint[], k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_precision_at_k';

COMMENT ON FUNCTION @extschema@.precision_at_k(bigint[], bigint[], integer) IS
'Precision at k: distinct relevant ids among the first k recommended, divided by k (a list shorter than k is not rescaled). A repeated id counts once, at its first position. 0 for an empty list.';

CREATE FUNCTION @extschema@.recall_at_k(recommended bigint[], relevant bigint[], k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_recall_at_k';

COMMENT ON FUNCTION @extschema@.recall_at_k(bigint[], bigint[], integer) IS
'Recall at k: distinct relevant ids among the first k recommended, divided by the number of distinct relevant ids. NULL when relevant is empty, so avg() skips that user.';

CREATE FUNCTION @extschema@.ndcg_at_k(recommended bigint[], relevant bigint[], k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_ndcg_at_k';

COMMENT ON FUNCTION @extschema@.ndcg_at_k(bigint[], bigint[], integer) IS
'Binary NDCG at k: sum of 1/log2(position+1) over hits in the first k, divided by the ideal value for min(k, distinct relevant) hits. A repeated id counts once, at its first position. NULL when relevant is empty, so avg() skips that user.';

CREATE FUNCTION @extschema@.mrr(recommended bigint[], relevant bigint[], k integer DEFAULT 25)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_mrr';

COMMENT ON FUNCTION @extschema@.mrr(bigint[], bigint[], integer) IS
'Reciprocal rank: 1/position of the first relevant id within the first k recommended, 0 if none. Average it over users for MRR.';

CREATE FUNCTION @extschema@.hit_at_k(recommended bigint[], relevant bigint[], k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_hit_at_k';

COMMENT ON FUNCTION @extschema@.hit_at_k(bigint[], bigint[], integer) IS
'Hit at k: 1 if any of the first k recommended ids is relevant, else 0. Average it over users for the hit rate.';

CREATE FUNCTION @extschema@.evaluate(
	campaign text,
	holdout regclass,
	user_column text DEFAULT 'user_id',
	item_column text DEFAULT 'item_id')
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
BEGIN
	IF campaign IS NULL OR holdout IS NULL OR user_column IS NULL OR item_column IS NULL THEN
		RAISE EXCEPTION 'campaign, holdout, user_column and item_column must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM @extschema@.column_type(holdout, user_column, 'user_column',
		'Name the holdout''s columns with user_column => and item_column =>.');
	PERFORM @extschema@.column_type(holdout, item_column, 'item_column',
		'Name the holdout''s columns with user_column => and item_column =>.');
	SELECT sv.n_items INTO catalogue
	FROM @extschema@.campaign c
	JOIN @extschema@.solution_version sv ON sv.solution = c.solution
		AND (c.solution_version IS NULL OR sv.id = c.solution_version)
	WHERE c.name = campaign ORDER BY sv.id DESC LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'campaign "%" does not exist', campaign
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.deploy().';
	END IF;
	RETURN QUERY EXECUTE format($q$
		WITH truth AS (
			SELECT %1$I::bigint AS user_id, array_agg(DISTINCT %2$I::bigint) AS items
			FROM %3$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL GROUP BY 1),
		recs AS (
			SELECT b.user_id, array_agg(b.item_id ORDER BY b.rank) AS items
			FROM @extschema@.batch_recommend($1, 25, (SELECT array_agg(t.user_id) FROM truth t)) b
			GROUP BY b.user_id),
		scored AS (
			SELECT coalesce(r.items, '{}') AS rec, t.items AS rel FROM truth t LEFT JOIN recs r USING (user_id))
		SELECT count(*),
			(SELECT count(DISTINCT x)::float8 FROM recs, unnest(recs.items) x) / greatest($2, 1),
			avg(@extschema@.mrr(rec, rel, 25)),
			avg(@extschema@.ndcg_at_k(rec, rel, 5)),
			avg(@extschema@.ndcg_at_k(rec, rel, 10)),
			avg(@extschema@.ndcg_at_k(rec, rel, 25)),
			avg(@extschema@.precision_at_k(rec, rel, 5)),
			avg(@extschema@.precision_at_k(rec, rel, 10)),
			avg(@extschema@.precision_at_k(rec, rel, 25)),
			avg(@extschema@.recall_at_k(rec, rel, 10)),
			avg(@extschema@.recall_at_k(rec, rel, 25)),
			avg(@extschema@.hit_at_k(rec, rel, 10))
		FROM scored
		$q$, user_column, item_column, holdout)
	USING campaign, catalogue;
END
$$;
COMMENT ON FUNCTION @extschema@.evaluate(text, regclass, text, text) IS
'Score a campaign against any holdout relation of (user, item) rows: each holdout user gets 25 recommendations from the current interactions (seen items excluded), compared with that user''s holdout items. Standard definitions; coverage is distinct recommended items over the catalogue.';
