-- site/setup.sql — what scripts/site does to the sample data before serving it.
-- Run after CREATE EXTENSION rec and data/sample.sql; this is the
-- application's set-up, the site itself only calls rec's functions.

-- three new movies nobody has watched yet: the item page shows their
-- metadata-based neighbours, user-personalization explores them
INSERT INTO rec.items (item_id, title, categories, properties, created_at) VALUES
	(401, 'New comedy 1', '{comedy}', '{"year": 2026}', now()),
	(402, 'New sci-fi 1', '{sci-fi,action}', '{"year": 2026}', now()),
	(403, 'New documentary 1', '{documentary}', '{"year": 2026}', now());

-- holdout: each user's newest 10% of events (at least one, users with 10+
-- events); the models train on the rest, bound as dataset group "site"
CREATE TABLE site_holdout AS
SELECT user_id, item_id, ts FROM (
	SELECT i.user_id, i.item_id, i.ts,
		row_number() OVER (PARTITION BY i.user_id ORDER BY i.ts DESC, i.item_id) AS newest,
		count(*) OVER (PARTITION BY i.user_id) AS n
	FROM rec.interactions i) e
WHERE n >= 10 AND newest <= greatest(1, n / 10);
CREATE INDEX ON site_holdout (user_id, item_id, ts);
ANALYZE site_holdout;

CREATE VIEW site_training AS
SELECT i.user_id, i.item_id, i.event_type, i.event_value, i.ts FROM rec.interactions i
WHERE NOT EXISTS (SELECT FROM site_holdout h
				  WHERE h.user_id = i.user_id AND h.item_id = i.item_id AND h.ts = i.ts);
SELECT rec.create_dataset_group('site', 'site_training', items => 'rec.items');

-- two versions of one solution, a second solution, and an A/B campaign
SET rec.threads = 1;
SELECT rec.deploy('up-v1', version => rec.train('up', 'user-personalization', 'site', '{"tune": false}'));
SELECT rec.deploy('up-v2', version => rec.train('up', params => '{"tune": true}'));
SELECT rec.deploy('sims', 'sims-sol', rec.train('sims-sol', 'sims', 'site'));
SELECT rec.deploy('home', variants => '{"up-v1": 0.5, "up-v2": 0.5}');
