-- Events (src/events.c): logging interactions and impressions as they happen,
-- attributed to the campaign and variant that served them.

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

-- Deleting users (Personalize's data deletion job) -------------------------------

CREATE FUNCTION @extschema@.delete_users(dataset_group text, user_ids anycompatiblearray)
RETURNS TABLE (relation regclass, deleted bigint)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_delete_users';
COMMENT ON FUNCTION @extschema@.delete_users(text, anycompatiblearray) IS
'Delete users from a dataset group (Personalize''s data deletion job), in the caller''s transaction and with the caller''s privileges: their rows in the group''s interactions and users relations, and in rec.impression and rec.event_attribution (rows of the group''s campaigns and of campaigns that no longer exist). user_ids are read as the group''s user ids, as log_event reads them (integers, text, or uuids). One row per relation with the rows deleted there. A NOTICE names the solution versions trained before, whose models still contain the users: train again.';
