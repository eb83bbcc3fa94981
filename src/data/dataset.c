/*
 * dataset.c
 *	  Read a dataset group's interactions (and item metadata) in one pass into
 *	  dense id maps and a user x item CSR, each user's events oldest first.
 */
#include "rec.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "dataset.h"

PG_FUNCTION_INFO_V1(rec_dataset_events);

#define FETCH_ROWS 10000
#define CATEGORY_KEY_LEN 256

typedef struct IdEntry
{
	int64		id;				/* external id, the hash key */
	int32		idx;			/* dense index */
} IdEntry;

typedef struct CategoryEntry
{
	char		name[CATEGORY_KEY_LEN];	/* category name, the hash key */
	int32		idx;			/* dense index */
} CategoryEntry;

/* Growable arrays of the raw events, in read order */
typedef struct RawEvents
{
	int64		n;
	int64		cap;
	int32	   *user;
	int32	   *item;
	float8	   *time;
	float	   *weight;			/* NULL when every event weighs 1 */
} RawEvents;

/* Context for sorting one user's events by time, then read order */
static const float8 *sort_times;

static HTAB *
CreateIdMap(const char *name)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(IdEntry);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Map an external id to its dense index, adding it (and growing ids) if new */
static int32
InternId(HTAB *map, int64 id, int64 **ids, int *n, int *cap)
{
	bool		found;
	IdEntry    *e = hash_search(map, &id, HASH_ENTER, &found);

	if (!found)
	{
		if (*n >= *cap)
		{
			*cap *= 2;
			*ids = repalloc_huge(*ids, sizeof(int64) * (Size) *cap);
		}
		e->idx = (*n)++;
		(*ids)[e->idx] = id;
	}
	return e->idx;
}

/*
 * Read an id column of the current row: an integer as itself, a text or
 * uuid key (read as text) as its hash, interned with its key in keys.  Two
 * different keys with one hash are refused: rec could not tell them apart.
 */
static int32
InternColumn(HeapTuple tuple, TupleDesc desc, int attno, RecKeyList *keys, HTAB *map,
			 int64 **ids, int *n, int *cap, const char *what, const char *group)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, desc, attno, &isnull);
	text	   *t;
	const char *key;
	int			len;
	int			before = *n;
	int32		idx;

	if (keys == NULL)
		return InternId(map, DatumGetInt64(d), ids, n, cap);
	t = DatumGetTextPP(d);
	key = VARDATA_ANY(t);
	len = VARSIZE_ANY_EXHDR(t);
	idx = InternId(map, RecKeyHash(key, len), ids, n, cap);
	if (*n > before)
		RecKeyListAdd(keys, key, len);
	else if (keys->off[idx + 1] - keys->off[idx] != len ||
			 memcmp(keys->data + keys->off[idx], key, len) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s ids \"%.*s\" and \"%.*s\" of dataset group \"%s\" have the same 64-bit hash",
						what, (int) (keys->off[idx + 1] - keys->off[idx]), keys->data + keys->off[idx],
						len, key, group),
				 errhint("Rename one of them: rec tells text and uuid ids apart by this hash.")));
	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
	return idx;
}

/* Return the SQL expression that reads an id column: integers as bigint, other keys as text */
static char *
IdExpr(const char *col, int kind)
{
	return psprintf(kind == REC_KEY_INT ? "%s::int8" : "%s::text", quote_identifier(col));
}

/* Append one event, growing the arrays and checking the memory budget */
static void
AppendEvent(RawEvents *raw, int32 user, int32 item, float8 time, float weight)
{
	if (raw->n >= raw->cap)
	{
		raw->cap *= 2;
		RecCheckMemory((double) raw->cap * 2 * (sizeof(int32) * 3 + sizeof(float8)),
					   "reading the interactions");
		raw->user = repalloc_huge(raw->user, sizeof(int32) * raw->cap);
		raw->item = repalloc_huge(raw->item, sizeof(int32) * raw->cap);
		raw->time = repalloc_huge(raw->time, sizeof(float8) * raw->cap);
		if (raw->weight)
			raw->weight = repalloc_huge(raw->weight, sizeof(float) * raw->cap);
	}
	raw->user[raw->n] = user;
	raw->item[raw->n] = item;
	raw->time[raw->n] = time;
	if (raw->weight)
		raw->weight[raw->n] = weight;
	raw->n++;
}

