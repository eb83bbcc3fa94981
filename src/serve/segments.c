/*
 * segments.c
 *	  rec.users_for_item and rec.users_for_attributes: user segments from a
 *	  solution of recipe item-affinity or item-attribute-affinity
 *	  (Personalize's batch segment jobs over those recipes).
 *
 * Both recipes train the sparse item-item neighbour model of sims with
 * cosine similarity.  A user's affinity for item j is the sum, over the
 * distinct items i of the user's current history, of the similarity of i
 * and j; the affinity for a set of attributes is the mean of the affinities
 * for the warm items that have them.  Either way the affinity is a weight per
 * history item (RecSegmentWeights), nonzero only on the neighbours of the
 * item (or items), so a segment is read the other way round: the users who
 * interacted with those neighbours, through the interactions relation's
 * index on the item column, and never a scan over every user.  An item's
 * segment leaves out the users who already interacted with the item, as
 * Personalize's does; an attribute's segment keeps them (they are its
 * likeliest users).
 *
 * A filter of users (UserID parts, Personalize's filters of batch segment
 * jobs) checks the segment's users best first, in rounds, through the same
 * candidate check as a list's items (filter.c): a part on the users
 * relation reads its matching users once (kept across calls while the
 * relation is unchanged, filter_cache.c) or runs over the candidates, so a
 * filter adds no scan per user.
 */
#include "rec.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "filter.h"
#include "segments.h"

PG_FUNCTION_INFO_V1(rec_users_for_item);
PG_FUNCTION_INFO_V1(rec_users_for_attributes);

#define ITEM_RECIPE "item-affinity"
#define ATTRIBUTE_RECIPE "item-attribute-affinity"
#define SEGMENT_ROUND 1024		/* candidate users fetched and checked at a time, at least */

/* A (model index, weight) pair, for merging neighbour rows */
typedef struct IndexWeight
{
	int32		idx;
	float		w;
} IndexWeight;

/* Order IndexWeight by index */
static int
CompareIndexWeight(const void *a, const void *b)
{
	int32		x = ((const IndexWeight *) a)->idx;
	int32		y = ((const IndexWeight *) b)->idx;

	return (x > y) - (x < y);
}

/* Fill sw from pairs: sum the weights of equal indices, scaled by scale */
static void
MergePairs(IndexWeight *pairs, int n, float scale, RecSegmentWeights *sw)
{
	int			i;

	qsort(pairs, n, sizeof(IndexWeight), CompareIndexWeight);
	sw->items = palloc(sizeof(int32) * Max(n, 1));
	sw->w = palloc(sizeof(float) * Max(n, 1));
	sw->n = 0;
	for (i = 0; i < n; i++)
	{
		if (sw->n > 0 && sw->items[sw->n - 1] == pairs[i].idx)
			sw->w[sw->n - 1] += pairs[i].w * scale;
		else
		{
			sw->items[sw->n] = pairs[i].idx;
			sw->w[sw->n++] = pairs[i].w * scale;
		}
	}
}

/* The weights of an item's affinity: its neighbours' similarities (none for a cold item) */
void
RecItemSegmentWeights(const RecModel *m, int32 item, RecSegmentWeights *sw)
{
	RecAttributeSegmentWeights(m, &item, 1, sw);
}

/*
 * The weights of the mean affinity for a set of items: each neighbour's mean
 * similarity to the warm items of the set
 */
void
RecAttributeSegmentWeights(const RecModel *m, const int32 *items, int n_items,
						   RecSegmentWeights *sw)
{
	int64		total = 0;
	int			n_warm = 0;
	IndexWeight *pairs;
	int			n = 0;
	int			i;

	for (i = 0; i < n_items; i++)
		if (items[i] >= 0 && items[i] < m->n_warm)
		{
			total += m->nb_off[items[i] + 1] - m->nb_off[items[i]];
			n_warm++;
		}
	RecCheckMemory((double) total * (sizeof(IndexWeight) + 8), "the neighbours of a segment's items");
	pairs = palloc_extended(sizeof(IndexWeight) * Max(total, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < n_items; i++)
	{
		int32		j = items[i];
		int32		e;

		if (j < 0 || j >= m->n_warm)
			continue;
		for (e = m->nb_off[j]; e < m->nb_off[j + 1]; e++)
		{
			pairs[n].idx = m->nb_idx[e];
			pairs[n++].w = m->nb_sim[e];
		}
	}
	MergePairs(pairs, n, n_warm > 0 ? 1.0f / n_warm : 0.0f, sw);
	pfree(pairs);
}

/* Return argument i as a C string, or NULL */
static char *
OptionalText(FunctionCallInfo fcinfo, int i)
{
	return PG_ARGISNULL(i) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(i));
}

