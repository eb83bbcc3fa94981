/*
 * refresh.c
 *	  rec.refresh: a trained version brought up to date without retraining.
 *
 * The base version's warm items keep their dense indices, so its neighbour
 * or dense EASE weights are reused as they are; every other item of the
 * catalogue now (new items, and items that were cold) follows them as a
 * cold item.  Popularity, item ages and categories are recomputed from the
 * events and items read now, so new and newly popular items reach the
 * fallback and the new-items (exploration) index.  The transitions, when
 * the version has them, are solved again over the events read now on the
 * base version's warm items, with its trained decay, window and
 * regularisation (no tuning), dense or sparse as it was trained: a sequence
 * users started after training follows their newest events at once.  That
 * is one solve of the transitions, not the EASE solve nor the tuning.
 */
#include "rec.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "recipe.h"

/* The trained transition values a refresh solves the transitions with */
typedef struct Transitions
{
	double		decay;
	int			window;
	double		lambda;			/* their own regularisation, or EASE's */
	int			neighbors;		/* the model's neighbours per item; 0: dense */
} Transitions;

/*
 * Return ds restricted to the events on the base model's warm items, with
 * each item as the model's index (to_model), and n_warm of them: what the
 * transition solvers read.
 */
static RecDataset *
WarmView(const RecDataset *ds, const int32 *to_model, int n_warm)
{
	RecDataset *v = palloc(sizeof(RecDataset));
	Size		n_ev = Max(ds->n_events, 1);
	int64		n = 0;
	int			u;

	*v = *ds;
	v->n_warm = n_warm;
	v->user_off = palloc(sizeof(int64) * (ds->n_users + 1));
	v->ev_item = palloc_extended(sizeof(int32) * n_ev, MCXT_ALLOC_HUGE);
	v->ev_time = palloc_extended(sizeof(float8) * n_ev, MCXT_ALLOC_HUGE);
	v->ev_weight = ds->ev_weight ? palloc_extended(sizeof(float) * n_ev, MCXT_ALLOC_HUGE) : NULL;
	for (u = 0; u < ds->n_users; u++)
	{
		int64		e;

		CHECK_FOR_INTERRUPTS();
		v->user_off[u] = n;
		for (e = ds->user_off[u]; e < ds->user_off[u + 1]; e++)
		{
			int32		j = to_model[ds->ev_item[e]];

			if (j < 0 || j >= n_warm)
				continue;
			v->ev_item[n] = j;
			v->ev_time[n] = ds->ev_time[e];
			if (v->ev_weight)
				v->ev_weight[n] = ds->ev_weight[e];
			n++;
		}
	}
	v->user_off[ds->n_users] = n;
	v->n_events = n;
	return v;
}

/* Solve the model's transitions again over the warm view of the events read now */
static void
RefitTransitions(RecModel *m, const RecDataset *ds, const int32 *to_model, const Transitions *t)
{
	RecDataset *v = WarmView(ds, to_model, m->n_warm);

	if (t->neighbors == 0)
	{
		m->trans = RecTransitionSolve(v, t->decay, t->window, t->lambda);
		m->n_trans = m->n_warm;
	}
	else
	{
		int			nb = RecTransitionNeighbors(t->neighbors);
		RecSparseRows xx;
		RecSparseRows xy;

		RecSparseTransitionStats(v, t->decay, t->window, nb, &xx, &xy);
		RecSparseTransitionsInto(m, &xx, &xy, nb, t->lambda, NULL);
		RecFreeSparseRows(&xx);
		RecFreeSparseRows(&xy);
	}
}

PG_FUNCTION_INFO_V1(rec_refresh_version);

/* Return column col of an SPI row as a float8 (a float8 or int4 column), 0 if null */
static double
DatumGetFloat8OrZero(HeapTuple tuple, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, desc, col, &isnull);

	if (isnull)
		return 0;
	return SPI_gettypeid(desc, col) == INT4OID ? (double) DatumGetInt32(d) : DatumGetFloat8(d);
}