/* Order event positions by time, then by position (read order) */
static int
CompareEventTime(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	if (sort_times[x] < sort_times[y])
		return -1;
	if (sort_times[x] > sort_times[y])
		return 1;
	return (x > y) - (x < y);
}

/* Build the CSR, each user's events oldest first, ties in read order */
static void
BuildUserCsr(RecDataset *ds, const RawEvents *raw)
{
	int64	   *next = palloc0(sizeof(int64) * (ds->n_users + 1));
	int64	   *order = palloc_extended(sizeof(int64) * Max(raw->n, 1), MCXT_ALLOC_HUGE);
	int64		e;
	int			u;

	ds->user_off = palloc0(sizeof(int64) * (ds->n_users + 1));
	for (e = 0; e < raw->n; e++)
		ds->user_off[raw->user[e] + 1]++;
	for (u = 0; u < ds->n_users; u++)
		ds->user_off[u + 1] += ds->user_off[u];
	memcpy(next, ds->user_off, sizeof(int64) * ds->n_users);
	for (e = 0; e < raw->n; e++)
		order[next[raw->user[e]]++] = e;

	sort_times = raw->time;
	for (u = 0; u < ds->n_users; u++)
	{
		CHECK_FOR_INTERRUPTS();
		qsort(order + ds->user_off[u], ds->user_off[u + 1] - ds->user_off[u],
			  sizeof(int64), CompareEventTime);
	}

	ds->ev_item = palloc_extended(sizeof(int32) * Max(raw->n, 1), MCXT_ALLOC_HUGE);
	ds->ev_time = palloc_extended(sizeof(float8) * Max(raw->n, 1), MCXT_ALLOC_HUGE);
	ds->ev_weight = raw->weight ?
		palloc_extended(sizeof(float) * Max(raw->n, 1), MCXT_ALLOC_HUGE) : NULL;
	for (e = 0; e < raw->n; e++)
	{
		ds->ev_item[e] = raw->item[order[e]];
		ds->ev_time[e] = raw->time[order[e]];
		if (ds->ev_weight)
			ds->ev_weight[e] = raw->weight[order[e]];
	}
	pfree(order);
	pfree(next);
}

