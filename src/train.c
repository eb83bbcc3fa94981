/*
 * train.c
 *	  rec.train: validate, read the dataset group, train a recipe, measure it
 *	  Personalize's way, and store one solution version; rec.recipes.
 *
 * Training writes exactly one row (plus the solution row the first time), in
 * the caller's transaction, after all the work is done: a failed or
 * cancelled training leaves nothing behind.
 *
 * Offline metrics follow Amazon Personalize: 10% of users (those whose
 * hashed id is 0 mod 10, among users with at least two events) are held
 * out; a model is trained on the other users; each held-out user's oldest
 * 90% of events are its history and the newest 10% the truth against its 25
 * recommendations.  The stored model is then trained on everyone.
 */
#include "rec.h"

#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "dataset.h"
#include "linalg.h"
#include "metrics.h"
#include "recipe.h"
#include "topk.h"

#define REC_MIN_EVENTS 10		/* fewest events any recipe trains on */
#define HOLDOUT_K 25			/* recommendations scored per held-out user */

PG_FUNCTION_INFO_V1(rec_train);
PG_FUNCTION_INFO_V1(rec_recipes);

typedef enum ParamType
{
	PARAM_NUMBER,
	PARAM_INTEGER,
	PARAM_STRING
} ParamType;

typedef struct ParamSpec
{
	const char *name;
	ParamType	type;
	size_t		offset;			/* in RecParams */
	double		min;
	double		max;
	const char *description;
} ParamSpec;

static const ParamSpec param_specs[] = {
	{"lambda", PARAM_NUMBER, offsetof(RecParams, lambda), 1e-6, 1e9,
	"L2 regularisation of the item-item weights"},
	{"popularity_discount", PARAM_NUMBER, offsetof(RecParams, popularity_discount), 0, 1,
	"exponent on a neighbour's popularity (0.5 is cosine)"},
	{"neighbors", PARAM_INTEGER, offsetof(RecParams, neighbors), 1, 10000,
	"neighbours kept per item"},
	{"recency_half_life", PARAM_NUMBER, offsetof(RecParams, recency_half_life), 0, 1e6,
	"events after which a history event's weight halves (0 turns recency off)"},
	{"recency_floor", PARAM_NUMBER, offsetof(RecParams, recency_floor), 0, 1,
	"least weight of an old history event"},
	{"session_weight", PARAM_NUMBER, offsetof(RecParams, session_weight), 0, 100,
	"weight of the categories the newest events turn to (0 turns it off)"},
	{"session_events", PARAM_INTEGER, offsetof(RecParams, session_events), 1, 1000,
	"how many newest events form the session"},
	{"event_type", PARAM_STRING, offsetof(RecParams, event_type), 0, 0,
	"train on events of this type only"},
};

typedef struct RecRecipe
{
	const char *name;
	const char *algorithm;
	RecModel   *(*train) (const RecDataset *ds, const RecParams *p);
	const char *params;			/* accepted parameter names, comma separated */
	RecParams	defaults;
	const char *description;
} RecRecipe;

#define SERVE_PARAMS "recency_half_life,recency_floor,session_weight,session_events"
#define SIMS_PARAMS "neighbors,popularity_discount," SERVE_PARAMS ",event_type"
#define EASE_PARAMS "lambda," SERVE_PARAMS ",event_type"

static const RecRecipe recipes[] = {
	{"popularity-count", "popularity", RecTrainPopularity, "event_type",
		{0},
	"the most popular items, the same for every user"},
	{"sims", "sims", RecTrainSims, SIMS_PARAMS,
		{.neighbors = 100,.popularity_discount = 0.5,.recency_floor = 1,.session_events = 5},
	"item-item co-occurrence with a popularity discount"},
	{"similar-items", "sims", RecTrainSims, SIMS_PARAMS,
		{.neighbors = 100,.popularity_discount = 0.5,.recency_floor = 1,.session_events = 5},
	"items similar to a given item, by co-occurrence"},
	{"item-knn", "sims", RecTrainSims, SIMS_PARAMS,
		{.neighbors = 100,.popularity_discount = 0.5,.recency_floor = 1,.session_events = 5},
	"item-based nearest neighbours (cosine)"},
	{"user-personalization", "ease", RecTrainEase, EASE_PARAMS,
		{.lambda = 100,.recency_half_life = 20,.recency_floor = 0.2,.session_weight = 1,.session_events = 5},
	"personalized recommendations from a user's current, recency-weighted history"},
	{"personalized-ranking", "ease", RecTrainEase, EASE_PARAMS,
		{.lambda = 100,.recency_half_life = 20,.recency_floor = 0.2,.session_weight = 1,.session_events = 5},
	"re-ranking of a caller's candidate items for a user"},
	{"ease", "ease", RecTrainEase, EASE_PARAMS,
		{.lambda = 100,.recency_floor = 1,.session_events = 5},
	"EASE: closed-form dense item-item model"},
};

