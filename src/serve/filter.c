/*
 * filter.c
 *	  Serving through named filters: read a filter with its parameter values,
 *	  check candidate items against it, select a list's items through it, and
 *	  place promoted items.
 *
 * A filter's parts (filter_parse.c compiles them) are queries over an array
 * of candidate items; serving runs each as a plan kept per backend over the
 * candidates it is about to list, best first, until k pass, so a filter that
 * lets most of the best items through costs a query over a few dozen
 * candidates whatever the catalogue's size.  A filter that rejects most of
 * them (an INCLUDE of a rare category) reads its matches once instead, and
 * a part on the user's interactions reads the user's matching interactions
 * once per user; either way a part sees an event logged a moment ago.
 * A part with an IF condition on the user's metadata asks it once per user
 * and is left out for a user who does not satisfy it.
 */
#include "rec.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "filter.h"

#define FILTER_FIRST_BATCH 64	/* candidates checked in the first round (at least 2k) */
#define FILTER_SET_AFTER 512	/* candidates checked before a part reads its whole set */

static Oid	part_argtypes[REC_FILTER_PART_NARGS] = REC_FILTER_PART_ARGTYPES;

/*
 * Read value v of parameter p with its type's input function, reporting a
 * bad one with the parameter's name and the type it is compared with.
 */
static void
CheckValue(const char *name, const RecCompiledFilter *cf, int p, char *v, FmgrInfo *flinfo,
		   Oid ioparam)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		(void) InputFunctionCall(flinfo, v, ioparam, -1);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("value \"%s\" of filter parameter \"%s\" is not a valid %s",
						v, cf->param_names[p], format_type_be(cf->param_types[p])),
				 errdetail("%s", edata->message),
				 errhint("Filter \"%s\" compares this parameter with a column of type %s.",
						 name, format_type_be(cf->param_types[p]))));
	}
	PG_END_TRY();
}

/*
 * Check the values given for a filter's parameters against the types the
 * expression reads them as, so that a wrong one is reported with the
 * parameter's name rather than as an error of a part's query.
 */
static void
CheckValues(const char *name, const RecCompiledFilter *cf, Datum values)
{
	Oid			argtypes[2] = {JSONBOID, TEXTOID};
	Datum		args[2];
	int			p;

	args[0] = values;
	for (p = 0; p < cf->n_params; p++)
	{
		Oid			input;
		Oid			ioparam;
		FmgrInfo	flinfo;
		uint64		r;
		int			ret;

		if (!OidIsValid(cf->param_types[p]) || cf->param_types[p] == TEXTOID)
			continue;
		args[1] = CStringGetTextDatum(cf->param_names[p]);
		ret = SPI_execute_plan(RecKeptPlan("SELECT x FROM pg_catalog.jsonb_array_elements_text("
										   "   CASE pg_catalog.jsonb_typeof($1 OPERATOR(pg_catalog.->) $2) WHEN 'array'"
										   "   THEN $1 OPERATOR(pg_catalog.->) $2 END) x"
										   " UNION ALL SELECT $1 OPERATOR(pg_catalog.->>) $2"
										   " WHERE pg_catalog.jsonb_typeof($1 OPERATOR(pg_catalog.->) $2) <> 'array'",
										   2, argtypes),
							   args, NULL, true, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "filter value lookup failed: %s", SPI_result_code_string(ret));
		getTypeInputInfo(cf->param_types[p], &input, &ioparam);
		fmgr_info(input, &flinfo);
		for (r = 0; r < SPI_processed; r++)
		{
			char	   *v = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);

			if (v != NULL)
				CheckValue(name, cf, p, v, &flinfo, ioparam);
		}
		SPI_freetuptable(SPI_tuptable);
	}
}

/*
 * Read a filter for serving a campaign of dataset group b, with its
 * parameter values (a jsonb object, checked against the parameters the
 * expression uses) and the user whose interactions its parts read (NULL
 * when there is none: similar_items); for the user segment function
 * segment (else NULL), a filter of UserID parts, which selects users.
 *
 * The filter's expression is compiled again here, against the group's
 * relations as they are now: serving never runs the queries stored in
 * rec.filter.parts (a role that may write rec.filter but is trusted less
 * than every serving role could have put any SQL there), and a filter
 * follows its group's columns.
 */
