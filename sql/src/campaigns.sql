-- Campaigns (src/catalog.c, src/model_store.c): deploying a solution version,
-- and copying a trained version byte for byte to other servers
-- (rec.version_model, rec.version_meta, rec.install_version).

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

CREATE FUNCTION @extschema@.deploy(
	campaign text,
	solution text DEFAULT NULL,
	version bigint DEFAULT NULL,
	variants jsonb DEFAULT NULL,
	pin_variants boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	sol text := solution;
	ver bigint := version;
	serving bigint;
	total double precision;
	bad record;
	main text;
	arm record;
BEGIN
	IF variants IS NOT NULL THEN
		IF campaign IS NULL THEN
			RAISE EXCEPTION 'campaign must not be null' USING ERRCODE = 'null_value_not_allowed';
		END IF;
		IF solution IS NOT NULL OR version IS NOT NULL THEN
			RAISE EXCEPTION 'give variants or a solution or version, not both'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Each variant is a campaign of its own: deploy the versions to those first.';
		END IF;
		IF jsonb_typeof(variants) <> 'object' OR variants = '{}' THEN
			RAISE EXCEPTION 'variants must be a JSON object of campaign names and shares'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'For example ''{"up-v7": 0.9, "up-v8": 0.1}''.';
		END IF;
		SELECT v.key, v.value INTO bad FROM jsonb_each(variants) v
		WHERE jsonb_typeof(v.value) <> 'number' OR v.value::text::float8 <= 0 OR v.value::text::float8 > 1
		ORDER BY v.key LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'share of variant "%" must be a number above 0 and at most 1, not %', bad.key, bad.value
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		SELECT sum(v.value::text::float8) INTO total FROM jsonb_each(variants) v;
		IF abs(total - 1) > 1e-6 THEN
			RAISE EXCEPTION 'variant shares must add up to 1, not %', pg_catalog.trim_scale(round(total::numeric, 4))
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		SELECT v.key INTO main FROM jsonb_each(variants) v
		WHERE v.key = campaign OR NOT EXISTS (SELECT FROM @extschema@.campaign c WHERE c.name = v.key)
		ORDER BY v.key LIMIT 1;
		IF FOUND THEN
			IF main = campaign THEN
				RAISE EXCEPTION 'campaign "%" cannot be a variant of itself', campaign
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
			RAISE EXCEPTION 'variant campaign "%" does not exist', main
				USING ERRCODE = 'undefined_object',
					  HINT = 'Deploy each variant as a campaign first, e.g. rec.deploy(''up-v8'', version => 8).';
		END IF;
		SELECT v.key INTO main FROM jsonb_each(variants) v
		JOIN @extschema@.campaign_variant cv ON cv.campaign = v.key ORDER BY v.key LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'variant campaign "%" has variants itself', main
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF EXISTS (SELECT FROM @extschema@.campaign_variant cv WHERE cv.variant = deploy.campaign) THEN
			RAISE EXCEPTION 'campaign "%" is a variant of campaign "%"', campaign,
				(SELECT min(cv.campaign) FROM @extschema@.campaign_variant cv WHERE cv.variant = deploy.campaign)
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		-- an arm that follows the newest version of its solution would move to a version
		-- trained during the test: pin it to the version it serves now, or say so
		FOR arm IN
			SELECT c.name, c.solution, max(sv.id) AS serving
			FROM jsonb_each(variants) v JOIN @extschema@.campaign c ON c.name = v.key
			JOIN @extschema@.solution_version sv ON sv.solution = c.solution
			WHERE c.solution_version IS NULL GROUP BY c.name, c.solution ORDER BY c.name
		LOOP
			IF pin_variants IS DISTINCT FROM false THEN
				UPDATE @extschema@.campaign c SET solution_version = arm.serving, updated_at = pg_catalog.now()
				WHERE c.name = arm.name;
				RAISE NOTICE 'variant campaign "%" followed the newest version of solution "%": pinned to version % for the test',
					arm.name, arm.solution, arm.serving
					USING HINT = pg_catalog.format('rec.deploy(%L, %L) makes it follow the newest version again.', arm.name, arm.solution);
			ELSE
				RAISE WARNING 'variant campaign "%" follows the newest version of solution "%": training that solution moves this arm during the test',
					arm.name, arm.solution
					USING HINT = 'Leave pin_variants at true to pin each arm to the version it serves now.';
			END IF;
		END LOOP;
		-- the row itself serves what the main variant (largest share) serves
		SELECT c.solution, c.solution_version INTO sol, ver
		FROM jsonb_each(variants) v JOIN @extschema@.campaign c ON c.name = v.key
		ORDER BY v.value::text::float8 DESC, v.key LIMIT 1;
	ELSE
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
	END IF;
	IF campaign = '' THEN
		RAISE EXCEPTION 'campaign name must not be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO @extschema@.campaign AS c (name, solution, solution_version)
	VALUES (campaign, sol, ver)
	ON CONFLICT (name) DO UPDATE
	SET solution = excluded.solution, solution_version = excluded.solution_version,
		updated_at = pg_catalog.now();
	DELETE FROM @extschema@.campaign_variant cv WHERE cv.campaign = deploy.campaign;
	IF variants IS NOT NULL THEN
		INSERT INTO @extschema@.campaign_variant (campaign, variant, share)
		SELECT deploy.campaign, v.key, v.value::text::float8 FROM jsonb_each(variants) v;
	END IF;
	SELECT max(sv.id) INTO serving FROM @extschema@.solution_version sv
	WHERE sv.solution = sol AND (ver IS NULL OR sv.id = ver);
	RETURN serving;
END
$$;
COMMENT ON FUNCTION @extschema@.deploy(text, text, bigint, jsonb, boolean) IS
'Create or move a campaign: to a pinned solution version, to whatever the newest version of a solution is (version NULL), or (variants) to an A/B test between other campaigns with their shares of the users, e.g. ''{"up-v7": 0.9, "up-v8": 0.1}''; a variant campaign that follows the newest version of its solution is pinned to the version it serves now, with a notice, so that retraining cannot move an arm mid-test (pin_variants => false leaves it following, with a warning). Serving sees the move at once. Returns the version the campaign (its main variant) serves now.';

CREATE FUNCTION @extschema@.version_checksum(version bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.md5(pg_catalog.string_agg(pg_catalog.md5(p.data), '' ORDER BY p.seq))
	FROM (SELECT 0 AS seq, sv.model AS data FROM @extschema@.solution_version sv WHERE sv.id = version_checksum.version
		  UNION ALL
		  SELECT c.seq, c.data FROM @extschema@.model_chunk c WHERE c.version = version_checksum.version) p;
END;
COMMENT ON FUNCTION @extschema@.version_checksum(bigint) IS
'MD5 over the MD5s of a solution version''s stored model pieces, in order: equal on two servers when they hold the same model bytes; NULL for a version that does not exist.';

CREATE FUNCTION @extschema@.version_model(version bigint)
RETURNS bytea[]
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.array_agg(p.data ORDER BY p.seq)
	FROM (SELECT 0 AS seq, sv.model AS data FROM @extschema@.solution_version sv WHERE sv.id = version_model.version
		  UNION ALL
		  SELECT c.seq, c.data FROM @extschema@.model_chunk c WHERE c.version = version_model.version) p;
END;
COMMENT ON FUNCTION @extschema@.version_model(bigint) IS
'A solution version''s stored model pieces in order (the model column, then rec.model_chunk rows), for rec.install_version() on another server.';

CREATE FUNCTION @extschema@.version_meta(version bigint)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.jsonb_build_object('id', sv.id, 'solution', sv.solution, 'recipe', sv.recipe,
		'params', sv.params, 'metrics', sv.metrics, 'n_users', sv.n_users, 'n_items', sv.n_items,
		'n_interactions', sv.n_interactions, 'training_seconds', sv.training_seconds,
		'created_at', sv.created_at, 'dataset_group', s.dataset_group, 'solution_params', s.params)
	FROM @extschema@.solution_version sv JOIN @extschema@.solution s ON s.name = sv.solution
	WHERE sv.id = version_meta.version;
END;
COMMENT ON FUNCTION @extschema@.version_meta(bigint) IS
'A solution version''s row (without its model) and its solution''s recipe, group and parameters, as jsonb for rec.install_version() on another server.';

CREATE FUNCTION @extschema@.install_version(meta jsonb, model bytea[])
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v bigint := (meta->>'id')::bigint;
	have_recipe text;
	have text;
	want text;
BEGIN
	IF v IS NULL OR meta->>'solution' IS NULL OR model IS NULL OR cardinality(model) = 0 THEN
		RAISE EXCEPTION 'meta must name a version id and a solution, and model must hold at least one piece'
			USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Pass rec.version_meta() and rec.version_model() of the server that trained the version.';
	END IF;
	INSERT INTO @extschema@.solution (name, recipe, dataset_group, params)
	VALUES (meta->>'solution', meta->>'recipe', meta->>'dataset_group', coalesce(meta->'solution_params', '{}'))
	ON CONFLICT (name) DO NOTHING;
	SELECT s.recipe INTO have_recipe FROM @extschema@.solution s WHERE s.name = meta->>'solution';
	IF have_recipe IS DISTINCT FROM meta->>'recipe' THEN
		RAISE EXCEPTION 'solution "%" uses recipe "%", not "%"', meta->>'solution', have_recipe, meta->>'recipe'
			USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Install the version on servers whose solution of that name has the same recipe.';
	END IF;
	SELECT md5(string_agg(md5(m.piece), '' ORDER BY m.seq)) INTO want
	FROM unnest(model) WITH ORDINALITY AS m(piece, seq);
	have := @extschema@.version_checksum(v);
	IF have IS NOT NULL THEN
		IF have <> want THEN
			RAISE EXCEPTION 'solution version % already exists here with another model', v
				USING ERRCODE = 'unique_violation',
				HINT = 'Drop it here first, or train a new version on the server that trains.';
		END IF;
		RETURN have;	-- installed before: nothing to do
	END IF;
	INSERT INTO @extschema@.solution_version (id, solution, recipe, params, metrics, n_users, n_items,
		n_interactions, training_seconds, model, created_at)
	VALUES (v, meta->>'solution', meta->>'recipe', meta->'params', meta->'metrics',
		(meta->>'n_users')::integer, (meta->>'n_items')::integer, (meta->>'n_interactions')::bigint,
		(meta->>'training_seconds')::double precision, model[1],
		coalesce((meta->>'created_at')::timestamptz, clock_timestamp()));
	INSERT INTO @extschema@.model_chunk (version, seq, data)
	SELECT v, m.seq - 1, m.piece FROM unnest(model) WITH ORDINALITY AS m(piece, seq) WHERE m.seq > 1;
	-- versions trained here later must not take an installed id
	PERFORM setval(pg_get_serial_sequence('@extschema@.solution_version', 'id'),
		greatest(v, (SELECT max(id) FROM @extschema@.solution_version)));
	have := @extschema@.version_checksum(v);
	IF have IS DISTINCT FROM want THEN
		RAISE EXCEPTION 'solution version % was not stored intact', v
			USING ERRCODE = 'data_corrupted';
	END IF;
	RETURN have;
END
$$;
COMMENT ON FUNCTION @extschema@.install_version(jsonb, bytea[]) IS
'Install a solution version trained on another server (rec.version_meta() and rec.version_model() there) under the same id, creating its solution if needed; returns rec.version_checksum(), equal to the source''s. Installing the same version twice does nothing; another model under that id is an error.';

CREATE FUNCTION rec_internal.refresh_version(version bigint)
RETURNS bigint
LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'rec_refresh_version';
COMMENT ON FUNCTION rec_internal.refresh_version(bigint) IS
'Internal: store a refreshed copy of a solution version (popularity, item ages, categories and new items from the events and items now; weights reused) as a new version; rec.refresh calls it holding the solution''s lock.';

CREATE FUNCTION @extschema@.refresh(campaign text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	c record;
	base bigint;
	recipe text;
	fresh bigint;
BEGIN
	IF campaign IS NULL THEN
		RAISE EXCEPTION 'campaign must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT cm.solution INTO c FROM @extschema@.campaign cm WHERE cm.name = refresh.campaign;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'campaign "%" does not exist', campaign
			USING ERRCODE = 'undefined_object', HINT = 'Create it with rec.deploy().';
	END IF;
	IF EXISTS (SELECT FROM @extschema@.campaign_variant cv WHERE cv.campaign = refresh.campaign) THEN
		RAISE EXCEPTION 'campaign "%" is an A/B test', campaign
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Refresh each variant campaign instead; a pinned variant stays on its version until you deploy the refreshed one.';
	END IF;
	-- the lock rec.train takes: a second refresh waits, then starts from the first one's version
	PERFORM FROM @extschema@.solution s WHERE s.name = c.solution FOR NO KEY UPDATE;
	SELECT coalesce(cm.solution_version,
					(SELECT max(sv.id) FROM @extschema@.solution_version sv WHERE sv.solution = cm.solution))
	INTO base FROM @extschema@.campaign cm WHERE cm.name = refresh.campaign;
	SELECT sv.recipe INTO recipe FROM @extschema@.solution_version sv WHERE sv.id = base;
	IF recipe IS NULL THEN
		RAISE EXCEPTION 'campaign "%" has no trained version to refresh', campaign
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = pg_catalog.format('Train it first: rec.train(%L).', c.solution);
	END IF;
	IF recipe = 'popularity-count' THEN
		RAISE EXCEPTION 'recipe "popularity-count" cannot be refreshed'
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'Its model is only the popularity a refresh would recompute.',
				  HINT = pg_catalog.format('Train it again instead: rec.train(%L).', c.solution);
	END IF;
	fresh := rec_internal.refresh_version(base);
	-- a pinned campaign moves to the new version; one following its solution follows it already
	UPDATE @extschema@.campaign cm SET solution_version = fresh, updated_at = pg_catalog.now()
	WHERE cm.name = refresh.campaign AND cm.solution_version IS NOT NULL;
	RETURN fresh;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh(text) IS
'Refresh the version a campaign serves without retraining (Personalize''s automatic updates): a new version of the same solution whose popularity, new items and categories come from the events and items now, its transitions solved again over the events now with its trained transition parameters, its neighbour or dense weights reused; metrics say refreshed_from. The campaign serves it at once. Refuses A/B campaigns (refresh each variant) and popularity-count (retrain it). Returns the new version id.';