/* Find a recipe by name; error listing the known ones if there is none */
static const RecRecipe *
FindRecipe(const char *name)
{
	StringInfoData known;
	int			i;

	for (i = 0; i < lengthof(recipes); i++)
		if (strcmp(recipes[i].name, name) == 0)
			return &recipes[i];
	initStringInfo(&known);
	for (i = 0; i < lengthof(recipes); i++)
		appendStringInfo(&known, "%s%s", i ? ", " : "", recipes[i].name);
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("recipe \"%s\" does not exist", name),
			 errdetail("Known recipes: %s.", known.data)));
	return NULL;
}

/* True if the recipe accepts the parameter */
static bool
Accepts(const RecRecipe *r, const char *name)
{
	const char *p = r->params;
	size_t		len = strlen(name);

	while ((p = strstr(p, name)) != NULL)
	{
		if ((p == r->params || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

/* Return a recipe's parameter names as a readable list */
static char *
ParamList(const RecRecipe *r)
{
	StringInfoData buf;
	const char *p;

	initStringInfo(&buf);
	for (p = r->params; *p; p++)
	{
		if (*p == ',')
			appendStringInfoString(&buf, ", ");
		else
			appendStringInfoChar(&buf, *p);
	}
	return buf.data;
}

/* Apply a jsonb object of parameters over p, checking names, types and ranges */
static void
ApplyParams(const RecRecipe *r, Datum params, RecParams *p)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1] = {params};
	uint64		i;
	int			ret;

	ret = SPI_execute_with_args("SELECT jsonb_typeof($1)", 1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT ||
		strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "object") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params must be a JSON object")));

	ret = SPI_execute_with_args("SELECT key, jsonb_typeof(value), value #>> '{}' FROM jsonb_each($1)"
								" ORDER BY key", 1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading params failed: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *key = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char	   *type = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		char	   *text = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		const ParamSpec *spec = NULL;
		int			s;

		for (s = 0; s < lengthof(param_specs); s++)
			if (strcmp(param_specs[s].name, key) == 0)
				spec = &param_specs[s];
		if (spec == NULL || !Accepts(r, key))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("recipe \"%s\" has no parameter \"%s\"", r->name, key),
					 errdetail("Its parameters are: %s.", ParamList(r))));
		if (spec->type == PARAM_STRING)
		{
			if (strcmp(type, "string") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"%s\" must be a string", key)));
			*(char **) ((char *) p + spec->offset) = pstrdup(text);
		}
		else
		{
			double		v;

			if (strcmp(type, "number") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"%s\" must be a number", key)));
			v = float8in_internal(text, NULL, "double precision", text);
			if (v < spec->min || v > spec->max ||
				(spec->type == PARAM_INTEGER && v != (double) (int) v))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"%s\" must be %s between %g and %g", key,
								spec->type == PARAM_INTEGER ? "an integer" : "a number",
								spec->min, spec->max)));
			if (spec->type == PARAM_INTEGER)
				*(int *) ((char *) p + spec->offset) = (int) v;
			else
				*(double *) ((char *) p + spec->offset) = v;
		}
	}
}

