/*
 * metrics.c
 *	  Ranking metrics: precision, recall, NDCG, MRR and hit rate at k.
 *
 * The Rec* functions score plain int64 arrays and are shared with the
 * training code; the rec_* functions are the SQL entry points.  Positions
 * are 1-based, only the first k recommendations are scored, and an id that
 * is recommended more than once counts only at its first position.
 */
#include "rec.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"

#include "metrics.h"

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

/* Build a relevant set from ids: a sorted copy with duplicates removed */
void
RecRelevantSetInit(RecRelevantSet *set, const int64 *ids, int n)
{
	int			m = 0;

	set->n = 0;
	set->ids = NULL;
	if (n <= 0)
		return;

	set->ids = (int64 *) palloc(sizeof(int64) * n);
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
		pfree(set->ids);
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

/* Count the distinct relevant ids among the first k recommendations */
static int
CountHits(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	int			len = ScoredLength(nrec, k);
	int			hits = 0;

	if (rel->n == 0)
		return 0;
	for (int i = 0; i < len; i++)
	{
		if (IsNewHit(rec, i, rel))
			hits++;
	}
	return hits;
}

/* Compute precision at k: hits in the first k divided by k */
double
RecPrecisionAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	if (k <= 0)
		return 0.0;
	return (double) CountHits(rec, nrec, rel, k) / (double) k;
}

/* Compute recall at k: hits in the first k divided by the relevant count */
double
RecRecallAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	if (k <= 0 || rel->n == 0)
		return 0.0;
	return (double) CountHits(rec, nrec, rel, k) / (double) rel->n;
}

/* Compute binary NDCG at k, with the ideal DCG over min(k, relevant) hits */
double
RecNdcgAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	int			len = ScoredLength(nrec, k);
	int			nideal;
	double		dcg = 0.0;
	double		idcg = 0.0;

	if (k <= 0 || rel->n == 0)
		return 0.0;

	for (int i = 0; i < len; i++)
	{
		if (IsNewHit(rec, i, rel))
			dcg += 1.0 / log2((double) i + 2.0);
	}
	if (dcg == 0.0)
		return 0.0;

	nideal = Min(k, rel->n);
	for (int i = 0; i < nideal; i++)
		idcg += 1.0 / log2((double) i + 2.0);
	return dcg / idcg;
}

/* Compute the reciprocal rank of the first hit; k <= 0 scores the whole list */
double
RecMrrAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	int			len = (k <= 0) ? Max(nrec, 0) : ScoredLength(nrec, k);

	if (rel->n == 0)
		return 0.0;
	for (int i = 0; i < len; i++)
	{
		if (RecRelevantSetContains(rel, rec[i]))
			return 1.0 / (double) (i + 1);
	}
	return 0.0;
}

/* Return 1 when any of the first k recommendations is relevant, else 0 */
double
RecHitAtK(const int64 *rec, int nrec, const RecRelevantSet *rel, int k)
{
	int			len = ScoredLength(nrec, k);

	if (rel->n == 0)
		return 0.0;
	for (int i = 0; i < len; i++)
	{
		if (RecRelevantSetContains(rel, rec[i]))
			return 1.0;
	}
	return 0.0;
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
	rec = RecArrayToIds(recarr, "recommended", &nrec);
	relids = RecArrayToIds(relarr, "relevant", &nrel);
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