/*
 * Check a segment function's first argument (named what) and its k, the
 * second; return k, which must be in 1..REC_MAX_SEGMENT.
 */
static int32
SegmentArgs(FunctionCallInfo fcinfo, const char *what)
{
	int32		k;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("k must not be null")));
	k = PG_GETARG_INT32(1);
	if (k < 1 || k > REC_MAX_SEGMENT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d", REC_MAX_SEGMENT)));
	return k;
}

/*
 * Find the newest version of a solution of the given recipe, with its
 * dataset group, into target (its campaign is the solution's name), and load
 * its model.
 */
static RecModel *
OpenSolution(const char *solution, const char *recipe, const char *function,
			 RecCampaignTarget *target)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	HeapTuple	tuple;
	TupleDesc	desc;
	char	   *has_recipe;
	char	   *group;
	bool		isnull;
	RecModel   *m;

	if (solution == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("solution must not be null"),
				 errhint("Pass solution => 'name', a solution trained with recipe \"%s\".", recipe)));
	args[0] = CStringGetTextDatum(solution);
	if (SPI_execute_plan(RecKeptPlan("SELECT s.recipe, s.dataset_group, v.id, v.created_at"
									 " FROM rec.solution s LEFT JOIN LATERAL"
									 " (SELECT v.id, v.created_at FROM rec.solution_version v"
									 "  WHERE v.solution OPERATOR(pg_catalog.=) s.name"
									 "  ORDER BY v.id DESC LIMIT 1) v ON true"
									 " WHERE s.name OPERATOR(pg_catalog.=) $1", 1, argtypes),
						 args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "solution lookup failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("solution \"%s\" does not exist", solution),
				 errhint("Train it with rec.train('%s', '%s').", solution, recipe)));
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	has_recipe = SPI_getvalue(tuple, desc, 1);
	group = SPI_getvalue(tuple, desc, 2);
	if (strcmp(has_recipe, recipe) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("solution \"%s\" uses recipe \"%s\", not \"%s\"", solution, has_recipe, recipe),
				 errhint("rec.%s() takes a solution trained with recipe \"%s\".", function, recipe)));
	memset(target, 0, sizeof(RecCampaignTarget));
	target->campaign = pstrdup(solution);
	target->version = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("solution \"%s\" has no trained version", solution),
				 errhint("Train it with rec.train('%s').", solution)));
	target->version_created = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 4, &isnull));
	RecLookupDatasetGroup(group, &target->binding);
	m = RecGetModel(target);
	if (m->kind != REC_KIND_ITEM_SPARSE || m->key_kind != target->binding.item_kind)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("solution \"%s\" was trained on other item ids than dataset group \"%s\" has now",
						solution, target->binding.group),
				 errhint("Train the solution again with rec.train().")));
	return m;
}

/*
 * Open the filter of users named by argument 3 with the values of argument
 * 4, for segment function function; NULL without one
 */
static RecFilter *
OpenUserFilterArg(FunctionCallInfo fcinfo, const RecBinding *b, const char *function)
{
	if (PG_NARGS() < 5 || PG_ARGISNULL(3))
	{
		if (PG_NARGS() >= 5 && !PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter values are given without a filter")));
		return NULL;
	}
	return RecOpenUserFilter(text_to_cstring(PG_GETARG_TEXT_PP(3)), b,
							 PG_ARGISNULL(4) ? (Datum) 0 : PG_GETARG_DATUM(4), !PG_ARGISNULL(4),
							 function);
}

/* Error unless the group's user ids can be returned as restype */
static void
CheckUserOutput(const RecBinding *b, Oid restype, const char *function)
{
	if (restype == INT8OID && b->user_kind != REC_KEY_INT)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("dataset group \"%s\" has %s user ids, not bigint", b->group, b->user_type),
				 errhint("Call %s, which returns user ids as text.", function)));
}

/*
 * Return the users of group b with the highest affinity (the sum of the
 * weights of the distinct items of their history) as rows (user_id, score,
 * rank) of the materialized result; with exclude >= 0, leave out the users
 * who interacted with that item; with a filter f, only the users who pass
 * it.  One query over the interactions of the weighted items, through the
 * index on the item column; with a filter, read best first through a
 * cursor until k users pass.
 */
