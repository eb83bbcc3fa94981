-- Batch recommendations (src/batch.c): every user of a campaign, or a list of
-- users, in one call; batch_recommend_text returns users and items as text.

CREATE FUNCTION @extschema@.batch_recommend_jsonl(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users bigint[] DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL)
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.format('{"input":{"userId":%s},"output":{"recommendedItems":%s,"scores":%s},"error":null}',
			pg_catalog.to_json(b.user_id),
			pg_catalog.to_json(pg_catalog.array_agg(b.item_id ORDER BY b.rank)),
			pg_catalog.to_json(pg_catalog.array_agg(b.score ORDER BY b.rank)))
	FROM @extschema@.batch_recommend_text(campaign, k, users::text[], true, filter, filter_values,
		promotion, promotion_share, promotion_values) b
	GROUP BY b.user_id
	ORDER BY CASE WHEN b.user_id ~ '^-?[0-9]{1,30}$' THEN b.user_id::numeric END, b.user_id
$$;
COMMENT ON FUNCTION @extschema@.batch_recommend_jsonl(text, integer, bigint[], text, jsonb, text, double precision, jsonb) IS
'rec.batch_recommend() as JSON Lines in Amazon Personalize''s batch inference output format, one line per user, ids as the strings they are (any id type), items in the list''s order. filter and filter_values as in rec.batch_recommend() (Personalize''s filterArn on a batch inference job); promotion, promotion_share and promotion_values as in rec.recommend() (Personalize''s batch inference jobs have no promotions; its GetRecommendations does).';

CREATE FUNCTION @extschema@.batch_recommend_jsonl_text(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users text[] DEFAULT NULL,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL)
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.format('{"input":{"userId":%s},"output":{"recommendedItems":%s,"scores":%s},"error":null}',
			pg_catalog.to_json(b.user_id),
			pg_catalog.to_json(pg_catalog.array_agg(b.item_id ORDER BY b.rank)),
			pg_catalog.to_json(pg_catalog.array_agg(b.score ORDER BY b.rank)))
	FROM @extschema@.batch_recommend_text(campaign, k, users, true, filter, filter_values,
		promotion, promotion_share, promotion_values) b
	GROUP BY b.user_id
	ORDER BY CASE WHEN b.user_id ~ '^-?[0-9]{1,30}$' THEN b.user_id::numeric END, b.user_id
$$;
COMMENT ON FUNCTION @extschema@.batch_recommend_jsonl_text(text, integer, text[], text, jsonb, text, double precision, jsonb) IS
'rec.batch_recommend_jsonl() with the users given as text (text, varchar or uuid ids; the bigint[] users of batch_recommend_jsonl cannot hold them).';

CREATE FUNCTION @extschema@.batch_recommend(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users bigint[] DEFAULT NULL,
	exclude_seen boolean DEFAULT true,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL)
RETURNS TABLE (user_id bigint, rank integer, item_id bigint, score real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_batch_recommend';
COMMENT ON FUNCTION @extschema@.batch_recommend(text, integer, bigint[], boolean, text, jsonb, text, double precision, jsonb) IS
'Top-k items for every user with events (or for the given users), in one pass. Users without history get the popularity fallback. filter names a filter (rec.create_filter) applied to every user''s list, with its filter_values; promotion, promotion_share and promotion_values promote items in every list as in rec.recommend() (rank is the place in the list, promoted items at their places).';

CREATE FUNCTION @extschema@.batch_recommend_text(
	campaign text DEFAULT NULL,
	k integer DEFAULT 25,
	users text[] DEFAULT NULL,
	exclude_seen boolean DEFAULT true,
	filter text DEFAULT NULL,
	filter_values jsonb DEFAULT NULL,
	promotion text DEFAULT NULL,
	promotion_share double precision DEFAULT 0.2,
	promotion_values jsonb DEFAULT NULL)
RETURNS TABLE (user_id text, rank integer, item_id text, score real)
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_batch_recommend';
COMMENT ON FUNCTION @extschema@.batch_recommend_text(text, integer, text[], boolean, text, jsonb, text, double precision, jsonb) IS
'rec.batch_recommend() with user and item ids as text, exactly as stored (uuids in canonical form), for a group of any id types; users may be given as text. filter, filter_values and the promotion as in rec.batch_recommend().';
