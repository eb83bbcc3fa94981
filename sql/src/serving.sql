-- Serving (src/recommend.c, src/explain.c, src/history.c): recommendations,
-- similar items, reranking and explanations for one user or item.
--
-- Every serving function has text and uuid overloads of the same shape as the
-- bigint one: where the item type follows from a scalar argument
-- (similar_items, explain) items come back in that type; recommend and rank
-- (whose candidate array literals could not choose between overloads) return
-- them as text.  Overloads are explicit types, not polymorphic ones: an untyped
-- literal ('42', '{1,2}', NULL) must still resolve to exactly one function.

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
