/*
 * recommend.c
 *	  Serving entry points: rec.recommend, rec.similar_items, rec.rank.
 *
 * Each call resolves its campaign, takes the model from the per-backend
 * cache, reads the user's current history, scores and selects.  Unknown
 * users get the popularity fallback, marked 'popular'; an item the model
 * does not know is served from its categories by similar_items when the
 * items relation holds it (an item added after training), else an error,
 * and an unranked (NULL score) row for rank.
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
#include "keys.h"
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

/*
 * Resolve the campaign of argument i for the user of argument 0 (an A/B
 * campaign's variant), load its model, and check that its item ids can be
 * returned as result column item_col's type.
 */
static RecModel *
OpenCampaignForUser(FunctionCallInfo fcinfo, int i, RecCampaignTarget *target, RecKey *user,
					int item_col)
{
	RecModel   *m;

	RecResolveCampaignForKey(OptionalText(fcinfo, i), PG_GETARG_DATUM(0),
							 get_fn_expr_argtype(fcinfo->flinfo, 0), target, user);
	m = RecGetModel(target);
	RecCheckModelKeys(m, target);
	RecCheckItemOutput(m, &target->binding, RecResultColumnType(fcinfo, item_col));
	return m;
}

/* Leave the model indices of an optional id array argument out of the list scored last */
static void
ExcludeIds(FunctionCallInfo fcinfo, int i, const char *name, const RecModel *m, const RecBinding *b)
{
	int32	   *idx;
	int			n;
	int			j;

	if (PG_ARGISNULL(i))
		return;
	idx = RecItemArrayIndices(m, b, PG_GETARG_ARRAYTYPE_P(i), name, &n, NULL, NULL);
	for (j = 0; j < n; j++)
		if (idx[j] >= 0)
			RecExclude(idx[j]);
}

