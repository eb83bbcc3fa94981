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

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "dataset.h"
#include "holdout.h"
#include "linalg.h"
#include "recipe.h"
#include "score.h"

#define REC_MIN_EVENTS 10		/* fewest events any recipe trains on */

PG_FUNCTION_INFO_V1(rec_train);
PG_FUNCTION_INFO_V1(rec_train_from_events);
PG_FUNCTION_INFO_V1(rec_recipes);
PG_FUNCTION_INFO_V1(rec_recipe_parameters);

typedef enum ParamType
{
	PARAM_NUMBER,
	PARAM_INTEGER,
	PARAM_BOOLEAN,
	PARAM_STRING,
	PARAM_OPTIONAL_NUMBER,		/* a number, or absent (no default) */
	PARAM_WEIGHTS,				/* an object of numbers (event type weights) */
	PARAM_DURATION				/* seconds: a number, or an interval as text; 0 (the default): automatic */
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
	{"neighbors", PARAM_INTEGER, offsetof(RecParams, neighbors), 0, 10000,
	"neighbours kept per item (EASE-based recipes: 0 is dense; by default chosen from the catalogue size and rec.train_memory_limit)"},
	{"proximity_half_life", PARAM_NUMBER, offsetof(RecParams, proximity_half_life), 0, 1e6,
	"positions apart in a history after which a co-occurrence counts half (0: all count 1)"},
	{"proximity_floor", PARAM_NUMBER, offsetof(RecParams, proximity_floor), 0, 1,
	"least weight of a co-occurrence far apart"},
	{"recency_half_life", PARAM_NUMBER, offsetof(RecParams, recency_half_life), 0, 1e6,
	"events after which a history event's weight halves (0 turns recency off)"},
	{"recency_floor", PARAM_NUMBER, offsetof(RecParams, recency_floor), 0, 1,
	"least weight of an old history event"},
	{"session_weight", PARAM_NUMBER, offsetof(RecParams, session_weight), 0, 100,
	"weight of the categories the newest events turn to (0 turns it off)"},
	{"session_events", PARAM_INTEGER, offsetof(RecParams, session_events), 1, 1000,
	"how many newest events form the session; three of them in a category new to the user make a new interest"},
	{"impression_decay", PARAM_NUMBER, offsetof(RecParams, impression_decay), 0, 1,
	"factor on an item's score per extra time it was shown (rec.log_impression) without the user acting on it (0 or 1 turns it off)"},
	{"transition_weight", PARAM_NUMBER, offsetof(RecParams, transition_weight), 0, 100,
	"weight of the items that follow the newest events (0 turns it off)"},
	{"transition_decay", PARAM_NUMBER, offsetof(RecParams, transition_decay), 0, 1,
	"weight ratio between consecutive newest events for transitions"},
	{"transition_window", PARAM_INTEGER, offsetof(RecParams, transition_window), 1, 100,
	"events before the next one that predict it"},
	{"transition_lambda", PARAM_NUMBER, offsetof(RecParams, transition_lambda), 0, 1e9,
	"L2 regularisation of the transitions (0: the same as lambda)"},
	{"exploration_weight", PARAM_NUMBER, offsetof(RecParams, exploration_weight), 0, 1,
	"how much new items (in the items relation, without events) are explored, 0 to 1"},
	{"exploration_item_age_cutoff", PARAM_NUMBER, offsetof(RecParams, exploration_item_age_cutoff), 1e-3, 1e6,
	"days before the newest event after which an item is too old to explore"},
	{"tune", PARAM_BOOLEAN, offsetof(RecParams, tune), 0, 1,
	"choose lambda, recency, transition and session parameters on an inner time split"},
	{"event_type", PARAM_STRING, offsetof(RecParams, event_type), 0, 0,
	"train on events of this type only"},
	{"event_value_threshold", PARAM_OPTIONAL_NUMBER, offsetof(RecParams, event_value_threshold), -1e15, 1e15,
	"train on (and serve from) events whose event_value is at least this; events without a value are left out"},
	{"trend_window", PARAM_DURATION, offsetof(RecParams, trend_window), 1, 1e9,
	"seconds (or an interval, e.g. \"1 hour\") of each of the two windows whose event counts are compared; by default the time the newest 5% of the events took, at most their newest 5,000"},
	{"event_weights", PARAM_WEIGHTS, offsetof(RecParams, event_weights), 0, 1000,
	"weight of each event type in training and in the serving history, e.g. {\"purchase\": 3, \"click\": 1}; types not named weigh 1, weight 0 leaves a type out"},
};

