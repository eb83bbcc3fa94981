-- Evaluation (src/holdout.c, src/evaluate.c): a campaign's recommendations for
-- the users of a holdout, scored "as of" the holdout, with rounded figures.

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
