/*
 * history.c
 *	  Read one user's newest events from the dataset group's interactions
 *	  relation, at request time and under the caller's snapshot.
 *
 * This is what makes rec.log_event() take effect at once: the history the
 * scorer sees already holds the new row, even inside the same transaction.
 * The query uses an index on (user, time) when there is one; its plan is
 * prepared once per backend and relation.
 *
 * The ordinary case (a plain table with a btree index on (user, time) that
 * holds the item too, as rec.interactions has, integer ids, a timestamp
 * column, no event weights and no context) skips the query: the history is
 * read through the index directly, as an index-only scan under the active
 * snapshot (DirectHistory), which is what the query's plan does, without
 * the executor around it.  Anything else keeps the query: views,
 * partitioned or inherited tables, row level security, text or uuid ids,
 * epoch-number times, serializable isolation (whose predicate locks the
 * executor takes), or a role that may not read the whole table (the query
 * then checks its column privileges and says what is missing).
 */
#include "rec.h"

#include <math.h>

#include "access/genam.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/params.h"
#include "storage/bufmgr.h"
#include "executor/tuptable.h"
#include "utils/acl.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "dataset.h"
#include "history.h"

/*
 * Return the SQL condition "this event happened in the context $5": each
 * context column the context names equals its value (compared as text), and
 * the columns it does not name match anything.
 */
static char *
ContextMatchExpr(const RecBinding *b)
{
	StringInfoData e;
	int			i;

	initStringInfo(&e);
	for (i = 0; i < b->n_context; i++)
	{
		const char *key = quote_literal_cstr(b->context_cols[i]);

		appendStringInfo(&e, "%sCOALESCE(%s::text OPERATOR(pg_catalog.=)"
						 " ($5 OPERATOR(pg_catalog.->>) %s),"
						 " NOT ($5 OPERATOR(pg_catalog.?) %s))",
						 i > 0 ? " AND " : "", quote_identifier(b->context_cols[i]), key, key);
	}
	return e.data;
}

/*
 * Where the history query's rows go: straight into the history, newest
 * first, from the executor's slots (SPI's own receiver would copy each row
 * into a tuple of its table first, a third of the read's cost).
 */
typedef struct HistoryReceiver
{
	DestReceiver pub;
	RecHistory *h;
	const RecModel *m;
	bool		keyed;			/* items read as text keys */
	bool		weighed;		/* a third column: each event's weight */
	bool		contextual;		/* a fourth: whether the event is in the asked context */
	int			in_context;		/* events in it so far */
	Oid			ts_type;		/* the time column's type (RecTimeValue) */
	Timestamp	epoch;			/* SetEpochTimestamp() */
	int			cap;			/* room in h's arrays (repalloc keeps their context) */
} HistoryReceiver;

/* Note the time column's type */
static void
HistoryStartup(DestReceiver *self, pg_attribute_unused() int operation, TupleDesc typeinfo)
{
	((HistoryReceiver *) self)->ts_type = TupleDescAttr(typeinfo, 1)->atttypid;
}

/* Append one event (newest first) */
static bool
HistoryReceive(TupleTableSlot *slot, DestReceiver *self)
{
	HistoryReceiver *r = (HistoryReceiver *) self;
	RecHistory *h = r->h;

	slot_getsomeattrs(slot, r->contextual ? 4 : r->weighed ? 3 : 2);
	if (h->n >= r->cap)
	{
		r->cap *= 2;
		h->items = repalloc(h->items, sizeof(int32) * r->cap);
		h->times = repalloc(h->times, sizeof(float8) * r->cap);
		if (r->weighed)
			h->weights = repalloc(h->weights, sizeof(float) * r->cap);
		if (r->contextual)
			h->in_context = repalloc(h->in_context, sizeof(bool) * r->cap);
	}
	h->items[h->n] = RecItemDatumIndex(r->m, slot->tts_values[0], r->keyed);
	h->times[h->n] = RecTimeValue(slot->tts_values[1], r->ts_type, r->epoch);
	if (r->weighed)
		h->weights[h->n] = DatumGetFloat4(slot->tts_values[2]);
	if (r->contextual)
	{
		h->in_context[h->n] = !slot->tts_isnull[3] && DatumGetBool(slot->tts_values[3]);
		if (h->in_context[h->n])
		{
			h->weights[h->n] *= REC_CONTEXT_LIFT;
			r->in_context++;
		}
	}
	h->n++;
	return true;
}