typedef struct RecRecipe
{
	const char *name;
	const char *algorithm;
	RecModel   *(*train) (const RecDataset *ds, RecParams *p);
	const char *params;			/* accepted parameter names, comma separated */
	RecParams	defaults;
	const char *description;
} RecRecipe;

#define SERVE_PARAMS "recency_half_life,recency_floor,session_weight,session_events,impression_decay"
#define EVENT_PARAMS "event_type,event_value_threshold,event_weights"
/* an item shown again without a click keeps half its score per extra showing */
#define REC_IMPRESSION_DECAY 0.5
#define SIMS_PARAMS "neighbors,popularity_discount,proximity_half_life,proximity_floor," SERVE_PARAMS "," EVENT_PARAMS
/* measured on MovieLens 100K, bench/quality: similar_items from the last item */
#define SIMS_DEFAULTS {.neighbors = 100,.popularity_discount = 0.25,.proximity_half_life = 5, \
	.proximity_floor = 0.1,.recency_floor = 1,.session_events = 5,.impression_decay = REC_IMPRESSION_DECAY}
#define EASE_PARAMS "lambda,neighbors," SERVE_PARAMS "," EVENT_PARAMS
#define PERSONALIZATION_PARAMS "lambda,neighbors,tune,exploration_weight,exploration_item_age_cutoff,transition_weight,transition_decay,transition_window," \
	"transition_lambda," \
	SERVE_PARAMS "," EVENT_PARAMS
#define PERSONALIZATION_DEFAULTS {.lambda = 100,.recency_half_life = 5,.recency_floor = 0.05, \
	.session_weight = 0.5,.session_events = 3,.transition_weight = 0.75,.transition_decay = 0.8, \
	.transition_window = 10,.transition_lambda = 1000,.exploration_weight = 0.1, \
	.exploration_item_age_cutoff = 30,.tune = true,.neighbors = -1,.impression_decay = REC_IMPRESSION_DECAY}

/* user segments (segments.c): cosine neighbours, read from the item's side */
#define SEGMENT_PARAMS "neighbors"
#define SEGMENT_DEFAULTS {.neighbors = 100,.popularity_discount = 0.5,.recency_floor = 1,.session_events = 5}

static const RecRecipe recipes[] = {
	{"popularity-count", "popularity", RecTrainPopularity, EVENT_PARAMS,
		{.tune = false},
	"the most popular items, the same for every user"},
	{"sims", "sims", RecTrainSims, SIMS_PARAMS, SIMS_DEFAULTS,
	"item-item co-occurrence with a popularity discount"},
	{"similar-items", "sims", RecTrainSims, SIMS_PARAMS, SIMS_DEFAULTS,
	"items similar to a given item, by co-occurrence"},
	{"item-knn", "sims", RecTrainSims, SIMS_PARAMS,
		{.neighbors = 100,.popularity_discount = 0.5,.recency_floor = 1,.session_events = 5,
		.impression_decay = REC_IMPRESSION_DECAY},
	"item-based nearest neighbours (cosine)"},
	{"user-personalization", "ease+transitions", RecTrainPersonalization, PERSONALIZATION_PARAMS,
		PERSONALIZATION_DEFAULTS,
	"personalized recommendations from a user's current, recency-weighted history"},
	{"personalized-ranking", "ease+transitions", RecTrainPersonalization, PERSONALIZATION_PARAMS,
		PERSONALIZATION_DEFAULTS,
	"re-ranking of a caller's candidate items for a user"},
	{"ease", "ease", RecTrainEase, EASE_PARAMS,
		{.lambda = 100,.recency_floor = 1,.session_events = 5,.neighbors = -1,
		.impression_decay = REC_IMPRESSION_DECAY},
	"EASE: closed-form item-item model, dense or neighbourhood-restricted"},
	{"trending-now", "trending", RecTrainTrending, "trend_window",
		{.tune = false},
	"the items whose events rise fastest in the newest window, the same for every user"},
	{"item-affinity", "sims", RecTrainSims, SEGMENT_PARAMS, SEGMENT_DEFAULTS,
	"user segments: the users most likely to take to an item (rec.users_for_item)"},
	{"item-attribute-affinity", "sims", RecTrainSims, SEGMENT_PARAMS, SEGMENT_DEFAULTS,
	"user segments: the users most likely to take to items with given attributes (rec.users_for_attributes)"},
};