static RecFilter *
OpenFilter(const char *name, const RecBinding *b, Datum values, bool has_values,
		   const RecKey *user, const char *segment)
{
	Oid			argtypes[3] = {TEXTOID, JSONBOID, JSONBOID};
	Datum		args[3];
	char		nulls[3] = {' ', has_values ? ' ' : 'n', ' '};
	bool		reads_user = false;
	RecFilter  *f = palloc0(sizeof(RecFilter));
	MemoryContext cxt = CurrentMemoryContext;
	RecCompiledFilter cf;
	char	   *group;
	int			ret;
	uint64		i;

	args[0] = CStringGetTextDatum(name);
	args[1] = values;
	if (has_values && !JB_ROOT_IS_OBJECT(DatumGetJsonbP(values)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("filter values must be a JSON object")));
	ret = SPI_execute_plan(RecKeptPlan("SELECT f.dataset_group, f.expression FROM rec.filter f"
									   " WHERE f.name OPERATOR(pg_catalog.=) $1",
									   1, argtypes),
						   args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "filter lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("filter \"%s\" does not exist", name),
				 errhint("Create it with rec.create_filter().")));
	group = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (strcmp(group, b->group) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("filter \"%s\" belongs to dataset group \"%s\", not to \"%s\"", name, group, b->group),
				 errhint("Create a filter for dataset group \"%s\" with rec.create_filter().", b->group)));
	RecCompileFilter(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2), b, false, &cf);
	SPI_freetuptable(SPI_tuptable);
	args[2] = cf.parts;
	ret = SPI_execute_plan(RecKeptPlan("SELECT NULL, p.include, p.interactions, p.sql, p.all_sql,"
									   " (SELECT x FROM pg_catalog.jsonb_array_elements_text(p.params) x"
									   "   WHERE $2 IS NULL OR NOT ($2 OPERATOR(pg_catalog.?) x) ORDER BY x LIMIT 1),"
									   " p.if_sql, coalesce(p.current_item, false), coalesce(p.users, false)"
									   " FROM pg_catalog.jsonb_to_recordset($3) AS p(include bool, interactions bool,"
									   "   sql text, all_sql text, params jsonb, if_sql text, current_item bool, users bool)"
									   " WHERE $1 IS NOT NULL",
									   3, argtypes),
						   args, nulls, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "filter lookup failed: %s", SPI_result_code_string(ret));
	f->name = MemoryContextStrdup(cxt, name);
	f->parts = MemoryContextAlloc(cxt, sizeof(RecFilterPart) * SPI_processed);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		RecFilterPart *part = &f->parts[f->n_parts];
		char	   *missing = SPI_getvalue(tuple, desc, 6);
		char	   *if_sql = SPI_getvalue(tuple, desc, 7);
		bool		isnull;

		part->include = DatumGetBool(SPI_getbinval(tuple, desc, 2, &isnull));
		part->users = DatumGetBool(SPI_getbinval(tuple, desc, 9, &isnull));
		/* a UserID part on interactions reads everyone's, not one user's */
		part->interactions = DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull)) && !part->users;
		part->current_item = DatumGetBool(SPI_getbinval(tuple, desc, 8, &isnull));
		/* the sets of parts on the items (or users) relation may be kept while it is unchanged */
		part->rel = part->current_item ? InvalidOid :
			part->users ? (DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull)) ? InvalidOid : b->users) :
			part->interactions ? InvalidOid : b->items;
		if (part->users && segment == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter \"%s\" selects users (UserID) and serves only the user segment functions", name),
					 errhint("Use it with rec.users_for_item(), rec.users_for_attributes() or rec.batch_segment_jsonl(); a filter of items is written INCLUDE ItemID WHERE ... or EXCLUDE ItemID WHERE ....")));
		if (!part->users && segment != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter \"%s\" selects items (ItemID), and %s takes a filter of users", name, segment),
					 errhint("Write a filter of users: INCLUDE UserID WHERE ... or EXCLUDE UserID WHERE ..., on Users.<field> or Interactions.<field>.")));
		part->sql = MemoryContextStrdup(cxt, SPI_getvalue(tuple, desc, 4));
		part->all_sql = MemoryContextStrdup(cxt, SPI_getvalue(tuple, desc, 5));
		part->set = NULL;
		part->cacheable = false;
		part->cache_set = false;
		part->if_sql = if_sql ? MemoryContextStrdup(cxt, if_sql) : NULL;
		part->if_known = false;
		if (missing && part->include)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter \"%s\" needs a value for parameter \"%s\"", name, missing),
					 errhint("Pass it in filter_values (promotion_values for a promotion), e.g. '{\"%s\": ...}'.",
							 missing)));
		if (part->current_item && user != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter \"%s\" reads CurrentItem and serves only rec.similar_items()", name),
					 errhint("CurrentItem is the item whose similar items are asked for; other functions have none.")));
		if (missing)
			continue;			/* an EXCLUDE part without its values is left out, as in Personalize */
		reads_user |= part->if_sql != NULL;
		if (part->interactions && user == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter \"%s\" reads the user's interactions and needs a user", name),
					 errhint("Use it with rec.recommend() or rec.batch_recommend().")));
		f->n_parts++;
	}
	SPI_freetuptable(SPI_tuptable);
	if (reads_user && user == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("filter \"%s\" has an IF condition on the current user and needs a user", name),
				 errhint("Use it with rec.recommend() or rec.batch_recommend().")));

	/* the values given: parameters of the filter, lists as arrays */
	args[2] = cf.parameters;
	ret = SPI_execute_plan(RecKeptPlan("SELECT coalesce(p.key, v.key), p.value OPERATOR(pg_catalog.#>>) '{}',"
									   " pg_catalog.jsonb_typeof(v.value)"
									   " FROM pg_catalog.jsonb_each($3) p"
									   " FULL JOIN pg_catalog.jsonb_each($2) v ON v.key OPERATOR(pg_catalog.=) p.key"
									   " WHERE $1 IS NOT NULL ORDER BY 1",
									   3, argtypes),
						   args, nulls, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "filter parameter lookup failed: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *key = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char	   *kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		char	   *type = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);

		if (key == NULL)
			continue;
		if (kind == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter \"%s\" has no parameter \"%s\"", name, key)));
		if (type == NULL)
			continue;			/* not given: see the parts above */
		if (strcmp(kind, "list") == 0 && strcmp(type, "array") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter parameter \"%s\" must be a JSON array, not %s", key, type)));
		if (strcmp(kind, "value") == 0 && strcmp(type, "string") != 0 &&
			strcmp(type, "number") != 0 && strcmp(type, "boolean") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("filter parameter \"%s\" must be a JSON string, number or boolean, not %s",
							key, type)));
	}
	SPI_freetuptable(SPI_tuptable);
	if (has_values)
		CheckValues(name, &cf, values);
	f->values = has_values ? values : (Datum) 0;

	/* the parts on item (or user) metadata start from their kept sets (filter_cache.c) */
	for (i = 0; i < (uint64) f->n_parts; i++)
	{
		RecFilterPart *part = &f->parts[i];

		if (!OidIsValid(part->rel) || !RecFilterCacheUsable(part->rel))
			continue;
		if (has_values && f->values_text == NULL)
			f->values_text = MemoryContextStrdup(cxt, JsonbToCString(NULL, &DatumGetJsonbP(values)->root,
																	 VARSIZE(DatumGetPointer(values))));
		part->cacheable = true;
		part->set = RecFilterCacheGet(part->rel, part->all_sql, f->values_text, &part->n_set);
		part->cache_set = part->set != NULL;
	}
	f->cxt = cxt;
	f->has_user = user != NULL;
	if (user)
		RecFilterSetUser(f, user->id, user->text, user->len);
	return f;
}

