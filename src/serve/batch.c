/*
 * batch.c
 *	  rec.batch_recommend: recommendations for every user (or a given set) in
 *	  one call.
 *
 * All histories are read in one pass over the interactions relation, then
 * scored in blocks of users (one matrix product per block for dense models)
 * and cut to k per user; what a block allocates lives in a memory context
 * reset per block.  Rows go to a tuplestore, which spills to disk when
 * the output outgrows work_mem.
 */
#include "rec.h"

#include <math.h>

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "dataset.h"
#include "filter.h"
#include "history.h"
#include "keys.h"
#include "linalg.h"
#include "model.h"
#include "score.h"
#include "topk.h"

#define BATCH_BLOCK 256

PG_FUNCTION_INFO_V1(rec_batch_recommend);

/* Position of a user id in the dataset, or -1 */
typedef struct UserSlot
{
	int64		user_id;		/* internal id */
	int			ds_user;
	const char *key;			/* a text or uuid user's key, else NULL */
	int			len;
} UserSlot;

static int
CompareUserSlot(const void *a, const void *b)
{
	int64		x = ((const UserSlot *) a)->user_id;
	int64		y = ((const UserSlot *) b)->user_id;

	return (x > y) - (x < y);
}

/* List the users to serve, in id order: the given ones, or all with events */
static UserSlot *
ListUsers(const RecDataset *ds, const RecKey *given, int n_given, int *n_out)
{
	UserSlot   *slots;
	UserSlot   *by_id = palloc(sizeof(UserSlot) * Max(ds->n_users, 1));
	int			n = 0;
	int			u;
	int			i;

	for (u = 0; u < ds->n_users; u++)
	{
		by_id[u].user_id = ds->user_ids[u];
		by_id[u].ds_user = u;
		by_id[u].key = ds->user_keys ? ds->user_keys->data + ds->user_keys->off[u] : NULL;
		by_id[u].len = ds->user_keys ? (int) (ds->user_keys->off[u + 1] - ds->user_keys->off[u]) : 0;
	}
	qsort(by_id, ds->n_users, sizeof(UserSlot), CompareUserSlot);
	if (given == NULL)
	{
		*n_out = ds->n_users;
		return by_id;
	}

	slots = palloc(sizeof(UserSlot) * Max(n_given, 1));
	for (i = 0; i < n_given; i++)
	{
		UserSlot	key;
		UserSlot   *hit;

		key.user_id = given[i].id;
		hit = bsearch(&key, by_id, ds->n_users, sizeof(UserSlot), CompareUserSlot);
		slots[n].user_id = given[i].id;
		slots[n].ds_user = hit ? hit->ds_user : -1;
		slots[n].key = given[i].text;
		slots[n].len = given[i].len;
		n++;
	}
	qsort(slots, n, sizeof(UserSlot), CompareUserSlot);
	/* a user given twice is served once */
	for (i = 0, u = 0; i < n; i++)
		if (u == 0 || slots[u - 1].user_id != slots[i].user_id)
			slots[u++] = slots[i];
	*n_out = u;
	pfree(by_id);
	return slots;
}

/*
 * rec.batch_recommend(campaign, k, users, exclude_seen, filter, filter_values,
 * promotion, promotion_share, promotion_values, context) returns (user_id,
 * rank, item_id, score) for every user with events, or for the given users;
 * a given user without history is served from the user's metadata, and
 * every list is filtered and promoted (rank is the place in the list), as
 * recommend() serves them.  Histories are read in one pass; with a context,
 * each user's is read as recommend() reads it, with the events recorded in
 * that context (one indexed query per user).
 */