/* Write the parameters a recipe accepts, with their values, as a JSON object */
static char *
ParamsJson(const RecRecipe *r, const RecParams *p)
{
	StringInfoData buf;
	int			s;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (s = 0; s < lengthof(param_specs); s++)
	{
		const ParamSpec *spec = &param_specs[s];
		const char *at = (const char *) p + spec->offset;

		if (!Accepts(r, spec->name))
			continue;
		if (spec->type == PARAM_STRING && *(char *const *) at == NULL)
			continue;
		appendStringInfo(&buf, "%s", first ? "" : ", ");
		escape_json(&buf, spec->name);
		appendStringInfoString(&buf, ": ");
		if (spec->type == PARAM_STRING)
			escape_json(&buf, *(char *const *) at);
		else if (spec->type == PARAM_INTEGER)
			appendStringInfo(&buf, "%d", *(const int *) at);
		else
			appendStringInfo(&buf, "%.15g", *(const double *) at);
		first = false;
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* Train a recipe and copy the scoring parameters into the model */
static RecModel *
TrainRecipe(const RecRecipe *r, const RecDataset *ds, const RecParams *p)
{
	RecModel   *m = r->train(ds, p);

	m->serve.recency_half_life = (float) p->recency_half_life;
	m->serve.recency_floor = (float) p->recency_floor;
	m->serve.session_weight = (float) p->session_weight;
	m->serve.session_events = (float) p->session_events;
	return m;
}

/* True if a user is in Personalize's 10% holdout */
static bool
InHoldout(int64 user_id)
{
	return hash_bytes_uint32((uint32) user_id ^ (uint32) (user_id >> 32)) % 10 == 0;
}

/*
 * Measure a recipe the way Personalize's get_solution_metrics does; append
 * the metrics as a JSON object to buf, or "null" when no user can be held out.
 */
static void
OfflineMetrics(const RecRecipe *r, const RecDataset *ds, const RecParams *p, StringInfo buf)
{
	bool	   *train_user = palloc(sizeof(bool) * Max(ds->n_users, 1));
	int64	   *input_len = palloc0(sizeof(int64) * Max(ds->n_users, 1));
	int			n_holdout = 0;
	RecDataset *train;
	RecModel   *m;
	float	   *scores;
	bool	   *excluded;
	bool	   *covered;
	RecScored  *best;
	int64	   *rec_ids;
	int64	   *truth;
	RecListMetrics sum = {0};
	int			n_covered = 0;
	int			u,
				i;

	for (u = 0; u < ds->n_users; u++)
	{
		int64		len = ds->user_off[u + 1] - ds->user_off[u];

		train_user[u] = !(len >= 2 && InHoldout(ds->user_ids[u]));
		if (!train_user[u])
		{
			input_len[u] = Max(1, (int64) (0.9 * len));
			n_holdout++;
		}
	}
	if (n_holdout == 0 || n_holdout == ds->n_users)
	{
		appendStringInfoString(buf, "null");
		return;
	}

	train = RecSubsetUsers(ds, train_user, NULL);
	m = TrainRecipe(r, train, p);

	scores = palloc(sizeof(float) * m->n_items);
	excluded = palloc(sizeof(bool) * m->n_items);
	covered = palloc0(sizeof(bool) * m->n_items);
	best = palloc(sizeof(RecScored) * HOLDOUT_K);
	rec_ids = palloc(sizeof(int64) * HOLDOUT_K);
	truth = palloc(sizeof(int64) * Max(ds->n_events, 1));

	for (u = 0; u < ds->n_users; u++)
	{
		RecHistory	h;
		RecListMetrics one;
		int64		start = ds->user_off[u];
		int64		len = ds->user_off[u + 1] - start;
		int			found;
		int			n_truth = 0;
		bool		scorable = false;

		if (train_user[u])
			continue;
		CHECK_FOR_INTERRUPTS();
		h.n = (int) Min(input_len[u], rec_max_history);
		h.items = ds->ev_item + start + input_len[u] - h.n;
		h.times = ds->ev_time + start + input_len[u] - h.n;
		memset(excluded, false, sizeof(bool) * m->n_items);
		for (i = 0; i < input_len[u]; i++)
			excluded[ds->ev_item[start + i]] = true;
		for (i = 0; i < h.n; i++)
			scorable |= (train->n_events > 0 && h.items[i] < m->n_warm);
		if (scorable && m->kind != REC_KIND_POPULARITY)
			RecModelScore(m, &h, scores);
		else
			memcpy(scores, m->popularity, sizeof(float) * m->n_items);
		found = RecTopK(scores, m->n_items, excluded, HOLDOUT_K, best);
		for (i = 0; i < found; i++)
		{
			rec_ids[i] = m->item_ids[best[i].idx];
			if (!covered[best[i].idx])
			{
				covered[best[i].idx] = true;
				n_covered++;
			}
		}
		for (i = (int) input_len[u]; i < len; i++)
			truth[n_truth++] = ds->item_ids[ds->ev_item[start + i]];
		RecScoreList(rec_ids, found, truth, n_truth, &one);
		sum.mrr25 += one.mrr25;
		sum.ndcg5 += one.ndcg5;
		sum.ndcg10 += one.ndcg10;
		sum.ndcg25 += one.ndcg25;
		sum.p5 += one.p5;
		sum.p10 += one.p10;
		sum.p25 += one.p25;
	}

	appendStringInfo(buf,
					 "{\"coverage\": %.6f, \"mean_reciprocal_rank_at_25\": %.6f, "
					 "\"normalized_discounted_cumulative_gain_at_5\": %.6f, "
					 "\"normalized_discounted_cumulative_gain_at_10\": %.6f, "
					 "\"normalized_discounted_cumulative_gain_at_25\": %.6f, "
					 "\"precision_at_5\": %.6f, \"precision_at_10\": %.6f, \"precision_at_25\": %.6f, "
					 "\"holdout_users\": %d}",
					 (double) n_covered / Max(ds->n_warm, 1),
					 sum.mrr25 / n_holdout, sum.ndcg5 / n_holdout, sum.ndcg10 / n_holdout,
					 sum.ndcg25 / n_holdout, sum.p5 / n_holdout, sum.p10 / n_holdout,
					 sum.p25 / n_holdout, n_holdout);
}

/*
 * Find the solution, or create it; fill the recipe, dataset group and
 * stored parameters it trains with.
 */
static const RecRecipe *
OpenSolution(const char *solution, const char *recipe_name, const char *group,
			 char **group_out, Datum *stored_params)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, JSONBOID};
	Datum		args[4];
	const RecRecipe *r;
	int			ret;

	args[0] = CStringGetTextDatum(solution);
	ret = SPI_execute_with_args("SELECT recipe, dataset_group, params FROM rec.solution"
								" WHERE name = $1 FOR UPDATE",
								1, argtypes, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "solution lookup failed: %s", SPI_result_code_string(ret));

	if (SPI_processed == 1)
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *has_recipe = SPI_getvalue(tuple, desc, 1);
		char	   *has_group = SPI_getvalue(tuple, desc, 2);
		bool		isnull;

		if (recipe_name && strcmp(recipe_name, has_recipe) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("solution \"%s\" uses recipe \"%s\", not \"%s\"",
							solution, has_recipe, recipe_name),
					 errhint("Train a solution of another name, or drop this one with rec.drop_solution().")));
		if (group && strcmp(group, has_group) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("solution \"%s\" belongs to dataset group \"%s\", not \"%s\"",
							solution, has_group, group)));
		*group_out = has_group;
		*stored_params = SPI_getbinval(tuple, desc, 3, &isnull);
		*stored_params = datumCopy(*stored_params, false, -1);
		return FindRecipe(has_recipe);
	}

	if (recipe_name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("solution \"%s\" does not exist", solution),
				 errhint("Give a recipe to create it: rec.train('%s', 'user-personalization').", solution)));
	r = FindRecipe(recipe_name);
	*group_out = pstrdup(group ? group : "default");
	*stored_params = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	return r;
}

