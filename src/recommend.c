/*
 * recommend.c
 *	  Serving entry points: rec.recommend, rec.similar_items, rec.rank.
 *
 * Each call resolves its campaign, takes the model from the per-backend
 * cache, reads the user's current history, scores and selects.  Unknown
 * users get the popularity fallback, marked 'popular'; an item the model
 * does not know is an error for similar_items and an unranked (NULL score)
 * row for rank.
 */
#include "rec.h"

#include <math.h>

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "catalog.h"
#include "filter.h"
#include "history.h"
#include "model.h"
#include "score.h"
#include "topk.h"

PG_FUNCTION_INFO_V1(rec_recommend);
PG_FUNCTION_INFO_V1(rec_similar_items);
PG_FUNCTION_INFO_V1(rec_rank);
PG_FUNCTION_INFO_V1(rec_variant);

/* Error unless argument i is given */
static void
RequireArg(FunctionCallInfo fcinfo, int i, const char *name)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

/* Return argument i as a C string, or NULL */
static char *
OptionalText(FunctionCallInfo fcinfo, int i)
{
	return PG_ARGISNULL(i) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(i));
}

/* Resolve the campaign named by argument i (or rec.campaign) and load its model */
static RecModel *
OpenCampaign(FunctionCallInfo fcinfo, int i, RecCampaignTarget *target)
{
	RecResolveCampaign(OptionalText(fcinfo, i), target);
	return RecGetModel(target);
}

/* Resolve the campaign of argument i for a user (an A/B campaign's variant) and load its model */
static RecModel *
OpenCampaignForUser(FunctionCallInfo fcinfo, int i, int64 user_id, RecCampaignTarget *target)
{
	RecResolveCampaignForUser(OptionalText(fcinfo, i), user_id, target);
	return RecGetModel(target);
}

/* Mark the model indices of an optional id array argument in flags */
static void
MarkIds(FunctionCallInfo fcinfo, int i, const char *name, const RecModel *m, bool *flags)
{
	int64	   *ids;
	int			n;
	int			j;

	if (PG_ARGISNULL(i))
		return;
	ids = RecArrayToIds(PG_GETARG_ARRAYTYPE_P(i), name, &n);
	for (j = 0; j < n; j++)
	{
		int32		idx = RecItemIndex(m, ids[j]);

		if (idx >= 0)
			flags[idx] = true;
	}
}

/* True if a history holds an item the model knows (a user the model is not new to) */
static bool
KnownHistory(const RecHistory *h)
{
	int			i;

	for (i = 0; i < h->n; i++)
		if (h->items[i] >= 0)
			return true;
	return false;
}

/* Open the filter named by argument i with the values of argument i + 1, or NULL */
static RecFilter *
OpenFilterArg(FunctionCallInfo fcinfo, int i, const RecBinding *b, const int64 *user_id)
{
	if (PG_ARGISNULL(i))
	{
		if (!PG_ARGISNULL(i + 1))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter values are given without a filter")));
		return NULL;
	}
	return RecOpenFilter(text_to_cstring(PG_GETARG_TEXT_PP(i)), b,
						 PG_ARGISNULL(i + 1) ? (Datum) 0 : PG_GETARG_DATUM(i + 1),
						 !PG_ARGISNULL(i + 1), user_id);
}

/*
 * rec.recommend(user_id, k, exclude_seen, include_items, exclude_items,
 * campaign, filter, filter_values, promotion, promotion_share,
 * promotion_values) returns (item_id, score, reason, because_item_id,
 * variant) best first; variant is the campaign that served: an A/B
 * campaign's variant for this user, or the campaign itself.
 *
 * The list is selected in three steps: the promoted items (the best that
 * pass the promotion filter, round(k * promotion_share) of them), then for
 * a new user the most popular items of the
 * categories in the user's metadata, then the best of the rest; each step
 * passes the filter (the promoted ones the promotion filter only) and
 * skips what the steps before took.  A user is new when the history holds
 * no item the model knows.
 */