/* Build the refreshed model of base over the dataset read now */
static RecModel *
RefreshModel(const RecModel *base, const RecDataset *ds, const Transitions *t)
{
	RecModel   *m = palloc(sizeof(RecModel));
	int32	   *to_model = RecDatasetToModel(ds, base);
	int32	   *to_new = palloc(sizeof(int32) * Max(ds->n_items, 1));
	int32	   *from_ds;		/* [n_items] new index -> dataset index, or -1 */
	int			n = base->n_warm;
	int			i;
	int64		e;
	int64		nnz = 0;

	for (i = 0; i < ds->n_items; i++)
		if (to_model[i] < 0 || to_model[i] >= base->n_warm)
			n++;
	from_ds = palloc(sizeof(int32) * Max(n, 1));
	for (i = 0; i < base->n_warm; i++)
		from_ds[i] = -1;
	n = base->n_warm;
	for (i = 0; i < ds->n_items; i++)
	{
		if (to_model[i] >= 0 && to_model[i] < base->n_warm)
		{
			to_new[i] = to_model[i];
			from_ds[to_model[i]] = i;
		}
		else
		{
			to_new[i] = n;
			from_ds[n++] = i;
		}
	}

	*m = *base;
	m->serving = NULL;
	m->category_names = NULL;
	m->by_id = NULL;
	m->n_items = n;
	m->n_categories = ds->n_categories;
	m->item_ids = palloc(sizeof(int64) * Max(n, 1));
	m->popularity = palloc0(sizeof(float) * Max(n, 1));
	m->item_age = palloc(sizeof(float) * Max(n, 1));
	m->cat_off = palloc(sizeof(int32) * (n + 1));
	m->cat_idx = palloc(sizeof(int32) * Max(ds->cat_off[ds->n_items], 1));
	if (m->key_kind != REC_KEY_INT)
	{
		m->key_off = palloc(sizeof(int64) * (n + 1));
		m->key_bytes = 0;
		for (i = 0; i < n; i++)
			m->key_bytes += from_ds[i] < 0 ? base->key_off[i + 1] - base->key_off[i] :
				ds->item_keys->off[from_ds[i] + 1] - ds->item_keys->off[from_ds[i]];
		m->key_data = palloc(Max(m->key_bytes, 1));
		m->key_off[0] = 0;
	}
	for (i = 0; i < n; i++)
	{
		int			d = from_ds[i];

		CHECK_FOR_INTERRUPTS();
		m->item_ids[i] = d < 0 ? base->item_ids[i] : ds->item_ids[d];
		m->item_age[i] = d < 0 ? base->item_age[i] :
			(float) ((ds->max_time - ds->item_created[d]) / SECS_PER_DAY);
		m->cat_off[i] = (int32) nnz;
		if (d >= 0)
		{
			int32		c;

			for (c = ds->cat_off[d]; c < ds->cat_off[d + 1]; c++)
				m->cat_idx[nnz++] = ds->cat_idx[c];
		}
		if (m->key_kind != REC_KEY_INT)
		{
			const char *src = d < 0 ? base->key_data + base->key_off[i] :
				ds->item_keys->data + ds->item_keys->off[d];
			int64		len = d < 0 ? base->key_off[i + 1] - base->key_off[i] :
				ds->item_keys->off[d + 1] - ds->item_keys->off[d];

			memcpy(m->key_data + m->key_off[i], src, len);
			m->key_off[i + 1] = m->key_off[i] + len;
		}
	}
	m->cat_off[n] = (int32) nnz;
	m->nnz_categories = (int32) nnz;
	for (e = 0; e < ds->n_events; e++)
		m->popularity[to_new[ds->ev_item[e]]] += ds->ev_weight ? ds->ev_weight[e] : 1.0f;
	if (t && base->n_trans > 0)
		RefitTransitions(m, ds, to_model, t);
	return m;
}

/*
 * rec_internal.refresh_version(version) stores a refreshed copy of a solution
 * version as a new version of the same solution and returns its id; the
 * caller (rec.refresh) holds the solution's lock.
 */
