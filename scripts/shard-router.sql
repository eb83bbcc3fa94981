-- scripts/shard-router.sql — a PL/Proxy router in front of rec shards.
--
-- Run on the router database, where the plproxy and rec extensions are
-- installed, after defining the cluster 'rec' (PL/Proxy's SQL/MED form; the
-- number of partitions must be a power of 2):
--
--   CREATE SERVER rec FOREIGN DATA WRAPPER plproxy
--       OPTIONS (p0 'host=... dbname=...', p1 'host=... dbname=...');
--   CREATE USER MAPPING FOR PUBLIC SERVER rec;
--   \i scripts/shard-router.sql
--
-- Every shard has rec and holds the events of the users that hash to it:
-- partition hashint8(user_id) & (n - 1), PL/Proxy's rule for RUN ON
-- hashint8(user_id).  Load them with that rule (or through
-- rec_shard.log_event), and the item catalogue (rec.items) on every shard
-- and on the router.  The router trains: it gathers each shard's events as
-- one rec.collect_events collection, trains once over their union
-- (rec.train_from_events) and installs the version under the same id with the
-- same bytes on every shard.  Each call to a shard commits there on its own
-- (PL/Proxy runs remote statements in autocommit): a log_event through the
-- router is committed on its shard even if the router's transaction later
-- rolls back, and a training whose install failed on one shard is installed
-- on the others (rerun rec_shard.install(version): installing is idempotent).

CREATE SCHEMA rec_shard;
COMMENT ON SCHEMA rec_shard IS 'PL/Proxy functions that route rec calls to the shard that owns the user.';

-- the shard that owns user_id serves its list
CREATE FUNCTION rec_shard.recommend(
	user_id bigint,
	k integer DEFAULT 25,
	exclude_seen boolean DEFAULT true,
	include_items bigint[] DEFAULT NULL,
	exclude_items bigint[] DEFAULT NULL,
	campaign text DEFAULT NULL)
RETURNS TABLE (item_id bigint, score real, reason text, because_item_id bigint, variant text, rank integer)
LANGUAGE plproxy AS $$
	CLUSTER 'rec';
	RUN ON hashint8(user_id);
	SELECT item_id, score, reason, because_item_id, variant, rank
	FROM rec.recommend(user_id, k, exclude_seen, include_items, exclude_items, campaign);
$$;

-- and logs its events (committed on the shard at once)
CREATE FUNCTION rec_shard.log_event(
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
LANGUAGE plproxy AS $$
	CLUSTER 'rec';
	RUN ON hashint8(user_id);
	SELECT rec.log_event(user_id, item_id, event_type, event_value, ts, dataset_group, campaign, variant, rank);
$$;

-- each shard's events of a group, as one collection
CREATE FUNCTION rec_shard.events(dataset_group text, event_type text)
RETURNS SETOF bytea
LANGUAGE plproxy AS $$
	CLUSTER 'rec';
	RUN ON ALL;
	SELECT rec.dataset_events(dataset_group, event_type);
$$;

-- install one version on every shard; returns each shard's checksum
CREATE FUNCTION rec_shard.install_version(meta jsonb, model bytea[])
RETURNS SETOF text
LANGUAGE plproxy AS $$
	CLUSTER 'rec';
	RUN ON ALL;
	SELECT rec.install_version(meta, model);
$$;

-- deploy a campaign on every shard
CREATE FUNCTION rec_shard.deploy(campaign text, solution text DEFAULT NULL, version bigint DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plproxy AS $$
	CLUSTER 'rec';
	RUN ON ALL;
	SELECT rec.deploy(campaign, solution, version);
$$;

-- install a version trained here on every shard, checking every shard's checksum
CREATE FUNCTION rec_shard.install(version bigint)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	want text := rec.version_checksum(version);
	sums text[];
BEGIN
	IF want IS NULL THEN
		RAISE EXCEPTION 'solution version % does not exist', version
			USING ERRCODE = 'undefined_object', HINT = 'Train it on the router with rec_shard.train().';
	END IF;
	sums := ARRAY(SELECT rec_shard.install_version(rec.version_meta(version), rec.version_model(version)));
	IF EXISTS (SELECT FROM unnest(sums) s WHERE s IS DISTINCT FROM want) THEN
		RAISE EXCEPTION 'solution version % was not installed intact on every shard', version
			USING ERRCODE = 'data_corrupted';
	END IF;
	RETURN version;
END
$$;

-- train once over every shard's events, here, and install the version on every shard
CREATE FUNCTION rec_shard.train(
	solution text,
	recipe text DEFAULT NULL,
	dataset_group text DEFAULT NULL,
	params jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	v bigint;
BEGIN
	v := rec.train_from_events(solution, recipe, dataset_group, params,
		ARRAY(SELECT rec_shard.events(coalesce(dataset_group, 'default'), params->>'event_type')));
	RETURN rec_shard.install(v);
END
$$;