/* Nothing to do at the end of the query */
static void
HistoryShutdown(pg_attribute_unused() DestReceiver *self)
{
}

/* Reverse a history read newest first into oldest first */
static void
OldestFirst(RecHistory *h)
{
	int			a,
				b;

	for (a = 0, b = h->n - 1; a < b; a++, b--)
	{
		int32		item = h->items[a];
		float8		time = h->times[a];

		h->items[a] = h->items[b];
		h->items[b] = item;
		h->times[a] = h->times[b];
		h->times[b] = time;
		if (h->weights)
		{
			float		w = h->weights[a];

			h->weights[a] = h->weights[b];
			h->weights[b] = w;
		}
		if (h->in_context)
		{
			bool		c = h->in_context[a];

			h->in_context[a] = h->in_context[b];
			h->in_context[b] = c;
		}
	}
}

/* The index DirectHistory read last, kept per backend (checked again at every use) */
static Oid	history_rel = InvalidOid;
static Oid	history_index = InvalidOid;

/* True for the integer types the direct read converts to int64 */
static bool
IntegerType(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID;
}

/* Return an integer Datum of one of IntegerType's types as int64 */
static inline int64
IntegerValue(Datum d, Oid type)
{
	return type == INT8OID ? DatumGetInt64(d) :
		type == INT4OID ? DatumGetInt32(d) : DatumGetInt16(d);
}

/* Return the attribute number of a column of a relation by name, or InvalidAttrNumber */
static AttrNumber
ColumnOf(Relation rel, const char *name)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	return InvalidAttrNumber;
}

/*
 * True if index is a valid btree on (user, time, ...) of plain columns,
 * whole (no predicate), holding the item column among its key or included
 * columns (its position in *item_pos, 1-based), that any snapshot may use.
 */
static bool
HistoryIndex(Relation index, AttrNumber user, AttrNumber ts, AttrNumber item, int *item_pos)
{
	Form_pg_index ix = index->rd_index;
	int			i;

	if (index->rd_rel->relam != BTREE_AM_OID || !ix->indisvalid || !ix->indisready ||
		!ix->indislive || ix->indcheckxmin || ix->indnkeyatts < 2 ||
		ix->indkey.values[0] != user || ix->indkey.values[1] != ts ||
		!heap_attisnull(index->rd_indextuple, Anum_pg_index_indexprs, NULL) ||
		!heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL))
		return false;
	for (i = 0; i < ix->indnatts; i++)
		if (ix->indkey.values[i] == item)
		{
			*item_pos = i + 1;
			return true;
		}
	return false;
}

/*
 * Open the index of rel that HistoryIndex accepts (the one found last, when
 * it still is), locked as the executor locks it; NULL if there is none.
 */
static Relation
OpenHistoryIndex(Relation rel, AttrNumber user, AttrNumber ts, AttrNumber item, int *item_pos)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Relation	index;

	if (RelationGetRelid(rel) == history_rel && list_member_oid(indexes, history_index))
	{
		index = index_open(history_index, AccessShareLock);
		if (HistoryIndex(index, user, ts, item, item_pos))
		{
			list_free(indexes);
			return index;
		}
		index_close(index, AccessShareLock);
	}
	foreach(lc, indexes)
	{
		index = index_open(lfirst_oid(lc), AccessShareLock);
		if (HistoryIndex(index, user, ts, item, item_pos))
		{
			history_rel = RelationGetRelid(rel);
			history_index = RelationGetRelid(index);
			list_free(indexes);
			return index;
		}
		index_close(index, AccessShareLock);
	}
	list_free(indexes);
	return NULL;
}

