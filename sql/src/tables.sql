-- Tables, indexes and the view of rec's catalogue, with the internal triggers
-- that keep them consistent (src/catalog.c, src/model_store.c).
--
-- The default dataset group's datasets (interactions, items, users), the
-- catalogue (dataset_group, solution, solution_version with model_chunk,
-- campaign with campaign_variant, filter), and what applications log
-- (impression, event_attribution).  Every table a user fills is registered
-- with pg_extension_config_dump, so pg_dump keeps its rows.

-- Datasets of the default dataset group ---------------------------------------

CREATE TABLE @extschema@.interactions (
	user_id bigint NOT NULL,
	item_id bigint NOT NULL,
	event_type text NOT NULL DEFAULT 'click',
	event_value real,
	ts timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE INDEX interactions_user_ts_idx ON @extschema@.interactions (user_id, ts) INCLUDE (item_id);
-- the newest events of the whole group, for the trending-now recipe (issue 16)
CREATE INDEX interactions_ts_idx ON @extschema@.interactions (ts);

COMMENT ON TABLE @extschema@.interactions IS
'Interactions of the default dataset group: one row per event (Personalize''s Interactions dataset). Load with INSERT or COPY, or rec.log_event().';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.interactions', '');

CREATE TABLE @extschema@.items (
	item_id bigint PRIMARY KEY,
	title text,
	categories text[] NOT NULL DEFAULT '{}',
	properties jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz DEFAULT pg_catalog.now()
);

CREATE INDEX items_categories_idx ON @extschema@.items USING gin (categories);

COMMENT ON TABLE @extschema@.items IS
'Items of the default dataset group with their metadata (Personalize''s Items dataset). Items listed here but absent from the interactions are cold items; created_at (NULL if unknown) dates them for exploration.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.items', '');

CREATE TABLE @extschema@.users (
	user_id bigint PRIMARY KEY,
	properties jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE @extschema@.users IS
'Users of the default dataset group with their metadata (Personalize''s Users dataset).';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.users', '');

-- Catalogue: dataset groups, solutions and their versions, campaigns, filters ---

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
		  "items_item_id": "item_id", "categories": "categories", "created_at": "created_at",
		  "users_user_id": "user_id", "user_categories": "properties", "user_categories_json": true}');

SELECT pg_catalog.pg_extension_config_dump('@extschema@.dataset_group', 'WHERE name <> ''default''');

CREATE TABLE @extschema@.solution (
	name text PRIMARY KEY CHECK (name <> ''),
	recipe text NOT NULL,
	dataset_group text NOT NULL REFERENCES @extschema@.dataset_group ON DELETE CASCADE,
	params jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE @extschema@.solution IS
'A recipe with its parameters over a dataset group; rec.train() adds versions.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.solution', '');

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

SELECT pg_catalog.pg_extension_config_dump('@extschema@.solution_version', '');

SELECT pg_catalog.pg_extension_config_dump('@extschema@.solution_version_id_seq', '');

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

CREATE TABLE @extschema@.campaign (
	name text PRIMARY KEY CHECK (name <> ''),
	solution text NOT NULL REFERENCES @extschema@.solution ON DELETE CASCADE,
	solution_version bigint REFERENCES @extschema@.solution_version ON DELETE CASCADE,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE @extschema@.campaign IS
'A named deployment: a pinned solution version, or (solution_version NULL) the newest version of a solution.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.campaign', '');

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

-- What applications log: impressions and attributed events --------------------

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

-- Internal triggers: caches follow the catalogue, model files follow versions ---

CREATE FUNCTION rec_internal.catalogue_changed()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'rec_catalogue_changed';
COMMENT ON FUNCTION rec_internal.catalogue_changed() IS
'Internal trigger: tells every backend''s campaign cache that rec''s catalogue changed.';

CREATE TRIGGER dataset_group_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.dataset_group
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.catalogue_changed();

CREATE TRIGGER solution_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.solution
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.catalogue_changed();

CREATE TRIGGER solution_version_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.solution_version
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.catalogue_changed();

CREATE TRIGGER campaign_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.campaign
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.catalogue_changed();

CREATE TRIGGER campaign_variant_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.campaign_variant
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.catalogue_changed();

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

CREATE FUNCTION rec_internal.model_files_sweep()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'rec_model_files_sweep';
COMMENT ON FUNCTION rec_internal.model_files_sweep() IS
'Internal trigger: removes the server''s model files (rec_models/ in the data directory) of solution versions that no longer exist.';

CREATE TRIGGER solution_version_deleted AFTER DELETE OR TRUNCATE ON @extschema@.solution_version
	FOR EACH STATEMENT EXECUTE FUNCTION rec_internal.model_files_sweep();

-- Dataset groups: a bound relation cannot be dropped from under its group -----

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

-- Campaign status -------------------------------------------------------------

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
