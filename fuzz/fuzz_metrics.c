/*
 * fuzz/fuzz_metrics.c
 *	  libFuzzer target: rec's ranking metrics, through their SQL entry points
 *	  (rec_precision_at_k ... rec_hit_at_k, with the bigint[] arguments built
 *	  as PostgreSQL arrays: zero, one or two dimensions, with or without a
 *	  null bitmap) and through RecScoreList, which training uses.
 *
 * Each result is checked against a plain reimplementation of the documented
 * definitions (COMMENT ON FUNCTION in sql/src/metrics.sql): positions 1-based,
 * only the first k scored, a repeated id counts once at its first position,
 * recall and NDCG NULL for an empty relevant set, k outside 1..10000 an
 * error.  A crash, a sanitizer report or a disagreement is a finding.
 *
 * Input: byte 0 and 1 shape the recommended and relevant arrays (bits 0-1:
 * 0 or 3 = one dimension, 1 = zero dimensions, 2 = two dimensions; bit 2:
 * null bitmap; bit 3: a null in it; bit 4: ids folded into 0..15 so lists
 * overlap), bytes 2-5 k (folded into -2..61 when byte 6 bit 0 is set),
 * byte 7 the share of the remaining 8-byte ids that are recommended.
 */
#include "postgres.h"

#include <math.h>
#include <setjmp.h>
#include <stdint.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"

#include "metrics.h"
#include "rec.h"

#include "shim.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "invariant failed: %s\n", #cond); abort(); } } while (0)
#define MAX_IDS 4096

extern Datum rec_precision_at_k(PG_FUNCTION_ARGS);
extern Datum rec_recall_at_k(PG_FUNCTION_ARGS);
extern Datum rec_ndcg_at_k(PG_FUNCTION_ARGS);
extern Datum rec_mrr(PG_FUNCTION_ARGS);
extern Datum rec_hit_at_k(PG_FUNCTION_ARGS);

/* Build a bigint[] of the given shape from ids; *with_null reports a null element */
static ArrayType *
MakeArray(const int64 *ids, int n, uint8_t shape, bool *with_null)
{
	int			kind = shape & 3;
	int			ndim = kind == 1 ? 0 : kind == 2 ? 2 : 1;
	bool		bitmap = (shape & 4) != 0 && ndim > 0;
	int			null_at = ((shape & 8) && bitmap && n > 0) ? (shape >> 5) % n : -1;
	int			dims[2];
	int			lbs[2] = {1, 1};
	int			nitems;
	Size		overhead;
	ArrayType  *a;
	char	   *p;
	int			i;

	if (ndim == 0)
		n = 0;
	if (ndim == 2)
	{
		n -= n % 2;
		dims[0] = n / 2;
		dims[1] = n ? 2 : 0;
	}
	else
		dims[0] = n;
	nitems = ndim == 0 ? 0 : n;
	overhead = bitmap ? ARR_OVERHEAD_WITHNULLS(ndim, nitems) : ARR_OVERHEAD_NONULLS(ndim);
	a = palloc0(overhead + sizeof(int64) * Max(nitems, 1));
	SET_VARSIZE(a, overhead + sizeof(int64) * nitems);
	a->ndim = ndim;
	a->dataoffset = bitmap ? (int32) overhead : 0;
	a->elemtype = INT8OID;
	if (ndim > 0)
	{
		memcpy(ARR_DIMS(a), dims, sizeof(int) * ndim);
		memcpy(ARR_LBOUND(a), lbs, sizeof(int) * ndim);
	}
	p = ARR_DATA_PTR(a);
	for (i = 0; i < nitems; i++)
	{
		if (bitmap && i != null_at)
			ARR_NULLBITMAP(a)[i / 8] |= 1 << (i % 8);
		if (i == null_at)
			continue;
		memcpy(p, &ids[i], sizeof(int64));
		p += sizeof(int64);
	}
	*with_null = null_at >= 0;
	return a;
}

/* The documented definitions, written plainly */
static int
Distinct(const int64 *v, int n, int64 *out)
{
	int			m = 0;

	for (int i = 0; i < n; i++)
	{
		int			j;

		for (j = 0; j < m && out[j] != v[i]; j++)
			;
		if (j == m)
			out[m++] = v[i];
	}
	return m;
}

static bool
In(const int64 *v, int n, int64 x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

typedef struct Oracle
{
	double		precision,
				recall,
				ndcg,
				mrr,
				hit;
	bool		no_relevant;
} Oracle;

static Oracle
Reference(const int64 *rec, int nrec, const int64 *relin, int nrelin, int k)
{
	static int64 rel[MAX_IDS];
	static int64 seen[MAX_IDS];
	int			nrel = Distinct(relin, nrelin, rel);
	int			len = Min(nrec, k);
	int			nseen = 0;
	int			hits = 0;
	double		dcg = 0,
				idcg = 0;
	Oracle		o = {0};

	o.no_relevant = nrel == 0;
	for (int i = 0; i < len; i++)
	{
		bool		first = !In(seen, nseen, rec[i]);

		seen[nseen++] = rec[i];
		if (!In(rel, nrel, rec[i]))
			continue;
		if (o.mrr == 0)
			o.mrr = 1.0 / (i + 1);
		o.hit = 1;
		if (first)
		{
			hits++;
			dcg += 1.0 / log2(i + 2.0);
		}
	}
	for (int i = 0; i < Min(k, nrel); i++)
		idcg += 1.0 / log2(i + 2.0);
	o.precision = (double) hits / k;
	o.recall = nrel ? (double) hits / nrel : 0;
	o.ndcg = nrel && dcg > 0 ? dcg / idcg : 0;
	return o;
}

static bool
Near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * Max(1.0, fabs(b));
}