Datum
rec_refresh_version(PG_FUNCTION_ARGS)
{
	int64		base_version = PG_GETARG_INT64(0);
	TimestampTz started = GetCurrentTimestamp();
	MemoryContext cxt;
	MemoryContext old;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	RecBinding	binding;
	RecDataset *ds;
	RecModel   *base;
	RecModel   *m;
	RecModelImage *img;
	HeapTuple	tuple;
	TupleDesc	desc;
	char	   *event_type;
	char	   *weights;
	char	   *threshold;
	bool		isnull;
	int64		version;
	Transitions trans;
	bool		has_transitions;

	RecRequirePrimary("refresh", "Refresh on the primary server.");
	cxt = AllocSetContextCreate(CurrentMemoryContext, "rec refresh", ALLOCSET_DEFAULT_SIZES);
	SPI_connect();
	old = MemoryContextSwitchTo(cxt);

	args[0] = Int64GetDatum(base_version);
	if (SPI_execute_with_args("SELECT s.dataset_group, sv.params->>'event_type',"
							  " sv.params->>'event_weights', sv.params->>'event_value_threshold',"
							  " (sv.params->>'transition_weight')::float8, (sv.params->>'transition_decay')::float8,"
							  " (sv.params->>'transition_window')::int4, (sv.params->>'transition_lambda')::float8,"
							  " (sv.params->>'lambda')::float8, (sv.params->>'neighbors')::int4"
							  " FROM rec.solution_version sv JOIN rec.solution s ON s.name OPERATOR(pg_catalog.=) sv.solution"
							  " WHERE sv.id OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "solution version " INT64_FORMAT " not found", base_version);
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	RecLookupDatasetGroup(SPI_getvalue(tuple, desc, 1), &binding);
	event_type = SPI_getvalue(tuple, desc, 2);
	weights = SPI_getvalue(tuple, desc, 3);
	threshold = SPI_getvalue(tuple, desc, 4);
	binding.event_weights = weights;
	if (threshold)
		binding.value_threshold = strtod(threshold, NULL);
	/* the trained transition values, when the version has transitions */
	has_transitions = DatumGetFloat8OrZero(tuple, desc, 5) > 0;
	trans.decay = DatumGetFloat8OrZero(tuple, desc, 6);
	trans.window = (int) DatumGetFloat8OrZero(tuple, desc, 7);
	trans.lambda = DatumGetFloat8OrZero(tuple, desc, 8);
	if (trans.lambda <= 0)
		trans.lambda = DatumGetFloat8OrZero(tuple, desc, 9);
	trans.neighbors = (int) DatumGetFloat8OrZero(tuple, desc, 10);

	base = RecLoadStoredModel(base_version);
	ds = RecLoadDataset(&binding, event_type, NULL, true);
	m = RefreshModel(base, ds, has_transitions ? &trans : NULL);
	img = RecNewModelImage(m);

	{
		Oid			t2[6] = {INT8OID, FLOAT8OID, BYTEAOID, INT4OID, INT4OID, INT8OID};
		Datum		a2[6];

		a2[0] = Int64GetDatum(base_version);
		a2[1] = Float8GetDatum((double) (GetCurrentTimestamp() - started) / USECS_PER_SEC);
		a2[2] = PointerGetDatum(RecModelHead(img));
		a2[3] = Int32GetDatum(ds->n_users);
		a2[4] = Int32GetDatum(m->n_items);
		a2[5] = Int64GetDatum(ds->n_events);
		/* no row count: a count stops the statement before its AFTER STATEMENT triggers */
		if (SPI_execute_with_args("INSERT INTO rec.solution_version"
								  " (solution, recipe, params, metrics, n_users, n_items, n_interactions,"
								  "  training_seconds, model)"
								  " SELECT sv.solution, sv.recipe, sv.params,"
								  "  pg_catalog.jsonb_build_object('refreshed_from', $1), $4, $5, $6, $2, $3"
								  " FROM rec.solution_version sv WHERE sv.id OPERATOR(pg_catalog.=) $1 RETURNING id",
								  6, t2, a2, NULL, false, 0) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "storing the refreshed version failed");
	}
	version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	RecStoreModelChunks(img, version);
	MemoryContextSwitchTo(old);
	SPI_finish();
	MemoryContextDelete(cxt);
	PG_RETURN_INT64(version);
}
