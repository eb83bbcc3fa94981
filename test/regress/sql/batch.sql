-- rec.batch_recommend and its JSON Lines form
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization') > 0 AS trained;
SELECT rec.train('sims', 'sims') > 0 AS trained;
SELECT rec.deploy('main', 'up');
SELECT rec.deploy('by_sims', 'sims');
SET rec.campaign = 'main';

-- every user with events, k rows each
SELECT count(DISTINCT user_id) AS users, count(*) AS rows, min(rank), max(rank)
FROM rec.batch_recommend(k => 10);
-- the same lists as recommend(), user by user
SELECT count(*) AS users_differing FROM (
	SELECT user_id FROM rec.batch_recommend(k => 10) b
	GROUP BY user_id
	HAVING array_agg(item_id ORDER BY rank) IS DISTINCT FROM
		(SELECT array_agg(r.item_id ORDER BY r.score DESC, r.item_id) FROM rec.recommend(b.user_id, 10) r)
) d;
SELECT count(*) AS users_differing FROM (
	SELECT user_id FROM rec.batch_recommend('by_sims', 10, '{1,2,3,4,5,6,7,8,9}') b
	GROUP BY user_id
	HAVING array_agg(item_id ORDER BY rank) IS DISTINCT FROM
		(SELECT array_agg(r.item_id ORDER BY r.score DESC, r.item_id) FROM rec.recommend(b.user_id, 10, campaign => 'by_sims') r)
) d;
-- given users only, once each, unknown ones with the popularity fallback
SELECT user_id, rank, item_id, round(score::numeric, 4) AS score
FROM rec.batch_recommend(k => 3, users => '{2, 1, 2, 999999}') ORDER BY user_id, rank;
SELECT count(*) FROM rec.batch_recommend(k => 3, users => '{}');
SELECT count(*) AS seen_recommended
FROM rec.batch_recommend(k => 25, users => '{1,2,3}') b JOIN rec.interactions i USING (user_id, item_id);
SELECT count(*) > 0 AS seen_recommended
FROM rec.batch_recommend(k => 25, users => '{1,2,3}', exclude_seen => false) b JOIN rec.interactions i USING (user_id, item_id);

-- JSON Lines in Personalize's batch output format
-- (the layout checked as text, the scores rounded: their last digits vary with the CPU)
SELECT line ~ '^\{"input":\{"userId":"[0-9]+"\},"output":\{"recommendedItems":\["[0-9]+"(,"[0-9]+")*\],"scores":\[[-0-9.e]+(,[-0-9.e]+)*\]\},"error":null\}$' AS personalize_layout,
	line::jsonb -> 'input' AS input,
	line::jsonb -> 'output' -> 'recommendedItems' AS items,
	(SELECT array_agg(round(s::numeric, 4)) FROM jsonb_array_elements_text(line::jsonb -> 'output' -> 'scores') s) AS scores
FROM rec.batch_recommend_jsonl('main', 3, '{1, 999999}') line;
SELECT (line::jsonb -> 'output' -> 'recommendedItems') ->> 0 AS first_item
FROM rec.batch_recommend_jsonl(k => 2, users => '{1}') line;

-- bad input
SELECT * FROM rec.batch_recommend(k => 0);
SELECT * FROM rec.batch_recommend(k => NULL);
SELECT * FROM rec.batch_recommend(users => '{1,NULL}');
SELECT * FROM rec.batch_recommend('no-such-campaign');
SELECT * FROM rec.batch_recommend(exclude_seen => NULL);
