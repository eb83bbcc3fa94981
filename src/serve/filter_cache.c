/*
 * filter_cache.c
 *	  The matching items of a filter's item-metadata parts, kept per backend
 *	  per (part, parameter values), so that a filter costs a lookup in a
 *	  sorted set after its first call instead of a query per call.
 *
 * Only a part on item metadata that does not read CurrentItem is kept (or
 * a UserID part on the users relation, whose set is of users): a part on
 * the user's interactions differs per user, and one on CurrentItem per
 * item.  A set is kept only for a relation that carries rec's trigger
 * rec_internal.items_changed (rec.items and rec.users do; a table bound to
 * a group may be given it), which sends a relcache invalidation of the
 * relation on every statement that writes it.  PostgreSQL delivers that
 * invalidation to every backend when the writer commits (to this backend at
 * once), and the callback below forgets the relation's sets.
 *
 * Invalidations and snapshots: a writer's commit becomes visible just
 * before its invalidation is sent, and a reader accepts invalidations at
 * each call (AcceptInvalidationMessages), after its statement's snapshot
 * was taken.  So a set read under a snapshot taken before the last
 * invalidation arrived may miss that commit: the callback notes when it
 * arrived, and a set is kept only if it arrived before the statement that
 * reads the set began (whose snapshots are all taken after).  The cache
 * serves READ COMMITTED only: a transaction snapshot may predate a kept
 * set.  A set serves only the role that read it (row security may differ
 * per role).  A transaction that wrote the relation reads around the cache
 * to its end: what it wrote may yet roll back.  (A commit is visible a
 * moment before its invalidation reaches the others: a call in that moment
 * may still answer from the set before it, as if it had come a moment
 * earlier.)
 *
 * Sets are freed at the end of the transaction that finds them stale, not
 * in the callback: a filter of the running call may still point at one.
 * rec.filter_cache = off reads every set again, as before (bench/filters
 * compares both).
 */
#include "rec.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/builtins.h"
#include "miscadmin.h"

#include "filter.h"

#define FILTER_CACHE_ENTRIES 64	/* sets kept per backend at most */

/* One kept set: the matches of one part with one set of parameter values */
typedef struct FilterCacheEntry
{
	Oid			relid;			/* the items relation it was read from */
	Oid			userid;			/* the role that read it */
	char	   *sql;			/* the part's all_sql */
	char	   *values;			/* the parameter values (jsonb as text), or "" */
	int64	   *set;			/* sorted matching ids */
	int			n_set;
	bool		valid;			/* no invalidation of relid since */
} FilterCacheEntry;

static FilterCacheEntry entries[FILTER_CACHE_ENTRIES];
static int	n_entries = 0;
static MemoryContext cache_cxt = NULL;
static TimestampTz inval_time = 0;	/* when the last invalidation arrived */
static TransactionId changed_by = InvalidTransactionId;	/* wrote an items relation */
static bool any_stale = false;

/* Forget the sets of relid (every relation: InvalidOid) */
static void
InvalidateSets(Datum arg pg_attribute_unused(), Oid relid)
{
	int			i;

	for (i = 0; i < n_entries; i++)
		if (entries[i].valid && (!OidIsValid(relid) || entries[i].relid == relid))
		{
			entries[i].valid = false;
			any_stale = true;
		}
	/* any relation: one not cached yet may be read next under an older snapshot */
	inval_time = GetCurrentTimestamp();
}

/* Free the stale sets at the end of a transaction: no filter points at them any more */
static void
SweepSets(XactEvent event, void *arg pg_attribute_unused())
{
	int			i;
	int			kept = 0;

	if (!any_stale || (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
					   event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT))
		return;
	for (i = 0; i < n_entries; i++)
	{
		if (entries[i].valid)
		{
			entries[kept++] = entries[i];
			continue;
		}
		pfree(entries[i].sql);
		pfree(entries[i].values);
		pfree(entries[i].set);
	}
	n_entries = kept;
	any_stale = false;
}

