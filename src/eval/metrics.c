/*
 * metrics.c
 *	  Ranking metrics: precision, recall, NDCG, MRR and hit rate at k, as
 *	  functions over one list and as aggregates over ranked rows.
 *
 * The Rec* functions score plain int64 arrays and are shared with the
 * training code; the rec_* functions are the SQL entry points.  Positions
 * are 1-based, only the first k recommendations are scored, and an id that
 * is recommended more than once counts only at its first position.
 *
 * Every metric is computed from a hit vector: position i of the first k is
 * a hit when it holds a relevant id not recommended before.  The per-list
 * functions build it from the two arrays; the aggregates keep the set of
 * relevant ranks <= k (a bitmap, combined by union, so they run in parallel
 * workers) and rebuild it in their final function.  Both forms then run the
 * same code on the same vector, so their results are exactly equal.
 */
#include "rec.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "metrics.h"
#include "score.h"

/* Signature shared by the per-list metric functions */
typedef double (*RecMetricFunc) (const int64 *rec, int nrec,
								 const RecRelevantSet *rel, int k);

/* Order two int64 values ascending, for qsort */
static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	if (x < y)
		return -1;
	if (x > y)
		return 1;
	return 0;
}

/* Build a relevant set from ids: a sorted copy with duplicates removed (scratch: RecScratchAlloc) */
void
RecRelevantSetInit(RecRelevantSet *set, const int64 *ids, int n)
{
	int			m = 0;

	set->n = 0;
	set->ids = NULL;
	if (n <= 0)
		return;

	set->ids = (int64 *) RecScratchAlloc(sizeof(int64) * n, false);
	memcpy(set->ids, ids, sizeof(int64) * n);
	qsort(set->ids, n, sizeof(int64), CompareInt64);
	for (int i = 0; i < n; i++)
	{
		if (m == 0 || set->ids[i] != set->ids[m - 1])
			set->ids[m++] = set->ids[i];
	}
	set->n = m;
}

/* Release the memory of a relevant set and leave it empty */
void
RecRelevantSetFree(RecRelevantSet *set)
{
	if (set->ids != NULL)
		RecScratchFree(set->ids);
	set->ids = NULL;
	set->n = 0;
}

/* Report whether id is in the relevant set, by binary search */
bool
RecRelevantSetContains(const RecRelevantSet *set, int64 id)
{
	int			lo = 0;
	int			hi = set->n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int64		v = set->ids[mid];

		if (v == id)
			return true;
		if (v < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/* Return how many leading entries of a list of nrec are scored at k */
static inline int
ScoredLength(int nrec, int k)
{
	if (k <= 0 || nrec <= 0)
		return 0;
	return Min(nrec, k);
}

/* Report whether rec[i] is relevant and not already recommended before i */
static inline bool
IsNewHit(const int64 *rec, int i, const RecRelevantSet *rel)
{
	if (!RecRelevantSetContains(rel, rec[i]))
		return false;
	for (int j = 0; j < i; j++)
	{
		if (rec[j] == rec[i])
			return false;
	}
	return true;
}

/*
 * Mark the hits of the first len recommendations; return a vector of
 * scratch (RecScratchAlloc), NULL when len is 0.  Every metric is computed from this vector, which the
 * aggregates rebuild from ranks: that makes both forms exactly equal.
 */
static bool *
HitVector(const int64 *rec, int len, const RecRelevantSet *rel)
{
	bool	   *hits;

	if (len <= 0)
		return NULL;
	hits = (bool *) RecScratchAlloc(sizeof(bool) * len, false);
	for (int i = 0; i < len; i++)
		hits[i] = rel->n > 0 && IsNewHit(rec, i, rel);
	return hits;
}

/* Count the hits of a hit vector */
static int
CountHits(const bool *hits, int len)
{
	int			n = 0;

	for (int i = 0; i < len; i++)
		n += hits[i] ? 1 : 0;
	return n;
}

/* Compute precision at k from the hits of the first len <= k positions */
double
RecPrecisionFromHits(const bool *hits, int len, int k)
{
	if (k <= 0)
		return 0.0;
	return (double) CountHits(hits, len) / (double) k;
}

/* Compute recall at k from the hits of the first len <= k positions */
double
RecRecallFromHits(const bool *hits, int len, int n_relevant, int k)
{
	if (k <= 0 || n_relevant <= 0)
		return 0.0;
	return (double) CountHits(hits, len) / (double) n_relevant;
}

/* Compute binary NDCG at k, with the ideal DCG over min(k, n_relevant) hits */
double
RecNdcgFromHits(const bool *hits, int len, int n_relevant, int k)
{
	int			nideal;
	double		dcg = 0.0;
	double		idcg = 0.0;

	if (k <= 0 || n_relevant <= 0)
		return 0.0;

	for (int i = 0; i < len; i++)
	{
		if (hits[i])
			dcg += 1.0 / log2((double) i + 2.0);
	}
	if (dcg == 0.0)
		return 0.0;

	nideal = Min(k, n_relevant);
	for (int i = 0; i < nideal; i++)
		idcg += 1.0 / log2((double) i + 2.0);
	return dcg / idcg;
}

/* Compute the reciprocal rank of the first hit among len positions */
double
RecMrrFromHits(const bool *hits, int len)
{
	for (int i = 0; i < len; i++)
	{
		if (hits[i])
			return 1.0 / (double) (i + 1);
	}
	return 0.0;
}

/* Return 1 when any of len positions is a hit, else 0 */
double
RecHitFromHits(const bool *hits, int len)
{
	for (int i = 0; i < len; i++)
	{
		if (hits[i])
			return 1.0;
	}
	return 0.0;
}

/* Compute precision at k: hits in the first k divided by k */
double
RecPrecisionAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	int			len = ScoredLength(nrec, k);
	bool	   *hits = HitVector(rec, len, rel);
	double		v = RecPrecisionFromHits(hits, len, k);

	if (hits)
		RecScratchFree(hits);
	return v;
}

/* Compute recall at k: hits in the first k divided by the relevant count */
double
RecRecallAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	int			len = ScoredLength(nrec, k);
	bool	   *hits = HitVector(rec, len, rel);
	double		v = RecRecallFromHits(hits, len, rel->n, k);

	if (hits)
		RecScratchFree(hits);
	return v;
}

