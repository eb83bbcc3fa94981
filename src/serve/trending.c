/*
 * trending.c
 *	  trending-now at request time: the items whose events rise fastest, read
 *	  from the dataset group's interactions relation under the caller's
 *	  snapshot.
 *
 * The windows end at the group's newest event (not at now(), so that a
 * group of past events trends as of its own end): the current window is
 * (end - w, end], the previous one (end - 2w, end - w], w the version's
 * trend_window.  An item's rise compares its events in the current window
 * with what its share of the previous window predicts (RecTrendRise).
 * Both queries read by time, through an index on the time
 * column when there is one (rec.interactions_ts_idx): a call costs the
 * events of two windows, whatever the catalogue's size.  An event logged
 * with rec.log_event() is in the next call's windows, even in the same
 * transaction.
 */
#include "rec.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "history.h"

/*
 * Return an item's rise: its events c in the current window against the
 * events x its previous count e predicts at the current window's pace
 * (x = e * total_c / total_e, the previous count scaled by how the whole
 * group's events changed between the windows), in units of the Poisson
 * noise of that expectation: (c - x) / sqrt(x + 1).  So a rise of every
 * item at once (a busy hour) lifts none above the others, and one item going
 * from 0 to 5 outranks a head item going from 1,000 to 1,005.
 */
double
RecTrendRise(int64 c, int64 e, int64 total_c, int64 total_e)
{
	double		x = total_e > 0 ? (double) e * (double) total_c / (double) total_e : (double) e;

	return ((double) c - x) / sqrt(x + 1.0);
}

/*
 * Read the items with events in the current window of a trending-now model
 * into *t, with their rise (RecTrendRise).  Items the model does not know
 * (added after training) are left out: a retraining or rec.refresh brings
 * them in; their events still count in the windows' totals.
 */
void
RecReadTrend(const RecBinding *b, const RecModel *m, RecTrend *t)
{
	const char *ts = quote_identifier(b->ts_col);
	const char *item = quote_identifier(b->item_col);
	const char *rel = RecRelationName(b->interactions, b->group);
	bool		keyed = (m->key_kind != REC_KEY_INT);
	double		window = m->serve.trend_window;
	char	   *newest_sql = psprintf("SELECT %s FROM %s WHERE %s IS NOT NULL ORDER BY %s DESC LIMIT 1",
									  RecTimeExpr(b), rel, ts, ts);
	char	   *window_sql = psprintf("SELECT %s::%s, pg_catalog.count(*) FILTER (WHERE %s OPERATOR(pg_catalog.>) $1),"
									  " pg_catalog.count(*) FROM %s"
									  " WHERE %s OPERATOR(pg_catalog.>) %s AND %s IS NOT NULL GROUP BY 1",
									  item, keyed ? "text" : "int8", RecTimeExpr(b), rel, ts,
									  b->ts_is_epoch ? "$2" : "pg_catalog.to_timestamp($2)", item);
	Oid			argtypes[2] = {FLOAT8OID, FLOAT8OID};
	Datum		args[2];
	bool		isnull;
	double		end;
	int64	   *current;
	int64	   *previous;
	int64		total_current = 0;
	int64		total_previous = 0;
	int			i;
	uint64		r;

	t->n = 0;
	t->items = NULL;
	t->rise = NULL;
	if (SPI_execute_plan(RecKeptPlan(newest_sql, 0, argtypes), NULL, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "trending query failed");
	if (SPI_processed == 0)
		return;
	end = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_freetuptable(SPI_tuptable);

	args[0] = Float8GetDatum(end - window);
	args[1] = Float8GetDatum(end - 2 * window);
	if (SPI_execute_plan(RecKeptPlan(window_sql, 2, argtypes), args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "trending query failed");
	t->items = palloc(sizeof(int32) * Max(SPI_processed, 1));
	t->rise = palloc(sizeof(float) * Max(SPI_processed, 1));
	current = palloc(sizeof(int64) * Max(SPI_processed, 1));
	previous = palloc(sizeof(int64) * Max(SPI_processed, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		Datum		d = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull);
		int64		c = DatumGetInt64(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull));
		int64		e = DatumGetInt64(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 3, &isnull)) - c;
		int32		idx;

		total_current += c;
		total_previous += e;
		if (c <= 0)
			continue;			/* events in the previous window only: not in the list */
		idx = RecItemDatumIndex(m, d, keyed);
		if (idx < 0)
			continue;
		t->items[t->n] = idx;
		current[t->n] = c;
		previous[t->n++] = e;
	}
	SPI_freetuptable(SPI_tuptable);
	for (i = 0; i < t->n; i++)
		t->rise[i] = (float) RecTrendRise(current[i], previous[i], total_current, total_previous);
	pfree(current);
	pfree(previous);
	pfree(newest_sql);
	pfree(window_sql);
}
