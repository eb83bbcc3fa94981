/*
 * explain.c
 *	  rec.explain: which of a user's history items make an item's score.
 *
 * No other recommender explains a single recommendation; here it is exact,
 * because the models are linear in the history: an item's collaborative
 * score is the sum of one term per history event, and each row returned is
 * the sum over the events of one history item, with its share of the
 * positive total.
 */
#include "rec.h"

#include <math.h>

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "catalog.h"
#include "history.h"
#include "keys.h"
#include "model.h"
#include "score.h"
#include "topk.h"

PG_FUNCTION_INFO_V1(rec_explain);

/* Order contributions largest first, ties by item index */
static int
CompareContribution(const void *a, const void *b)
{
	const RecScored *x = a;
	const RecScored *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Order a history's events by item, then by position */
static int
CompareEvent(const void *a, const void *b)
{
	const RecScored *x = a;
	const RecScored *y = b;

	if (x->idx != y->idx)
		return (x->idx > y->idx) - (x->idx < y->idx);
	return (x->score > y->score) - (x->score < y->score);
}

/*
 * rec.explain(user_id, item_id, campaign, context) returns (history_item_id,
 * contribution, share) for the user's current history (its events in the
 * context weighed as recommend() weighs them), largest first; items
 * that add nothing are left out.  An item known only from metadata (in the
 * model, or added to the items relation after training) owes nothing to the
 * history: no rows.  With no row, a NOTICE says why.
 */
Datum
rec_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RecKey		user;
	RecKey		item_key;
	Oid			item_type;
	RecCampaignTarget target;
	RecModel   *m;
	RecHistory	h;
	int32		item;
	RecScores	s;
	RecShown	shown;
	float	   *contrib;
	float	   *by_item;
	RecScored  *events;
	bool	   *first;
	int			n_events = 0;
	int			run = 0;
	RecScored  *rows;
	RecExplainer ex;
	int			n_rows = 0;
	double		total = 0;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", PG_ARGISNULL(0) ? "user_id" : "item_id")));

	RecInitResultSet(fcinfo);
	item_type = RecResultColumnType(fcinfo, 0);
	SPI_connect();
	RecResolveCampaignForKey(PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)),
							 PG_GETARG_DATUM(0), get_fn_expr_argtype(fcinfo->flinfo, 0),
							 &target, &user);
	m = RecGetModel(&target);
	RecCheckModelKeys(m, &target);
	RecItemKey(&target.binding, PG_GETARG_DATUM(1), get_fn_expr_argtype(fcinfo->flinfo, 1),
			   &item_key);
	RecCheckItemOutput(m, &target.binding, item_type);
	item = item_key.text ? RecItemKeyIndex(m, &item_key) : RecItemIndex(m, item_key.id);
	if (item < 0)
	{
		int32	   *cats;
		int			n_cats;
		int			n_mine;

		/* an item added after training owes nothing to the history, as a cold item */
		if (!RecReadNewItem(m, &target.binding, &item_key, &cats, &n_cats, &n_mine))
			(void) RecRequireItemKey(m, &item_key, target.campaign);
		ereport(NOTICE,
				(errmsg("the item was added after campaign \"%s\"'s model was trained: no item of a history adds to its score",
						target.campaign),
				 errdetail("It is listed for its categories (reason \"category\"), not from a history.")));
		SPI_finish();
		return (Datum) 0;
	}
	RecReadHistory(&target.binding, &user, m,
				   PG_NARGS() <= 3 || PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3), &h);

	/*
	 * contributions per event, summed per history item (in event order, over
	 * the events sorted by item: no array over the catalogue), largest first
	 */
	contrib = palloc(sizeof(float) * Max(h.n, 1));
	events = palloc(sizeof(RecScored) * Max(h.n, 1));
	by_item = palloc0(sizeof(float) * Max(h.n, 1));
	first = palloc0(sizeof(bool) * Max(h.n, 1));
	rows = palloc(sizeof(RecScored) * Max(h.n, 1));
	/* the scales of this user's list, impressions included (as recommend() reads them) */
	RecReadShown(PG_ARGISNULL(2) ? rec_campaign : text_to_cstring(PG_GETARG_TEXT_PP(2)),
				 &user, m, &h, &shown);
	RecScoreHistory(m, &h, NULL, &shown, &s, &ex);
	RecContributions(&ex, item, contrib);
	if (RecDemoted(item))
	{
		/* every term of a demoted item's score keeps the same share of it */
		int			times = 1;
		float		factor;

		for (i = 0; i < shown.n; i++)
			if (shown.items[i] == item)
				times = shown.times[i];
		factor = powf(m->serve.impression_decay, times - 1);
		for (i = 0; i < h.n; i++)
			contrib[i] *= factor;
		ereport(NOTICE,
				(errmsg("the item was shown to the user %d times since the user last acted on it: reason \"impressed\"",
						times),
				 errdetail("Its score keeps %g of its value (impression_decay %g per extra showing).",
						   factor, m->serve.impression_decay)));
	}
	for (i = 0; i < h.n; i++)
		if (h.items[i] >= 0)
		{
			events[n_events].idx = h.items[i];
			events[n_events++].score = (float) i;	/* exact below 2^24 events */
		}
	qsort(events, n_events, sizeof(RecScored), CompareEvent);
	for (i = 0; i < n_events; i++)
	{
		int			e = (int) events[i].score;
		int			at = i > 0 && events[i - 1].idx == events[i].idx ? run : e;

		if (at == e)
			first[e] = true;
		run = at;
		by_item[at] += contrib[e];
	}
	for (i = 0; i < h.n; i++)
	{
		if (!first[i] || by_item[i] <= 0)
			continue;
		rows[n_rows].idx = h.items[i];
		rows[n_rows++].score = by_item[i];
		total += by_item[i];	/* once per history item, at its first event */
	}
	qsort(rows, n_rows, sizeof(RecScored), CompareContribution);

	for (i = 0; i < n_rows; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = RecItemDatum(m, rows[i].idx, item_type);
		values[1] = Float4GetDatum(rows[i].score);
		values[2] = Float4GetDatum((float) (rows[i].score / total));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	/* no row is an answer too: say which one */
	if (n_rows == 0 && h.n == 0)
		ereport(NOTICE,
				(errmsg("the user has no history in campaign \"%s\" to explain a score from", target.campaign),
				 errdetail("Its list comes from popularity (reason \"popular\") or from its liked categories (reason \"user-metadata\"), not from a history.")));
	else if (n_rows == 0)
		ereport(NOTICE,
				(errmsg("no item of the user's history adds to this item's score in campaign \"%s\"",
						target.campaign),
				 errdetail("The item is listed for another reason: popularity, exploration or a promotion.")));
	SPI_finish();
	return (Datum) 0;
}