/* Compute binary NDCG at k, with the ideal DCG over min(k, relevant) hits */
double
RecNdcgAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	int			len = ScoredLength(nrec, k);
	bool	   *hits = HitVector(rec, len, rel);
	double		v = RecNdcgFromHits(hits, len, rel->n, k);

	if (hits)
		RecScratchFree(hits);
	return v;
}

/* Compute the reciprocal rank of the first hit; k <= 0 scores the whole list */
double
RecMrrAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	int			len = (k <= 0) ? Max(nrec, 0) : ScoredLength(nrec, k);
	bool	   *hits = HitVector(rec, len, rel);
	double		v = RecMrrFromHits(hits, len);

	if (hits)
		RecScratchFree(hits);
	return v;
}

/* Return 1 when any of the first k recommendations is relevant, else 0 */
double
RecHitAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	int			len = ScoredLength(nrec, k);
	bool	   *hits = HitVector(rec, len, rel);
	double		v = RecHitFromHits(hits, len);

	if (hits)
		RecScratchFree(hits);
	return v;
}

/* Fill out with the standard metric set of one recommended list */
void
RecScoreList(const int64 *rec, int nrec, const int64 *relevant, int nrel,
			 RecListMetrics *out)
{
	RecRelevantSet rel;

	RecRelevantSetInit(&rel, relevant, nrel);
	out->mrr25 = RecMrrAtK(rec, nrec, &rel, 25);
	out->ndcg5 = RecNdcgAtK(rec, nrec, &rel, 5);
	out->ndcg10 = RecNdcgAtK(rec, nrec, &rel, 10);
	out->ndcg25 = RecNdcgAtK(rec, nrec, &rel, 25);
	out->p5 = RecPrecisionAtK(rec, nrec, &rel, 5);
	out->p10 = RecPrecisionAtK(rec, nrec, &rel, 10);
	out->p25 = RecPrecisionAtK(rec, nrec, &rel, 25);
	out->recall10 = RecRecallAtK(rec, nrec, &rel, 10);
	out->recall25 = RecRecallAtK(rec, nrec, &rel, 25);
	out->hit10 = RecHitAtK(rec, nrec, &rel, 10);
	RecRelevantSetFree(&rel);
}

/* One key of a text or uuid metric argument, with where it came from */
typedef struct KeyAt
{
	char	   *text;			/* its text */
	int64	   *slot;			/* where its ordinal goes */
} KeyAt;

static int
CompareKeyAt(const void *a, const void *b)
{
	return strcmp(((const KeyAt *) a)->text, ((const KeyAt *) b)->text);
}

