"""rec's live recommendation site: Flask routes, one per page.

Run by scripts/site; against your own database:
    REC_SITE_DSN=postgresql://... python3 site/app.py
Every read and write goes through rec's SQL functions (recdb.py); the site
holds no model logic.
"""
import os

from flask import Flask, abort, redirect, render_template, request, send_from_directory, url_for

import charts
import recdb

app = Flask(__name__)

METRICS = ["ndcg_at_10", "precision_at_10", "recall_at_25", "mrr_at_25", "hit_at_10"]
BEYOND = ["coverage", "novelty", "diversity", "serendipity"]   # rec.evaluate's beyond-accuracy columns


def ids_arg(name):
    """A comma-separated list of item ids from the query string."""
    return [int(x) for x in request.args.get(name, "").split(",") if x.strip().isdigit()]


@app.context_processor
def analysis_user():
    """The user the menu's Analysis link opens: the first one with holdout events."""
    users = recdb.holdout_users(1)
    return {"analysis_user": users[0] if users else 1}


@app.route("/favicon.ico")
def favicon():
    return send_from_directory(app.static_folder, "favicon.svg", mimetype="image/svg+xml")


@app.route("/")
def index():
    # users with holdout events, so that each one's analysis page has something to show
    return render_template("index.html", campaign=recdb.CAMPAIGN, users=recdb.holdout_users(12),
                           items=recdb.items(range(1, 13)) | recdb.items([401, 402, 403]))


@app.route("/user/<int:user_id>")
def user(user_id):
    campaign = request.args.get("campaign", recdb.CAMPAIGN)
    recs = recdb.recommend(user_id, 10, campaign)
    history = recdb.history(user_id, 10)
    previous = ids_arg("prev")
    clicked = request.args.get("clicked", type=int)
    now_ids = [r["item_id"] for r in recs]
    entered = [i for i in now_ids if previous and i not in previous]
    left = [i for i in previous if i not in now_ids]
    meta = recdb.items(set(now_ids) | {h["item_id"] for h in history} | set(left)
                       | {r["because_item_id"] for r in recs if r["because_item_id"]})
    variant = recs[0]["variant"] if recs else campaign
    if recs:
        recdb.log_impression(user_id, now_ids, campaign, variant)
    return render_template("user.html", user_id=user_id, campaign=campaign, variant=variant, recs=recs,
                           history=history, meta=meta, entered=entered, left=left, clicked=clicked,
                           shown=",".join(map(str, now_ids)))


@app.route("/user/<int:user_id>/click", methods=["POST"])
def click(user_id):
    form = request.form
    try:
        item_id, rank = int(form["item_id"]), int(form["rank"])
    except (KeyError, ValueError):
        abort(400)
    campaign = form.get("campaign", recdb.CAMPAIGN)
    recdb.log_click(user_id, item_id, campaign, form.get("variant") or None, rank)
    return redirect(url_for("user", user_id=user_id, campaign=campaign, prev=form.get("shown", ""),
                            clicked=item_id), code=303)


@app.route("/item/<int:item_id>")
def item(item_id):
    meta = recdb.items([item_id])
    if item_id not in meta:
        abort(404)
    similar = recdb.similar(item_id, 10)
    meta |= recdb.items([s["item_id"] for s in similar])
    cold = bool(similar) and similar[0]["reason"] == "category"
    return render_template("item.html", item=meta[item_id], similar=similar, meta=meta, cold=cold)


@app.route("/analysis/<int:user_id>")
def analysis(user_id):
    campaign = request.args.get("campaign", "up-v2")
    history = recdb.history(user_id, 200)
    holdout = recdb.holdout(user_id)
    truth = {h["item_id"] for h in holdout}
    recs = recdb.recommend(user_id, 25, campaign)
    metrics = recdb.user_metrics([r["item_id"] for r in recs], truth) if truth else None
    meta = recdb.items({h["item_id"] for h in history} | truth | {r["item_id"] for r in recs})
    return render_template("analysis.html", user_id=user_id, campaign=campaign, history=history,
                           holdout=holdout, recs=recs, truth=truth, metrics=metrics, meta=meta,
                           campaigns=[c["campaign"] for c in recdb.campaigns() if not c["variants"]])


@app.route("/evaluation")
def evaluation():
    plain = [c["campaign"] for c in recdb.campaigns() if not c["variants"]]
    rows = {c: recdb.evaluate(c) for c in plain}
    chart = charts.bars(METRICS, plain, {(m, c): rows[c][m] for c in plain for m in METRICS})
    beyond_chart = charts.bars(BEYOND, plain, {(m, c): rows[c][m] for c in plain for m in BEYOND},
                               per_group=True, chart_id="beyond")
    colours = charts.colours(plain)   # a campaign has the same colour in every chart
    ab = request.args.get("campaign", recdb.CAMPAIGN)
    report = recdb.campaign_report(ab)
    ab_chart = (charts.intervals(report, "ctr", "ctr_low", "ctr_high", "variant", colours=colours,
                                 axis="click-through rate (clicks per impression), 95% interval")
                if report else None)
    return render_template("evaluation.html", rows=rows, metrics=METRICS, chart=chart, ab=ab,
                           report=report, ab_chart=ab_chart,
                           beyond=BEYOND, beyond_chart=beyond_chart)


@app.route("/campaigns")
def campaigns():
    return render_template("campaigns.html", campaigns=recdb.campaigns())


@app.route("/health")
def health():
    recdb.query("SELECT 1")
    return "ok\n"


def main():
    recdb.pool.open(wait=True, timeout=30)
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8080")),
            threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