/* Insert the solution row for a new solution */
static void
CreateSolution(const char *solution, const RecRecipe *r, const char *group, Datum params)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, JSONBOID};
	Datum		args[4];

	args[0] = CStringGetTextDatum(solution);
	args[1] = CStringGetTextDatum(r->name);
	args[2] = CStringGetTextDatum(group);
	args[3] = params;
	if (SPI_execute_with_args("INSERT INTO rec.solution (name, recipe, dataset_group, params)"
							  " VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
							  4, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "creating solution \"%s\" failed", solution);
}

/*
 * rec.train(solution, recipe, dataset_group, params) trains a new version of
 * a solution, creating the solution on first use, and returns its id.
 */
Datum
rec_train(PG_FUNCTION_ARGS)
{
	char	   *solution;
	char	   *recipe_name = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *group_arg = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	const RecRecipe *r;
	char	   *group;
	Datum		stored_params;
	RecParams	p;
	RecBinding	binding;
	RecDataset *ds;
	RecModel   *volatile m = NULL;
	StringInfoData metrics;
	TimestampTz started = GetCurrentTimestamp();
	MemoryContext train_cxt;
	MemoryContext old;
	int64		version = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("solution must not be null")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("params must not be null")));
	solution = text_to_cstring(PG_GETARG_TEXT_PP(0));

	train_cxt = AllocSetContextCreate(CurrentMemoryContext, "rec training", ALLOCSET_DEFAULT_SIZES);
	SPI_connect();
	old = MemoryContextSwitchTo(train_cxt);

	r = OpenSolution(solution, recipe_name, group_arg, &group, &stored_params);
	p = r->defaults;
	ApplyParams(r, stored_params, &p);
	ApplyParams(r, PG_GETARG_DATUM(3), &p);
	RecLookupDatasetGroup(group, &binding);
	if (recipe_name)
		CreateSolution(solution, r, group, PG_GETARG_DATUM(3));

	ds = RecLoadDataset(&binding, p.event_type, NULL, true);
	if (ds->n_events == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 p.event_type ?
				 errmsg("dataset group \"%s\" has no interactions of event type \"%s\"", group, p.event_type) :
				 errmsg("dataset group \"%s\" has no interactions", group),
				 errhint("Load events with INSERT, COPY or rec.log_event().")));
	if (ds->n_events < REC_MIN_EVENTS || (r->train != RecTrainPopularity && ds->n_warm < 2))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dataset group \"%s\" has %lld interactions on %d items, too few to train recipe \"%s\"",
						group, (long long) ds->n_events, ds->n_warm, r->name),
				 errdetail("A recipe needs at least %d interactions, on at least two items.",
						   REC_MIN_EVENTS)));

	initStringInfo(&metrics);
	PG_TRY();
	{
		RecSetBlasThreads(rec_threads);
		OfflineMetrics(r, ds, &p, &metrics);
		m = TrainRecipe(r, ds, &p);
	}
	PG_FINALLY();
	{
		RecSetBlasThreads(1);
	}
	PG_END_TRY();

	{
		Oid			argtypes[9] = {TEXTOID, TEXTOID, JSONBOID, JSONBOID, INT4OID, INT4OID,
		INT8OID, FLOAT8OID, BYTEAOID};
		Datum		args[9];
		bool		isnull;

		args[0] = CStringGetTextDatum(solution);
		args[1] = CStringGetTextDatum(r->name);
		args[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(ParamsJson(r, &p)));
		args[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum(metrics.data));
		args[4] = Int32GetDatum(ds->n_users);
		args[5] = Int32GetDatum(ds->n_items);
		args[6] = Int64GetDatum(ds->n_events);
		args[7] = Float8GetDatum((double) (GetCurrentTimestamp() - started) / USECS_PER_SEC);
		args[8] = PointerGetDatum(RecSerializeModel(m));
		if (SPI_execute_with_args("INSERT INTO rec.solution_version"
								  " (solution, recipe, params, metrics, n_users, n_items, n_interactions,"
								  "  training_seconds, model)"
								  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
								  9, argtypes, args, NULL, false, 1) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "storing the solution version failed");
		version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}

	MemoryContextSwitchTo(old);
	SPI_finish();
	MemoryContextDelete(train_cxt);
	PG_RETURN_INT64(version);
}

/* rec.recipes() lists the recipes with their algorithm, parameters and defaults */
Datum
rec_recipes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < lengthof(recipes); i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(recipes[i].name);
		values[1] = CStringGetTextDatum(recipes[i].algorithm);
		values[2] = DirectFunctionCall1(jsonb_in,
										CStringGetDatum(ParamsJson(&recipes[i], &recipes[i].defaults)));
		values[3] = CStringGetTextDatum(recipes[i].description);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
