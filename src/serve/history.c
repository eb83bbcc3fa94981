/*
 * history.c
 *	  Read one user's newest events from the dataset group's interactions
 *	  relation, at request time and under the caller's snapshot.
 *
 * This is what makes rec.log_event() take effect at once: the history the
 * scorer sees already holds the new row, even inside the same transaction.
 * The query uses an index on (user, time) when there is one; its plan is
 * prepared once per backend and relation.
 */
#include "rec.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "dataset.h"
#include "history.h"

/*
 * Read the newest rec.max_history events of a user, oldest first, mapped to
 * the model's item indices (-1 for items the model does not know).  The
 * user is compared in the column's own type (so its index serves), text and
 * uuid items are read as text and looked up by their keys.  A version trained
 * with event_value_threshold or event_weights reads the events as its
 * training did: those below the threshold (or weighing 0) are left out, and
 * each keeps its type's weight (history.weights).
 */
void
RecReadHistory(const RecBinding *b, const RecKey *user, const RecModel *m, RecHistory *h)
{
	const char *ts = quote_identifier(b->ts_col);
	const char *item = quote_identifier(b->item_col);
	bool		keyed = (m->key_kind != REC_KEY_INT);
	bool		weighed = b->event_weights != NULL || !isnan(b->value_threshold);
	char	   *weight = b->event_weights ? RecEventWeightExpr(b, 4) : "1::float4";
	char	   *sql = psprintf("SELECT %s::%s, %s%s%s FROM %s WHERE %s OPERATOR(pg_catalog.=) $1"
							   " AND %s IS NOT NULL AND %s IS NOT NULL%s%s%s%s"
							   " ORDER BY %s DESC LIMIT $2",
							   item, keyed ? "text" : "int8", RecTimeColumn(b),
							   weighed ? ", " : "", weighed ? weight : "",
							   RecRelationName(b->interactions, b->group),
							   quote_identifier(b->user_col), item, ts,
							   b->event_weights ? psprintf(" AND %s OPERATOR(pg_catalog.>) 0", weight) : "",
							   !isnan(b->value_threshold) ? " AND " : "",
							   !isnan(b->value_threshold) ? quote_identifier(b->event_value_col ? b->event_value_col : "") : "",
							   !isnan(b->value_threshold) ? "::float8 OPERATOR(pg_catalog.>=) $3" : "",
							   ts);
	Oid			argtypes[4] = {user->type, INT4OID, FLOAT8OID, JSONBOID};
	Datum		args[4];
	int			ret;
	uint64		r;
	Oid			ts_type;
	Timestamp	epoch = SetEpochTimestamp();

	args[0] = user->native;
	args[1] = Int32GetDatum(rec_max_history);
	if (weighed)
	{
		RecCheckEventColumns(b);
		args[2] = Float8GetDatum(b->value_threshold);
		args[3] = b->event_weights ?
			DirectFunctionCall1(jsonb_in, CStringGetDatum(b->event_weights)) : (Datum) 0;
	}
	ret = SPI_execute_plan(RecKeptPlan(sql, weighed ? 4 : 2, argtypes), args,
						   weighed ? (b->event_weights ? "    " : "   n") : NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "history query failed: %s", SPI_result_code_string(ret));

	h->n = (int) SPI_processed;
	ts_type = SPI_gettypeid(SPI_tuptable->tupdesc, 2);
	h->items = palloc(sizeof(int32) * Max(h->n, 1));
	h->times = palloc(sizeof(float8) * Max(h->n, 1));
	h->weights = weighed ? palloc(sizeof(float) * Max(h->n, 1)) : NULL;
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		HeapTuple	tuple = SPI_tuptable->vals[r];
		int			at = h->n - 1 - (int) r;
		Datum		d = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull);

		h->items[at] = RecItemDatumIndex(m, d, keyed);
		h->times[at] = RecTimeValue(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull), ts_type, epoch);
		if (weighed)
			h->weights[at] = DatumGetFloat4(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 3, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(sql);
}

#define SHOWN_LISTS 100			/* newest impressions (lists shown) read per user */

/* An event of a history: its item and time */
typedef struct ItemTime
{
	int32		item;
	float8		time;
} ItemTime;

/* Order events by item, then time */
static int
CompareItemTime(const void *a, const void *b)
{
	const ItemTime *x = a;
	const ItemTime *y = b;

	if (x->item != y->item)
		return (x->item > y->item) - (x->item < y->item);
	return (x->time > y->time) - (x->time < y->time);
}