/* Whether relation relid carries rec's trigger rec_internal.items_changed, enabled */
static bool
HasItemsTrigger(Oid relid)
{
	static Oid	trigger_fn = InvalidOid;
	Relation	rel;
	bool		found = false;
	int			i;

	if (!OidIsValid(trigger_fn))
	{
		Oid			nsp = get_namespace_oid("rec_internal", true);

		if (!OidIsValid(nsp))
			return false;
		trigger_fn = LookupFuncName(list_make2(makeString("rec_internal"), makeString("items_changed")),
									0, NULL, true);
		if (!OidIsValid(trigger_fn))
			return false;
	}
	rel = relation_open(relid, AccessShareLock);
	if (rel->rd_rel->relkind == RELKIND_RELATION && rel->trigdesc)
		for (i = 0; i < rel->trigdesc->numtriggers && !found; i++)
		{
			Trigger    *t = &rel->trigdesc->triggers[i];

			found = t->tgfoid == trigger_fn && t->tgenabled == TRIGGER_FIRES_ALWAYS &&
				TRIGGER_FOR_AFTER(t->tgtype) && !TRIGGER_FOR_ROW(t->tgtype) &&
				TRIGGER_FOR_INSERT(t->tgtype) && TRIGGER_FOR_UPDATE(t->tgtype) &&
				TRIGGER_FOR_DELETE(t->tgtype) && TRIGGER_FOR_TRUNCATE(t->tgtype);
		}
	relation_close(rel, NoLock);
	return found;
}

/*
 * Return whether the sets of items relation relid may be kept now: the
 * cache is on, the relation carries the trigger, and this transaction has
 * not written it.
 */
bool
RecFilterCacheUsable(Oid relid)
{
	if (!rec_filter_cache || !OidIsValid(relid) || IsolationUsesXactSnapshot())
		return false;
	if (TransactionIdIsValid(changed_by) && changed_by == GetTopTransactionIdIfAny())
		return false;
	if (cache_cxt == NULL)
	{
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "rec filter cache", ALLOCSET_DEFAULT_SIZES);
		CacheRegisterRelcacheCallback(InvalidateSets, (Datum) 0);
		RegisterXactCallback(SweepSets, NULL);
		inval_time = GetCurrentTimestamp();	/* what arrived before is unknown */
	}
	if (!HasItemsTrigger(relid))
		return false;
	AcceptInvalidationMessages();
	return true;
}

/*
 * Find the kept set of a part (its all_sql) with parameter values (text,
 * or NULL) over relation relid: the sorted ids in *n, or NULL.  The set
 * belongs to the cache: the caller must not free it.
 */
int64 *
RecFilterCacheGet(Oid relid, const char *sql, const char *values, int *n)
{
	int			i;

	for (i = 0; i < n_entries; i++)
	{
		FilterCacheEntry *e = &entries[i];

		if (e->valid && e->relid == relid && e->userid == GetUserId() &&
			strcmp(e->sql, sql) == 0 && strcmp(e->values, values ? values : "") == 0)
		{
			*n = e->n_set;
			return e->set;
		}
	}
	return NULL;
}

/*
 * Keep a part's set read in this statement, if the last invalidation
 * arrived before the statement began and there is room; return the kept
 * copy (the caller may then free its own), or NULL.
 */
int64 *
RecFilterCachePut(Oid relid, const char *sql, const char *values, const int64 *set, int n)
{
	FilterCacheEntry *e;

	if (inval_time >= GetCurrentStatementStartTimestamp() || n_entries >= FILTER_CACHE_ENTRIES)
		return NULL;
	e = &entries[n_entries];
	e->set = MemoryContextAllocHuge(cache_cxt, mul_size(sizeof(int64), Max(n, 1)));
	memcpy(e->set, set, sizeof(int64) * n);
	e->sql = MemoryContextStrdup(cache_cxt, sql);
	e->values = MemoryContextStrdup(cache_cxt, values ? values : "");
	e->relid = relid;
	e->userid = GetUserId();
	e->n_set = n;
	e->valid = true;
	n_entries++;
	return e->set;
}

PG_FUNCTION_INFO_V1(rec_items_changed);

/*
 * Trigger on an items relation: announce the change to every backend's
 * filter cache through a relcache invalidation of the relation (sent when
 * the writer commits), forget this backend's sets at once, and read around
 * the cache until this transaction ends.
 */
Datum
rec_items_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rec_internal.items_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	InvalidateSets((Datum) 0, RelationGetRelid(trigdata->tg_relation));
	changed_by = GetTopTransactionId();
	return PointerGetDatum(NULL);
}