Datum
rec_recommend(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		user_id;
	int32		k;
	bool		exclude_seen;
	RecCampaignTarget target;
	RecModel   *m;
	RecHistory	h;
	float	   *scores;
	bool	   *excluded;
	bool	   *lifted;
	bool		personalized;
	RecExplainer ex;
	RecScored  *best;
	RecPlacement *placed;
	RecReason  *reasons;
	int32	   *because;
	RecFilter  *filter;
	RecFilter  *metadata = NULL;
	RecFilter  *promotion = NULL;
	int			found;
	int			i;

	RequireArg(fcinfo, 0, "user_id");
	RequireArg(fcinfo, 1, "k");
	RequireArg(fcinfo, 2, "exclude_seen");
	user_id = PG_GETARG_INT64(0);
	k = PG_GETARG_INT32(1);
	exclude_seen = PG_GETARG_BOOL(2);
	RecCheckK(k);
	if (!PG_ARGISNULL(9) && !(PG_GETARG_FLOAT4(9) >= 0 && PG_GETARG_FLOAT4(9) <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("promotion_share must be between 0 and 1")));
	if (PG_ARGISNULL(8) && !PG_ARGISNULL(10))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("promotion values are given without a promotion")));

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	m = OpenCampaignForUser(fcinfo, 5, user_id, &target);
	filter = OpenFilterArg(fcinfo, 6, &target.binding, &user_id);
	RecReadHistory(&target.binding, user_id, m, &h);

	scores = palloc(sizeof(float) * Max(m->n_items, 1));
	excluded = palloc0(sizeof(bool) * Max(m->n_items, 1));
	lifted = palloc0(sizeof(bool) * Max(m->n_items, 1));
	personalized = RecModelScore(m, &h, scores, lifted, &ex);

	if (exclude_seen)
		for (i = 0; i < h.n; i++)
			if (h.items[i] >= 0)
				excluded[h.items[i]] = true;
	MarkIds(fcinfo, 4, "exclude_items", m, excluded);
	if (!PG_ARGISNULL(3))
	{
		bool	   *included = palloc0(sizeof(bool) * Max(m->n_items, 1));

		MarkIds(fcinfo, 3, "include_items", m, included);
		for (i = 0; i < m->n_items; i++)
			excluded[i] |= !included[i];
	}

	best = palloc(sizeof(RecScored) * k);
	placed = palloc(sizeof(RecPlacement) * k);
	if (!PG_ARGISNULL(8))
		promotion = RecOpenFilter(text_to_cstring(PG_GETARG_TEXT_PP(8)), &target.binding,
								  PG_ARGISNULL(10) ? (Datum) 0 : PG_GETARG_DATUM(10),
								  !PG_ARGISNULL(10), &user_id);
	if (!personalized && !KnownHistory(&h))
		metadata = RecUserMetadataFilter(&target.binding, user_id);
	found = RecSelectList(m, scores, excluded, k, filter, metadata, promotion,
						  PG_ARGISNULL(9) ? 0.2 : PG_GETARG_FLOAT4(9), best, placed);

	reasons = palloc(sizeof(RecReason) * Max(found, 1));
	because = palloc(sizeof(int32) * Max(found, 1));
	RecExplainList(&ex, personalized, lifted, best, found, reasons, because);
	for (i = 0; i < found; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		const char *reason = placed[i] == REC_PLACED_PROMOTED ? "promotion" :
			placed[i] == REC_PLACED_METADATA ? "user-metadata" : RecReasonName(reasons[i]);

		values[0] = Int64GetDatum(m->item_ids[best[i].idx]);
		values[1] = Float4GetDatum(best[i].score);
		values[2] = CStringGetTextDatum(reason);
		values[3] = Int64GetDatum(because[i] >= 0 ? m->item_ids[because[i]] : 0);
		values[4] = CStringGetTextDatum(target.campaign);
		nulls[1] = isinf(best[i].score);
		nulls[3] = because[i] < 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * rec.similar_items(item_id, k, exclude_items, campaign, filter, filter_values) returns
 * (item_id, score, reason) best first: the items the model's row of the
 * item scores above zero ('similar'), or for an item known only from
 * metadata the items sharing its categories ('category'); when fewer than k
 * are, the most popular of the rest follow with score 0 ('popular').  A
 * popularity-count campaign ranks by popularity share ('popular').  A
 * filter (on item metadata only: there is no user) applies to both.
 */
Datum
rec_similar_items(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		item_id;
	int32		k;
	RecCampaignTarget target;
	RecModel   *m;
	RecHistory	h;
	int32		idx;
	float	   *scores;
	bool	   *excluded;
	RecScored  *best;
	RecReason	reason;
	RecFilter  *filter;
	int			found;
	int			filled = 0;
	int			i;

	RequireArg(fcinfo, 0, "item_id");
	RequireArg(fcinfo, 1, "k");
	item_id = PG_GETARG_INT64(0);
	k = PG_GETARG_INT32(1);
	RecCheckK(k);

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	m = OpenCampaign(fcinfo, 3, &target);
	idx = RecRequireItem(m, item_id, target.campaign);
	filter = OpenFilterArg(fcinfo, 4, &target.binding, NULL);

	/* the item's own row: score a one-event history */
	h.n = 1;
	h.items = &idx;
	h.times = NULL;
	h.weights = NULL;
	scores = palloc(sizeof(float) * Max(m->n_items, 1));
	excluded = palloc0(sizeof(bool) * Max(m->n_items, 1));
	if (m->kind == REC_KIND_POPULARITY)
	{
		RecModelScore(m, &h, scores, NULL, NULL);
		reason = REC_REASON_POPULAR;
	}
	else if (idx < m->n_warm)
	{
		RecModelScore(m, &h, scores, NULL, NULL);
		reason = REC_REASON_SIMILAR;
	}
	else
	{
		RecCategorySimilar(m, idx, scores);
		RecNormalizeScores(scores, m->n_items);
		reason = REC_REASON_CATEGORY;
	}
	excluded[idx] = true;
	MarkIds(fcinfo, 2, "exclude_items", m, excluded);

	/* items with a similarity first, then the most popular of the rest */
	best = palloc(sizeof(RecScored) * k);
	if (filter)
	{
		/* the same order, through the filter: positive scores first */
		found = RecFilteredTopK(m, scores, excluded, k, filter, best);
		if (reason != REC_REASON_POPULAR)
			for (i = 0; i < found; i++)
				if (!(best[i].score > 0 && !isinf(best[i].score)))
				{
					filled = found - i;
					found = i;
					break;
				}
	}
	else if (reason != REC_REASON_POPULAR)
		for (i = 0; i < m->n_items; i++)
			excluded[i] |= !(scores[i] > 0 && !isinf(scores[i]));
	if (!filter)
		found = RecTopK(scores, m->n_items, excluded, k, best);
	if (!filter && found < k && reason != REC_REASON_POPULAR)
	{
		for (i = 0; i < m->n_items; i++)
			excluded[i] = (scores[i] > 0 && !isinf(scores[i])) || i == idx;
		MarkIds(fcinfo, 2, "exclude_items", m, excluded);
		filled = RecTopK(m->popularity, m->n_items, excluded, k - found, best + found);
	}
	for (i = 0; i < found + filled; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(m->item_ids[best[i].idx]);
		values[1] = Float4GetDatum(i < found ? best[i].score : 0.0f);
		values[2] = CStringGetTextDatum(RecReasonName(i < found ? reason : REC_REASON_POPULAR));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * rec.rank(user_id, items, campaign) returns the given items as
 * (item_id, score, rank), best first; items the model does not know come
 * last, in the order given, with a NULL score.  Repeated ids appear once.
 */
Datum
rec_rank(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		user_id;
	int64	   *ids;
	int			n;
	RecCampaignTarget target;
	RecModel   *m;
	RecHistory	h;
	float	   *scores;
	bool	   *excluded;
	RecScored  *best;
	int			found;
	int			i;
	int			rank = 0;

	RequireArg(fcinfo, 0, "user_id");
	RequireArg(fcinfo, 1, "items");
	user_id = PG_GETARG_INT64(0);
	ids = RecArrayToIds(PG_GETARG_ARRAYTYPE_P(1), "items", &n);
	if (n > REC_MAX_CANDIDATES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("items must hold at most %d ids", REC_MAX_CANDIDATES)));

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	m = OpenCampaignForUser(fcinfo, 2, user_id, &target);
	RecReadHistory(&target.binding, user_id, m, &h);
	scores = palloc(sizeof(float) * Max(m->n_items, 1));
	RecModelScore(m, &h, scores, NULL, NULL);

	/* rank the known candidates: everything else excluded */
	excluded = palloc(sizeof(bool) * Max(m->n_items, 1));
	memset(excluded, true, sizeof(bool) * m->n_items);
	for (i = 0; i < n; i++)
	{
		int32		idx = RecItemIndex(m, ids[i]);

		if (idx >= 0)
			excluded[idx] = false;
	}
	best = palloc(sizeof(RecScored) * Max(n, 1));
	found = RecTopK(scores, m->n_items, excluded, Max(n, 1), best);
	for (i = 0; i < found; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(m->item_ids[best[i].idx]);
		values[1] = Float4GetDatum(best[i].score);
		values[2] = Int32GetDatum(++rank);
		nulls[1] = isinf(best[i].score);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	/* then the unknown ones, once each */
	for (i = 0; i < n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, true, false};
		int			j;

		if (RecItemIndex(m, ids[i]) >= 0)
			continue;
		for (j = 0; j < i && ids[j] != ids[i]; j++)
			;
		if (j < i)
			continue;
		values[0] = Int64GetDatum(ids[i]);
		values[1] = (Datum) 0;
		values[2] = Int32GetDatum(++rank);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * rec.variant(campaign, user_id) returns the campaign that serves the user:
 * an A/B campaign's variant for this user (stable while the shares stay), or
 * the campaign itself.
 */
Datum
rec_variant(PG_FUNCTION_ARGS)
{
	MemoryContext caller = CurrentMemoryContext;
	RecCampaignTarget target;
	text	   *result;

	RequireArg(fcinfo, 0, "campaign");
	RequireArg(fcinfo, 1, "user_id");
	SPI_connect();
	RecResolveCampaignForUser(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_INT64(1), &target);
	MemoryContextSwitchTo(caller);	/* the result outlives SPI's context */
	result = cstring_to_text(target.campaign);
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}