static void
EmitSegment(FunctionCallInfo fcinfo, const RecModel *m, const RecBinding *b,
			const RecSegmentWeights *sw, int32 exclude, int32 k, RecFilter *f)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			restype = RecResultColumnType(fcinfo, 0);
	bool		int_items = b->item_kind == REC_KEY_INT;
	bool		int_users = b->user_kind == REC_KEY_INT;
	const char *rel = RecRelationName(b->interactions, b->group);
	const char *ucol = quote_identifier(b->user_col);
	const char *icol = quote_identifier(b->item_col);
	int			n = sw->n + (exclude >= 0 ? 1 : 0);
	Datum	   *keys = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *weights = palloc(sizeof(Datum) * Max(n, 1));
	Oid			argtypes[4];
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	char	   *sql;
	Portal		portal = NULL;
	int			round = Min(Max(2 * k, SEGMENT_ROUND), REC_MAX_SEGMENT);
	int64	   *ids = NULL;
	RecKey	   *given = NULL;
	bool	   *pass = NULL;
	int32		emitted = 0;
	int			i;

	if (n == 0)
		return;
	/* the items as the column compares with them: integers, or their keys as text */
	for (i = 0; i < n; i++)
	{
		int32		idx = i < sw->n ? sw->items[i] : exclude;

		if (int_items)
			keys[i] = Int64GetDatum(m->item_ids[idx]);
		else
			keys[i] = PointerGetDatum(cstring_to_text_with_len(m->key_data + m->key_off[idx],
															   (int) (m->key_off[idx + 1] - m->key_off[idx])));
		weights[i] = Float4GetDatum(i < sw->n ? sw->w[i] : 0.0f);
	}
	argtypes[0] = int_items ? INT8ARRAYOID : TEXTARRAYOID;
	argtypes[1] = FLOAT4ARRAYOID;
	argtypes[2] = int_items ? INT8OID : TEXTOID;
	argtypes[3] = INT4OID;
	args[0] = PointerGetDatum(construct_array(keys, n, int_items ? INT8OID : TEXTOID,
											  int_items ? 8 : -1, int_items ? FLOAT8PASSBYVAL : false,
											  int_items ? TYPALIGN_DOUBLE : TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(weights, n, FLOAT4OID, 4, true, TYPALIGN_INT));
	if (exclude >= 0)
		args[2] = keys[n - 1];
	else
	{
		args[2] = (Datum) 0;
		nulls[2] = 'n';
	}
	args[3] = Int32GetDatum(k);
	sql = psprintf("SELECT e.u, pg_catalog.sum(w.w)::float4 AS score"
				   " FROM (SELECT DISTINCT e.%s%s AS u, e.%s%s AS i FROM %s e WHERE %s AND e.%s IS NOT NULL) e"
				   " JOIN ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS w(i, w) ON w.i OPERATOR(pg_catalog.=) e.i"
				   " GROUP BY e.u"
				   " HAVING pg_catalog.count(*) FILTER (WHERE e.i OPERATOR(pg_catalog.=) $3) OPERATOR(pg_catalog.=) 0"
				   " ORDER BY 2 DESC, e.u%s%s",
				   ucol, int_users ? "::int8" : "::text",
				   icol, int_items ? "::int8" : "::text",
				   rel,
				   int_items ? psprintf("e.%s OPERATOR(pg_catalog.=) ANY($1)", icol) :
				   b->item_kind == REC_KEY_UUID ?
				   psprintf("e.%s OPERATOR(pg_catalog.=) ANY($1::uuid[])", icol) :
				   psprintf("e.%s::text OPERATOR(pg_catalog.=) ANY($1)", icol),
				   ucol,
				   int_users ? "" : " COLLATE \"C\"", f ? "" : " LIMIT $4");
	if (f == NULL)
	{
		if (SPI_execute_with_args(sql, 4, argtypes, args, nulls, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "reading a segment's interactions failed");
	}
	else
	{
		portal = SPI_cursor_open_with_args(NULL, sql, 4, argtypes, args, nulls, true, 0);
		ids = palloc(sizeof(int64) * round);
		given = int_users ? NULL : palloc0(sizeof(RecKey) * round);
		pass = palloc(sizeof(bool) * round);
		SPI_cursor_fetch(portal, true, round);
	}
	for (;;)
	{
		SPITupleTable *tt = SPI_tuptable;	/* the filter's queries replace SPI_tuptable */
		uint64		n_rows = SPI_processed;
		uint64		r;

		if (f)
		{
			/* the round's users, checked against the filter at once */
			for (r = 0; r < n_rows; r++)
			{
				bool		isnull;
				Datum		u = SPI_getbinval(tt->vals[r], tt->tupdesc, 1, &isnull);

				pass[r] = !isnull;
				if (int_users)
					ids[r] = isnull ? 0 : DatumGetInt64(u);
				else
				{
					/* (a NULL user, left out below, is checked as the empty key) */
					given[r].text = isnull ? pstrdup("") : text_to_cstring(DatumGetTextPP(u));
					given[r].len = strlen(given[r].text);
					given[r].id = ids[r] = RecKeyHash(given[r].text, given[r].len);
				}
			}
			RecFilterCheckKeys(f, ids, given, (int) n_rows, pass);
		}
		for (r = 0; r < n_rows && emitted < k; r++)
		{
			HeapTuple	tuple = tt->vals[r];
			TupleDesc	desc = tt->tupdesc;
			Datum		values[3];
			bool		out_nulls[3] = {false, false, false};
			bool		isnull;
			Datum		u = SPI_getbinval(tuple, desc, 1, &isnull);

			if (isnull || (f && !pass[r]))
				continue;
			if (int_users)
				values[0] = RecUserDatum(DatumGetInt64(u), NULL, 0, restype);
			else
				values[0] = PointerGetDatum(DatumGetTextPCopy(u));
			values[1] = SPI_getbinval(tuple, desc, 2, &isnull);
			values[2] = Int32GetDatum(++emitted);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, out_nulls);
		}
		for (r = 0; r < n_rows && given; r++)
			pfree(given[r].text);
		SPI_freetuptable(tt);
		if (f == NULL || emitted >= k || n_rows < (uint64) round)
			break;
		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, round);
	}
	if (portal)
		SPI_cursor_close(portal);
}