/* Read the items relation: add items without events, and every item's categories */
static void
LoadItems(RecDataset *ds, const RecBinding *b, HTAB *item_map, int *item_cap)
{
	StringInfoData sql;
	Portal		portal;
	HTAB	   *cat_map;
	HASHCTL		ctl;
	int32	   *pair_item;
	int32	   *pair_cat;
	int64		n_pairs = 0;
	int64		pair_cap = 1024;
	int			cat_cap = 64;
	float8	   *created_at;
	int			created_cap;
	int64		i;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s, %s, %s FROM %s WHERE %s IS NOT NULL",
					 IdExpr(b->items_id_col, b->item_kind),
					 b->categories_col ? psprintf("%s::text[]", quote_identifier(b->categories_col)) :
					 "NULL::text[]",
					 b->created_at_col ?
					 psprintf("extract(epoch from %s)::float8", quote_identifier(b->created_at_col)) :
					 "NULL::float8",
					 RecRelationName(b->items, b->group),
					 quote_identifier(b->items_id_col));

	ctl.keysize = CATEGORY_KEY_LEN;
	ctl.entrysize = sizeof(CategoryEntry);
	ctl.hcxt = CurrentMemoryContext;
	cat_map = hash_create("rec categories", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	ds->category_names = palloc(sizeof(char *) * cat_cap);
	created_cap = ds->n_items;
	created_at = palloc(sizeof(float8) * Max(created_cap, 1));
	for (i = 0; i < created_cap; i++)
		created_at[i] = NAN;
	pair_item = palloc(sizeof(int32) * pair_cap);
	pair_cat = palloc(sizeof(int32) * pair_cap);

	portal = SPI_cursor_open_with_args(NULL, sql.data, 0, NULL, NULL, NULL, true, 0);
	for (;;)
	{
		uint64		r;

		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			bool		no_time;
			Datum		created = SPI_getbinval(tuple, desc, 3, &no_time);
			Datum		cats = SPI_getbinval(tuple, desc, 2, &isnull);
			int32		idx = InternColumn(tuple, desc, 1, ds->item_keys, item_map, &ds->item_ids,
										   &ds->n_items, item_cap, "item", b->group);
			Datum	   *elems;
			bool	   *nulls;
			int			nelems;
			int			c;

			if (idx >= created_cap)
			{
				int			old = created_cap;

				created_cap = Max(*item_cap, idx + 1);
				created_at = repalloc(created_at, sizeof(float8) * created_cap);
				for (c = old; c < created_cap; c++)
					created_at[c] = NAN;
			}
			if (!no_time)
				created_at[idx] = DatumGetFloat8(created);
			if (isnull)
				continue;
			deconstruct_array(DatumGetArrayTypeP(cats), TEXTOID, -1, false, TYPALIGN_INT,
							  &elems, &nulls, &nelems);
			for (c = 0; c < nelems; c++)
			{
				char		key[CATEGORY_KEY_LEN];
				CategoryEntry *e;
				bool		found;

				if (nulls[c])
					continue;
				strlcpy(key, TextDatumGetCString(elems[c]), CATEGORY_KEY_LEN);
				e = hash_search(cat_map, key, HASH_ENTER, &found);
				if (!found)
				{
					if (ds->n_categories >= cat_cap)
					{
						cat_cap *= 2;
						ds->category_names = repalloc(ds->category_names, sizeof(char *) * cat_cap);
					}
					e->idx = ds->n_categories++;
					ds->category_names[e->idx] = pstrdup(key);
				}
				if (n_pairs >= pair_cap)
				{
					pair_cap *= 2;
					pair_item = repalloc_huge(pair_item, sizeof(int32) * pair_cap);
					pair_cat = repalloc_huge(pair_cat, sizeof(int32) * pair_cap);
				}
				pair_item[n_pairs] = idx;
				pair_cat[n_pairs] = e->idx;
				n_pairs++;
			}
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	ds->item_created = created_at;
	if (created_cap < ds->n_items)
	{
		ds->item_created = repalloc(created_at, sizeof(float8) * ds->n_items);
		for (i = created_cap; i < ds->n_items; i++)
			ds->item_created[i] = NAN;
	}

	/* item -> categories CSR; an item listed twice keeps every category once per listing */
	ds->cat_off = palloc0(sizeof(int32) * (ds->n_items + 1));
	ds->cat_idx = palloc(sizeof(int32) * Max(n_pairs, 1));
	for (i = 0; i < n_pairs; i++)
		ds->cat_off[pair_item[i] + 1]++;
	for (i = 0; i < ds->n_items; i++)
		ds->cat_off[i + 1] += ds->cat_off[i];
	{
		int32	   *next = palloc(sizeof(int32) * (ds->n_items + 1));

		memcpy(next, ds->cat_off, sizeof(int32) * (ds->n_items + 1));
		for (i = 0; i < n_pairs; i++)
			ds->cat_idx[next[pair_item[i]]++] = pair_cat[i];
		pfree(next);
	}
	pfree(pair_item);
	pfree(pair_cat);
}

/*
 * Give a dataset its items' metadata: from the items relation when asked
 * and bound (which also adds items without events), else no categories and
 * unknown creation times.
 */
static void
FinishItems(RecDataset *ds, const RecBinding *b, bool with_items, HTAB *item_map, int *item_cap)
{
	int			i;

	if (with_items && OidIsValid(b->items))
	{
		LoadItems(ds, b, item_map, item_cap);
		return;
	}
	ds->cat_off = palloc0(sizeof(int32) * (ds->n_items + 1));
	ds->cat_idx = palloc(sizeof(int32));
	ds->item_created = palloc(sizeof(float8) * Max(ds->n_items, 1));
	for (i = 0; i < ds->n_items; i++)
		ds->item_created[i] = NAN;
}

/*
 * Error if event_weights names an event type that no interaction of the
 * group has (a misspelling would otherwise weigh nothing, in silence), and
 * name the types the interactions have.  One EXISTS per named type: cheap
 * for a type that occurs; a full scan only on the way to the error.
 */
static void
CheckEventTypes(const RecBinding *b)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1];
	const char *rel = RecRelationName(b->interactions, b->group);
	const char *col = quote_identifier(b->event_type_col);
	StringInfoData missing;
	StringInfoData present;
	uint64		n_missing;
	uint64		i;

	args[0] = DirectFunctionCall1(jsonb_in, CStringGetDatum(b->event_weights));
	if (SPI_execute_with_args(psprintf("SELECT k FROM pg_catalog.jsonb_object_keys($1) k"
									   " WHERE NOT EXISTS (SELECT FROM %s e"
									   "   WHERE e.%s::text OPERATOR(pg_catalog.=) k) ORDER BY k",
									   rel, col),
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "checking event_weights failed");
	if (SPI_processed == 0)
		return;
	n_missing = SPI_processed;
	initStringInfo(&missing);
	for (i = 0; i < SPI_processed; i++)
		appendStringInfo(&missing, "%s\"%s\"", i > 0 ? ", " : "",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	if (SPI_execute(psprintf("SELECT DISTINCT e.%s::text FROM %s e WHERE e.%s IS NOT NULL ORDER BY 1 LIMIT 21",
							 col, rel, col), true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading event types failed");
	initStringInfo(&present);
	for (i = 0; i < SPI_processed && i < 20; i++)
		appendStringInfo(&present, "%s\"%s\"", i > 0 ? ", " : "",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	if (SPI_processed > 20)
		appendStringInfoString(&present, ", ...");
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("event_weights names event %s %s, which dataset group \"%s\" has no events of",
					n_missing > 1 ? "types" : "type", missing.data, b->group),
			 SPI_processed > 0 ?
			 errdetail("Its interactions have the event types %s.", present.data) :
			 errdetail("Its interactions have no event type."),
			 errhint("Correct the spelling; a type with no events yet cannot be weighed, so leave it out until it has some.")));
}

/*
 * Read a dataset group: every interaction (optionally of one event type, or
 * of some users only) in one cursor pass, then the items relation if asked
 * and the group has one.  An event dated after now() counts as happening
 * now (with a notice), so that one wrong clock cannot become the training's
 * "newest event" that new items are dated against.
 */
RecDataset *
RecLoadDataset(const RecBinding *b, const char *event_type, ArrayType *only_users,
			   bool with_items)
{
	RecDataset *ds = palloc0(sizeof(RecDataset));
	StringInfoData sql;
	HTAB	   *user_map = CreateIdMap("rec users");
	HTAB	   *item_map = CreateIdMap("rec items");
	int			user_cap = 1024;
	int			item_cap = 1024;
	RawEvents	raw;
	Portal		portal;
	Oid			argtypes[4];
	Datum		args[4];
	int			nargs = 0;
	float8		now;
	int64		n_future = 0;
	char	   *weight_expr = "1::float4";

	initStringInfo(&sql);
	ds->user_kind = b->user_kind;
	ds->item_kind = b->item_kind;
	if (b->user_kind != REC_KEY_INT)
	{
		ds->user_keys = palloc(sizeof(RecKeyList));
		RecKeyListInit(ds->user_keys);
	}
	if (b->item_kind != REC_KEY_INT)
	{
		ds->item_keys = palloc(sizeof(RecKeyList));
		RecKeyListInit(ds->item_keys);
	}
	if (b->event_weights)
	{
		RecCheckEventColumns(b);
		if (only_users == NULL)
			CheckEventTypes(b);
		argtypes[nargs] = JSONBOID;
		args[nargs++] = DirectFunctionCall1(jsonb_in, CStringGetDatum(b->event_weights));
		weight_expr = RecEventWeightExpr(b, nargs);
	}
	appendStringInfo(&sql, "SELECT %s, %s, %s, %s FROM %s WHERE %s IS NOT NULL AND %s IS NOT NULL AND %s IS NOT NULL",
					 IdExpr(b->user_col, b->user_kind), IdExpr(b->item_col, b->item_kind),
					 RecTimeExpr(b), weight_expr, RecRelationName(b->interactions, b->group),
					 quote_identifier(b->user_col), quote_identifier(b->item_col),
					 quote_identifier(b->ts_col));
	if (b->event_weights)
		appendStringInfo(&sql, " AND %s OPERATOR(pg_catalog.>) 0", weight_expr);
	if (!isnan(b->value_threshold))
	{
		RecCheckEventColumns(b);
		argtypes[nargs] = FLOAT8OID;
		args[nargs++] = Float8GetDatum(b->value_threshold);
		appendStringInfo(&sql, " AND %s::float8 OPERATOR(pg_catalog.>=) $%d",
						 quote_identifier(b->event_value_col), nargs);
	}
	if (event_type)
	{
		if (b->event_type_col == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("dataset group \"%s\" has no event type column", b->group),
					 errhint("Train without the event_type parameter.")));
		argtypes[nargs] = TEXTOID;
		args[nargs++] = CStringGetTextDatum(event_type);
		appendStringInfo(&sql, " AND %s OPERATOR(pg_catalog.=) $%d",
						 quote_identifier(b->event_type_col), nargs);
	}
	if (only_users)
	{
		argtypes[nargs] = INT8ARRAYOID;
		args[nargs++] = PointerGetDatum(only_users);
		/* the users' internal ids: a text or uuid user by its key's hash */
		appendStringInfo(&sql, b->user_kind == REC_KEY_INT ?
						 " AND %s OPERATOR(pg_catalog.=) ANY($%d)" :
						 " AND rec.key_id(%s::text) OPERATOR(pg_catalog.=) ANY($%d)",
						 quote_identifier(b->user_col), nargs);
	}

	ds->user_ids = palloc(sizeof(int64) * user_cap);
	ds->item_ids = palloc(sizeof(int64) * item_cap);
	raw.n = 0;
	raw.cap = 65536;
	raw.user = palloc(sizeof(int32) * raw.cap);
	raw.item = palloc(sizeof(int32) * raw.cap);
	raw.time = palloc(sizeof(float8) * raw.cap);
	raw.weight = b->event_weights ? palloc(sizeof(float) * raw.cap) : NULL;
	ds->max_time = -INFINITY;
	now = (float8) GetCurrentTransactionStartTimestamp() / USECS_PER_SEC +
		((float8) POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;

	portal = SPI_cursor_open_with_args(NULL, sql.data, nargs, argtypes, args, NULL, true, 0);
	for (;;)
	{
		uint64		r;

		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			float8		time = DatumGetFloat8(SPI_getbinval(tuple, desc, 3, &isnull));

			if (time > now)
			{
				time = now;
				n_future++;
			}
			AppendEvent(&raw,
						InternColumn(tuple, desc, 1, ds->user_keys, user_map, &ds->user_ids,
									 &ds->n_users, &user_cap, "user", b->group),
						InternColumn(tuple, desc, 2, ds->item_keys, item_map, &ds->item_ids,
									 &ds->n_items, &item_cap, "item", b->group),
						time, DatumGetFloat4(SPI_getbinval(tuple, desc, 4, &isnull)));
			if (time > ds->max_time)
				ds->max_time = time;
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	if (n_future > 0)
		ereport(NOTICE,
				(errmsg_plural("%lld event of dataset group \"%s\" is dated after now() and is trained as if it happened now",
							   "%lld events of dataset group \"%s\" are dated after now() and are trained as if they happened now",
							   n_future, (long long) n_future, b->group)));

	ds->n_events = raw.n;
	ds->n_warm = ds->n_items;
	BuildUserCsr(ds, &raw);
	pfree(raw.user);
	pfree(raw.item);
	pfree(raw.time);
	if (raw.weight)
		pfree(raw.weight);

	FinishItems(ds, b, with_items, item_map, &item_cap);
	hash_destroy(user_map);
	hash_destroy(item_map);
	return ds;
}

/*
 * Copy a dataset keeping only some users, and of each kept user only its
 * oldest keep_upto[u] events (all when keep_upto is NULL).  Item indices and
 * metadata are shared with the original.
 */
RecDataset *
RecSubsetUsers(const RecDataset *ds, const bool *keep_user, const int64 *keep_upto)
{
	RecDataset *sub = palloc(sizeof(RecDataset));
	int64		n_events = 0;
	int			u;

	*sub = *ds;
	sub->user_keys = NULL;		/* indexed by the original users */
	sub->n_users = 0;
	for (u = 0; u < ds->n_users; u++)
		if (keep_user[u])
		{
			sub->n_users++;
			n_events += keep_upto ? keep_upto[u] : ds->user_off[u + 1] - ds->user_off[u];
		}
	sub->user_ids = palloc(sizeof(int64) * Max(sub->n_users, 1));
	sub->user_off = palloc(sizeof(int64) * (sub->n_users + 1));
	sub->ev_item = palloc_extended(sizeof(int32) * Max(n_events, 1), MCXT_ALLOC_HUGE);
	sub->ev_time = palloc_extended(sizeof(float8) * Max(n_events, 1), MCXT_ALLOC_HUGE);
	sub->ev_weight = ds->ev_weight ?
		palloc_extended(sizeof(float) * Max(n_events, 1), MCXT_ALLOC_HUGE) : NULL;
	sub->n_events = n_events;
	sub->n_users = 0;
	sub->user_off[0] = 0;
	for (u = 0; u < ds->n_users; u++)
	{
		int64		len;
		int64		at;

		if (!keep_user[u])
			continue;
		len = keep_upto ? keep_upto[u] : ds->user_off[u + 1] - ds->user_off[u];
		at = sub->user_off[sub->n_users];
		memcpy(sub->ev_item + at, ds->ev_item + ds->user_off[u], sizeof(int32) * len);
		memcpy(sub->ev_time + at, ds->ev_time + ds->user_off[u], sizeof(float8) * len);
		if (ds->ev_weight)
			memcpy(sub->ev_weight + at, ds->ev_weight + ds->user_off[u], sizeof(float) * len);
		sub->user_ids[sub->n_users] = ds->user_ids[u];
		sub->user_off[++sub->n_users] = at + len;
	}
	return sub;
}

/*
 * Return the distinct items of user u, in first-event order, in a new array.
 * mark[] (one slot per item) must hold no value equal to stamp on entry.
 */
int32 *
RecUniqueUserItems(const RecDataset *ds, int u, int32 *mark, int32 stamp, int *n)
{
	int64		len = ds->user_off[u + 1] - ds->user_off[u];
	int32	   *out = palloc(sizeof(int32) * Max(len, 1));
	int64		e;

	*n = 0;
	for (e = ds->user_off[u]; e < ds->user_off[u + 1]; e++)
	{
		int32		item = ds->ev_item[e];

		if (mark[item] != stamp)
		{
			mark[item] = stamp;
			out[(*n)++] = item;
		}
	}
	return out;
}

/*
 * Fill out[j] with the weight of user u's distinct item items[j]: the
 * largest weight of the user's events on it (1 for all when the dataset has
 * no event weights).  scratch (one slot per item) must be all 0 on entry and
 * is left so.
 */
void
RecUserItemWeights(const RecDataset *ds, int u, const int32 *items, int n, float *scratch,
				   float *out)
{
	int64		e;
	int			j;

	if (ds->ev_weight == NULL)
	{
		for (j = 0; j < n; j++)
			out[j] = 1.0f;
		return;
	}
	for (e = ds->user_off[u]; e < ds->user_off[u + 1]; e++)
		scratch[ds->ev_item[e]] = Max(scratch[ds->ev_item[e]], ds->ev_weight[e]);
	for (j = 0; j < n; j++)
		out[j] = scratch[items[j]];
	for (e = ds->user_off[u]; e < ds->user_off[u + 1]; e++)
		scratch[ds->ev_item[e]] = 0;
}

/* Error unless a dataset group has the event type and value columns its version's events need */
void
RecCheckEventColumns(const RecBinding *b)
{
	if (b->event_weights && b->event_type_col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dataset group \"%s\" has no event type column", b->group),
				 errhint("Train without the event_weights parameter, or map an event_type column.")));
	if (!isnan(b->value_threshold) && b->event_value_col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dataset group \"%s\" has no event value column", b->group),
				 errhint("Train without the event_value_threshold parameter, or map an event_value column.")));
}