/* Find a recipe by name; error listing the known ones if there is none */
static const RecRecipe *
FindRecipe(const char *name)
{
	StringInfoData known;
	int			i;

	for (i = 0; i < (int) lengthof(recipes); i++)
		if (strcmp(recipes[i].name, name) == 0)
			return &recipes[i];
	initStringInfo(&known);
	for (i = 0; i < (int) lengthof(recipes); i++)
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

/* True if a recipe's item-item model is EASE, dense or sparse by its neighbors */
static bool
EaseBased(const RecRecipe *r)
{
	return r->train == RecTrainEase || r->train == RecTrainPersonalization;
}

/*
 * The smallest positive event weight: weights are read as reals, so one
 * below their range (about 1e-38) would fail the whole read, and one this
 * small beside the default 1 weighs nothing anyway
 */
#define EVENT_WEIGHT_MIN 1e-6

/*
 * Check an event_weights value (jsonb type and text as jsonb_each gives them):
 * an object of numbers within the spec's range.  Return its text.
 */
static char *
CheckWeights(const char *key, const char *type, const char *text, const ParamSpec *spec)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1];
	char	   *result = pstrdup(text);
	SPITupleTable *saved = SPI_tuptable;
	uint64		saved_n = SPI_processed;
	uint64		i;

	if (strcmp(type, "object") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must be a JSON object of event types and weights", key),
				 errhint("Pass e.g. {\"purchase\": 3, \"click\": 1}.")));
	args[0] = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
	if (SPI_execute_with_args("SELECT key, pg_catalog.jsonb_typeof(value), value OPERATOR(pg_catalog.#>>) '{}'"
							  " FROM pg_catalog.jsonb_each($1) ORDER BY key",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading event_weights failed");
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *event = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char	   *wtype = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		char	   *wtext = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		double		w;

		if (strcmp(wtype, "number") != 0 ||
			(w = float8in_internal(wtext, NULL, "double precision", wtext)) < spec->min ||
			w > spec->max)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weight of event type \"%s\" in parameter \"%s\" must be a number between %g and %g",
							event, key, spec->min, spec->max)));
		if (w > 0 && w < EVENT_WEIGHT_MIN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weight of event type \"%s\" in parameter \"%s\" must be 0 or at least %g",
							event, key, EVENT_WEIGHT_MIN),
					 errhint("Weigh an event type 0 to leave its events out.")));
	}
	SPI_freetuptable(SPI_tuptable);
	SPI_tuptable = saved;
	SPI_processed = saved_n;
	return result;
}

/*
 * Return the seconds of an interval's text, or NaN if the text is not an
 * interval.  The input function runs in a subtransaction, as PL/pgSQL's
 * exception blocks do, so that its error can be replaced by the caller's.
 */
static double
IntervalSeconds(const char *text)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	double		seconds = get_float8_nan();

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		Datum		iv = DirectFunctionCall3(interval_in, CStringGetDatum(text),
											 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));

		seconds = DatumGetFloat8(DirectFunctionCall2(interval_part, CStringGetTextDatum("epoch"), iv));
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		seconds = get_float8_nan();
	}
	PG_END_TRY();
	return seconds;
}

/*
 * Check a duration value (jsonb type and text as jsonb_each gives them): a
 * number of seconds, or a string PostgreSQL reads as an interval, within the
 * spec's range.  Return its seconds.
 */
static double
CheckDuration(const char *key, const char *type, const char *text, const ParamSpec *spec)
{
	double		v;

	if (strcmp(type, "number") == 0)
		v = float8in_internal((char *) text, NULL, "double precision", text);
	else if (strcmp(type, "string") == 0)
	{
		v = IntervalSeconds(text);
		if (isnan(v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"%s\" is not a valid interval: \"%s\"", key, text),
					 errhint("Pass a number of seconds, or an interval such as \"1 hour\" or \"2 days\".")));
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must be a number of seconds or an interval", key),
				 errhint("Pass a number of seconds, or an interval such as \"1 hour\" or \"2 days\".")));
	if (!(v >= spec->min && v <= spec->max))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must be between %g and %g seconds", key, spec->min, spec->max)));
	return v;
}