/* Call one SQL metric function; returns false when it raised ERROR */
static bool
CallSql(PGFunction f, ArrayType *rec, ArrayType *rel, int32 k, double *result, bool *isnull)
{
	LOCAL_FCINFO(fcinfo, 3);
	volatile bool ok = true;

	InitFunctionCallInfoData(*fcinfo, NULL, 3, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = PointerGetDatum(rec);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = PointerGetDatum(rel);
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = Int32GetDatum(k);
	fcinfo->args[2].isnull = false;
	SHIM_TRY({
		Datum d = f(fcinfo);

		*isnull = fcinfo->isnull;
		*result = *isnull ? 0 : DatumGetFloat8(d);
	}, ok = false);
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int64 ids[MAX_IDS];
	static const struct
	{
		PGFunction	f;
		int			which;		/* 0 precision, 1 recall, 2 ndcg, 3 mrr, 4 hit */
	}			fns[] = {
		{rec_precision_at_k, 0}, {rec_recall_at_k, 1}, {rec_ndcg_at_k, 2},
		{rec_mrr, 3}, {rec_hit_at_k, 4},
	};
	uint8_t		rec_shape,
				rel_shape;
	int32		k;
	int			n,
				nrec,
				nrel;
	bool		rec_null,
				rel_null;
	ArrayType  *rec_arr,
			   *rel_arr;
	int			i;

	if (size < 8)
		return 0;
	rec_shape = data[0];
	rel_shape = data[1];
	memcpy(&k, data + 2, sizeof(k));
	if (data[6] & 1)
		k = (int32) ((uint32) k % 64) - 2;
	n = Min((int) ((size - 8) / 8), MAX_IDS);
	for (i = 0; i < n; i++)
		memcpy(&ids[i], data + 8 + 8 * i, sizeof(int64));
	nrec = n * data[7] / 256;
	nrel = n - nrec;
	for (i = 0; i < nrec; i++)
		if (rec_shape & 16)
			ids[i] = (int64) ((uint64) ids[i] % 16);
	for (i = nrec; i < n; i++)
		if (rel_shape & 16)
			ids[i] = (int64) ((uint64) ids[i] % 16);

	rec_arr = MakeArray(ids, nrec, rec_shape, &rec_null);
	rel_arr = MakeArray(ids + nrec, nrel, rel_shape, &rel_null);
	/* the shape may have dropped ids: what the arrays hold is what counts */
	nrec = ARR_NDIM(rec_arr) == 0 ? 0 : ArrayGetNItems(ARR_NDIM(rec_arr), ARR_DIMS(rec_arr));
	nrel = ARR_NDIM(rel_arr) == 0 ? 0 : ArrayGetNItems(ARR_NDIM(rel_arr), ARR_DIMS(rel_arr));

	for (i = 0; i < (int) lengthof(fns); i++)
	{
		double		got = 0;
		bool		isnull = false;
		bool		ok = CallSql(fns[i].f, rec_arr, rel_arr, k, &got, &isnull);
		bool		must_fail = k < 1 || k > REC_MAX_K || rec_null || rel_null ||
			ARR_NDIM(rec_arr) > 1 || ARR_NDIM(rel_arr) > 1;

		CHECK(ok == !must_fail);
		if (!ok)
			continue;
		{
			Oracle		o = Reference(ids, nrec, ids + nrec, nrel, k);
			double		want = fns[i].which == 0 ? o.precision : fns[i].which == 1 ? o.recall :
				fns[i].which == 2 ? o.ndcg : fns[i].which == 3 ? o.mrr : o.hit;

			CHECK(isnull == (o.no_relevant && (fns[i].which == 1 || fns[i].which == 2)));
			if (!isnull)
			{
				CHECK(got >= 0 && got <= 1);
				if (!Near(got, want))
				{
					fprintf(stderr, "metric %d: got %.17g, definition gives %.17g (k %d, %d recommended, %d relevant)\n",
							fns[i].which, got, want, k, nrec, nrel);
					abort();
				}
			}
		}
	}

	/* the training-side entry: RecScoreList on the same lists */
	if (!rec_null && !rel_null && ARR_NDIM(rec_arr) <= 1 && ARR_NDIM(rel_arr) <= 1)
	{
		RecListMetrics out;
		Oracle		o5 = Reference(ids, nrec, ids + nrec, nrel, 5);
		Oracle		o10 = Reference(ids, nrec, ids + nrec, nrel, 10);
		Oracle		o25 = Reference(ids, nrec, ids + nrec, nrel, 25);

		RecScoreList(ids, nrec, ids + nrec, nrel, &out);
		CHECK(Near(out.mrr25, o25.mrr) && Near(out.ndcg5, o5.ndcg) && Near(out.ndcg10, o10.ndcg) &&
			  Near(out.ndcg25, o25.ndcg) && Near(out.p5, o5.precision) && Near(out.p10, o10.precision) &&
			  Near(out.p25, o25.precision) && Near(out.recall10, o10.recall) &&
			  Near(out.recall25, o25.recall) && Near(out.hit10, o10.hit));
	}
	ShimReset();
	return 0;
}