Datum
rec_batch_recommend(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		k;
	bool		exclude_seen;
	RecKey	   *given = NULL;
	int			n_given = 0;
	ArrayType  *users_arr = NULL;
	Datum	   *users = NULL;		/* its elements */
	Oid			user_type;
	Oid			item_type;
	RecCampaignTarget target;
	RecModel   *m;
	RecDataset *ds;
	int32	   *to_model;
	UserSlot   *slots;
	int			n_slots;
	RecHistory *hs;
	RecScored  *best;
	RecFilter  *filter = NULL;
	RecFilter  *promotion;
	double		share;
	RecFilter  *metadata;
	Jsonb	   *context;
	RecPlacement *placed;
	MemoryContext block_cxt;
	int			start;
	int			i;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", PG_ARGISNULL(1) ? "k" : "exclude_seen")));
	k = PG_GETARG_INT32(1);
	exclude_seen = PG_GETARG_BOOL(3);
	RecCheckK(k);
	RecCheckPromotionArgs(fcinfo, 6);
	context = PG_NARGS() <= 9 || PG_ARGISNULL(9) ? NULL : PG_GETARG_JSONB_P(9);
	RecInitResultSet(fcinfo);
	user_type = RecResultColumnType(fcinfo, 0);
	item_type = RecResultColumnType(fcinfo, 2);
	if (!PG_ARGISNULL(2))
	{
		users_arr = PG_GETARG_ARRAYTYPE_P(2);
		users = RecArrayElements(users_arr, "users", &n_given);
		if (n_given == 0)
			return (Datum) 0;	/* no users asked for */
	}
	SPI_connect();
	RecResolveCampaign(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)), &target);
	m = RecGetModel(&target);
	RecCheckModelKeys(m, &target);
	if (m->serve.trend_window > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("campaign \"%s\" serves trending-now, which has no batch recommendations",
						target.campaign),
				 errdetail("Its list is the same for every user and changes with every event."),
				 errhint("Call rec.recommend() when the list is needed.")));
	if (user_type == INT8OID &&
		(target.binding.user_kind != REC_KEY_INT || target.binding.item_kind != REC_KEY_INT))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("dataset group \"%s\" has %s user ids and %s item ids, not bigint",
						target.binding.group,
						target.binding.user_type ? target.binding.user_type : "bigint",
						target.binding.item_type ? target.binding.item_type : "bigint"),
				 errhint("Use rec.batch_recommend_text(), which returns the ids as text.")));
	RecCheckItemOutput(m, &target.binding, item_type);
	if (context && !RecCheckContext(&target.binding, context))
		context = NULL;			/* {}: the histories without context, in one pass */
	if (users_arr)
	{
		/* the given users, resolved against the group, and their internal ids */
		Oid			elemtype = ARR_ELEMTYPE(users_arr);
		Datum	   *ids;

		given = palloc(sizeof(RecKey) * n_given);
		ids = palloc(sizeof(Datum) * n_given);
		for (i = 0; i < n_given; i++)
		{
			RecUserKey(&target.binding, users[i], elemtype, &given[i]);
			ids[i] = Int64GetDatum(given[i].id);
		}
		users_arr = construct_array(ids, n_given, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
									TYPALIGN_DOUBLE);
	}
	{
		RecKey		anyone;

		memset(&anyone, 0, sizeof(RecKey));	/* set per user below */
		filter = RecOpenFilterArg(fcinfo, 4, &target.binding, &anyone);
		promotion = RecOpenPromotionArg(fcinfo, 6, &target.binding, &anyone, &share);
	}
	ds = RecLoadDataset(&target.binding, NULL, users_arr, false);

	to_model = RecDatasetToModel(ds, m);
	slots = ListUsers(ds, given, n_given, &n_slots);

	hs = palloc(sizeof(RecHistory) * BATCH_BLOCK);
	best = palloc(sizeof(RecScored) * k);
	placed = palloc(sizeof(RecPlacement) * k);

	/* what a block of users needs is freed with the block, as hnswbuild.c frees per tuple */
	block_cxt = AllocSetContextCreate(CurrentMemoryContext, "rec batch block",
									  ALLOCSET_DEFAULT_SIZES);
	for (start = 0; start < n_slots; start += BATCH_BLOCK)
	{
		int			nb = Min(BATCH_BLOCK, n_slots - start);
		MemoryContext old;
		RecBlock	block;
		int			b;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(block_cxt);
		old = MemoryContextSwitchTo(block_cxt);
		/* each user's newest rec.max_history events, in model indices */
		for (b = 0; b < nb; b++)
		{
			int			u = slots[start + b].ds_user;
			int64		from = 0,
						to = 0,
						e;

			if (context)
			{
				RecKey		key;

				RecUserKey(&target.binding, slots[start + b].key ?
						   PointerGetDatum(cstring_to_text_with_len(slots[start + b].key, slots[start + b].len)) :
						   Int64GetDatum(slots[start + b].user_id),
						   slots[start + b].key ? TEXTOID : INT8OID, &key);
				RecReadHistory(&target.binding, &key, m, context, &hs[b]);
				continue;
			}
			if (u >= 0)
			{
				to = ds->user_off[u + 1];
				from = Max(ds->user_off[u], to - rec_max_history);
			}
			hs[b].n = (int) (to - from);
			hs[b].items = palloc(sizeof(int32) * Max(hs[b].n, 1));
			hs[b].times = ds->ev_time + from;
			hs[b].weights = ds->ev_weight ? ds->ev_weight + from : NULL;
			hs[b].in_context = NULL;
			for (e = from; e < to; e++)
				hs[b].items[e - from] = to_model[ds->ev_item[e]];
		}
		RecScoreBlock(m, hs, nb, &block);

		for (b = 0; b < nb; b++)
		{
			/* as recommend() scores and selects */
			RecScores	s;
			int			fill_start;
			int			fill_end;
			int			found;
			int			j;

			metadata = NULL;
			if (!RecScoreHistory(m, &hs[b], RecBlockRow(&block, b), NULL, &s, NULL))
			{
				for (j = 0; j < hs[b].n && hs[b].items[j] < 0; j++)
					;
				if (j == hs[b].n)
					metadata = RecUserMetadataFilter(&target.binding, slots[start + b].user_id,
													 slots[start + b].key, slots[start + b].len);
			}
			if (filter)
				RecFilterSetUser(filter, slots[start + b].user_id, slots[start + b].key,
								 slots[start + b].len);
			if (promotion)
				RecFilterSetUser(promotion, slots[start + b].user_id, slots[start + b].key,
								 slots[start + b].len);
			for (j = 0; j < hs[b].n && exclude_seen; j++)
				RecExclude(hs[b].items[j]);
			if (filter == NULL && metadata == NULL && promotion == NULL)
				found = RecListTopK(&s, NULL, 0, k, best, &fill_start, &fill_end);
			else
				found = RecSelectList(&s, NULL, 0, k, filter, metadata, promotion, share, best,
									  placed);
			for (j = 0; j < found; j++)
			{
				Datum		values[4];
				bool		nulls[4] = {false, false, false, false};

				values[0] = RecUserDatum(slots[start + b].user_id, slots[start + b].key,
										 slots[start + b].len, user_type);
				values[1] = Int32GetDatum(j + 1);
				values[2] = RecItemDatum(m, best[j].idx, item_type);
				values[3] = Float4GetDatum(best[j].score);
				nulls[3] = isinf(best[j].score);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
			RecFreeUserMetadataFilter(metadata);
		}
		MemoryContextSwitchTo(old);
	}
	MemoryContextDelete(block_cxt);
	SPI_finish();
	return (Datum) 0;
}