/* Apply a jsonb object of parameters over p, checking names, types and ranges */
static void
ApplyParams(const RecRecipe *r, Datum params, RecParams *p)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1] = {params};
	uint64		i;
	int			ret;

	ret = SPI_execute_with_args("SELECT pg_catalog.jsonb_typeof($1)", 1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT ||
		strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "object") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params must be a JSON object")));

	ret = SPI_execute_with_args("SELECT key, pg_catalog.jsonb_typeof(value),"
								" value OPERATOR(pg_catalog.#>>) '{}' FROM pg_catalog.jsonb_each($1)"
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

		for (s = 0; s < (int) lengthof(param_specs); s++)
			if (strcmp(param_specs[s].name, key) == 0)
				spec = &param_specs[s];
		if (spec == NULL || !Accepts(r, key))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("recipe \"%s\" has no parameter \"%s\"", r->name, key),
					 errdetail("Its parameters are: %s.", ParamList(r))));
		if (spec->type == PARAM_BOOLEAN)
		{
			if (strcmp(type, "boolean") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"%s\" must be true or false", key)));
			*(bool *) ((char *) p + spec->offset) = strcmp(text, "true") == 0;
		}
		else if (spec->type == PARAM_WEIGHTS)
			*(char **) ((char *) p + spec->offset) = CheckWeights(key, type, text, spec);
		else if (spec->type == PARAM_DURATION)
			*(double *) ((char *) p + spec->offset) = CheckDuration(key, type, text, spec);
		else if (spec->type == PARAM_STRING)
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
			if (strcmp(key, "neighbors") == 0 && v < 1 && !EaseBased(r))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"neighbors\" must be at least 1 for recipe \"%s\"", r->name),
						 errhint("Only the EASE-based recipes take 0, for a dense model.")));
			p->given_lambda |= strcmp(key, "lambda") == 0;
			p->given_recency |= strncmp(key, "recency_", 8) == 0;
			p->given_transitions |= strncmp(key, "transition_", 11) == 0;
			p->given_session |= strcmp(key, "session_weight") == 0;
			p->has_value_threshold |= spec->type == PARAM_OPTIONAL_NUMBER;
			if (spec->type == PARAM_INTEGER)
				*(int *) ((char *) p + spec->offset) = (int) v;
			else
				*(double *) ((char *) p + spec->offset) = v;
		}
	}
}