/* Read a filter of items (see OpenFilter) */
RecFilter *
RecOpenFilter(const char *name, const RecBinding *b, Datum values, bool has_values,
			  const RecKey *user)
{
	return OpenFilter(name, b, values, has_values, user, NULL);
}

/*
 * Read a filter of users (UserID parts) for the user segment function named
 * function: check candidate users with RecFilterCheckKeys, their keys given
 * for a group of text or uuid user ids
 */
RecFilter *
RecOpenUserFilter(const char *name, const RecBinding *b, Datum values, bool has_values,
				  const char *function)
{
	return OpenFilter(name, b, values, has_values, NULL, function);
}

/*
 * Open the filter named by argument i with the values of argument i + 1, or
 * NULL (values without a filter are an error): a filter of items for user
 * (see OpenFilter)
 */
RecFilter *
RecOpenFilterArg(FunctionCallInfo fcinfo, int i, const RecBinding *b, const RecKey *user)
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
						 !PG_ARGISNULL(i + 1), user);
}

/*
 * Check the promotion arguments of a call, before anything is read: a
 * promotion is the filter named by argument i, promotion_share argument
 * i + 1 (0 to 1) and promotion_values argument i + 2, which need the filter.
 */
void
RecCheckPromotionArgs(FunctionCallInfo fcinfo, int i)
{
	if (!PG_ARGISNULL(i + 1) && !(PG_GETARG_FLOAT8(i + 1) >= 0 && PG_GETARG_FLOAT8(i + 1) <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("promotion_share must be between 0 and 1")));
	if (PG_ARGISNULL(i) && !PG_ARGISNULL(i + 2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("promotion values are given without a promotion")));
}