/* Order int32 ascending */
static int
CompareInt32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/*
 * Read what the user was shown in this campaign (the newest SHOWN_LISTS
 * lists logged under its name by rec.log_impression or rec.log_event's
 * impression, through the index on (campaign, user_id, ts)) and count, for
 * each item the model knows, the lists that showed it after the user's last
 * event on it in h (an item the user acted on since is not demoted).
 * Nothing is read when the model's impression_decay turns the demotion off
 * (0 or 1), or when the role serving may not read rec.impression (a serving
 * role granted only what recommend() needed before keeps working, without
 * the demotion).
 */
void
RecReadShown(const char *campaign, const RecKey *user, const RecModel *m, const RecHistory *h,
			 RecShown *shown)
{
	static const char *sql = "SELECT items, extract(epoch from ts)::float8 FROM rec.impression"
		" WHERE campaign OPERATOR(pg_catalog.=) $1 AND user_id OPERATOR(pg_catalog.=) $2"
		" ORDER BY ts DESC LIMIT $3";
	Oid			argtypes[3] = {TEXTOID, INT8OID, INT4OID};
	Datum		args[3];
	ItemTime   *last;			/* the history's events, by item then time */
	int32	   *seen;			/* items shown after their last event, once per list */
	int			n_last = 0;
	int			n_seen = 0;
	int			cap = 64;
	int			ret;
	int			i;
	uint64		r;
	Oid			impression;

	shown->n = 0;
	shown->items = shown->times = NULL;
	if (!(m->serve.impression_decay > 0 && m->serve.impression_decay < 1))
		return;
	impression = RangeVarGetRelid(makeRangeVar("rec", "impression", -1), NoLock, true);
	if (!OidIsValid(impression) ||
		pg_class_aclcheck(impression, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		return;
	args[0] = CStringGetTextDatum(campaign);
	args[1] = Int64GetDatum(user->id);
	args[2] = Int32GetDatum(SHOWN_LISTS);
	ret = SPI_execute_plan(RecKeptPlan(sql, 3, argtypes), args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "impression query failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return;
	}

	/* the time of the user's last event on each item (times are float8 epochs) */
	last = palloc(sizeof(ItemTime) * Max(h->n, 1));
	for (i = 0; i < h->n; i++)
		if (h->items[i] >= 0)
		{
			last[n_last].item = h->items[i];
			last[n_last++].time = h->times[i];
		}
	qsort(last, n_last, sizeof(ItemTime), CompareItemTime);

	seen = palloc(sizeof(int32) * cap);
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		bool		isnull;
		Datum		d = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull);
		float8		at = DatumGetFloat8(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull));
		Datum	   *elems;
		bool	   *nulls;
		int			nelems;
		int			e;

		deconstruct_array(DatumGetArrayTypeP(d), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
						  &elems, &nulls, &nelems);
		for (e = 0; e < nelems; e++)
		{
			int32		item;
			int			lo = 0,
						hi = n_last;

			if (nulls[e] || (item = RecItemIndex(m, DatumGetInt64(elems[e]))) < 0)
				continue;
			/* the last (item, time) pair of this item, if any */
			while (lo < hi)
			{
				int			mid = (lo + hi) / 2;

				if (last[mid].item <= item)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo > 0 && last[lo - 1].item == item && !(at > last[lo - 1].time))
				continue;		/* acted on after this list was shown */
			if (n_seen >= cap)
			{
				cap *= 2;
				seen = repalloc(seen, sizeof(int32) * cap);
			}
			seen[n_seen++] = item;
		}
	}
	SPI_freetuptable(SPI_tuptable);

	/* how many lists showed each */
	qsort(seen, n_seen, sizeof(int32), CompareInt32);
	shown->items = palloc(sizeof(int32) * Max(n_seen, 1));
	shown->times = palloc(sizeof(int32) * Max(n_seen, 1));
	for (i = 0; i < n_seen; i++)
	{
		if (shown->n > 0 && shown->items[shown->n - 1] == seen[i])
			shown->times[shown->n - 1]++;
		else
		{
			shown->items[shown->n] = seen[i];
			shown->times[shown->n++] = 1;
		}
	}
	pfree(last);
	pfree(seen);
}
