-- Batch recommendations (src/batch.c): every user of a campaign, or a list of
-- users, in one call; batch_recommend_text returns users and items as text.

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