/*
 * Return the SQL expression of an event's weight: its type's weight in the
 * jsonb parameter $param, 1 for a type the weights do not name.
 */
char *
RecEventWeightExpr(const RecBinding *b, int param)
{
	return psprintf("COALESCE(($%d OPERATOR(pg_catalog.->>) %s::text)::float4, 1::float4)",
					param, quote_identifier(b->event_type_col));
}

/* Open-addressing map of item ids for RecDatasetFromEvents: one probe per event */
typedef struct ItemSlot
{
	int64		id;				/* external item id, the key */
	int32		idx;			/* dense index */
	char		status;			/* simplehash's slot status */
} ItemSlot;

/* Mix an item id into a 32-bit hash (MurmurHash3's 64-bit finalizer) */
static inline uint32
HashItemId(int64 id)
{
	uint64		h = (uint64) id;

	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64CONST(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (uint32) h;
}

#define SH_PREFIX itemmap
#define SH_ELEMENT_TYPE ItemSlot
#define SH_KEY_TYPE int64
#define SH_KEY id
#define SH_HASH_KEY(tb, key) HashItemId(key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Error unless a group's user and item ids are integers, as event collections hold */
static void
RequireIntegerIds(const RecBinding *b)
{
	if (b->user_kind != REC_KEY_INT || b->item_kind != REC_KEY_INT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("event collections of dataset group \"%s\" need integer user and item ids", b->group),
				 errhint("Train a group with text, varchar or uuid ids with rec.train() on one server.")));
}