/*
 * Open the promotion of a call (arguments i, i + 1, i + 2 as
 * RecCheckPromotionArgs) for the user (set later for a batch's users), with
 * its share in *share (default 0.2); NULL without a promotion.
 */
RecFilter *
RecOpenPromotionArg(FunctionCallInfo fcinfo, int i, const RecBinding *b, const RecKey *user,
					double *share)
{
	*share = PG_ARGISNULL(i + 1) ? REC_PROMOTION_SHARE : PG_GETARG_FLOAT8(i + 1);
	if (PG_ARGISNULL(i))
		return NULL;
	return RecOpenFilter(text_to_cstring(PG_GETARG_TEXT_PP(i)), b,
						 PG_ARGISNULL(i + 2) ? (Datum) 0 : PG_GETARG_DATUM(i + 2),
						 !PG_ARGISNULL(i + 2), user);
}

/* Set the user whose interactions a filter's parts read (key: a text or uuid user's, else NULL) */
void
RecFilterSetUser(RecFilter *f, int64 user_id, const char *key, int len)
{
	if (f->user_key)
		pfree(f->user_key);
	f->user_id = user_id;
	f->user_key = NULL;
	if (key)
	{
		/* kept with the filter: a batch call resets its memory per block of users */
		f->user_key = MemoryContextAlloc(f->cxt, len + 1);
		memcpy(f->user_key, key, len);
		f->user_key[len] = '\0';
	}
	f->has_user = true;
}

/*
 * Set the current item whose fields CurrentItem.<field> reads (the item of
 * rec.similar_items): its id as the items relation's column reads it
 */
void
RecFilterSetItem(RecFilter *f, const RecKey *item)
{
	f->item_key = item->text ?
		MemoryContextStrdup(f->cxt, pnstrdup(item->text, item->len)) :
		MemoryContextStrdup(f->cxt, psprintf(INT64_FORMAT, item->id));
}

/* Order (id, position) pairs by id */
static int
CompareIdPos(const void *a, const void *b)
{
	int64		x = ((const int64 *) a)[0];
	int64		y = ((const int64 *) b)[0];

	return (x > y) - (x < y);
}

/* Order ids */
static int
CompareId(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * Run a part's query (over the candidates arr, with their keys in keys for a
 * text or uuid group, or every item when arr is NULL)
 */
static void
RunPart(const RecFilter *f, const RecFilterPart *part, ArrayType *arr, ArrayType *keys)
{
	Datum		args[REC_FILTER_PART_NARGS];
	char		nulls[REC_FILTER_PART_NARGS] = {arr ? ' ' : 'n', f->has_user ? ' ' : 'n',
	f->values ? ' ' : 'n', f->user_key ? ' ' : 'n', keys ? ' ' : 'n', f->item_key ? ' ' : 'n'};
	int			ret;

	args[0] = PointerGetDatum(arr);
	args[1] = Int64GetDatum(f->user_id);
	args[2] = f->values;
	args[3] = f->user_key ? CStringGetTextDatum(f->user_key) : (Datum) 0;
	args[4] = PointerGetDatum(keys);
	args[5] = f->item_key ? CStringGetTextDatum(f->item_key) : (Datum) 0;
	ret = SPI_execute_plan(RecKeptPlan(arr ? part->sql : part->all_sql, REC_FILTER_PART_NARGS,
									   part_argtypes),
						   args, nulls, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "filter \"%s\" failed: %s", f->name, SPI_result_code_string(ret));
	if (f->user_key)
		pfree(DatumGetPointer(args[3]));
}

/*
 * Read the sorted ids of every item that matches a part into part->set:
 * for a part on interactions, the items of every matching interaction of the
 * user (all of them, not only the newest rec.max_history the model scores
 * from); for a part on item metadata, every match in the catalogue,
 * kept for the rest of the call (a batch's users share it).
 */