/*
 * Turn two arrays of text or uuid ids into int64 ids for the metrics: equal
 * keys get equal ids, different keys different ones (their order among all
 * the keys of both lists), so the metrics are exact.
 */
static void
KeysToIds(ArrayType *recarr, ArrayType *relarr, int64 **rec, int *nrec, int64 **rel, int *nrel)
{
	Datum	   *rd = RecArrayElements(recarr, "recommended", nrec);
	Datum	   *ld = RecArrayElements(relarr, "relevant", nrel);
	int			n = *nrec + *nrel;
	KeyAt	   *keys = palloc(sizeof(KeyAt) * Max(n, 1));
	Oid			out;
	bool		varlena;
	int64		ordinal = 0;
	int			i;

	getTypeOutputInfo(ARR_ELEMTYPE(recarr), &out, &varlena);
	*rec = palloc(sizeof(int64) * Max(*nrec, 1));
	*rel = palloc(sizeof(int64) * Max(*nrel, 1));
	for (i = 0; i < n; i++)
	{
		keys[i].text = OidOutputFunctionCall(out, i < *nrec ? rd[i] : ld[i - *nrec]);
		keys[i].slot = i < *nrec ? &(*rec)[i] : &(*rel)[i - *nrec];
	}
	qsort(keys, n, sizeof(KeyAt), CompareKeyAt);
	for (i = 0; i < n; i++)
	{
		if (i > 0 && strcmp(keys[i - 1].text, keys[i].text) != 0)
			ordinal++;
		*keys[i].slot = ordinal;
	}
	pfree(keys);
}

/* Run one metric on the SQL arguments (recommended, relevant, k) */
static Datum
CallMetric(FunctionCallInfo fcinfo, RecMetricFunc metric,
			bool null_if_no_relevant)
{
	ArrayType  *recarr = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *relarr = PG_GETARG_ARRAYTYPE_P(1);
	int32		k = PG_GETARG_INT32(2);
	int64	   *rec;
	int64	   *relids;
	int			nrec;
	int			nrel;
	RecRelevantSet rel;
	double		result;
	bool		isnull;

	RecCheckK(k);
	if (ARR_ELEMTYPE(recarr) == INT8OID)
	{
		rec = RecArrayToIds(recarr, "recommended", &nrec);
		relids = RecArrayToIds(relarr, "relevant", &nrel);
	}
	else
		KeysToIds(recarr, relarr, &rec, &nrec, &relids, &nrel);
	RecRelevantSetInit(&rel, relids, nrel);

	isnull = (rel.n == 0 && null_if_no_relevant);
	result = isnull ? 0.0 : metric(rec, nrec, &rel, k);

	RecRelevantSetFree(&rel);
	if (relids != NULL)
		pfree(relids);
	if (rec != NULL)
		pfree(rec);
	PG_FREE_IF_COPY(recarr, 0);
	PG_FREE_IF_COPY(relarr, 1);

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

PG_FUNCTION_INFO_V1(rec_precision_at_k);

/* Return the share of the first k recommendations that are relevant */
Datum
rec_precision_at_k(PG_FUNCTION_ARGS)
{
	return CallMetric(fcinfo, RecPrecisionAtK, false);
}

PG_FUNCTION_INFO_V1(rec_recall_at_k);

/* Return the share of relevant ids found in the first k, NULL if none */
Datum
rec_recall_at_k(PG_FUNCTION_ARGS)
{
	return CallMetric(fcinfo, RecRecallAtK, true);
}

PG_FUNCTION_INFO_V1(rec_ndcg_at_k);

/* Return the binary NDCG of the first k, NULL if relevant is empty */
Datum
rec_ndcg_at_k(PG_FUNCTION_ARGS)
{
	return CallMetric(fcinfo, RecNdcgAtK, true);
}

PG_FUNCTION_INFO_V1(rec_mrr);

/* Return the reciprocal rank of the first hit within the first k */
Datum
rec_mrr(PG_FUNCTION_ARGS)
{
	return CallMetric(fcinfo, RecMrrAtK, false);
}

PG_FUNCTION_INFO_V1(rec_hit_at_k);

/* Return 1 if any of the first k recommendations is relevant, else 0 */
Datum
rec_hit_at_k(PG_FUNCTION_ARGS)
{
	return CallMetric(fcinfo, RecHitAtK, false);
}


/*
 * Aggregates over ranked rows: rec.ndcg_agg(rank, relevant, n_relevant, k),
 * rec.recall_agg(rank, relevant, n_relevant, k), rec.precision_agg(rank,
 * relevant, k), rec.mrr_agg(rank, relevant, k), rec.hit_agg(rank, relevant,
 * k).  One group is one user's recommended list.
 */

/* The state of a metric aggregate: which ranks <= k are relevant */
typedef struct RankState
{
	int32		vl_len_;		/* varlena header, so the state is its own serial form */
	int32		k;				/* k of every row of the group */
	int32		n_relevant;		/* relevant items of the group; -1 if not an argument */
	uint8		relevant[FLEXIBLE_ARRAY_MEMBER];	/* bit r - 1: rank r is relevant */
} RankState;

#define RANK_STATE_SIZE(k)	(offsetof(RankState, relevant) + ((k) + 7) / 8)

/* Reject a state whose k or n_relevant differs from this row's */
static void
CheckSameGroupArgs(const RankState *st, int32 k, int32 n_relevant)
{
	if (st->k != k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be the same in every row of a group")));
	if (st->n_relevant != n_relevant)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_relevant must be the same in every row of a group"),
				 errhint("Pass each user's number of distinct relevant items, the same in each of its rows.")));
}