/*
 * Build the query that collects a dataset group's events (optionally of one
 * event type) with the parallel-safe aggregate rec.collect_events; fill its
 * parameters.  Rows with a null user, item or time are left out, as by
 * RecLoadDataset.
 */
char *
RecCollectEventsQuery(const RecBinding *b, const char *event_type, int *nargs,
					  Oid *argtypes, Datum *args)
{
	StringInfoData sql;

	RequireIntegerIds(b);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT rec.collect_events(%s::int8, %s::int8, %s) FROM %s"
					 " WHERE %s IS NOT NULL AND %s IS NOT NULL AND %s IS NOT NULL",
					 quote_identifier(b->user_col), quote_identifier(b->item_col),
					 RecTimeExpr(b), RecRelationName(b->interactions, b->group),
					 quote_identifier(b->user_col), quote_identifier(b->item_col),
					 quote_identifier(b->ts_col));
	*nargs = 0;
	if (event_type)
	{
		if (b->event_type_col == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("dataset group \"%s\" has no event type column", b->group),
					 errhint("Train without the event_type parameter.")));
		argtypes[*nargs] = TEXTOID;
		args[(*nargs)++] = CStringGetTextDatum(event_type);
		appendStringInfo(&sql, " AND %s OPERATOR(pg_catalog.=) $%d",
						 quote_identifier(b->event_type_col), *nargs);
	}
	return sql.data;
}