static void
ReadPartSet(RecFilter *f, RecFilterPart *part)
{
	uint64		r;

	if (part->set && !part->cache_set)
		pfree(part->set);
	part->set = NULL;
	RunPart(f, part, NULL, NULL);
	part->set = MemoryContextAlloc(f->cxt, sizeof(int64) * Max(SPI_processed, 1));
	part->n_set = 0;
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			part->set[part->n_set++] = DatumGetInt64(d);
	}
	SPI_freetuptable(SPI_tuptable);
	qsort(part->set, part->n_set, sizeof(int64), CompareId);
	part->set_user = f->user_id;
	if (part->cacheable)
	{
		int64	   *kept = RecFilterCachePut(part->rel, part->all_sql, f->values_text, part->set, part->n_set);

		if (kept)
		{
			pfree(part->set);
			part->set = kept;
			part->cache_set = true;
		}
	}
}

/* Return whether a part applies to the filter's user (its IF condition, asked once per user) */
static bool
PartApplies(RecFilter *f, RecFilterPart *part)
{
	int			ret;

	if (part->if_sql == NULL)
		return true;
	if (part->if_known && part->if_user == f->user_id)
		return part->applies;
	{
		Datum		args[REC_FILTER_PART_NARGS] = {0};
		char		nulls[REC_FILTER_PART_NARGS] = {'n', f->has_user ? ' ' : 'n',
		f->values ? ' ' : 'n', f->user_key ? ' ' : 'n', 'n', 'n'};
		bool		isnull;

		args[1] = Int64GetDatum(f->user_id);
		args[2] = f->values;
		args[3] = f->user_key ? CStringGetTextDatum(f->user_key) : (Datum) 0;
		ret = SPI_execute_plan(RecKeptPlan(part->if_sql, REC_FILTER_PART_NARGS, part_argtypes),
							   args, nulls, true, 1);
		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "filter \"%s\" failed: %s", f->name, SPI_result_code_string(ret));
		part->applies = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) &&
			!isnull;
		SPI_freetuptable(SPI_tuptable);
	}
	part->if_user = f->user_id;
	part->if_known = true;
	return part->applies;
}

/*
 * Check candidate ids against a filter: pass[j] becomes false for an id that
 * misses an INCLUDE part or matches an EXCLUDE part (pass[] is only ever
 * cleared, so checks combine).  A part on item metadata runs over the
 * candidates while few have been checked; once more than
 * FILTER_SET_AFTER have (a filter that rejects most of the best items), it
 * reads every match once, as a part on the user's interactions always does,
 * and the candidates are looked up in that sorted set.
 */
void
RecFilterCheck(RecFilter *f, const int64 *ids, int n, bool *pass)
{
	RecFilterCheckKeys(f, ids, NULL, n, pass);
}

/*
 * RecFilterCheck with the candidates' keys given (ids[j] is keys[j].id), for
 * candidates the model may not know (rec.rank's); keys NULL: the model's.
 */
