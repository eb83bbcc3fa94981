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

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

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
							   item, keyed ? "text" : "int8", RecTimeExpr(b),
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
	h->items = palloc(sizeof(int32) * Max(h->n, 1));
	h->times = palloc(sizeof(float8) * Max(h->n, 1));
	h->weights = weighed ? palloc(sizeof(float) * Max(h->n, 1)) : NULL;
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		HeapTuple	tuple = SPI_tuptable->vals[r];
		int			at = h->n - 1 - (int) r;
		Datum		d = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull);

		if (keyed)
		{
			RecKey		key;
			text	   *t = DatumGetTextPP(d);

			key.text = VARDATA_ANY(t);
			key.len = VARSIZE_ANY_EXHDR(t);
			key.id = RecKeyHash(key.text, key.len);
			h->items[at] = RecItemKeyIndex(m, &key);
		}
		else
			h->items[at] = RecItemIndex(m, DatumGetInt64(d));
		h->times[at] = DatumGetFloat8(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull));
		if (weighed)
			h->weights[at] = DatumGetFloat4(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 3, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(sql);
}
