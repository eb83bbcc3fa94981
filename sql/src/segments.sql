-- User segments (src/serve/segments.c): Personalize's Item-Affinity and
-- Item-Attribute-Affinity recipes, served as batch segment jobs.  The users
-- most likely to take to an item, or to items with given attributes, from a
-- solution trained with recipe item-affinity or item-attribute-affinity.

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
