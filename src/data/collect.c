/*
 * collect.c
 *	  rec.collect_events: a parallel-safe aggregate that gathers a relation's
 *	  (user, item, time) triples, so that training reads a large interaction
 *	  table with PostgreSQL's parallel workers, and so that shards can send
 *	  their events to the one server that trains.
 *
 * Each worker appends the rows of its part of a Parallel Seq Scan to its own
 * state; its serial function sorts them into canonical order (user id, then
 * time, then item id) before they cross the Gather as bytea, so the sorting
 * runs in the workers.  The leader's combine function merges sorted runs in
 * linear time.  The canonical order does not depend on which worker read
 * which block, so the dataset built from it (RecDatasetFromEvents) and hence
 * the trained model are the same bytes with any number of workers, and equal
 * those of the serial read of a table stored in that order.
 *
 * The serialized form is the server's native layout (a header, then the
 * triples), for its own workers and for shards of the same architecture.  A
 * partial state is a bytea, so one worker's or one shard's part is limited to
 * 1 GB (about 44 million events).  The final value inside the server is
 * handed over without that limit: while RecCollectEvents runs its query the
 * final function moves the combined events to the caller's memory context
 * and returns only the header.
 */
#include "rec.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "collect.h"

#define REC_EVENTS_MAGIC 0x56454352	/* "RCEV" */
#define REC_EVENTS_FORMAT 1

typedef struct EventsHeader
{
	uint32		magic;			/* REC_EVENTS_MAGIC */
	uint32		format;			/* REC_EVENTS_FORMAT */
	int64		n;				/* triples that follow */
	int64		sorted;			/* 1 when in canonical order */
} EventsHeader;

/*
 * Where the final function hands over the combined events, while set (only
 * in the backend that runs RecCollectEvents, never in a worker)
 */
static MemoryContext capture_cxt = NULL;
static RecEventSet *capture_set = NULL;

PG_FUNCTION_INFO_V1(rec_collect_events_trans);
PG_FUNCTION_INFO_V1(rec_collect_events_combine);
PG_FUNCTION_INFO_V1(rec_collect_events_serialize);
PG_FUNCTION_INFO_V1(rec_collect_events_deserialize);
PG_FUNCTION_INFO_V1(rec_collect_events_final);

/* Order two events by user id, then time, then item id */
static inline int
CompareEvents(const RecEvent *a, const RecEvent *b)
{
	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->item != b->item)
		return a->item < b->item ? -1 : 1;
	return 0;
}

#define ST_SORT sort_events
#define ST_ELEMENT_TYPE RecEvent
#define ST_COMPARE(a, b) CompareEvents(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* Make an empty event set in the current memory context */
static RecEventSet *
NewEventSet(int64 cap)
{
	RecEventSet *set = palloc(sizeof(RecEventSet));

	set->n = 0;
	set->cap = Max(cap, 1);
	set->sorted = true;
	set->ev = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(RecEvent) * set->cap);
	return set;
}

/* Put an event set in canonical order, if it is not already */
void
RecEventSetSort(RecEventSet *set)
{
	if (!set->sorted)
		sort_events(set->ev, set->n);
	set->sorted = true;
}

/*
 * Move the events of "from" into "into" (in into's memory context), both
 * sorted first, by a linear merge; "from" is left empty, its array freed.
 */