/*
 * rec.dataset_events(dataset_group, event_type) returns a group's events
 * (optionally of one event type) as one event collection, read with
 * rec.collect_events (in parallel when the planner chooses): what a shard
 * sends to the server that trains.
 */
Datum
rec_dataset_events(PG_FUNCTION_ARGS)
{
	char	   *group = PG_ARGISNULL(0) ? "default" : text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *event_type = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	MemoryContext caller = CurrentMemoryContext;
	RecBinding	binding;
	Oid			argtypes[1];
	Datum		args[1];
	int			nargs;
	char	   *sql;
	bool		isnull;
	Datum		value;
	bytea	   *result;
	int			ret;

	SPI_connect();
	RecLookupDatasetGroup(group, &binding);
	sql = RecCollectEventsQuery(&binding, event_type, &nargs, argtypes, args);
	ret = SPI_execute_with_args(sql, nargs, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "collecting the interactions failed: %s", SPI_result_code_string(ret));
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	MemoryContextSwitchTo(caller);
	result = (bytea *) PG_DETOAST_DATUM_COPY(value);
	SPI_finish();
	PG_RETURN_BYTEA_P(result);
}

/*
 * Build a dataset from collected events, in canonical order: users by id,
 * each user's events by time then item id, items numbered in order of first
 * appearance in that order.  The dataset, and so the model, depends only on
 * the events, never on the order in which they were read; for a relation
 * stored in that order it equals RecLoadDataset's.  Events dated after now()
 * count as happening now, as in RecLoadDataset.  The event set is consumed.
 */
