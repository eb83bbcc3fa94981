-- rec.deploy, rec.recommend, rec.similar_items, rec.rank, campaigns
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization') > 0 AS trained;
SELECT rec.train('sims', 'sims') > 0 AS trained;
SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.deploy('main', 'up');
SELECT rec.deploy('by_sims', 'sims');
SELECT rec.deploy('popular', 'pop');
SELECT name, solution, solution_version FROM rec.campaign ORDER BY name;

-- recommend: best first, seen items excluded, reason says why
SET rec.campaign = 'main';
SELECT item_id, round(score::numeric, 4) AS score, reason FROM rec.recommend(1, 10);
SELECT count(*) AS seen_recommended
FROM rec.recommend(1, 100) r JOIN rec.interactions i ON i.user_id = 1 AND i.item_id = r.item_id;
SELECT count(*) AS with_seen
FROM rec.recommend(1, 100, exclude_seen => false) r JOIN rec.interactions i ON i.user_id = 1 AND i.item_id = r.item_id;
-- the short call defaults to k = 25
SELECT count(*) FROM rec.recommend(1);
-- filters: include-only and exclude lists
SELECT item_id FROM rec.recommend(1, 5, include_items => '{1,2,3,4,5,6,7,8,9,10}') ORDER BY score DESC, item_id;
SELECT count(*) AS excluded_present
FROM rec.recommend(1, 25, exclude_items => (SELECT array_agg(item_id) FROM rec.recommend(1, 5))) r
WHERE r.item_id IN (SELECT item_id FROM rec.recommend(1, 5));
SELECT count(*) FROM rec.recommend(1, 5, include_items => '{}');
-- an unknown user gets the popularity fallback, and the result says so
SELECT item_id, round(score::numeric, 4) AS score, reason FROM rec.recommend(999999, 5);
SELECT item_id, round(score::numeric, 4) AS score FROM rec.recommend(1, 5, campaign => 'popular');
-- one scale for every list: an item's share of the positive scores over the catalogue
SELECT c.campaign, u.user_id, round(sum(r.score) FILTER (WHERE r.score > 0)::numeric, 3) AS positive_total,
	max(r.score) < 1 AS below_one
FROM (VALUES ('main'), ('by_sims'), ('popular')) c(campaign), (VALUES (1), (999999)) u(user_id),
	LATERAL rec.recommend(u.user_id, 10000, exclude_seen => false, campaign => c.campaign) r
GROUP BY 1, 2 ORDER BY 1, 2;
-- other campaigns by name
SELECT item_id, round(score::numeric, 4) AS score, reason FROM rec.recommend(1, 5, campaign => 'by_sims');

-- similar_items
SELECT item_id, round(score::numeric, 4) AS score, reason FROM rec.similar_items(1, 5);
SELECT item_id, round(score::numeric, 4) AS score, reason FROM rec.similar_items(1, 5, campaign => 'by_sims');
-- a sims row holds at most its neighbours: the most popular of the rest follow, score 0
SELECT reason, count(*), min(score) > 0 AS positive, max(score) = 0 AS zero
FROM rec.similar_items(1, 399, campaign => 'by_sims') GROUP BY reason ORDER BY reason;
SELECT count(*) AS self_included FROM rec.similar_items(1, 50) WHERE item_id = 1;
SELECT count(*) FROM rec.similar_items(1, 5, exclude_items => (SELECT array_agg(item_id) FROM rec.similar_items(1, 3)))
WHERE item_id IN (SELECT item_id FROM rec.similar_items(1, 3));
SELECT item_id, round(score::numeric, 4) AS score, reason FROM rec.similar_items(1, 3, campaign => 'popular');

-- rank: the caller's candidates, best first, unknown ones last with NULL score
SELECT item_id, round(score::numeric, 4) AS score, rank FROM rec.rank(1, '{5, 9999, 2, 173, 5, 9998, 9999}');
SELECT count(*) FROM rec.rank(1, '{}');
-- ranking agrees with recommend's order for the same items
SELECT array_agg(item_id ORDER BY rank) = (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10))
FROM rec.rank(1, (SELECT array_agg(item_id) FROM rec.recommend(1, 10)));

-- campaigns: a pinned version, moving a campaign, the latest version
SELECT rec.train('up') AS v2 \gset
SELECT rec.deploy('pinned', version => (SELECT min(id) FROM rec.solution_version WHERE solution = 'up'));
SELECT c.name, c.solution, c.solution_version = (SELECT min(id) FROM rec.solution_version WHERE solution = 'up') AS pinned_to_first
FROM rec.campaign c WHERE name = 'pinned';
SELECT rec.deploy('pinned', 'sims');
SELECT item_id FROM rec.recommend(1, 3, campaign => 'pinned') EXCEPT SELECT item_id FROM rec.recommend(1, 3, campaign => 'by_sims');
-- which version each campaign serves
SELECT campaign, solution, follows_newest, serving_version = (SELECT max(id) FROM rec.solution_version v WHERE v.solution = s.solution) AS newest, recipe
FROM rec.campaign_status s ORDER BY campaign;
SELECT rec.drop_campaign('pinned');

-- bad input
SELECT * FROM rec.recommend(NULL);
SELECT * FROM rec.recommend(1, NULL);
SELECT * FROM rec.recommend(1, 0);
SELECT * FROM rec.recommend(1, -5);
SELECT * FROM rec.recommend(1, 10001);
SELECT * FROM rec.recommend(1, 5, exclude_seen => NULL);
SELECT * FROM rec.recommend(1, 5, include_items => '{1,NULL}');
SELECT * FROM rec.recommend(1, 5, exclude_items => '{{1,2},{3,4}}');
SELECT * FROM rec.recommend(1, 5, campaign => 'no-such-campaign');
RESET rec.campaign;
SELECT * FROM rec.recommend(1, 5);
SET rec.campaign = 'main';
SELECT * FROM rec.similar_items(NULL);
SELECT * FROM rec.similar_items(1, 0);
SELECT * FROM rec.similar_items(999999, 5);
SELECT * FROM rec.rank(1, NULL);
SELECT * FROM rec.rank(NULL, '{1}');
SELECT * FROM rec.rank(1, '{1,NULL}');
SELECT * FROM rec.rank(1, (SELECT array_agg(g) FROM generate_series(1, 10001) g));
SELECT rec.deploy(NULL, 'up');
SELECT rec.deploy('', 'up');
SELECT rec.deploy('x');
SELECT rec.deploy('x', 'no-such-solution');
SELECT rec.deploy('x', version => 999999);
SELECT rec.deploy('x', 'sims', (SELECT min(id) FROM rec.solution_version WHERE solution = 'up'));
SELECT rec.drop_campaign('no-such-campaign');
-- a campaign whose solution has no version yet
INSERT INTO rec.solution (name, recipe, dataset_group) VALUES ('untrained', 'sims', 'default');
SELECT rec.deploy('empty', 'untrained');
SELECT * FROM rec.recommend(1, 5, campaign => 'empty');