/* Write the parameters a recipe accepts, with their values (and how they were tuned), as JSON */
static char *
ParamsJson(const RecRecipe *r, const RecParams *p)
{
	StringInfoData buf;
	int			s;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (s = 0; s < (int) lengthof(param_specs); s++)
	{
		const ParamSpec *spec = &param_specs[s];
		const char *at = (const char *) p + spec->offset;

		if (!Accepts(r, spec->name))
			continue;
		if ((spec->type == PARAM_STRING || spec->type == PARAM_WEIGHTS) && *(char *const *) at == NULL)
			continue;
		if (spec->type == PARAM_OPTIONAL_NUMBER && !p->has_value_threshold)
			continue;
		appendStringInfo(&buf, "%s", first ? "" : ", ");
		escape_json(&buf, spec->name);
		appendStringInfoString(&buf, ": ");
		if (spec->type == PARAM_STRING)
			escape_json(&buf, *(char *const *) at);
		else if (spec->type == PARAM_WEIGHTS)
			appendStringInfoString(&buf, *(char *const *) at);
		else if (spec->type == PARAM_BOOLEAN)
			appendStringInfoString(&buf, *(const bool *) at ? "true" : "false");
		else if (spec->type == PARAM_INTEGER && *(const int *) at < 0)
			appendStringInfoString(&buf, "\"auto\"");	/* neighbors: chosen at training */
		else if (spec->type == PARAM_INTEGER)
			appendStringInfo(&buf, "%d", *(const int *) at);
		else
			appendStringInfo(&buf, "%.15g", *(const double *) at);
		first = false;
	}
	if (EaseBased(r) && p->neighbors >= 0)
		appendStringInfo(&buf, ", \"structure\": \"%s\"", p->neighbors > 0 ? "sparse" : "dense");
	if (p->tuned_users > 0)
	{
		appendStringInfo(&buf, ", \"tuning\": {\"users\": %d, \"ndcg_at_10\": %.6f",
						 p->tuned_users, p->tuned_ndcg10);
		if (p->tuned_probes > 0)
			appendStringInfo(&buf, ", \"new_interest_probes\": %d, \"new_interest_gain\": %.2f",
							 p->tuned_probes, p->tuned_probe_gain);
		appendStringInfoChar(&buf, '}');
	}
	if (p->algorithm)
	{
		appendStringInfoString(&buf, ", \"algorithm\": ");
		escape_json(&buf, p->algorithm);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* Train a recipe; the recipes that do not set their scoring parameters get p's */
static RecModel *
TrainRecipe(const RecRecipe *r, const RecDataset *ds, RecParams *p)
{
	RecModel   *m = r->train(ds, p);

	m->serve.impression_decay = (float) p->impression_decay;
	if (r->train != RecTrainPersonalization)
	{
		m->serve.recency_half_life = (float) p->recency_half_life;
		m->serve.recency_floor = (float) p->recency_floor;
		m->serve.session_weight = (float) p->session_weight;
		m->serve.session_events = (float) p->session_events;
	}
	return m;
}


/*
 * Measure a recipe the way Personalize's get_solution_metrics does; append
 * the metrics as a JSON object to buf, or "null" when no user can be held out.
 * It runs after the stored model's training and reuses its parameters
 * (tuned or not, and its structure) without tuning again: tuning is most of
 * a training's cost.  Tuning never scores the held-out users (it samples its
 * inner holdout among the others), so the tuned values were not chosen on
 * the events these metrics score; the held-out users' histories were among
 * the tuning model's inputs, as any user's are.
 */
static void
OfflineMetrics(const RecRecipe *r, const RecDataset *ds, const RecParams *p, StringInfo buf)
{
	bool	   *held = palloc(sizeof(bool) * Max(ds->n_users, 1));
	bool	   *train_user = palloc(sizeof(bool) * Max(ds->n_users, 1));
	RecParams	q = *p;
	RecSplit	split;
	RecListMetrics mean;
	double		coverage;
	int			u;

	q.tune = false;
	if (strcmp(r->name, "item-affinity") == 0 || strcmp(r->name, "item-attribute-affinity") == 0)
	{
		/* user segments are measured as Personalize measures them (recipe_affinity.c) */
		RecSegmentMetrics(ds, &q, strcmp(r->name, "item-affinity") != 0, buf);
		return;
	}
	if (r->train == RecTrainTrending)
	{
		/* trends are measured on the newest window of time, not on held-out users (recipe_trending.c) */
		RecTrendMetrics(ds, &q, buf);
		return;
	}
	for (u = 0; u < ds->n_users; u++)
		held[u] = RecInOfflineHoldout(ds->user_ids[u]);
	RecTimeSplit(ds, held, &split);
	if (split.n_eval == 0 || split.n_eval == ds->n_users)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	memset(train_user, true, sizeof(bool) * ds->n_users);
	for (u = 0; u < split.n_eval; u++)
		train_user[split.eval_users[u]] = false;

	coverage = RecEvaluateSplit(TrainRecipe(r, RecSubsetUsers(ds, train_user, NULL), &q),
								ds, &split, &mean);
	appendStringInfo(buf,
					 "{\"coverage\": %.6f, \"mean_reciprocal_rank_at_25\": %.6f, "
					 "\"normalized_discounted_cumulative_gain_at_5\": %.6f, "
					 "\"normalized_discounted_cumulative_gain_at_10\": %.6f, "
					 "\"normalized_discounted_cumulative_gain_at_25\": %.6f, "
					 "\"precision_at_5\": %.6f, \"precision_at_10\": %.6f, \"precision_at_25\": %.6f, "
					 "\"holdout_users\": %d}",
					 coverage, mean.mrr25, mean.ndcg5, mean.ndcg10, mean.ndcg25,
					 mean.p5, mean.p10, mean.p25, split.n_eval);
}

/* Insert the solution row for a new solution, unless another session just did */
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
 * Find the solution, creating it first when a recipe is given and it does
 * not exist, and lock it (FOR NO KEY UPDATE: deploying it meanwhile still
 * works); fill the dataset group and stored parameters it trains with.  The
 * row is read again after creating it, so a session that created the same
 * solution at the same time with another recipe or group is caught.
 */
static const RecRecipe *
OpenSolution(const char *solution, const char *recipe_name, const char *group,
			 Datum call_params, char **group_out, Datum *stored_params)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int			attempt;

	args[0] = CStringGetTextDatum(solution);
	for (attempt = 0;; attempt++)
	{
		int			ret = SPI_execute_with_args("SELECT recipe, dataset_group, params FROM rec.solution"
												" WHERE name OPERATOR(pg_catalog.=) $1 FOR NO KEY UPDATE",
												1, argtypes, args, NULL, false, 1);
		RecBinding	binding;

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
			*stored_params = datumCopy(SPI_getbinval(tuple, desc, 3, &isnull), false, -1);
			return FindRecipe(has_recipe);
		}
		if (recipe_name == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("solution \"%s\" does not exist", solution),
					 errhint("Give a recipe to create it: rec.train('%s', 'user-personalization').", solution)));
		if (attempt > 0)
			elog(ERROR, "solution \"%s\" vanished while being created", solution);
		RecLookupDatasetGroup(group ? group : "default", &binding);
		CreateSolution(solution, FindRecipe(recipe_name), binding.group, call_params);
	}
}

