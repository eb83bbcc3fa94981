/*
 * evaluate.c
 *	  rec.holdout_recommend: each holdout user's recommendations "as of" the
 *	  holdout, each row marked relevant or not, for rec.evaluate and the
 *	  metric aggregates.
 *
 * When the holdout's rows are also in the interactions (events logged after
 * training, the usual case), scoring from the full current history would
 * treat the holdout items as seen: excluded, never hit, every metric 0.  So
 * by default each user's events on that user's holdout items are left out of
 * the history; with a time column, the history also ends at the user's
 * first holdout event: later events are left out, events at the same time
 * stay (a split that breaks ties by order put them in training).  The
 * history so filtered is what is scored and what counts as seen.  A NOTICE (a WARNING when the holdout rows are kept) says
 * how many holdout (user, item) pairs were found in the interactions.
 */
#include "rec.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "dataset.h"
#include "keys.h"
#include "model.h"
#include "score.h"
#include "topk.h"

#define EVAL_BLOCK 256
#define FETCH_ROWS 10000

/* One (user, item) pair of the holdout, with its earliest time */
typedef struct HoldoutPair
{
	int64		user_id;
	int64		item_id;
	float8		ts;				/* epoch seconds; +inf when unknown */
} HoldoutPair;

/* One holdout user: a run of pairs in (user, item) order */
typedef struct HoldoutUser
{
	int64		user_id;
	int64		first;			/* index of its first pair */
	int32		n;				/* its distinct items */
	float8		cut;			/* first holdout time; +inf when unknown */
	int			ds_user;		/* dataset index, -1 without events */
} HoldoutUser;

/* Order holdout pairs by user, then item */
static int
ComparePair(const void *a, const void *b)
{
	const HoldoutPair *x = (const HoldoutPair *) a;
	const HoldoutPair *y = (const HoldoutPair *) b;

	if (x->user_id != y->user_id)
		return (x->user_id > y->user_id) - (x->user_id < y->user_id);
	return (x->item_id > y->item_id) - (x->item_id < y->item_id);
}

/* Order int64 pairs (id, index) by id */
static int
CompareIdIndex(const void *a, const void *b)
{
	int64		x = ((const int64 *) a)[0];
	int64		y = ((const int64 *) b)[0];

	return (x > y) - (x < y);
}

/* Return a holdout column's attribute number, or an error naming the argument */
static AttrNumber
HoldoutColumn(Oid relid, const char *relname, const char *col, const char *hint)
{
	AttrNumber	att = get_attnum(relid, col);

	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("relation %s has no column \"%s\"", relname, col),
				 errhint("%s", hint)));
	return att;
}

/* Return an SQL expression of the holdout's time column in epoch seconds */
static char *
HoldoutTimeExpr(Oid relid, const char *relname, const char *col)
{
	AttrNumber	att = HoldoutColumn(relid, relname, col,
									"Name the holdout's time column with ts_column =>.");
	Oid			type = get_atttype(relid, att);

	switch (type)
	{
		case TIMESTAMPTZOID:
		case TIMESTAMPOID:
		case DATEOID:
			return psprintf("extract(epoch from %s)::float8", quote_identifier(col));
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			return psprintf("%s::float8", quote_identifier(col));
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("ts_column \"%s\" has type %s, not a time", col, format_type_be(type)),
					 errhint("Give a timestamptz, timestamp or date column, or epoch seconds.")));
	}
	return NULL;				/* keep the compiler quiet */
}

/*
 * Read the holdout's (user, item[, time]) rows without NULL ids, sorted by
 * (user, item), duplicates merged keeping the earliest time.
 */
static HoldoutPair *
ReadHoldout(const char *sql, bool with_ts, int64 *n_out)
{
	Size		cap = 65536;
	int64		n = 0;
	int64		m = 0;
	HoldoutPair *pairs = palloc_extended(sizeof(HoldoutPair) * cap, MCXT_ALLOC_HUGE);
	Portal		portal = SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true, 0);

	for (;;)
	{
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			float8		ts = INFINITY;

			if (n == (int64) cap)
			{
				cap = mul_size(cap, 2);
				pairs = repalloc_huge(pairs, mul_size(sizeof(HoldoutPair), cap));
			}
			pairs[n].user_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
			pairs[n].item_id = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
			if (with_ts)
			{
				Datum		d = SPI_getbinval(tuple, desc, 3, &isnull);

				if (!isnull && !isnan(DatumGetFloat8(d)))
					ts = DatumGetFloat8(d);
			}
			pairs[n].ts = ts;
			n++;
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);

	qsort(pairs, n, sizeof(HoldoutPair), ComparePair);
	for (int64 i = 0; i < n; i++)
	{
		if (m > 0 && pairs[m - 1].user_id == pairs[i].user_id &&
			pairs[m - 1].item_id == pairs[i].item_id)
			pairs[m - 1].ts = Min(pairs[m - 1].ts, pairs[i].ts);
		else
			pairs[m++] = pairs[i];
	}
	*n_out = m;
	return pairs;
}