void
RecFilterCheckKeys(RecFilter *f, const int64 *ids, const RecKey *given, int n, bool *pass)
{
	int64	   *pairs = NULL;
	bool	   *hit;
	ArrayType  *arr = NULL;
	ArrayType  *keys = NULL;
	int			p;
	int			j;

	if (n == 0)
		return;
	f->checked += n;
	hit = palloc(sizeof(bool) * n);
	for (p = 0; p < f->n_parts; p++)
	{
		RecFilterPart *part = &f->parts[p];

		if (!PartApplies(f, part))
			continue;
		if (part->interactions || part->set || part->cacheable || f->checked > FILTER_SET_AFTER)
		{
			if (part->set == NULL || (part->interactions && part->set_user != f->user_id))
				ReadPartSet(f, part);
			for (j = 0; j < n; j++)
				hit[j] = bsearch(&ids[j], part->set, part->n_set, sizeof(int64), CompareId) != NULL;
		}
		else
		{
			uint64		r;

			if (arr == NULL)
			{
				Datum	   *elems = palloc(sizeof(Datum) * n);

				pairs = palloc(sizeof(int64) * 2 * n);
				for (j = 0; j < n; j++)
				{
					pairs[2 * j] = ids[j];
					pairs[2 * j + 1] = j;
					elems[j] = Int64GetDatum(ids[j]);
				}
				qsort(pairs, n, sizeof(int64) * 2, CompareIdPos);
				arr = construct_array(elems, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
				if (given ? given[0].text != NULL : f->model && f->model->key_kind != REC_KEY_INT)
				{
					/* a text or uuid group's parts compare the candidates' keys */
					for (j = 0; j < n; j++)
					{
						int32		idx = given ? -1 : RecItemIndex(f->model, ids[j]);

						if (given)
							elems[j] = PointerGetDatum(cstring_to_text_with_len(given[j].text, given[j].len));
						else
							elems[j] = idx < 0 ? CStringGetTextDatum("") :
							PointerGetDatum(cstring_to_text_with_len(f->model->key_data + f->model->key_off[idx],
																	 (int) (f->model->key_off[idx + 1] -
																			f->model->key_off[idx])));
					}
					keys = construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
					for (j = 0; j < n; j++)
						pfree(DatumGetPointer(elems[j]));
				}
				pfree(elems);
			}
			RunPart(f, part, arr, keys);
			memset(hit, false, sizeof(bool) * n);
			for (r = 0; r < SPI_processed; r++)
			{
				bool		isnull;
				int64		key[2];
				int64	   *found;

				key[0] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
				if (isnull)
					continue;
				found = bsearch(key, pairs, n, sizeof(int64) * 2, CompareIdPos);
				if (found)
					hit[found[1]] = true;
			}
			SPI_freetuptable(SPI_tuptable);
		}
		for (j = 0; j < n; j++)
			pass[j] &= part->include ? hit[j] : !hit[j];
	}
	if (f->also)
	{
		f->also->model = f->model;
		RecFilterCheckKeys(f->also, ids, given, n, pass);
	}
	if (pairs)
	{
		pfree(pairs);
		pfree(arr);
	}
	if (keys)
		pfree(keys);
	pfree(hit);
}

/*
 * Return the INCLUDE part of f with the fewest matches read (for a part on
 * interactions, this user's), or NULL: once one is read, the candidates
 * are its matches, not the catalogue.
 */
static const RecFilterPart *
IncludeSet(const RecFilter *f)
{
	const RecFilterPart *best = NULL;
	int			p;

	for (p = 0; p < f->n_parts; p++)
	{
		const RecFilterPart *part = &f->parts[p];

		/* (a kept set of many items narrows only once many candidates failed, as a read one) */
		if (part->include && part->set && (!part->interactions || part->set_user == f->user_id) &&
			(!part->cacheable || part->n_set <= FILTER_SET_AFTER || f->checked > FILTER_SET_AFTER) &&
			(part->if_sql == NULL || (part->if_known && part->if_user == f->user_id && part->applies)) &&
			(best == NULL || part->n_set < best->n_set))
			best = part;
	}
	return best;
}

/*
 * Merge a list's regular items and its promoted items into out, marking the
 * promoted ones in placed, and return the length.  The promoted items are
 * spread evenly over the list, in their own order: the j-th of p promoted
 * items in a list of n goes to position floor((j + 1/2) n / p).
 * Personalize places them at random; even places keep a list reproducible.
 */
static int
Promote(const RecScored *regular, const RecPlacement *regular_placed, int n_regular,
		const RecScored *promoted, int n_promoted, RecScored *out, RecPlacement *placed)
{
	int			n = n_regular + n_promoted;
	int			r = 0;
	int			p = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		bool		take_promoted = p < n_promoted &&
			(r >= n_regular || i >= (int) floor((p + 0.5) * n / n_promoted));

		if (take_promoted)
		{
			placed[i] = REC_PLACED_PROMOTED;
			out[i] = promoted[p++];
		}
		else
		{
			placed[i] = regular_placed[r];
			out[i] = regular[r++];
		}
	}
	return n;
}

/*
 * The candidates of a scored list (score_sparse.c),
 * best first: a fixed order (include_items), or the touched items with a
 * positive score by score, then every other item in popularity order.
 * Items RecExcluded are skipped, and each item is yielded once, so a filter
 * that passes most of the best items checks a few dozen candidates and no
 * step costs work proportional to the catalogue.
 */
typedef struct SparseStream
{
	const RecScores *s;
	const RecScored *fixed;		/* the fixed order, or NULL */
	int			n_fixed;
	RecScored  *positive;		/* the touched items scoring above 0, best first */
	int			n_positive;
	int			at;				/* next of fixed or positive */
	int			pop_at;			/* next of the popularity order */
	const int32 *pop_order;
} SparseStream;

/* True for a score the model gives an item of its own (not the fill's 0, nor -infinity) */
static inline bool
PositiveScore(float v)
{
	return v > 0 && !isinf(v);
}

