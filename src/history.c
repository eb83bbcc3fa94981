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

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "history.h"

#define HISTORY_PLAN_SLOTS 8

typedef struct HistoryPlan
{
	char	   *sql;			/* the query text, the cache key */
	SPIPlanPtr	plan;
} HistoryPlan;

static HistoryPlan plans[HISTORY_PLAN_SLOTS];
static int	next_victim = 0;

/* Return the kept plan for a history query, preparing it on first use */
static SPIPlanPtr
HistoryPlanFor(const char *sql)
{
	Oid			argtypes[2] = {INT8OID, INT4OID};
	HistoryPlan *slot;
	int			i;

	for (i = 0; i < HISTORY_PLAN_SLOTS; i++)
		if (plans[i].sql && strcmp(plans[i].sql, sql) == 0)
			return plans[i].plan;

	slot = &plans[next_victim];
	next_victim = (next_victim + 1) % HISTORY_PLAN_SLOTS;
	if (slot->sql)
	{
		SPI_freeplan(slot->plan);
		pfree(slot->sql);
		slot->sql = NULL;
	}
	slot->plan = SPI_prepare(sql, 2, argtypes);
	if (slot->plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(slot->plan);
	slot->sql = MemoryContextStrdup(TopMemoryContext, sql);
	return slot->plan;
}

/*
 * Read the newest rec.max_history events of a user, oldest first, mapped to
 * the model's item indices (-1 for items the model does not know).
 */
void
RecReadHistory(const RecBinding *b, int64 user_id, const RecModel *m, RecHistory *h)
{
	const char *ts = quote_identifier(b->ts_col);
	const char *item = quote_identifier(b->item_col);
	char	   *sql = psprintf("SELECT %s::int8, %s FROM %s WHERE %s = $1"
							   " AND %s IS NOT NULL AND %s IS NOT NULL"
							   " ORDER BY %s DESC LIMIT $2",
							   item, RecTimeExpr(b),
							   RecRelationName(b->interactions, b->group),
							   quote_identifier(b->user_col), item, ts, ts);
	Datum		args[2];
	int			ret;
	uint64		r;

	args[0] = Int64GetDatum(user_id);
	args[1] = Int32GetDatum(rec_max_history);
	ret = SPI_execute_plan(HistoryPlanFor(sql), args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "history query failed: %s", SPI_result_code_string(ret));

	h->n = (int) SPI_processed;
	h->items = palloc(sizeof(int32) * Max(h->n, 1));
	h->times = palloc(sizeof(float8) * Max(h->n, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		HeapTuple	tuple = SPI_tuptable->vals[r];
		int			at = h->n - 1 - (int) r;

		h->items[at] = RecItemIndex(m, DatumGetInt64(SPI_getbinval(tuple, SPI_tuptable->tupdesc,
																   1, &isnull)));
		h->times[at] = DatumGetFloat8(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(sql);
}