/*
 * Read the history as RecReadHistory's query would, through the (user,
 * time) index directly (see the top of this file); return false, having
 * read nothing, when the case is not one this read handles.  The scan is an
 * index-only scan (nodeIndexonlyscan.c's): the index tuple gives the item
 * and the time, and the heap is visited only to check visibility on pages
 * the visibility map does not mark all-visible.  Newest first.
 */
static bool
DirectHistory(const RecBinding *b, const RecKey *user, const RecModel *m, RecHistory *h)
{
	Relation	rel;
	Relation	index;
	AttrNumber	user_att,
				ts_att,
				item_att;
	Oid			user_type,
				ts_type,
				item_type;
	int			item_pos;
	Oid			eq;
	ScanKeyData key[2];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Buffer		vmbuffer = InvalidBuffer;
	ScanDirection dir;
	ItemPointer tid;
	Timestamp	epoch = SetEpochTimestamp();
	int			cap = 64;

	if (m->key_kind != REC_KEY_INT || user->type != INT8OID || b->ts_is_epoch ||
		IsolationIsSerializable() || rec_max_history <= 0)
		return false;
	rel = try_table_open(b->interactions, AccessShareLock);
	if (rel == NULL)
		return false;			/* the query says what is missing */
	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relhassubclass ||
		check_enable_rls(RelationGetRelid(rel), InvalidOid, true) != RLS_NONE ||
		pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		(user_att = ColumnOf(rel, b->user_col)) == InvalidAttrNumber ||
		(ts_att = ColumnOf(rel, b->ts_col)) == InvalidAttrNumber ||
		(item_att = ColumnOf(rel, b->item_col)) == InvalidAttrNumber)
	{
		table_close(rel, NoLock);
		return false;
	}
	user_type = TupleDescAttr(RelationGetDescr(rel), user_att - 1)->atttypid;
	ts_type = TupleDescAttr(RelationGetDescr(rel), ts_att - 1)->atttypid;
	item_type = TupleDescAttr(RelationGetDescr(rel), item_att - 1)->atttypid;
	if (!IntegerType(user_type) || !IntegerType(item_type) ||
		(ts_type != TIMESTAMPTZOID && ts_type != TIMESTAMPOID) ||
		(index = OpenHistoryIndex(rel, user_att, ts_att, item_att, &item_pos)) == NULL)
	{
		table_close(rel, NoLock);
		return false;
	}
	/* user = $1, in the index's operator family (integer_ops compares across widths) */
	eq = get_opfamily_member(index->rd_opfamily[0], user_type, INT8OID, BTEqualStrategyNumber);
	if (!OidIsValid(eq))
	{
		index_close(index, NoLock);
		table_close(rel, NoLock);
		return false;
	}
	ScanKeyEntryInitialize(&key[0], 0, 1, BTEqualStrategyNumber, INT8OID, InvalidOid,
						   get_opcode(eq), user->native);
	/* time IS NOT NULL */
	ScanKeyEntryInitialize(&key[1], SK_ISNULL | SK_SEARCHNOTNULL, 2, InvalidStrategy,
						   InvalidOid, InvalidOid, InvalidOid, (Datum) 0);
	dir = (index->rd_indoption[1] & INDOPTION_DESC) ? ForwardScanDirection : BackwardScanDirection;

	h->n = 0;
	h->items = palloc(sizeof(int32) * cap);
	h->times = palloc(sizeof(float8) * cap);
	h->weights = NULL;
	h->in_context = NULL;
	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, index, GetActiveSnapshot(), 2, 0);
	scan->xs_want_itup = true;
	index_rescan(scan, key, 2, NULL, 0);
	while (h->n < rec_max_history && (tid = index_getnext_tid(scan, dir)) != NULL)
	{
		Datum		item;
		Datum		ts;
		bool		item_null;
		bool		ts_null;

		CHECK_FOR_INTERRUPTS();
		if (!VM_ALL_VISIBLE(rel, ItemPointerGetBlockNumber(tid), &vmbuffer) &&
			!index_fetch_heap(scan, slot))
			continue;			/* not visible to the snapshot */
		item = index_getattr(scan->xs_itup, item_pos, scan->xs_itupdesc, &item_null);
		ts = index_getattr(scan->xs_itup, 2, scan->xs_itupdesc, &ts_null);
		if (item_null || ts_null)
			continue;
		if (h->n >= cap)
		{
			cap *= 2;
			h->items = repalloc(h->items, sizeof(int32) * cap);
			h->times = repalloc(h->times, sizeof(float8) * cap);
		}
		h->items[h->n] = RecItemIndex(m, IntegerValue(item, item_type));
		h->times[h->n++] = RecTimeValue(ts, ts_type, epoch);
	}
	if (BufferIsValid(vmbuffer))
		ReleaseBuffer(vmbuffer);
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(rel, NoLock);
	return true;
}

