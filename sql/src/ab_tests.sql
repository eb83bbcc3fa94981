-- A/B tests between solution versions (src/catalog.c, src/recommend.c,
-- src/events.c).  A campaign may split its traffic between variants, each a
-- campaign of its own; a user's variant is a hash of the user id and the
-- campaign name.  recommend says which variant served, the application logs
-- what it showed (log_impression) and what was clicked (log_event's campaign,
-- variant, rank), and campaign_report is plain SQL over those rows.

CREATE FUNCTION @extschema@.variant(campaign text, user_id bigint)
RETURNS text
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_variant';
COMMENT ON FUNCTION @extschema@.variant(text, bigint) IS
'The campaign that serves a user: an A/B campaign''s variant for this user (a hash of the user id and the campaign name against the cumulative shares, stable while the shares stay), or the campaign itself.';

CREATE FUNCTION @extschema@.normal_cdf(z double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, pg_temp
RETURN (SELECT CASE WHEN z >= 0 THEN 1 - 0.5 * t.tail ELSE 0.5 * t.tail END
	FROM (SELECT 1 / pow(1 + 0.0705230784 * x + 0.0422820123 * x ^ 2 + 0.0092705272 * x ^ 3
		+ 0.0001520143 * x ^ 4 + 0.0002765672 * x ^ 5 + 0.0000430638 * x ^ 6, 16) AS tail
		FROM (SELECT abs(z) / sqrt(2::float8) AS x) a) t);
COMMENT ON FUNCTION @extschema@.normal_cdf(double precision) IS
'Internal: the standard normal distribution function (erf by Abramowitz and Stegun 7.1.28, error below 3e-7).';

CREATE FUNCTION @extschema@.campaign_report(
	campaign text,
	since timestamptz DEFAULT '-infinity',
	click_event text DEFAULT 'click',
	conversion_event text DEFAULT NULL)
RETURNS TABLE (
	variant text,
	share double precision,
	control boolean,
	users bigint,
	impressions bigint,
	clicks bigint,
	ctr double precision,
	ctr_low double precision,
	ctr_high double precision,
	conversions bigint,
	conversion double precision,
	conversion_low double precision,
	conversion_high double precision,
	ctr_p_value double precision,
	conversion_p_value double precision,
	significant boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH configured AS (
		SELECT cv.variant, cv.share FROM @extschema@.campaign_variant cv
		WHERE cv.campaign = campaign_report.campaign
		UNION ALL
		SELECT c.name, 1 FROM @extschema@.campaign c
		WHERE c.name = campaign_report.campaign
			AND NOT EXISTS (SELECT FROM @extschema@.campaign_variant cv WHERE cv.campaign = c.name)),
	shown AS (
		SELECT i.variant, count(DISTINCT i.user_id) AS users,
			sum(cardinality(i.items))::bigint AS impressions
		FROM @extschema@.impression i
		WHERE i.campaign = campaign_report.campaign AND i.ts >= campaign_report.since
		GROUP BY i.variant),
	clicked AS (
		SELECT a.variant, count(*) AS clicks FROM @extschema@.event_attribution a
		WHERE a.campaign = campaign_report.campaign AND a.ts >= campaign_report.since
			AND a.event_type = campaign_report.click_event
		GROUP BY a.variant),
	converted AS (
		SELECT a.variant, count(DISTINCT a.user_id) AS conversions FROM @extschema@.event_attribution a
		WHERE a.campaign = campaign_report.campaign AND a.ts >= campaign_report.since
			AND (campaign_report.conversion_event IS NULL OR a.event_type = campaign_report.conversion_event)
			AND EXISTS (SELECT FROM @extschema@.impression i WHERE i.campaign = a.campaign
				AND i.variant = a.variant AND i.user_id = a.user_id AND i.ts >= campaign_report.since)
		GROUP BY a.variant),
	figures AS (
		SELECT v.variant, v.share,
			coalesce(s.users, 0) AS users, coalesce(s.impressions, 0) AS impressions,
			coalesce(k.clicks, 0) AS clicks, coalesce(cv.conversions, 0) AS conversions,
			k.clicks::float8 / nullif(s.impressions, 0) AS ctr,
			cv.conversions::float8 / nullif(s.users, 0) AS conv,
			row_number() OVER (ORDER BY v.share DESC NULLS LAST, v.variant) = 1 AS control
		FROM (SELECT cf.variant, cf.share FROM configured cf
			  UNION SELECT s2.variant, NULL::float8 FROM shown s2
			  WHERE s2.variant NOT IN (SELECT cf2.variant FROM configured cf2)) v
		LEFT JOIN shown s ON s.variant = v.variant
		LEFT JOIN clicked k ON k.variant = v.variant
		LEFT JOIN converted cv ON cv.variant = v.variant),
	tested AS (
		SELECT f.*,
			-- two-proportion z-tests against the control, pooled variance
			CASE WHEN NOT f.control AND f.impressions > 0 AND c.impressions > 0 THEN
				(f.ctr - c.ctr) / nullif(sqrt(((f.clicks + c.clicks)::float8 / (f.impressions + c.impressions))
					* (1 - least(1, (f.clicks + c.clicks)::float8 / (f.impressions + c.impressions)))
					* (1.0 / f.impressions + 1.0 / c.impressions)), 0) END AS ctr_z,
			CASE WHEN NOT f.control AND f.users > 0 AND c.users > 0 THEN
				(f.conv - c.conv) / nullif(sqrt(((f.conversions + c.conversions)::float8 / (f.users + c.users))
					* (1 - (f.conversions + c.conversions)::float8 / (f.users + c.users))
					* (1.0 / f.users + 1.0 / c.users)), 0) END AS conv_z
		FROM figures f CROSS JOIN (SELECT * FROM figures WHERE control) c),
	wilson AS (
		-- Wilson score intervals at 95% (z = 1.959964)
		SELECT t.*,
			least(t.clicks, t.impressions)::float8 AS kc, t.impressions::float8 AS nc,
			t.conversions::float8 AS kv, t.users::float8 AS nv, 1.959964::float8 AS z
		FROM tested t)
	SELECT w.variant, w.share, w.control, w.users, w.impressions, w.clicks,
		round(w.ctr::numeric, 6)::float8,
		CASE WHEN w.nc > 0 THEN round(((w.kc / w.nc + w.z ^ 2 / (2 * w.nc)
			- w.z * sqrt(w.kc / w.nc * (1 - w.kc / w.nc) / w.nc + w.z ^ 2 / (4 * w.nc ^ 2)))
			/ (1 + w.z ^ 2 / w.nc))::numeric, 6)::float8 END,
		CASE WHEN w.nc > 0 THEN round(((w.kc / w.nc + w.z ^ 2 / (2 * w.nc)
			+ w.z * sqrt(w.kc / w.nc * (1 - w.kc / w.nc) / w.nc + w.z ^ 2 / (4 * w.nc ^ 2)))
			/ (1 + w.z ^ 2 / w.nc))::numeric, 6)::float8 END,
		w.conversions,
		round(w.conv::numeric, 6)::float8,
		CASE WHEN w.nv > 0 THEN round(((w.kv / w.nv + w.z ^ 2 / (2 * w.nv)
			- w.z * sqrt(w.kv / w.nv * (1 - w.kv / w.nv) / w.nv + w.z ^ 2 / (4 * w.nv ^ 2)))
			/ (1 + w.z ^ 2 / w.nv))::numeric, 6)::float8 END,
		CASE WHEN w.nv > 0 THEN round(((w.kv / w.nv + w.z ^ 2 / (2 * w.nv)
			+ w.z * sqrt(w.kv / w.nv * (1 - w.kv / w.nv) / w.nv + w.z ^ 2 / (4 * w.nv ^ 2)))
			/ (1 + w.z ^ 2 / w.nv))::numeric, 6)::float8 END,
		round((2 * (1 - @extschema@.normal_cdf(abs(w.ctr_z))))::numeric, 4)::float8,
		round((2 * (1 - @extschema@.normal_cdf(abs(w.conv_z))))::numeric, 4)::float8,
		CASE WHEN w.ctr_z IS NOT NULL THEN 2 * (1 - @extschema@.normal_cdf(abs(w.ctr_z))) < 0.05 END
	FROM wilson w
	ORDER BY w.control DESC, w.variant;
END;
COMMENT ON FUNCTION @extschema@.campaign_report(text, timestamptz, text, text) IS
'A/B report of a campaign since a time, per variant: users shown a list and impressions (items shown, rec.log_impression), clicks (attributed events of click_event), click-through rate (clicks per impression), conversion (share of users shown a list with an attributed event of conversion_event, any type when NULL), Wilson 95% intervals of both, and two-proportion z-test p-values against the control (the variant with the largest share); significant is the CTR difference at the 5% level. Plain SQL over logged rows: runs on hot standbys.';

CREATE FUNCTION @extschema@.variant(campaign text, user_id text)
RETURNS text
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_variant';
COMMENT ON FUNCTION @extschema@.variant(text, text) IS
'rec.variant() for a user id given as text; a text or uuid user is assigned by its rec.key_id().';

CREATE FUNCTION @extschema@.variant(campaign text, user_id uuid)
RETURNS text
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_variant';
COMMENT ON FUNCTION @extschema@.variant(text, uuid) IS
'rec.variant() for a uuid user id, assigned by its rec.key_id().';