void
RecEventSetMerge(RecEventSet *into, RecEventSet *from)
{
	RecEvent   *out;
	int64		i = 0,
				j = 0,
				k = 0;

	if (from->n == 0)
		return;
	RecEventSetSort(into);
	RecEventSetSort(from);
	RecCheckMemory((double) (into->n + from->n) * sizeof(RecEvent) * 2, "collecting the interactions");
	/* while RecCollectEvents waits for them, merged events go straight to its context */
	out = MemoryContextAllocHuge(capture_cxt ? capture_cxt :
								 into->ev ? GetMemoryChunkContext(into->ev) : CurrentMemoryContext,
								 sizeof(RecEvent) * (into->n + from->n));
	while (i < into->n && j < from->n)
	{
		if ((k & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (CompareEvents(&from->ev[j], &into->ev[i]) < 0)
			out[k++] = from->ev[j++];
		else
			out[k++] = into->ev[i++];
	}
	if (i < into->n)
		memcpy(out + k, into->ev + i, sizeof(RecEvent) * (into->n - i));
	if (j < from->n)
		memcpy(out + k, from->ev + j, sizeof(RecEvent) * (from->n - j));
	if (into->ev)
		pfree(into->ev);
	into->ev = out;
	into->n += from->n;
	into->cap = into->n;
	pfree(from->ev);
	from->ev = NULL;
	from->n = from->cap = 0;
}

/* Serialize an event set as a header and its triples */
static bytea *
EventsToBytea(const RecEventSet *set)
{
	Size		body = sizeof(RecEvent) * (Size) set->n;
	Size		len = sizeof(EventsHeader) + body;
	bytea	   *out;
	EventsHeader hdr;

	if (len + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%lld events are too many for one partial event collection",
						(long long) set->n),
				 errhint("A parallel worker or a shard can send at most %lld events; use more workers or shards.",
						 (long long) ((MaxAllocSize - VARHDRSZ - sizeof(EventsHeader)) / sizeof(RecEvent)))));
	out = palloc(len + VARHDRSZ);
	SET_VARSIZE(out, len + VARHDRSZ);
	hdr.magic = REC_EVENTS_MAGIC;
	hdr.format = REC_EVENTS_FORMAT;
	hdr.n = set->n;
	hdr.sorted = set->sorted ? 1 : 0;
	memcpy(VARDATA(out), &hdr, sizeof(hdr));
	if (body > 0)
		memcpy(VARDATA(out) + sizeof(hdr), set->ev, body);
	return out;
}

/*
 * Rebuild an event set from its bytea form (a partial state of a worker or
 * of a shard), checking its shape, in the current memory context.
 */
RecEventSet *
RecEventSetFromBytea(bytea *b)
{
	Size		len = VARSIZE_ANY_EXHDR(b);
	EventsHeader hdr;
	RecEventSet *set;
	int64		i;

	if (len >= sizeof(hdr))
		memcpy(&hdr, VARDATA_ANY(b), sizeof(hdr));
	if (len < sizeof(hdr) || hdr.magic != REC_EVENTS_MAGIC || hdr.format != REC_EVENTS_FORMAT ||
		hdr.n < 0 || (Size) hdr.n > (len - sizeof(hdr)) / sizeof(RecEvent) ||
		len != sizeof(hdr) + sizeof(RecEvent) * (Size) hdr.n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid event collection"),
				 errhint("Pass values returned by rec.collect_events() or rec.dataset_events() of a server of the same architecture.")));
	set = NewEventSet(hdr.n);
	set->n = hdr.n;
	if (hdr.n > 0)
		memcpy(set->ev, VARDATA_ANY(b) + sizeof(hdr), sizeof(RecEvent) * hdr.n);
	/* the flag comes from outside (a shard, a caller): the merge and the dataset rely on it */
	set->sorted = hdr.sorted == 1;
	for (i = 1; i < set->n && set->sorted; i++)
	{
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (CompareEvents(&set->ev[i - 1], &set->ev[i]) > 0)
			set->sorted = false;
	}
	return set;
}

/* Return the aggregate memory context, or fail outside an aggregate */
static MemoryContext
AggContext(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext cxt;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "%s called in non-aggregate context", fn);
	return cxt;
}

/* Append one (user, item, time) row to the state; rows with a null are skipped */
Datum
rec_collect_events_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = AggContext(fcinfo, "rec_collect_events_trans");
	RecEventSet *set = PG_ARGISNULL(0) ? NULL : (RecEventSet *) PG_GETARG_POINTER(0);
	RecEvent   *e;

	if (set == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		set = NewEventSet(8192);
		MemoryContextSwitchTo(old);
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(set);
	if (set->n >= set->cap)
	{
		RecCheckMemory((double) set->cap * 2 * sizeof(RecEvent), "collecting the interactions");
		set->cap *= 2;
		set->ev = repalloc_huge(set->ev, sizeof(RecEvent) * set->cap);
	}
	e = &set->ev[set->n++];
	e->user = PG_GETARG_INT64(1);
	e->item = PG_GETARG_INT64(2);
	e->time = PG_GETARG_FLOAT8(3);
	if (set->n > 1 && set->sorted && CompareEvents(e - 1, e) > 0)
		set->sorted = false;
	PG_RETURN_POINTER(set);
}