/*
 * rec.users_for_item(item_id, k, solution) returns the k users with the
 * highest affinity for an item, best first, as (user_id, score, rank);
 * users who already interacted with the item are left out.  An item the
 * model does not know is an error; one known only from metadata has an
 * empty segment.
 */
Datum
rec_users_for_item(PG_FUNCTION_ARGS)
{
	RecCampaignTarget target;
	RecModel   *m;
	RecKey		item;
	RecSegmentWeights sw;
	int32		idx;
	int32		k;

	k = SegmentArgs(fcinfo, "item_id");
	RecInitResultSet(fcinfo);
	SPI_connect();
	m = OpenSolution(OptionalText(fcinfo, 2), ITEM_RECIPE, "users_for_item", &target);
	CheckUserOutput(&target.binding, RecResultColumnType(fcinfo, 0), "rec.users_for_item(text, ...)");
	RecItemKey(&target.binding, PG_GETARG_DATUM(0), get_fn_expr_argtype(fcinfo->flinfo, 0), &item);
	idx = item.text ? RecItemKeyIndex(m, &item) : RecItemIndex(m, item.id);
	if (idx < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 item.text ? errmsg("item \"%s\" is unknown to solution \"%s\"", item.text, target.campaign) :
				 errmsg("item %lld is unknown to solution \"%s\"", (long long) item.id, target.campaign),
				 errhint("Items added after training are known once the solution is trained again.")));
	RecItemSegmentWeights(m, idx, &sw);
	EmitSegment(fcinfo, m, &target.binding, &sw, idx, k,
				OpenUserFilterArg(fcinfo, &target.binding, "rec.users_for_item()"));
	SPI_finish();
	return (Datum) 0;
}

/*
 * rec.users_for_attributes(expression, k, solution) returns the k users
 * with the highest mean affinity for the items whose metadata satisfy the
 * expression (a condition in the filter grammar on the items relation),
 * best first, as (user_id, score, rank).  No matching item: no users.
 */
Datum
rec_users_for_attributes(PG_FUNCTION_ARGS)
{
	RecCampaignTarget target;
	RecModel   *m;
	RecSegmentWeights sw;
	char	   *sql;
	int32	   *items;
	int			n_items = 0;
	int32		k;
	uint64		r;

	k = SegmentArgs(fcinfo, "attributes");
	RecInitResultSet(fcinfo);
	SPI_connect();
	m = OpenSolution(OptionalText(fcinfo, 2), ATTRIBUTE_RECIPE, "users_for_attributes", &target);
	CheckUserOutput(&target.binding, RecResultColumnType(fcinfo, 0), "rec.users_for_attributes_text()");
	sql = RecCompileItemCondition(text_to_cstring(PG_GETARG_TEXT_PP(0)), &target.binding);
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading the items of the attributes failed");
	items = palloc(sizeof(int32) * Max(SPI_processed, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		Datum		id = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull);
		int32		idx = isnull ? -1 : RecItemIndex(m, DatumGetInt64(id));

		if (idx >= 0)
			items[n_items++] = idx;
	}
	RecAttributeSegmentWeights(m, items, n_items, &sw);
	EmitSegment(fcinfo, m, &target.binding, &sw, -1, k,
				OpenUserFilterArg(fcinfo, &target.binding, "rec.users_for_attributes()"));
	SPI_finish();
	return (Datum) 0;
}
