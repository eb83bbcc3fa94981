-- A/B tests: variants with shares, stable assignment, attribution, report
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization', params => '{"tune": false}') > 0 AS trained;
SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.deploy('up-a', 'up') > 0 AS deployed;
SELECT rec.deploy('pop-b', 'pop') > 0 AS deployed;
SELECT rec.deploy('home', variants => '{"up-a": 0.75, "pop-b": 0.25}') > 0 AS deployed;
SELECT campaign, solution, variants FROM rec.campaign_status ORDER BY campaign;

-- a user's variant is stable and the shares hold over many users
SELECT rec.variant('home', 7) = rec.variant('home', 7) AS stable;
SELECT rec.variant('home', u) AS variant, count(*) FROM generate_series(1, 4000) u GROUP BY 1 ORDER BY 1;
SELECT count(*) AS plain_campaign_serves_itself FROM generate_series(1, 50) u WHERE rec.variant('up-a', u) = 'up-a';

-- recommend says which variant served, the user's
SELECT count(*) AS rows, count(DISTINCT variant) AS variants,
	bool_and(variant = rec.variant('home', u)) AS the_users_variant
FROM generate_series(1, 40) u, rec.recommend(u, 5, campaign => 'home');
SELECT DISTINCT reason FROM generate_series(1, 40) u, rec.recommend(u, 5, campaign => 'home')
WHERE variant = 'pop-b';
-- without a user (similar_items, batch) the main variant serves
SELECT count(*) AS similar FROM rec.similar_items(1, 5, campaign => 'home') WHERE reason <> 'popular';
-- the variant campaign itself serves like any other
SELECT DISTINCT variant FROM rec.recommend(1, 3, campaign => 'pop-b');

-- impressions and attributed clicks, then the report
SELECT count(rec.log_impression(u, '{1,2,3,4,5,6,7,8,9,10}', 'home', ts => '2026-06-01')) AS impressions
FROM generate_series(1, 400) u;
SELECT count(rec.log_event(u, 3, ts => '2026-06-01 00:01', campaign => 'home', rank => 3)) AS clicks
FROM generate_series(1, 400) u WHERE (rec.variant('home', u) = 'up-a' AND u % 4 = 0) OR (rec.variant('home', u) = 'pop-b' AND u % 8 = 0);
SELECT count(rec.log_event(u, 5, 'purchase', ts => '2026-06-01 00:02', campaign => 'home', variant => rec.variant('home', u))) AS purchases
FROM generate_series(1, 400) u WHERE u % 10 = 0;
SELECT count(*) AS events_stored FROM rec.interactions WHERE ts IN ('2026-06-01 00:01', '2026-06-01 00:02');
SELECT variant, count(*), min(rank), max(rank) FROM rec.event_attribution GROUP BY 1 ORDER BY 1;
-- (rates rounded to 4 decimals in the query: the report's last digits are not what is tested)
SELECT variant, share, control, users, impressions, clicks,
       round(ctr::numeric, 4) AS ctr, round(ctr_low::numeric, 4) AS ctr_low, round(ctr_high::numeric, 4) AS ctr_high,
       conversions, round(conversion::numeric, 4) AS conversion,
       round(conversion_low::numeric, 4) AS conversion_low, round(conversion_high::numeric, 4) AS conversion_high,
       round(ctr_p_value::numeric, 4) AS ctr_p_value, round(conversion_p_value::numeric, 4) AS conversion_p_value,
       significant
FROM rec.campaign_report('home');
SELECT variant, impressions, clicks, conversions FROM rec.campaign_report('home', since => '2026-06-01 00:00:30');
SELECT variant, clicks, conversions, round(conversion::numeric, 4) AS conversion FROM rec.campaign_report('home', conversion_event => 'purchase');
SELECT count(*) AS unknown_campaign_reports_nothing FROM rec.campaign_report('nope');
SELECT variant, share, control, impressions, clicks FROM rec.campaign_report('up-a');

-- bad input: deploy
SELECT rec.deploy('home', 'up', variants => '{"up-a": 1}');
SELECT rec.deploy('home', variants => '[1, 2]');
SELECT rec.deploy('home', variants => '{}');
SELECT rec.deploy('home', variants => '{"up-a": "half", "pop-b": 0.5}');
SELECT rec.deploy('home', variants => '{"up-a": 0, "pop-b": 1}');
SELECT rec.deploy('home', variants => '{"up-a": 0.5, "pop-b": 0.4}');
SELECT rec.deploy('home', variants => '{"home": 0.5, "pop-b": 0.5}');
SELECT rec.deploy('home', variants => '{"nope": 0.5, "pop-b": 0.5}');
SELECT rec.deploy('other', variants => '{"home": 1}');
SELECT rec.deploy('up-a', variants => '{"pop-b": 1}');
SELECT rec.deploy(NULL, variants => '{"pop-b": 1}');
-- bad input: attribution and impressions
SELECT rec.log_event(1, 2, campaign => 'home', variant => 'nope');
SELECT rec.log_event(1, 2, campaign => 'nope');
SELECT rec.log_event(1, 2, rank => 3);
SELECT rec.log_event(1, 2, campaign => 'home', rank => 0);
SELECT rec.log_impression(1, '{}', 'home');
SELECT rec.log_impression(1, '{1,NULL}', 'home');
SELECT rec.log_impression(1, NULL, 'home');
SELECT rec.log_impression(1, '{1}', 'nope');
SELECT rec.variant('nope', 1);
SELECT rec.variant(NULL, 1);
SELECT rec.variant('home', NULL);

-- moving back to one solution ends the test; dropping a variant keeps the other's ratio
SELECT rec.drop_campaign('pop-b');
SELECT variants FROM rec.campaign_status WHERE campaign = 'home';
SELECT DISTINCT variant FROM generate_series(1, 40) u, rec.recommend(u, 2, campaign => 'home');
SELECT rec.deploy('home', 'up') > 0 AS deployed;
SELECT variants FROM rec.campaign_status WHERE campaign = 'home';
SELECT DISTINCT variant FROM rec.recommend(1, 2, campaign => 'home');

-- a user's history, newest first
SELECT count(*), bool_and(ts IS NOT NULL) FROM rec.user_history(1, 5);
SELECT rec.user_history(1, 0);
SELECT rec.user_history(1, 5, 'nope');