/* Merge two partial states (the second is consumed) */
Datum
rec_collect_events_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = AggContext(fcinfo, "rec_collect_events_combine");
	RecEventSet *a = PG_ARGISNULL(0) ? NULL : (RecEventSet *) PG_GETARG_POINTER(0);
	RecEventSet *b = PG_ARGISNULL(1) ? NULL : (RecEventSet *) PG_GETARG_POINTER(1);
	MemoryContext old;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		PG_RETURN_POINTER(b);	/* deserialized in the aggregate's memory */
	old = MemoryContextSwitchTo(cxt);
	RecEventSetMerge(a, b);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/* Sort a partial state (in the worker) and return it as bytea */
Datum
rec_collect_events_serialize(PG_FUNCTION_ARGS)
{
	RecEventSet *set = (RecEventSet *) PG_GETARG_POINTER(0);

	AggContext(fcinfo, "rec_collect_events_serialize");
	RecEventSetSort(set);
	PG_RETURN_BYTEA_P(EventsToBytea(set));
}

/* Rebuild a partial state in the aggregate's memory, for the combine function */
Datum
rec_collect_events_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = AggContext(fcinfo, "rec_collect_events_deserialize");
	MemoryContext old = MemoryContextSwitchTo(cxt);
	RecEventSet *set = RecEventSetFromBytea(PG_GETARG_BYTEA_PP(0));

	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(set);
}

/*
 * Return the events in canonical order as bytea; while RecCollectEvents
 * runs, hand them over to it instead and return only the header.
 */
Datum
rec_collect_events_final(PG_FUNCTION_ARGS)
{
	RecEventSet *set = PG_ARGISNULL(0) ? NULL : (RecEventSet *) PG_GETARG_POINTER(0);
	RecEventSet empty = {0, 0, true, NULL};

	AggContext(fcinfo, "rec_collect_events_final");
	if (set == NULL)
		set = &empty;
	RecEventSetSort(set);
	if (capture_cxt != NULL && capture_set == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(capture_cxt);

		if (set->ev != NULL && GetMemoryChunkContext(set->ev) == capture_cxt)
		{
			/* merged there already: hand the array over */
			capture_set = palloc(sizeof(RecEventSet));
			*capture_set = *set;
			set->ev = NULL;
			set->n = set->cap = 0;
		}
		else
		{
			capture_set = NewEventSet(set->n);
			capture_set->n = set->n;
			if (set->n > 0)
				memcpy(capture_set->ev, set->ev, sizeof(RecEvent) * set->n);
		}
		MemoryContextSwitchTo(old);
		set = &empty;
	}
	PG_RETURN_BYTEA_P(EventsToBytea(set));
}

/*
 * Run a query of the form SELECT rec.collect_events(...) FROM ... through
 * SPI (where the planner may choose a parallel plan) and return its events,
 * sorted, in the current memory context.  The caller is connected to SPI.
 */
RecEventSet *
RecCollectEvents(const char *sql, int nargs, Oid *argtypes, Datum *args)
{
	RecEventSet *result;
	int			ret;

	capture_cxt = CurrentMemoryContext;
	capture_set = NULL;
	PG_TRY();
	{
		/* no row limit: a limit disables parallel query */
		ret = SPI_execute_with_args(sql, nargs, argtypes, args, NULL, true, 0);
		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "collecting the interactions failed: %s", SPI_result_code_string(ret));
		if (capture_set == NULL)
			elog(ERROR, "the interactions were not collected");
	}
	PG_FINALLY();
	{
		capture_cxt = NULL;
	}
	PG_END_TRY();
	result = capture_set;
	capture_set = NULL;
	SPI_freetuptable(SPI_tuptable);
	return result;
}