/* Order int32 ascending */
static int
CompareInt32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/* Return the distinct known model indices (>= 0) of an index array, how many in *n */
static int32 *
DistinctIndices(const int32 *indices, int n_indices, int *n)
{
	int32	   *idx = palloc(sizeof(int32) * Max(n_indices, 1));
	int			found = 0;
	int			j;

	for (j = 0; j < n_indices; j++)
		if (indices[j] >= 0)
			idx[found++] = indices[j];
	qsort(idx, found, sizeof(int32), CompareInt32);
	*n = 0;
	for (j = 0; j < found; j++)
		if (*n == 0 || idx[*n - 1] != idx[j])
			idx[(*n)++] = idx[j];
	return idx;
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

/*
 * Fill the reasons of a list: a trending-now list's positively scored items
 * are 'trending', the rest its popularity fill; any other model explains its
 * own (RecExplainList).
 */
static void
ExplainList(bool trending, const RecExplainer *ex, const RecScores *s, const RecScored *rows,
			int n, RecReason *reasons, int32 *because)
{
	int			i;

	if (!trending)
	{
		RecExplainList(ex, s, rows, n, reasons, because);
		return;
	}
	for (i = 0; i < n; i++)
	{
		reasons[i] = rows[i].score > 0 && !isinf(rows[i].score) ?
			REC_REASON_TRENDING : REC_REASON_POPULAR;
		because[i] = -1;
	}
}

/*
 * rec.recommend(user_id, k, exclude_seen, include_items, exclude_items,
 * campaign, filter, filter_values, promotion, promotion_share,
 * promotion_values, context) returns (item_id, score, reason, because_item_id,
 * variant) best first; variant is the campaign that served: an A/B
 * campaign's variant for this user, or the campaign itself.
 *
 * The list is selected in three steps: the promoted items (the best that
 * pass the promotion filter, round(k * promotion_share) of them), then for
 * a new user the most popular items of the
 * categories in the user's metadata, then the best of the rest; each step
 * passes the filter (the promoted ones the promotion filter only) and
 * skips what the steps before took.  A user is new when the history holds
 * no item the model knows.  A trending-now campaign scores the items by
 * their rise in its windows (trending.c), the same for every user; the
 * user's history only excludes what the user has seen.
 */
Datum
rec_recommend(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RecKey		user;
	Oid			item_type;
	int32		k;
	bool		exclude_seen;
	RecCampaignTarget target;
	RecModel   *m;
	RecHistory	h;
	RecShown	shown;
	RecScores	s;
	bool		personalized;
	bool		trending;
	RecExplainer ex;
	int32	   *include = NULL;
	int			n_include = 0;
	int			fill_start;
	int			fill_end;
	RecScored  *best;
	RecPlacement *placed;
	RecReason  *reasons;
	int32	   *because;
	RecFilter  *filter;
	RecFilter  *metadata = NULL;
	RecFilter  *promotion = NULL;
	double		share;
	int			found;
	int			i;

	RequireArg(fcinfo, 0, "user_id");
	RequireArg(fcinfo, 1, "k");
	RequireArg(fcinfo, 2, "exclude_seen");
	k = PG_GETARG_INT32(1);
	exclude_seen = PG_GETARG_BOOL(2);
	RecCheckK(k);
	RecCheckPromotionArgs(fcinfo, 8);

	RecInitResultSet(fcinfo);
	item_type = RecResultColumnType(fcinfo, 0);
	SPI_connect();
	m = OpenCampaignForUser(fcinfo, 5, &target, &user, 0);
	filter = RecOpenFilterArg(fcinfo, 6, &target.binding, &user);
	promotion = RecOpenPromotionArg(fcinfo, 8, &target.binding, &user, &share);
	RecReadHistory(&target.binding, &user, m, PG_NARGS() <= 11 || PG_ARGISNULL(11) ? NULL : PG_GETARG_JSONB_P(11), &h);
	best = palloc(sizeof(RecScored) * k);
	placed = palloc(sizeof(RecPlacement) * k);

	trending = m->serve.trend_window > 0;
	if (trending)
	{
		RecTrend	trend;

		RecReadTrend(&target.binding, m, &trend);
		personalized = RecScoreTrending(m, &trend, &s);
	}
	else
	{
		/* impressions are logged under the campaign the application called, not its variant */
		RecReadShown(PG_ARGISNULL(5) ? rec_campaign : text_to_cstring(PG_GETARG_TEXT_PP(5)),
					 &user, m, &h, &shown);
		personalized = RecScoreHistory(m, &h, NULL, &shown, &s, &ex);
	}
	if (exclude_seen)
		for (i = 0; i < h.n; i++)
			RecExclude(h.items[i]);
	ExcludeIds(fcinfo, 4, "exclude_items", m, &target.binding);
	if (!PG_ARGISNULL(3))
	{
		int			n_ids;
		int32	   *ids = RecItemArrayIndices(m, &target.binding, PG_GETARG_ARRAYTYPE_P(3),
											 "include_items", &n_ids, NULL, NULL);

		include = DistinctIndices(ids, n_ids, &n_include);
	}
	if (!personalized && !KnownHistory(&h))
		metadata = RecUserMetadataFilter(&target.binding, user.id, user.text, user.len);
	if (filter == NULL && metadata == NULL && promotion == NULL)
	{
		found = RecListTopK(&s, include, n_include, k, best, &fill_start, &fill_end);
		reasons = palloc(sizeof(RecReason) * Max(found, 1));
		because = palloc(sizeof(int32) * Max(found, 1));
		ExplainList(trending, &ex, &s, best, found, reasons, because);
		for (i = fill_start; i < fill_end; i++)
		{
			reasons[i] = REC_REASON_POPULAR;
			because[i] = -1;
		}
		for (i = 0; i < found; i++)
			placed[i] = REC_PLACED_RANKED;
	}
	else
	{
		/*
		 * through the filters: the candidates in the unfiltered order (the
		 * scored items, then by popularity), checked in rounds
		 */
		RecScored  *fixed = NULL;
		int			n_fixed = 0;

		if (include)
		{
			fixed = palloc(sizeof(RecScored) * Max(n_include, 1));
			n_fixed = RecListTopK(&s, include, n_include, Max(n_include, 1), fixed,
								  &fill_start, &fill_end);
			for (i = fill_start; i < fill_end; i++)
				fixed[i].score = 0.0f;
		}
		found = RecSelectList(&s, fixed, n_fixed, k, filter, metadata, promotion, share,
							  best, placed);
		reasons = palloc(sizeof(RecReason) * Max(found, 1));
		because = palloc(sizeof(int32) * Max(found, 1));
		ExplainList(trending, &ex, &s, best, found, reasons, because);
		for (i = 0; i < found; i++)
			if (best[i].score == 0)
			{
				reasons[i] = REC_REASON_POPULAR;
				because[i] = -1;
			}
	}
	for (i = 0; i < found; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		const char *reason = placed[i] == REC_PLACED_PROMOTED ? "promotion" :
			placed[i] == REC_PLACED_METADATA ? "user-metadata" : RecReasonName(reasons[i]);

		values[0] = RecItemDatum(m, best[i].idx, item_type);
		values[1] = Float4GetDatum(best[i].score);
		values[2] = CStringGetTextDatum(reason);
		values[3] = because[i] >= 0 ? RecItemDatum(m, because[i], item_type) : (Datum) 0;
		values[4] = CStringGetTextDatum(target.campaign);
		values[5] = Int32GetDatum(i + 1);	/* the list's order: promoted items sit at their
											 * places, not in score order */
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
 * metadata (in the model, or added to the items relation since it was
 * trained) the items sharing its categories ('category'); when fewer than k
 * are, the most popular of the rest follow with score 0 ('popular').  A
 * popularity-count campaign ranks by popularity share ('popular').  A
 * filter (on item metadata only: there is no user) applies to both.
 */
Datum
rec_similar_items(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RecKey		item;
	Oid			item_type;
	int32		k;
	RecCampaignTarget target;
	RecModel   *m;
	RecHistory	h;
	int32		idx;
	RecScores	s;
	RecScored  *best;
	RecReason	reason;
	int			fill_start;
	int			fill_end;
	int32	   *new_cats = NULL;
	int			n_new_cats = 0;
	int			n_new_mine = 0;
	RecFilter  *filter;
	int			found;
	int			filled = 0;
	int			i;

	RequireArg(fcinfo, 0, "item_id");
	RequireArg(fcinfo, 1, "k");
	k = PG_GETARG_INT32(1);
	RecCheckK(k);

	RecInitResultSet(fcinfo);
	item_type = RecResultColumnType(fcinfo, 0);
	SPI_connect();
	m = OpenCampaign(fcinfo, 3, &target);
	RecCheckModelKeys(m, &target);
	RecItemKey(&target.binding, PG_GETARG_DATUM(0), get_fn_expr_argtype(fcinfo->flinfo, 0), &item);
	RecCheckItemOutput(m, &target.binding, item_type);
	idx = item.text ? RecItemKeyIndex(m, &item) : RecItemIndex(m, item.id);
	/* an item added after training: its similar items from its categories */
	if (idx < 0 && !RecReadNewItem(m, &target.binding, &item, &new_cats, &n_new_cats, &n_new_mine))
		(void) RecRequireItemKey(m, &item, target.campaign);	/* not in the items either */
	filter = RecOpenFilterArg(fcinfo, 4, &target.binding, NULL);
	if (filter)
		RecFilterSetItem(filter, &item);

	/* the item's own row: score a one-event history */
	h.n = 1;
	h.items = &idx;
	h.times = NULL;
	h.weights = NULL;
	h.in_context = NULL;
	best = palloc(sizeof(RecScored) * k);
	if (m->kind == REC_KIND_POPULARITY)
	{
		RecScoreHistory(m, &h, NULL, NULL, &s, NULL);
		reason = REC_REASON_POPULAR;
	}
	else if (idx < 0)
	{
		RecScoreCategories(m, new_cats, n_new_cats, n_new_mine, &s);
		reason = REC_REASON_CATEGORY;
	}
	else if (idx < m->n_warm)
	{
		RecScoreHistory(m, &h, NULL, NULL, &s, NULL);
		reason = REC_REASON_SIMILAR;
	}
	else
	{
		RecScoreCategories(m, m->cat_idx + m->cat_off[idx], m->cat_off[idx + 1] - m->cat_off[idx],
						   m->cat_off[idx + 1] - m->cat_off[idx], &s);
		reason = REC_REASON_CATEGORY;
	}
	RecExclude(idx);
	ExcludeIds(fcinfo, 2, "exclude_items", m, &target.binding);

	/* items with a similarity first, then the most popular of the rest */
	if (filter)
	{
		/* the same order through the filter */
		found = RecFilteredTopK(&s, NULL, 0, k, filter, best);
		if (reason != REC_REASON_POPULAR)
			for (i = 0; i < found; i++)
				if (!(best[i].score > 0 && !isinf(best[i].score)))
				{
					filled = found - i;
					found = i;
					break;
				}
	}
	else if (reason == REC_REASON_POPULAR)
		found = RecListTopK(&s, NULL, 0, k, best, &fill_start, &fill_end);
	else
	{
		int32	   *ci = palloc(sizeof(int32) * Max(s.n_touched, 1));
		float	   *cs = palloc(sizeof(float) * Max(s.n_touched, 1));
		int			nc = 0;
		const int32 *order = RecPopularityOrder(m);

		for (i = 0; i < s.n_touched; i++)
		{
			float		v = RecScoreOf(&s, s.touched[i]);

			if (v > 0 && !isinf(v) && !RecExcluded(s.touched[i]))
			{
				ci[nc] = s.touched[i];
				cs[nc++] = v;
			}
		}
		found = RecTopKItems(ci, cs, nc, k, best);
		for (i = 0; i < m->n_items && found + filled < k; i++)
		{
			float		v = RecScoreOf(&s, order[i]);

			if (!RecExcluded(order[i]) && !(v > 0 && !isinf(v)))
				best[found + filled++].idx = order[i];
		}
	}
	for (i = 0; i < found + filled; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = RecItemDatum(m, best[i].idx, item_type);
		values[1] = Float4GetDatum(i < found ? best[i].score : 0.0f);
		values[2] = CStringGetTextDatum(RecReasonName(i < found ? reason : REC_REASON_POPULAR));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/* Order candidate positions by key, equal keys by position */
static int
CompareKeyPositions(const void *a, const void *b, void *arg)
{
	const RecKey *keys = (const RecKey *) arg;
	const RecKey *x = &keys[*(const int *) a];
	const RecKey *y = &keys[*(const int *) b];
	int			c;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->text && y->text && (c = memcmp(x->text, y->text, x->len)) != 0)
		return c;
	return *(const int *) a - *(const int *) b;
}

/*
 * first[i] = the position of candidate i's key's first occurrence among the
 * n candidates (i itself when it is the first), in n log n: a caller may pass
 * up to REC_MAX_CANDIDATES of them.
 */
static void
FirstOccurrences(const RecKey *keys, int n, int *first)
{
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	int			i;
	int			start = 0;

	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_arg(order, n, sizeof(int), CompareKeyPositions, (void *) keys);
	for (i = 0; i < n; i++)
	{
		const RecKey *k = &keys[order[i]];
		const RecKey *s = &keys[order[start]];

		if (k->id != s->id || k->len != s->len ||
			(k->text && s->text && memcmp(k->text, s->text, k->len) != 0))
			start = i;
		first[order[i]] = order[start];
	}
	pfree(order);
}

/*
 * rec.rank(user_id, items, campaign, context) returns the given items as
 * (item_id, score, rank), best first; items the model does not know come
 * last, in the order given, with a NULL score.  Repeated ids appear once.
 * A trending-now campaign ranks them by their rise (as rec.recommend).
 * filter, filter_values: only the items that pass the filter are listed
 * (Personalize's filters on personalized-ranking), known to the model or
 * not; a promotion has no place in a list the caller chose.
 */
Datum
rec_rank(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RecKey		user;
	Oid			item_type;
	int32	   *ids;
	Datum	   *elems;
	RecKey	   *keys;
	ArrayType  *arr;
	int			n;
	RecCampaignTarget target;
	RecModel   *m;
	RecHistory	h;
	RecScores	s;
	int32	   *known;
	int			n_known;
	float	   *scores;
	RecScored  *best;
	int			found;
	int			i;
	int			rank = 0;
	RecFilter  *filter;
	int		   *first;
	bool	   *pass;

	RequireArg(fcinfo, 0, "user_id");
	RequireArg(fcinfo, 1, "items");
	arr = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(arr) == 1 && ARR_DIMS(arr)[0] > REC_MAX_CANDIDATES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("items must hold at most %d ids", REC_MAX_CANDIDATES)));

	RecInitResultSet(fcinfo);
	item_type = RecResultColumnType(fcinfo, 0);
	SPI_connect();
	m = OpenCampaignForUser(fcinfo, 2, &target, &user, 0);
	ids = RecItemArrayIndices(m, &target.binding, arr, "items", &n, &elems, &keys);
	filter = RecOpenFilterArg(fcinfo, 3, &target.binding, &user);
	RecReadHistory(&target.binding, &user, m, PG_NARGS() <= 5 || PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5), &h);
	best = palloc(sizeof(RecScored) * Max(n, 1));

	/* each candidate's first occurrence, and whether it passes the filter */
	first = palloc(sizeof(int) * Max(n, 1));
	pass = palloc(sizeof(bool) * Max(n, 1));
	FirstOccurrences(keys, n, first);
	for (i = 0; i < n; i++)
		pass[i] = true;
	if (filter)
	{
		RecKey	   *uniq = palloc(sizeof(RecKey) * Max(n, 1));
		int64	   *uniq_ids = palloc(sizeof(int64) * Max(n, 1));
		bool	   *uniq_pass = palloc(sizeof(bool) * Max(n, 1));
		int			n_uniq = 0;

		for (i = 0; i < n; i++)
			if (first[i] == i)
			{
				uniq[n_uniq] = keys[i];
				uniq_ids[n_uniq] = keys[i].id;
				uniq_pass[n_uniq++] = true;
			}
		filter->model = m;
		RecFilterCheckKeys(filter, uniq_ids, uniq, n_uniq, uniq_pass);
		n_uniq = 0;
		for (i = 0; i < n; i++)
			pass[i] = first[i] == i ? uniq_pass[n_uniq++] : pass[first[i]];
		for (i = 0; i < n; i++)
			if (!pass[i])
				ids[i] = -1;	/* neither scored nor listed */
	}

	/* score the known candidates, once each */
	known = DistinctIndices(ids, n, &n_known);
	scores = palloc(sizeof(float) * Max(n_known, 1));
	if (m->serve.trend_window > 0)
	{
		RecTrend	trend;

		RecReadTrend(&target.binding, m, &trend);
		RecScoreTrending(m, &trend, &s);
	}
	else
		RecScoreHistory(m, &h, NULL, NULL, &s, NULL);
	for (i = 0; i < n_known; i++)
		scores[i] = RecScoreOf(&s, known[i]);
	found = RecTopKItems(known, scores, n_known, Max(n, 1), best);
	for (i = 0; i < found; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = RecItemDatum(m, best[i].idx, item_type);
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

		if (ids[i] >= 0 || first[i] < i || !pass[i])
			continue;
		values[0] = elems[i];
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
	RecKey		user;
	text	   *result;

	RequireArg(fcinfo, 0, "campaign");
	RequireArg(fcinfo, 1, "user_id");
	SPI_connect();
	RecResolveCampaignForKey(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_DATUM(1),
							 get_fn_expr_argtype(fcinfo->flinfo, 1), &target, &user);
	MemoryContextSwitchTo(caller);	/* the result outlives SPI's context */
	result = cstring_to_text(target.campaign);
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}