/* Say at DEBUG1 how long reading the events took (for benchmarks) */
static void
ReportRead(const char *how, const RecDataset *ds, TimestampTz started, TimestampTz collected)
{
	TimestampTz now = GetCurrentTimestamp();

	if (collected == 0)
		ereport(DEBUG1,
				(errmsg_internal("read %lld events (%s) in %.3f s",
								 (long long) ds->n_events, how, (double) (now - started) / USECS_PER_SEC)));
	else
		ereport(DEBUG1,
				(errmsg_internal("read %lld events (%s) in %.3f s, of which %.3f s building the dataset",
								 (long long) ds->n_events, how, (double) (now - started) / USECS_PER_SEC,
								 (double) (now - collected) / USECS_PER_SEC)));
}

/*
 * Read the events to train on: the given collected events (of shards), or
 * the group's relation with the parallel-safe aggregate when
 * rec.parallel_read is on, or in one cursor pass.
 */
/* not inlined: inlined, its ds draws a false -Wclobbered from gcc (set before the caller's PG_TRY) */
static pg_noinline RecDataset *
ReadDataset(const RecBinding *binding, const char *event_type, ArrayType *events)
{
	TimestampTz started = GetCurrentTimestamp();
	TimestampTz collected;
	RecDataset *ds;
	RecEventSet *set = NULL;
	Datum	   *parts;
	bool	   *nulls;
	int			nparts;
	int			i;

	/*
	 * Event collections hold integer ids, and neither event types nor values:
	 * a keyed group, and a version weighing its events by type or value, read
	 * in one pass; collections given to train on cannot be weighed.
	 */
	if (events != NULL && (binding->event_weights != NULL || !isnan(binding->value_threshold)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("event collections cannot be trained with event_weights or event_value_threshold"),
				 errdetail("A collection holds only the user, item and time of each event."),
				 errhint("Train with rec.train() where the events are, or without these parameters.")));
	if (events == NULL && (!rec_parallel_read || binding->user_kind != REC_KEY_INT ||
						   binding->item_kind != REC_KEY_INT ||
						   binding->event_weights != NULL || !isnan(binding->value_threshold)))
	{
		ds = RecLoadDataset(binding, event_type, NULL, true);
		ReportRead("cursor", ds, started, 0);
		return ds;
	}
	if (events == NULL)
	{
		Oid			argtypes[1];
		Datum		args[1];
		int			nargs;
		char	   *sql = RecCollectEventsQuery(binding, event_type, &nargs, argtypes, args);

		set = RecCollectEvents(sql, nargs, argtypes, args);
		collected = GetCurrentTimestamp();
		ds = RecDatasetFromEvents(set, binding, true);
		ReportRead("parallel", ds, started, collected);
		return ds;
	}
	if (ARR_NDIM(events) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("events must be a one-dimensional array")));
	deconstruct_array(events, BYTEAOID, -1, false, TYPALIGN_INT, &parts, &nulls, &nparts);
	for (i = 0; i < nparts; i++)
	{
		RecEventSet *part;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("events must not contain nulls")));
		part = RecEventSetFromBytea(DatumGetByteaPP(parts[i]));
		if (set == NULL)
			set = part;
		else
			RecEventSetMerge(set, part);
	}
	if (set == NULL)
	{
		set = palloc0(sizeof(RecEventSet));
		set->sorted = true;
	}
	collected = GetCurrentTimestamp();
	ds = RecDatasetFromEvents(set, binding, true);
	ReportRead("collections", ds, started, collected);
	return ds;
}