/*
 * Read the newest rec.max_history events of a user, oldest first, mapped to
 * the model's item indices (-1 for items the model does not know).  The
 * user is compared in the column's own type (so its index serves), text and
 * uuid items are read as text and looked up by their keys.  A version trained
 * with event_value_threshold or event_weights reads the events as its
 * training did: those below the threshold (or weighing 0) are left out, and
 * each keeps its type's weight (history.weights).  With a context (a jsonb
 * object over the group's context columns; NULL or {}: none), the events
 * recorded in that context weigh REC_CONTEXT_LIFT times more: what the user
 * does in this context leads the list, and the next-item term follows the
 * newest events of that context (RecTransitionWeights); when none of the
 * events was recorded in it, the list is the one without context.  The
 * context columns are read with the history, so an event logged a moment
 * ago counts at once.  The rows go from the executor to the history through
 * a receiver of our own (HistoryReceiver), or, in the ordinary case, come
 * straight from the index (DirectHistory).
 */
void
RecReadHistory(const RecBinding *b, const RecKey *user, const RecModel *m, Jsonb *context,
			   RecHistory *h)
{
	const char *ts = quote_identifier(b->ts_col);
	const char *item = quote_identifier(b->item_col);
	bool		keyed = (m->key_kind != REC_KEY_INT);
	bool		weighed = b->event_weights != NULL || !isnan(b->value_threshold);
	bool		contextual = context != NULL && RecCheckContext(b, context);
	char	   *weight = b->event_weights ? RecEventWeightExpr(b, 4) : "1::float4";
	char	   *sql;
	Oid			argtypes[5] = {user->type, INT4OID, FLOAT8OID, JSONBOID, JSONBOID};
	int			nargs = contextual ? 5 : weighed ? 4 : 2;
	ParamListInfo params;
	SPIExecuteOptions options;
	HistoryReceiver r;
	int			ret;
	int			i;

	if (!weighed && !contextual && DirectHistory(b, user, m, h))
	{
		OldestFirst(h);
		return;
	}
	sql = psprintf("SELECT %s::%s, %s%s%s%s%s FROM %s WHERE %s OPERATOR(pg_catalog.=) $1"
				   " AND %s IS NOT NULL AND %s IS NOT NULL%s%s%s%s"
				   " ORDER BY %s DESC LIMIT $2",
				   item, keyed ? "text" : "int8", RecTimeColumn(b),
				   weighed || contextual ? ", " : "", weighed ? weight : contextual ? "1::float4" : "",
				   contextual ? ", " : "", contextual ? ContextMatchExpr(b) : "",
				   RecRelationName(b->interactions, b->group),
				   quote_identifier(b->user_col), item, ts,
				   b->event_weights ? psprintf(" AND %s OPERATOR(pg_catalog.>) 0", weight) : "",
				   !isnan(b->value_threshold) ? " AND " : "",
				   !isnan(b->value_threshold) ? quote_identifier(b->event_value_col ? b->event_value_col : "") : "",
				   !isnan(b->value_threshold) ? "::float8 OPERATOR(pg_catalog.>=) $3" : "",
				   ts);
	params = makeParamList(nargs);
	memset(&options, 0, sizeof(options));
	memset(&r, 0, sizeof(r));
	for (i = 0; i < nargs; i++)
	{
		params->params[i].isnull = false;	/* makeParamList leaves them unset */
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = argtypes[i];
	}
	params->params[0].value = user->native;
	params->params[1].value = Int32GetDatum(rec_max_history);
	for (i = 2; i < nargs; i++)
	{
		params->params[i].value = (Datum) 0;
		params->params[i].isnull = true;
	}
	if (weighed)
	{
		RecCheckEventColumns(b);
		params->params[2].value = Float8GetDatum(b->value_threshold);
		params->params[2].isnull = false;
		params->params[3].value = b->event_weights ?
			DirectFunctionCall1(jsonb_in, CStringGetDatum(b->event_weights)) : (Datum) 0;
		params->params[3].isnull = b->event_weights == NULL;
	}
	if (contextual)
	{
		params->params[4].value = JsonbPGetDatum(context);
		params->params[4].isnull = false;
	}

	r.pub.receiveSlot = HistoryReceive;
	r.pub.rStartup = HistoryStartup;
	r.pub.rShutdown = HistoryShutdown;
	r.pub.rDestroy = HistoryShutdown;
	r.pub.mydest = DestTuplestore;	/* a receiver of rows (as PL/pgSQL's RETURN QUERY's) */
	r.h = h;
	r.m = m;
	r.keyed = keyed;
	r.weighed = weighed || contextual;
	r.contextual = contextual;
	r.epoch = SetEpochTimestamp();
	r.cap = 64;
	h->n = 0;
	h->items = palloc(sizeof(int32) * r.cap);
	h->times = palloc(sizeof(float8) * r.cap);
	h->weights = weighed || contextual ? palloc(sizeof(float) * r.cap) : NULL;
	h->in_context = contextual ? palloc(sizeof(bool) * r.cap) : NULL;

	options.params = params;
	options.read_only = true;
	options.dest = (DestReceiver *) &r;
	ret = SPI_execute_plan_extended(RecKeptPlan(sql, nargs, argtypes), &options);
	if (ret < 0)
		elog(ERROR, "history query failed: %s", SPI_result_code_string(ret));
	if (contextual && r.in_context == 0)
		h->in_context = NULL;	/* none in this context: the list without context */
	OldestFirst(h);
	pfree(params);
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
 * True if rec.impression has no page, so no row (one inserted, even in a
 * transaction not committed yet, extends the relation): a server that logs
 * no impressions then pays for no query.
 */
static bool
ImpressionsEmpty(Oid impression)
{
	Relation	rel = table_open(impression, AccessShareLock);
	bool		empty = rel->rd_rel->relkind == RELKIND_RELATION &&
		RelationGetNumberOfBlocks(rel) == 0;

	table_close(rel, NoLock);
	return empty;
}

/*
 * Read what the user was shown in this campaign (the newest SHOWN_LISTS
 * lists logged under its name by rec.log_impression or rec.log_event's
 * impression, through the index on (campaign, user_id, ts)) and count, for
 * each item the model knows, the lists that showed it after the user's last
 * event on it in h (an item the user acted on since is not demoted).
 * Nothing is read when the model's impression_decay turns the demotion off
 * (0 or 1), when the role serving may not read rec.impression (a serving
 * role granted only what recommend() needed before keeps working, without
 * the demotion), or when no impression was ever logged (ImpressionsEmpty).
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
		pg_class_aclcheck(impression, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		ImpressionsEmpty(impression))
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