/* Return the index of item among a user's sorted holdout items, or -1 */
static int32
FindItem(const HoldoutPair *pairs, const HoldoutUser *hu, int64 item_id)
{
	int32		lo = 0;
	int32		hi = hu->n - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		int64		v = pairs[hu->first + mid].item_id;

		if (v == item_id)
			return mid;
		if (v < item_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * Build a holdout user's history as of the holdout: its events, oldest
 * first, without those on its holdout items (when exclude) and without those
 * after its first holdout time; the newest rec.max_history of them, in
 * model indices.  Mark in found the holdout items met among all its events.
 */
static void
AsOfHistory(const RecDataset *ds, const int32 *to_model, const HoldoutPair *pairs,
			const HoldoutUser *hu, bool exclude, bool *found, RecHistory *h)
{
	int64		from = 0;
	int64		to = 0;
	int			n = 0;
	int			start;

	if (hu->ds_user >= 0)
	{
		from = ds->user_off[hu->ds_user];
		to = ds->user_off[hu->ds_user + 1];
	}
	h->items = palloc(sizeof(int32) * Max(to - from, 1));
	h->times = palloc(sizeof(float8) * Max(to - from, 1));
	h->weights = ds->ev_weight ? palloc(sizeof(float) * Max(to - from, 1)) : NULL;
	h->in_context = NULL;
	for (int64 e = from; e < to; e++)
	{
		int32		at = FindItem(pairs, hu, ds->item_ids[ds->ev_item[e]]);

		if (at >= 0)
			found[hu->first + at] = true;
		if ((at >= 0 && exclude) || ds->ev_time[e] > hu->cut)
			continue;
		h->items[n] = to_model[ds->ev_item[e]];
		h->times[n] = ds->ev_time[e];
		if (h->weights)
			h->weights[n] = ds->ev_weight[e];
		n++;
	}
	/* keep the newest rec.max_history, as serving does */
	start = Max(0, n - rec_max_history);
	if (start > 0)
	{
		memmove(h->items, h->items + start, sizeof(int32) * (n - start));
		memmove(h->times, h->times + start, sizeof(float8) * (n - start));
		if (h->weights)
			memmove(h->weights, h->weights + start, sizeof(float) * (n - start));
	}
	h->n = n - start;
}

/* Return the holdout users as a bigint[] for RecLoadDataset */
static ArrayType *
UsersArray(const HoldoutUser *users, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	ArrayType  *arr;

	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(users[i].user_id);
	arr = construct_array(d, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(d);
	return arr;
}

/* Set each holdout user's dataset index (-1 for a user without events) */
static void
MatchUsers(const RecDataset *ds, HoldoutUser *users, int n)
{
	int64	   *by_id = palloc(sizeof(int64) * 2 * Max(ds->n_users, 1));

	for (int u = 0; u < ds->n_users; u++)
	{
		by_id[2 * u] = ds->user_ids[u];
		by_id[2 * u + 1] = u;
	}
	qsort(by_id, ds->n_users, sizeof(int64) * 2, CompareIdIndex);
	for (int i = 0; i < n; i++)
	{
		int64		key[2] = {users[i].user_id, 0};
		int64	   *hit = bsearch(key, by_id, ds->n_users, sizeof(int64) * 2, CompareIdIndex);

		users[i].ds_user = hit ? (int) hit[1] : -1;
	}
	pfree(by_id);
}

/*
 * Say how many holdout pairs are also in the interactions, and what that
 * means: once per statement for the same figures, so that evaluating several
 * campaigns against one holdout (a LATERAL over campaigns) says it once.
 */
static void
ReportOverlap(int64 n_found, int64 n_pairs, bool exclude, bool with_ts)
{
	static TimestampTz said_at = 0;
	static int64 said_found = -1;
	static int64 said_pairs = -1;
	static bool said_exclude = false;

	if (n_found == 0)
		return;
	if (said_at == GetCurrentStatementStartTimestamp() && said_found == n_found &&
		said_pairs == n_pairs && said_exclude == exclude)
		return;
	said_at = GetCurrentStatementStartTimestamp();
	said_found = n_found;
	said_pairs = n_pairs;
	said_exclude = exclude;
	if (exclude)
		ereport(NOTICE,
				(errmsg("%lld of the holdout's %lld (user, item) pairs are also in the interactions",
						(long long) n_found, (long long) n_pairs),
				 with_ts ?
				 errdetail("They are left out of each user's history, which ends at the user's first holdout event, so they can be recommended and hit.") :
				 errdetail("They are left out of each user's history, so they can be recommended and hit.")));
	else
		ereport(WARNING,
				(errmsg("%lld of the holdout's %lld (user, item) pairs are also in the interactions",
						(long long) n_found, (long long) n_pairs),
				 errdetail("They count as seen and are never recommended, so they cannot be hit."),
				 errhint("Leave exclude_holdout at true to score as of the holdout.")));
}

/* A text or uuid holdout user's key, by its internal id */
typedef struct UserKey
{
	int64		id;
	char	   *key;
} UserKey;

static int
CompareUserKey(const void *a, const void *b)
{
	int64		x = ((const UserKey *) a)->id;
	int64		y = ((const UserKey *) b)->id;

	return (x > y) - (x < y);
}

/* Read the distinct user keys of a holdout, sorted by internal id */
static UserKey *
ReadUserKeys(const char *relname, const char *user_col, int *n)
{
	UserKey    *keys;
	uint64		r;

	if (SPI_execute(psprintf("SELECT DISTINCT %s::text FROM %s WHERE %s IS NOT NULL",
							 quote_identifier(user_col), relname, quote_identifier(user_col)),
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading the holdout's users failed");
	*n = (int) SPI_processed;
	keys = palloc(sizeof(UserKey) * Max(*n, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		keys[r].key = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		keys[r].id = RecKeyHash(keys[r].key, strlen(keys[r].key));
	}
	qsort(keys, *n, sizeof(UserKey), CompareUserKey);
	return keys;
}

/* Return a holdout user as text: its key, or its integer id */
static Datum
UserText(const UserKey *keys, int n, int64 id)
{
	UserKey		probe;
	UserKey    *hit;

	if (keys == NULL)
		return CStringGetTextDatum(psprintf(INT64_FORMAT, id));
	probe.id = id;
	hit = bsearch(&probe, keys, n, sizeof(UserKey), CompareUserKey);
	return CStringGetTextDatum(hit ? hit->key : "");
}

PG_FUNCTION_INFO_V1(rec_holdout_recommend);

/*
 * rec.holdout_recommend(campaign, holdout, k, user_column, item_column,
 * ts_column, exclude_holdout) returns (user_id, rank, item_id, relevant,
 * n_relevant): the top k of every holdout user as of the holdout.  A user
 * with no recommendation gets one row with a NULL rank.  As
 * rec.holdout_recommend_text its ids are text: the users' and items' keys;
 * as holdout_recommend a text or uuid group's ids are their rec.key_id().
 */
Datum
rec_holdout_recommend(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	static const char *const argnames[] = {"campaign", "holdout", "k", "user_column",
	"item_column", "ts_column", "exclude_holdout"};
	Oid			relid;
	char	   *relname;
	int32		k;
	char	   *user_col;
	char	   *item_col;
	char	   *ts_expr = NULL;
	bool		exclude;
	const char *col_hint = "Name the holdout's columns with user_column => and item_column =>.";
	StringInfoData sql;
	HoldoutPair *pairs;
	int64		n_pairs;
	HoldoutUser *users;
	int			n_users = 0;
	bool	   *found;
	int64		n_found = 0;
	RecCampaignTarget target;
	RecModel   *m;
	RecDataset *ds;
	int32	   *to_model;
	RecHistory *hs;
	RecScored  *best;
	bool		as_text;
	UserKey    *user_keys = NULL;
	int			n_user_keys = 0;

	for (int i = 1; i < 7; i++)
		if (i != 5 && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", argnames[i])));
	relid = PG_GETARG_OID(1);
	k = PG_GETARG_INT32(2);
	RecCheckK(k);
	user_col = text_to_cstring(PG_GETARG_TEXT_PP(3));
	item_col = text_to_cstring(PG_GETARG_TEXT_PP(4));
	exclude = PG_GETARG_BOOL(6);

	relname = get_rel_name(relid);
	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	relname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), relname);
	HoldoutColumn(relid, relname, user_col, col_hint);
	HoldoutColumn(relid, relname, item_col, col_hint);
	if (!PG_ARGISNULL(5))
		ts_expr = HoldoutTimeExpr(relid, relname, text_to_cstring(PG_GETARG_TEXT_PP(5)));

	RecInitResultSet(fcinfo);
	as_text = (RecResultColumnType(fcinfo, 0) == TEXTOID);
	SPI_connect();
	RecResolveCampaign(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)), &target);
	m = RecGetModel(&target);
	RecCheckModelKeys(m, &target);
	if (m->serve.trend_window > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("campaign \"%s\" serves trending-now, which cannot be evaluated against a holdout",
						target.campaign),
				 errdetail("Its list is the trend at the group's newest event, not a list of each user's."),
				 errhint("Its offline metric is trend_prediction_accuracy, in rec.solution_metrics().")));

	/* the holdout, grouped by user */
	initStringInfo(&sql);
	/* text and uuid ids by their internal ids, which the dataset read and the model use too */
	appendStringInfo(&sql, "SELECT %s, %s%s%s FROM %s WHERE %s IS NOT NULL AND %s IS NOT NULL",
					 target.binding.user_kind == REC_KEY_INT ?
					 psprintf("%s::int8", quote_identifier(user_col)) :
					 psprintf("rec.key_id(%s::text)", quote_identifier(user_col)),
					 target.binding.item_kind == REC_KEY_INT ?
					 psprintf("%s::int8", quote_identifier(item_col)) :
					 psprintf("rec.key_id(%s::text)", quote_identifier(item_col)),
					 ts_expr ? ", " : "", ts_expr ? ts_expr : "", relname,
					 quote_identifier(user_col), quote_identifier(item_col));
	pairs = ReadHoldout(sql.data, ts_expr != NULL, &n_pairs);
	users = palloc_extended(sizeof(HoldoutUser) * Max(n_pairs, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < n_pairs; i++)
	{
		HoldoutUser *hu;

		if (n_users == 0 || users[n_users - 1].user_id != pairs[i].user_id)
		{
			hu = &users[n_users++];
			hu->user_id = pairs[i].user_id;
			hu->first = i;
			hu->n = 0;
			hu->cut = INFINITY;
		}
		hu = &users[n_users - 1];
		if (hu->n < PG_INT32_MAX)
			hu->n++;
		hu->cut = Min(hu->cut, pairs[i].ts);
	}
	found = palloc_extended(sizeof(bool) * Max(n_pairs, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	if (n_users == 0)
	{
		SPI_finish();
		return (Datum) 0;
	}

	/* their current histories, in one pass */
	ds = RecLoadDataset(&target.binding, NULL, UsersArray(users, n_users), false);
	MatchUsers(ds, users, n_users);
	to_model = RecDatasetToModel(ds, m);
	if (as_text && target.binding.user_kind != REC_KEY_INT)
		user_keys = ReadUserKeys(relname, user_col, &n_user_keys);

	hs = palloc(sizeof(RecHistory) * EVAL_BLOCK);
	best = palloc(sizeof(RecScored) * k);

	for (int start = 0; start < n_users; start += EVAL_BLOCK)
	{
		int			nb = Min(EVAL_BLOCK, n_users - start);
		RecBlock	block;

		CHECK_FOR_INTERRUPTS();
		for (int b = 0; b < nb; b++)
			AsOfHistory(ds, to_model, pairs, &users[start + b], exclude, found, &hs[b]);
		RecScoreBlock(m, hs, nb, &block);

		for (int b = 0; b < nb; b++)
		{
			HoldoutUser *hu = &users[start + b];
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};
			RecScores	s;
			int			fill_start;
			int			fill_end;
			int			n_best;

			/* the list recommend() would serve */
			RecScoreHistory(m, &hs[b], RecBlockRow(&block, b), NULL, &s, NULL);
			for (int j = 0; j < hs[b].n; j++)
				RecExclude(hs[b].items[j]);
			n_best = RecListTopK(&s, NULL, 0, k, best, &fill_start, &fill_end);

			values[0] = as_text ? UserText(user_keys, n_user_keys, hu->user_id) :
				Int64GetDatum(hu->user_id);
			values[4] = Int32GetDatum(hu->n);
			for (int j = 0; j < n_best; j++)
			{
				int64		item_id = m->item_ids[best[j].idx];

				values[1] = Int32GetDatum(j + 1);
				values[2] = as_text ? RecItemDatum(m, best[j].idx, TEXTOID) : Int64GetDatum(item_id);
				values[3] = BoolGetDatum(FindItem(pairs, hu, item_id) >= 0);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
			if (n_best == 0)
			{
				nulls[1] = nulls[2] = true;
				values[3] = BoolGetDatum(false);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
			pfree(hs[b].items);
			pfree(hs[b].times);
		}
		RecBlockFree(&block);
	}
	for (int64 i = 0; i < n_pairs; i++)
		n_found += found[i] ? 1 : 0;
	SPI_finish();
	ReportOverlap(n_found, n_pairs, exclude, ts_expr != NULL);
	return (Datum) 0;
}