/*
 * Train a new version of a solution, creating the solution on first use, and
 * return its id; events, when not NULL, are collected events to train on
 * instead of the group's relation.
 */
static int64
TrainSolution(FunctionCallInfo fcinfo, ArrayType *events)
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
	MemoryContext metrics_cxt;
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
	RecRequirePrimary("train",
					  "Train on the primary server; this standby serves the new version once it is replayed.");

	train_cxt = AllocSetContextCreate(CurrentMemoryContext, "rec training", ALLOCSET_DEFAULT_SIZES);
	SPI_connect();
	old = MemoryContextSwitchTo(train_cxt);

	r = OpenSolution(solution, recipe_name, group_arg, PG_GETARG_DATUM(3), &group, &stored_params);
	p = r->defaults;
	ApplyParams(r, stored_params, &p);
	ApplyParams(r, PG_GETARG_DATUM(3), &p);
	RecLookupDatasetGroup(group, &binding);
	binding.event_weights = p.event_weights;
	if (p.has_value_threshold)
		binding.value_threshold = p.event_value_threshold;

	ds = ReadDataset(&binding, events ? NULL : p.event_type, events);
	if (ds->n_events == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 p.event_type ?
				 errmsg("dataset group \"%s\" has no interactions of event type \"%s\"", group, p.event_type) :
				 errmsg("dataset group \"%s\" has no interactions", group),
				 errhint("Load events with INSERT, COPY or rec.log_event().")));
	if (ds->n_events < REC_MIN_EVENTS || (r->train != RecTrainPopularity && r->train != RecTrainTrending && ds->n_warm < 2))
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
		m = TrainRecipe(r, ds, &p);
		/* the metrics phase: its holdout models and lists go when it ends (metrics grows where it was made) */
		metrics_cxt = AllocSetContextCreate(train_cxt, "rec training: metrics", ALLOCSET_DEFAULT_SIZES);
		MemoryContextSwitchTo(metrics_cxt);
		OfflineMetrics(r, ds, &p, &metrics);
		MemoryContextSwitchTo(train_cxt);
		MemoryContextDelete(metrics_cxt);
	}
	PG_FINALLY();
	{
		RecSetBlasThreads(1);
		RecReleaseWorkers();
	}
	PG_END_TRY();

	{
		Oid			argtypes[9] = {TEXTOID, TEXTOID, JSONBOID, JSONBOID, INT4OID, INT4OID,
		INT8OID, FLOAT8OID, BYTEAOID};
		Datum		args[9];
		bool		isnull;
		RecModelImage *img = RecNewModelImage(m);

		args[0] = CStringGetTextDatum(solution);
		args[1] = CStringGetTextDatum(r->name);
		args[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(ParamsJson(r, &p)));
		args[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum(metrics.data));
		args[4] = Int32GetDatum(ds->n_users);
		args[5] = Int32GetDatum(ds->n_items);
		args[6] = Int64GetDatum(ds->n_events);
		args[7] = Float8GetDatum((double) (GetCurrentTimestamp() - started) / USECS_PER_SEC);
		args[8] = PointerGetDatum(RecModelHead(img));
		/* no row count: a count stops the statement before its AFTER STATEMENT triggers */
		if (SPI_execute_with_args("INSERT INTO rec.solution_version"
								  " (solution, recipe, params, metrics, n_users, n_items, n_interactions,"
								  "  training_seconds, model)"
								  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
								  9, argtypes, args, NULL, false, 0) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "storing the solution version failed");
		version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		/* a model larger than rec.model_chunk_size continues in rec.model_chunk */
		RecStoreModelChunks(img, version);
	}

	MemoryContextSwitchTo(old);
	SPI_finish();
	MemoryContextDelete(train_cxt);
	return version;
}