/* Allocate an empty state in the aggregate's memory context */
static RankState *
NewRankState(MemoryContext cxt, int32 k, int32 n_relevant)
{
	Size		size = RANK_STATE_SIZE(k);
	RankState  *st = (RankState *) MemoryContextAllocZero(cxt, size);

	SET_VARSIZE(st, size);
	st->k = k;
	st->n_relevant = n_relevant;
	return st;
}

PG_FUNCTION_INFO_V1(rec_rank_metric_trans);

/*
 * Add one row (rank, relevant[, n_relevant], k) to a metric state.  A NULL
 * rank counts the group but scores nothing (a user left-joined to no
 * recommendation); a NULL relevant is not relevant; a rank given twice
 * counts once, relevant if any of its rows is.
 */
Datum
rec_rank_metric_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RankState  *st = PG_ARGISNULL(0) ? NULL : (RankState *) PG_GETARG_POINTER(0);
	bool		with_n = (PG_NARGS() == 5);
	int			k_arg = with_n ? 4 : 3;
	int32		k;
	int32		n_relevant = -1;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "rec_rank_metric_trans called in non-aggregate context");

	if (PG_ARGISNULL(k_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("k must not be null")));
	k = PG_GETARG_INT32(k_arg);
	RecCheckK(k);
	if (with_n)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("n_relevant must not be null"),
					 errhint("A user without relevant items has n_relevant 0.")));
		n_relevant = PG_GETARG_INT32(3);
		if (n_relevant < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("n_relevant must not be negative")));
	}

	if (st == NULL)
		st = NewRankState(aggcxt, k, n_relevant);
	else
		CheckSameGroupArgs(st, k, n_relevant);

	if (!PG_ARGISNULL(1))
	{
		int64		rank = PG_GETARG_INT64(1);

		if (rank < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rank must be at least 1"),
					 errhint("Ranks are 1-based positions in the recommended list.")));
		if (rank <= k && !PG_ARGISNULL(2) && PG_GETARG_BOOL(2))
			st->relevant[(rank - 1) / 8] |= (uint8) (1 << ((rank - 1) % 8));
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(rec_rank_metric_combine);

/* Merge two partial states of one group: the union of their relevant ranks */
Datum
rec_rank_metric_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RankState  *a = PG_ARGISNULL(0) ? NULL : (RankState *) PG_GETARG_POINTER(0);
	RankState  *b = PG_ARGISNULL(1) ? NULL : (RankState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "rec_rank_metric_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		/* b may live in a short-lived context: copy it */
		a = (RankState *) MemoryContextAlloc(aggcxt, VARSIZE(b));
		memcpy(a, b, VARSIZE(b));
		PG_RETURN_POINTER(a);
	}
	CheckSameGroupArgs(a, b->k, b->n_relevant);
	for (Size i = 0; i < RANK_STATE_SIZE(a->k) - offsetof(RankState, relevant); i++)
		a->relevant[i] |= b->relevant[i];
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(rec_rank_metric_serialize);

