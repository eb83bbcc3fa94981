"""Data access: every read and write of the site is one call of rec's SQL functions.

The only other reads are the application's own catalogue (titles and
categories in rec.items) and, for the analysis pages, the holdout table the
set-up made (REC_SITE_HOLDOUT).
"""
import os
import threading
import time

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

DSN = os.environ.get("REC_SITE_DSN", "")
CAMPAIGN = os.environ.get("REC_SITE_CAMPAIGN", "home")
DATASET_GROUP = os.environ.get("REC_SITE_DATASET_GROUP", "site")
EVENT_GROUP = os.environ.get("REC_SITE_EVENT_GROUP", "default")
SIMS_CAMPAIGN = os.environ.get("REC_SITE_SIMS_CAMPAIGN", "sims")
HOLDOUT = os.environ.get("REC_SITE_HOLDOUT", "site_holdout")

pool = ConnectionPool(DSN, min_size=2, max_size=int(os.environ.get("REC_SITE_POOL", "10")),
                      kwargs={"row_factory": dict_row, "autocommit": True}, open=False)


def query(sql, params=()):
    """Run one statement and return its rows as dicts."""
    with pool.connection() as conn:
        return conn.execute(sql, params).fetchall()


def items(ids):
    """Titles and categories of items, by id."""
    if not ids:
        return {}
    rows = query("SELECT item_id, title, categories FROM rec.items WHERE item_id = ANY(%s)", (list(ids),))
    return {r["item_id"]: r for r in rows}


def recommend(user_id, k=10, campaign=None):
    return query("SELECT item_id, score, reason, because_item_id, variant"
                 " FROM rec.recommend(%s, k => %s, campaign => %s)",
                 (user_id, k, campaign or CAMPAIGN))


def history(user_id, k=10, group=None):
    return query("SELECT item_id, ts FROM rec.user_history(%s, %s, %s)",
                 (user_id, k, group or DATASET_GROUP))


def similar(item_id, k=10, campaign=None):
    return query("SELECT item_id, score, reason FROM rec.similar_items(%s, %s, campaign => %s)",
                 (item_id, k, campaign or SIMS_CAMPAIGN))


def log_impression(user_id, item_ids, campaign, variant):
    query("SELECT rec.log_impression(%s, %s, %s, %s)", (user_id, list(item_ids), campaign, variant))


def log_click(user_id, item_id, campaign, variant, rank):
    """Log a click in the events and attribute it to the list it came from."""
    query("SELECT rec.log_event(%s, %s, 'click', dataset_group => %s,"
          " campaign => %s, variant => %s, rank => %s)",
          (user_id, item_id, EVENT_GROUP, campaign, variant, rank))


def campaigns():
    return query("SELECT campaign, solution, follows_newest, serving_version, recipe,"
                 " version_created_at, variants FROM rec.campaign_status ORDER BY campaign")


def campaign_report(campaign, since=None):
    return query("SELECT * FROM rec.campaign_report(%s, since => coalesce(%s, '-infinity'::timestamptz))",
                 (campaign, since))


def holdout_users(n):
    """The first n users with holdout events."""
    return [r["user_id"] for r in
            query(f"SELECT DISTINCT user_id FROM {HOLDOUT} ORDER BY user_id LIMIT %s", (n,))]


def holdout(user_id):
    return query(f"SELECT item_id, ts FROM {HOLDOUT} WHERE user_id = %s ORDER BY ts, item_id", (user_id,))


def user_metrics(recommended, relevant):
    """One user's metrics, by rec's metric functions."""
    return query("SELECT rec.ndcg_at_k(%(r)s, %(t)s, 10) AS ndcg_at_10,"
                 " rec.precision_at_k(%(r)s, %(t)s, 10) AS precision_at_10,"
                 " rec.recall_at_k(%(r)s, %(t)s, 25) AS recall_at_25,"
                 " rec.mrr(%(r)s, %(t)s, 25) AS mrr_at_25,"
                 " rec.hit_at_k(%(r)s, %(t)s, 10) AS hit_at_10",
                 {"r": list(recommended), "t": list(relevant)})[0]


_evaluations = {}
_evaluations_lock = threading.Lock()


def evaluate(campaign, max_age=30.0):
    """rec.evaluate of a campaign against the holdout, kept for max_age seconds."""
    with _evaluations_lock:
        hit = _evaluations.get(campaign)
        if hit and time.monotonic() - hit[0] < max_age:
            return hit[1]
    row = query("SELECT * FROM rec.evaluate(%s, %s::regclass, ts_column => 'ts')", (campaign, HOLDOUT))[0]
    with _evaluations_lock:
        _evaluations[campaign] = (time.monotonic(), row)
    return row