RecDataset *
RecDatasetFromEvents(RecEventSet *set, const RecBinding *b, bool with_items)
{
	RecDataset *ds = palloc0(sizeof(RecDataset));
	HTAB	   *item_map;
	itemmap_hash *items = itemmap_create(CurrentMemoryContext, 1024, NULL);
	int			item_cap = 1024;
	int			user_cap;
	float8		now;
	int64		n_future = 0;
	int64		e;
	RecEvent   *ev;

	RequireIntegerIds(b);
	now = (float8) GetCurrentTransactionStartTimestamp() / USECS_PER_SEC +
		((float8) POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	for (e = 0; e < set->n; e++)
		if (set->ev[e].time > now)
		{
			set->ev[e].time = now;
			set->sorted = false;
			n_future++;
		}
	if (n_future > 0)
		ereport(NOTICE,
				(errmsg_plural("%lld event of dataset group \"%s\" is dated after now() and is trained as if it happened now",
							   "%lld events of dataset group \"%s\" are dated after now() and are trained as if they happened now",
							   n_future, (long long) n_future, b->group)));
	RecEventSetSort(set);
	ev = set->ev;

	RecCheckMemory((double) set->n * (sizeof(int32) + sizeof(float8)), "reading the interactions");
	ds->n_events = set->n;
	ds->ev_item = palloc_extended(sizeof(int32) * Max(set->n, 1), MCXT_ALLOC_HUGE);
	ds->ev_time = palloc_extended(sizeof(float8) * Max(set->n, 1), MCXT_ALLOC_HUGE);
	user_cap = 1024;
	ds->user_ids = palloc(sizeof(int64) * user_cap);
	ds->user_off = palloc(sizeof(int64) * (user_cap + 1));
	ds->item_ids = palloc(sizeof(int64) * item_cap);
	ds->max_time = -INFINITY;
	for (e = 0; e < set->n; e++)
	{
		if ((e & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (e == 0 || ev[e].user != ev[e - 1].user)
		{
			if (ds->n_users >= user_cap)
			{
				user_cap *= 2;
				ds->user_ids = repalloc_huge(ds->user_ids, sizeof(int64) * user_cap);
				ds->user_off = repalloc_huge(ds->user_off, sizeof(int64) * (user_cap + 1));
			}
			ds->user_ids[ds->n_users] = ev[e].user;
			ds->user_off[ds->n_users++] = e;
		}
		{
			bool		found;
			ItemSlot   *slot = itemmap_insert(items, ev[e].item, &found);

			if (!found)
			{
				if (ds->n_items >= item_cap)
				{
					item_cap *= 2;
					ds->item_ids = repalloc_huge(ds->item_ids, sizeof(int64) * (Size) item_cap);
				}
				slot->idx = ds->n_items;
				ds->item_ids[ds->n_items++] = ev[e].item;
			}
			ds->ev_item[e] = slot->idx;
		}
		ds->ev_time[e] = ev[e].time;
		if (ev[e].time > ds->max_time)
			ds->max_time = ev[e].time;
	}
	ds->user_off[ds->n_users] = set->n;
	ds->n_warm = ds->n_items;
	if (set->ev)
		pfree(set->ev);
	set->ev = NULL;
	set->n = 0;
	itemmap_destroy(items);

	/* the id map LoadItems extends with items known only from metadata */
	item_map = CreateIdMap("rec items");
	for (e = 0; e < ds->n_items; e++)
	{
		bool		found;
		IdEntry    *entry = hash_search(item_map, &ds->item_ids[e], HASH_ENTER, &found);

		entry->idx = (int32) e;
	}

	FinishItems(ds, b, with_items, item_map, &item_cap);
	hash_destroy(item_map);
	return ds;
}