/* Return a metric state as bytea, for parallel workers */
Datum
rec_rank_metric_serialize(PG_FUNCTION_ARGS)
{
	RankState  *st = (RankState *) PG_GETARG_POINTER(0);
	bytea	   *out;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rec_rank_metric_serialize called in non-aggregate context");
	out = (bytea *) palloc(VARSIZE(st));
	memcpy(out, st, VARSIZE(st));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(rec_rank_metric_deserialize);

/* Rebuild a metric state from its bytea form, checking its shape */
Datum
rec_rank_metric_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(in);
	RankState  *st;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rec_rank_metric_deserialize called in non-aggregate context");
	st = (RankState *) palloc(len + VARHDRSZ);
	SET_VARSIZE(st, len + VARHDRSZ);
	memcpy((char *) st + VARHDRSZ, VARDATA_ANY(in), len);
	if (len + VARHDRSZ < offsetof(RankState, relevant) || st->k < 1 || st->k > REC_MAX_K ||
		len + VARHDRSZ != RANK_STATE_SIZE(st->k))
		elog(ERROR, "invalid serialized metric state");
	PG_RETURN_POINTER(st);
}

/*
 * Rebuild the hit vector of a state's k positions; return the number of
 * hits.  With n_relevant known, more relevant ranks than relevant items is
 * an error.
 */
static int
StateHits(const RankState *st, bool *hits)
{
	int			n = 0;

	for (int i = 0; i < st->k; i++)
	{
		hits[i] = (st->relevant[i / 8] & (1 << (i % 8))) != 0;
		n += hits[i] ? 1 : 0;
	}
	if (st->n_relevant >= 0 && n > st->n_relevant)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a group has %d relevant ranks within k but n_relevant is %d", n, st->n_relevant),
				 errhint("Pass each user's number of distinct relevant items as n_relevant.")));
	return n;
}

/* Which metric a final function computes */
typedef enum RankMetric
{
	RANK_PRECISION,
	RANK_RECALL,
	RANK_NDCG,
	RANK_MRR,
	RANK_HIT
} RankMetric;

/* Compute one metric from a state; NULL for no rows, and for recall and NDCG of no relevant item */
static Datum
RankMetricFinal(FunctionCallInfo fcinfo, RankMetric metric)
{
	RankState  *st;
	bool	   *hits;
	double		v = 0.0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (RankState *) PG_GETARG_POINTER(0);
	hits = (bool *) palloc(sizeof(bool) * st->k);
	StateHits(st, hits);
	switch (metric)
	{
		case RANK_PRECISION:
			v = RecPrecisionFromHits(hits, st->k, st->k);
			break;
		case RANK_RECALL:
			if (st->n_relevant == 0)
				PG_RETURN_NULL();
			v = RecRecallFromHits(hits, st->k, st->n_relevant, st->k);
			break;
		case RANK_NDCG:
			if (st->n_relevant == 0)
				PG_RETURN_NULL();
			v = RecNdcgFromHits(hits, st->k, st->n_relevant, st->k);
			break;
		case RANK_MRR:
			v = RecMrrFromHits(hits, st->k);
			break;
		case RANK_HIT:
			v = RecHitFromHits(hits, st->k);
			break;
	}
	pfree(hits);
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(rec_precision_agg_final);

/* Finish rec.precision_agg: relevant ranks <= k divided by k */
Datum
rec_precision_agg_final(PG_FUNCTION_ARGS)
{
	return RankMetricFinal(fcinfo, RANK_PRECISION);
}

PG_FUNCTION_INFO_V1(rec_recall_agg_final);

/* Finish rec.recall_agg: relevant ranks <= k divided by n_relevant */
Datum
rec_recall_agg_final(PG_FUNCTION_ARGS)
{
	return RankMetricFinal(fcinfo, RANK_RECALL);
}

PG_FUNCTION_INFO_V1(rec_ndcg_agg_final);

/* Finish rec.ndcg_agg: binary NDCG at k with the ideal over min(k, n_relevant) */
Datum
rec_ndcg_agg_final(PG_FUNCTION_ARGS)
{
	return RankMetricFinal(fcinfo, RANK_NDCG);
}

PG_FUNCTION_INFO_V1(rec_mrr_agg_final);

/* Finish rec.mrr_agg: 1 / the first relevant rank <= k, or 0 */
Datum
rec_mrr_agg_final(PG_FUNCTION_ARGS)
{
	return RankMetricFinal(fcinfo, RANK_MRR);
}

PG_FUNCTION_INFO_V1(rec_hit_agg_final);

/* Finish rec.hit_agg: 1 if any rank <= k is relevant, else 0 */
Datum
rec_hit_agg_final(PG_FUNCTION_ARGS)
{
	return RankMetricFinal(fcinfo, RANK_HIT);
}