/*
 * rec.train(solution, recipe, dataset_group, params) trains a new version of
 * a solution, creating the solution on first use, and returns its id.
 */
Datum
rec_train(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(TrainSolution(fcinfo, NULL));
}

/*
 * rec.train_from_events(solution, recipe, dataset_group, params, events)
 * trains like rec.train on collected events (partial states of
 * rec.collect_events, e.g. one per shard) instead of the group's relation;
 * the group still gives the items relation.
 */
Datum
rec_train_from_events(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("events must not be null")));
	PG_RETURN_INT64(TrainSolution(fcinfo, PG_GETARG_ARRAYTYPE_P(4)));
}

/* rec.recipes() lists the recipes with their algorithm and description */
Datum
rec_recipes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	RecInitResultSet(fcinfo);
	for (i = 0; i < (int) lengthof(recipes); i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(recipes[i].name);
		values[1] = CStringGetTextDatum(recipes[i].algorithm);
		values[2] = CStringGetTextDatum(recipes[i].description);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Return the SQL name of a parameter type */
static const char *
ParamTypeName(ParamType type)
{
	switch (type)
	{
		case PARAM_NUMBER:
			return "number";
		case PARAM_INTEGER:
			return "integer";
		case PARAM_BOOLEAN:
			return "boolean";
		case PARAM_STRING:
			return "string";
		case PARAM_OPTIONAL_NUMBER:
			return "number";
		case PARAM_WEIGHTS:
			return "object";
		case PARAM_DURATION:
			return "interval";
	}
	return "number";
}

/*
 * rec.recipe_parameters(recipe) returns (recipe, parameter, type,
 * default_value, min_value, max_value, description): one row per parameter
 * a recipe accepts (of every recipe when recipe is NULL).
 */
Datum
rec_recipe_parameters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const RecRecipe *only = PG_ARGISNULL(0) ? NULL : FindRecipe(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	int			i;
	int			s;

	RecInitResultSet(fcinfo);
	for (i = 0; i < (int) lengthof(recipes); i++)
	{
		const RecRecipe *r = &recipes[i];

		if (only && only != r)
			continue;
		for (s = 0; s < (int) lengthof(param_specs); s++)
		{
			const ParamSpec *spec = &param_specs[s];
			const char *at = (const char *) &r->defaults + spec->offset;
			bool		ranged = spec->type == PARAM_NUMBER || spec->type == PARAM_INTEGER ||
				spec->type == PARAM_OPTIONAL_NUMBER || spec->type == PARAM_WEIGHTS ||
				spec->type == PARAM_DURATION;
			Datum		values[7];
			bool		nulls[7] = {false, false, false, false, !ranged, !ranged, false};

			if (!Accepts(r, spec->name))
				continue;
			values[0] = CStringGetTextDatum(r->name);
			values[1] = CStringGetTextDatum(spec->name);
			values[2] = CStringGetTextDatum(ParamTypeName(spec->type));
			if (spec->type == PARAM_OPTIONAL_NUMBER || spec->type == PARAM_WEIGHTS)
				nulls[3] = true;	/* no default: every event counts, each weighs 1 */
			else if (spec->type == PARAM_STRING)
			{
				nulls[3] = *(char *const *) at == NULL;
				if (!nulls[3])
					values[3] = CStringGetTextDatum(*(char *const *) at);
			}
			else if (spec->type == PARAM_BOOLEAN)
				values[3] = CStringGetTextDatum(*(const bool *) at ? "true" : "false");
			else if (spec->type == PARAM_INTEGER && *(const int *) at < 0)
				values[3] = CStringGetTextDatum("auto");	/* neighbors: chosen at training */
			else if (spec->type == PARAM_DURATION && *(const double *) at == 0)
				values[3] = CStringGetTextDatum("auto");	/* trend_window: chosen at training */
			else if (spec->type == PARAM_INTEGER)
				values[3] = CStringGetTextDatum(psprintf("%d", *(const int *) at));
			else
				values[3] = CStringGetTextDatum(psprintf("%.15g", *(const double *) at));
			values[4] = Float8GetDatum(spec->min);
			values[5] = Float8GetDatum(spec->max);
			values[6] = CStringGetTextDatum(spec->description);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