/* Start a stream of the candidates of s (or of fixed, when not NULL) */
static void
StreamInit(SparseStream *st, const RecScores *s, const RecScored *fixed, int n_fixed)
{
	memset(st, 0, sizeof(SparseStream));
	st->s = s;
	st->fixed = fixed;
	st->n_fixed = n_fixed;
	if (fixed)
		return;
	st->pop_order = RecPopularityOrder(s->m);
	if (s->personalized)
	{
		int32	   *ci = palloc(sizeof(int32) * Max(s->n_touched, 1));
		float	   *cs = palloc(sizeof(float) * Max(s->n_touched, 1));
		int			nc = 0;
		int			i;

		for (i = 0; i < s->n_touched; i++)
		{
			float		v = RecScoreOf(s, s->touched[i]);

			if (PositiveScore(v) && !RecExcluded(s->touched[i]))
			{
				ci[nc] = s->touched[i];
				cs[nc++] = v;
			}
		}
		st->positive = palloc(sizeof(RecScored) * Max(nc, 1));
		st->n_positive = RecTopKItems(ci, cs, nc, nc, st->positive);
		pfree(ci);
		pfree(cs);
	}
}

/* Put up to want next candidates of a stream into out; return how many (0: no more) */
static int
StreamNext(SparseStream *st, int want, RecScored *out)
{
	const RecModel *m = st->s->m;
	int			n = 0;

	while (n < want)
	{
		if (st->fixed || st->at < st->n_positive)
		{
			const RecScored *list = st->fixed ? st->fixed : st->positive;

			if (st->at >= (st->fixed ? st->n_fixed : st->n_positive))
				break;
			if (!RecExcluded(list[st->at].idx))
				out[n++] = list[st->at];
			st->at++;
		}
		else
		{
			int32		item;
			float		v;

			if (st->pop_at >= m->n_items)
				break;
			if ((st->pop_at & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			item = st->pop_order[st->pop_at++];
			if (RecExcluded(item))
				continue;
			v = RecScoreOf(st->s, item);
			if (st->s->personalized && PositiveScore(v))
				continue;		/* yielded from the touched items */
			out[n].idx = item;
			out[n++].score = v;
		}
	}
	return n;
}

/*
 * Check the matches of an INCLUDE part that are not excluded, in the
 * stream's order (positive scores first, then popularity), against the whole
 * filter and put those that pass into out[found..k-1], excluding them;
 * return the new count.
 */
static int
SparseTakeFromSet(const RecScores *s, int k, RecFilter *f, const RecFilterPart *part,
				  RecScored *out, int found)
{
	const RecModel *m = s->m;
	int32	   *pi = palloc(sizeof(int32) * Max(part->n_set, 1));
	float	   *ps = palloc(sizeof(float) * Max(part->n_set, 1));
	int32	   *ri = palloc(sizeof(int32) * Max(part->n_set, 1));
	float	   *rs = palloc(sizeof(float) * Max(part->n_set, 1));
	RecScored  *ranked = palloc(sizeof(RecScored) * Max(part->n_set, 1));
	int64	   *ids;
	bool	   *pass;
	int			np = 0;
	int			nr = 0;
	int			n;
	int			i;

	for (i = 0; i < part->n_set; i++)
	{
		int32		j = RecItemIndex(m, part->set[i]);
		float		v;

		if (j < 0 || RecExcluded(j))
			continue;
		v = RecScoreOf(s, j);
		if (s->personalized && PositiveScore(v))
		{
			pi[np] = j;
			ps[np++] = v;
		}
		else
		{
			ri[nr] = j;
			rs[nr++] = isinf(m->popularity[j]) ? -FLT_MAX : m->popularity[j];
		}
	}
	n = RecTopKItems(pi, ps, np, np, ranked);
	n += RecTopKItems(ri, rs, nr, nr, ranked + n);
	ids = palloc(sizeof(int64) * Max(n, 1));
	pass = palloc(sizeof(bool) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		ids[i] = m->item_ids[ranked[i].idx];
		pass[i] = true;
	}
	RecFilterCheck(f, ids, n, pass);
	for (i = 0; i < n && found < k; i++)
		if (pass[i])
		{
			RecExclude(ranked[i].idx);
			out[found].idx = ranked[i].idx;
			out[found++].score = RecScoreOf(s, ranked[i].idx);
		}
	pfree(pi);
	pfree(ps);
	pfree(ri);
	pfree(rs);
	pfree(ranked);
	pfree(ids);
	pfree(pass);
	return found;
}

/*
 * Select the k best candidates of a scored list (the scores s, or the fixed
 * order when not NULL) that are not excluded (RecExcluded) and pass filter f
 * (if not NULL) into out, best first, and exclude them; return how many.
 * Candidates are taken best first in rounds (2k, then at least 4x more each
 * round, as many as the pass rate so far says the rest needs) and checked
 * against the filter (RecFilterCheck: a query over the candidates, or a
 * look-up in the part's set of matches); once an INCLUDE part has read its
 * matches the candidates are those.  Items with a positive score go first,
 * then the rest in popularity order (with their own scores), so that a
 * filtered list holds k items whenever k items pass.
 */
int
RecFilteredTopK(const RecScores *s, const RecScored *fixed, int n_fixed, int k, RecFilter *f,
				RecScored *out)
{
	const RecModel *m = s->m;
	SparseStream st;
	int			batch = Min(Max(2 * k, FILTER_FIRST_BATCH), Max(m->n_items, 1));
	RecScored  *cand;
	int64	   *ids;
	bool	   *pass;
	int64		checked = 0;
	int			found = 0;
	int			i;

	if (k <= 0)
		return 0;
	StreamInit(&st, s, fixed, n_fixed);
	if (f == NULL)
	{
		found = StreamNext(&st, k, out);
		for (i = 0; i < found; i++)
			RecExclude(out[i].idx);
		return found;
	}
	f->model = m;
	cand = palloc(sizeof(RecScored) * batch);
	ids = palloc(sizeof(int64) * batch);
	pass = palloc(sizeof(bool) * batch);
	for (;;)
	{
		const RecFilterPart *narrow = fixed ? NULL : IncludeSet(f);
		int			n;

		CHECK_FOR_INTERRUPTS();
		if (narrow)
		{
			found = SparseTakeFromSet(s, k, f, narrow, out, found);
			break;
		}
		n = StreamNext(&st, batch, cand);
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
		{
			ids[i] = m->item_ids[cand[i].idx];
			pass[i] = true;
		}
		RecFilterCheck(f, ids, n, pass);
		for (i = 0; i < n && found < k; i++)
			if (pass[i])
			{
				RecExclude(cand[i].idx);
				out[found++] = cand[i];
			}
		if (found >= k || n < batch)
			break;
		checked += n;
		batch = (int) Min(Max((int64) batch * 4,
							  (int64) ((double) (k - found) * checked / Max(found, 1) * 1.5)),
						  (int64) m->n_items);
		cand = repalloc(cand, sizeof(RecScored) * batch);
		ids = repalloc(ids, sizeof(int64) * batch);
		pass = repalloc(pass, sizeof(bool) * batch);
	}
	pfree(cand);
	pfree(ids);
	pfree(pass);
	if (st.positive)
		pfree(st.positive);
	return found;
}

/*
 * Select a list of k items of s (or of the fixed order, when not NULL) that
 * are not excluded, into out (best first but for the promoted items' places)
 * with what placed each one, and return its length.  Three steps: the
 * promoted items, the best round(k * share) that pass the promotion filter
 * (if not NULL); then, if metadata is not NULL (a new user), the best that
 * pass it and the filter; then the best of the rest that pass the filter.
 * Each step skips what the steps before took (they are excluded), and the
 * filter does not apply to the promoted items, as in Personalize.
 */
int
RecSelectList(const RecScores *s, const RecScored *fixed, int n_fixed, int k, RecFilter *filter,
			  RecFilter *metadata, RecFilter *promotion, double share, RecScored *out,
			  RecPlacement *placed)
{
	RecScored  *regular = palloc(sizeof(RecScored) * Max(k, 1));
	RecScored  *promoted = palloc(sizeof(RecScored) * Max(k, 1));
	RecPlacement *regular_placed = palloc(sizeof(RecPlacement) * Max(k, 1));
	int			n_promoted = 0;
	int			n_metadata = 0;
	int			n_regular;
	int			n;
	int			i;

	if (promotion)
		n_promoted = RecFilteredTopK(s, fixed, n_fixed, (int) floor(k * share + 0.5), promotion,
									 promoted);
	if (metadata)
	{
		metadata->also = filter;
		n_metadata = RecFilteredTopK(s, fixed, n_fixed, k - n_promoted, metadata, regular);
	}
	n_regular = n_metadata + RecFilteredTopK(s, fixed, n_fixed, k - n_promoted - n_metadata,
											 filter, regular + n_metadata);
	for (i = 0; i < n_regular; i++)
		regular_placed[i] = i < n_metadata ? REC_PLACED_METADATA : REC_PLACED_RANKED;
	n = Promote(regular, regular_placed, n_regular, promoted, n_promoted, out, placed);
	pfree(regular);
	pfree(promoted);
	pfree(regular_placed);
	return n;
}
