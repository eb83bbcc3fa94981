/*
 * metrics_beyond.c
 *	  Metrics beyond accuracy, as aggregates: catalogue coverage, novelty,
 *	  intra-list diversity, serendipity, and NDCG with graded (event
 *	  weighted) relevance.
 *
 * The definitions are those of Microsoft Recommenders
 * (recommenders/evaluation/python_evaluation.py):
 *
 *	coverage	distinct recommended items / items of the catalogue
 *				(catalog_coverage);
 *	novelty		mean over all recommendations of the item's self-information
 *				-log2(item's interactions / all interactions), an item with no
 *				interaction counting 0 (novelty, after Castells, Vargas and
 *				Wang, ECIR 2011);
 *	diversity	1 - the mean cosine similarity of the pairs of items of one
 *				list (user_diversity, "item_feature_vector" measure; Zhang et
 *				al., Auralist, WSDM 2012); here the feature vector of an item
 *				is its set of categories, so the cosine of two items is
 *				|A n B| / sqrt(|A| |B|), 0 when either has none;
 *	serendipity	mean over one list of (1 - the item's mean similarity to the
 *				user's history) * relevant (user_serendipity).
 *
 * Each aggregate's group is one list (one user), except coverage and
 * novelty, which are computed over all the recommendations at once.  Their
 * states are growable arrays of 64-bit words, one record per row, that a
 * combine concatenates: that is what lets them run in parallel workers.
 */
#include "rec.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "keys.h"

/* Which aggregate a state belongs to */
typedef enum BagKind
{
	BAG_COVERAGE = 1,
	BAG_NOVELTY,
	BAG_DIVERSITY,
	BAG_SERENDIPITY,
	BAG_GAIN
} BagKind;

/*
 * The state of every aggregate of this file: a header and n words of
 * records.  In memory, cap words are allocated; the serial form is the
 * same bytes with cap = n.
 */
typedef struct BagState
{
	int32		vl_len_;		/* varlena header, so the state is its own serial form */
	int32		kind;			/* BagKind */
	int64		param;			/* catalogue (coverage), k (gain) */
	double		sum;			/* novelty: sum of self-information */
	int64		rows;			/* rows added */
	int64		n;				/* words used */
	int64		cap;			/* words allocated */
	int64		words[FLEXIBLE_ARRAY_MEMBER];
} BagState;

#define BAG_SIZE(cap)	(offsetof(BagState, words) + sizeof(int64) * (cap))

/* Record flags of the serendipity aggregate */
#define SER_HISTORY		1		/* a history item, not a recommendation */
#define SER_RELEVANT	2		/* a relevant recommendation */

static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Allocate an empty state of a kind in the aggregate's memory context */
static BagState *
NewBag(MemoryContext cxt, BagKind kind, int64 param)
{
	int64		cap = 64;
	BagState   *st = (BagState *) MemoryContextAllocZero(cxt, BAG_SIZE(cap));

	SET_VARSIZE(st, BAG_SIZE(cap));
	st->kind = kind;
	st->param = param;
	st->cap = cap;
	return st;
}

/* Sort and deduplicate a coverage state's ids */
static void
CompactIds(BagState *st)
{
	int64		m = 0;

	qsort(st->words, st->n, sizeof(int64), CompareInt64);
	for (int64 i = 0; i < st->n; i++)
		if (m == 0 || st->words[m - 1] != st->words[i])
			st->words[m++] = st->words[i];
	st->n = m;
}

/* Make room for more words; a coverage state first drops its duplicates */
static BagState *
BagReserve(MemoryContext cxt, BagState *st, int64 more)
{
	int64		cap;

	if (st->n + more <= st->cap)
		return st;
	if (st->kind == BAG_COVERAGE)
	{
		CompactIds(st);
		if (st->n + more <= st->cap / 2)
			return st;
	}
	cap = Max(st->cap * 2, st->n + more);
	if (BAG_SIZE(cap) > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a metric aggregate's group is too large"),
				 errhint("Group the rows by user.")));
	{
		BagState   *bigger = (BagState *) MemoryContextAlloc(cxt, BAG_SIZE(cap));

		memcpy(bigger, st, BAG_SIZE(st->n));
		bigger->cap = cap;
		SET_VARSIZE(bigger, BAG_SIZE(cap));
		pfree(st);
		return bigger;
	}
}

/* Return the state argument, or a new one */
static BagState *
BagArg(FunctionCallInfo fcinfo, MemoryContext *cxt, const char *fname, BagKind kind, int64 param)
{
	if (!AggCheckCallContext(fcinfo, cxt))
		elog(ERROR, "%s called in non-aggregate context", fname);
	if (PG_ARGISNULL(0))
		return NewBag(*cxt, kind, param);
	return (BagState *) PG_GETARG_POINTER(0);
}

/*
 * Append a row's categories to a state as a record [header, sorted distinct
 * hashes]: header = count << 2 | flags.
 */
static BagState *
AddCategories(MemoryContext cxt, BagState *st, ArrayType *cats, int flags)
{
	int			n = 0;
	Datum	   *elems = NULL;
	bool	   *nulls = NULL;
	int64	   *rec;
	int			m = 0;

	if (cats != NULL && ARR_NDIM(cats) > 0)
		deconstruct_array(cats, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	st = BagReserve(cxt, st, (int64) n + 1);
	rec = &st->words[st->n + 1];
	for (int i = 0; i < n; i++)
	{
		text	   *t;

		if (nulls[i])
			continue;
		t = DatumGetTextPP(elems[i]);
		rec[m++] = RecKeyHash(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	qsort(rec, m, sizeof(int64), CompareInt64);
	{
		int			d = 0;

		for (int i = 0; i < m; i++)
			if (d == 0 || rec[d - 1] != rec[i])
				rec[d++] = rec[i];
		m = d;
	}
	st->words[st->n] = ((int64) m << 2) | flags;
	st->n += m + 1;
	st->rows++;
	return st;
}

PG_FUNCTION_INFO_V1(rec_coverage_trans);

/* Add one recommended item (bigint or text id) to a coverage state */
Datum
rec_coverage_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	int64		catalogue;
	BagState   *st;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("catalogue must not be null")));
	catalogue = PG_GETARG_INT64(2);
	if (catalogue < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("catalogue must be at least 1"),
				 errhint("Pass the number of items that could be recommended.")));
	st = BagArg(fcinfo, &cxt, "rec_coverage_trans", BAG_COVERAGE, catalogue);
	if (st->param != catalogue)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("catalogue must be the same in every row")));
	if (!PG_ARGISNULL(1))
	{
		int64		id;

		if (get_fn_expr_argtype(fcinfo->flinfo, 1) == INT8OID)
			id = PG_GETARG_INT64(1);
		else
		{
			text	   *t = PG_GETARG_TEXT_PP(1);

			id = RecKeyHash(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		}
		st = BagReserve(cxt, st, 1);
		st->words[st->n++] = id;
		st->rows++;
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(rec_novelty_trans);

/*
 * Add one recommendation to a novelty state: its item's interactions and
 * the interactions of the catalogue.  An item without interactions (NULL or
 * 0) adds 0 but counts as a recommendation, as in Recommenders.
 */
Datum
rec_novelty_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	BagState   *st = BagArg(fcinfo, &cxt, "rec_novelty_trans", BAG_NOVELTY, 0);
	int64		count = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1);
	int64		total;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("interactions must not be null")));
	total = PG_GETARG_INT64(2);
	if (count < 0 || total < 1 || count > total)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("item_interactions must be between 0 and interactions, and interactions at least 1"),
				 errhint("Pass the item's number of interactions in the training data and the number of all of them.")));
	if (count > 0)
		st->sum += -log2((double) count / (double) total);
	st->rows++;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(rec_diversity_trans);

/* Add one item of a list, by its categories, to a diversity state */
Datum
rec_diversity_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	BagState   *st = BagArg(fcinfo, &cxt, "rec_diversity_trans", BAG_DIVERSITY, 0);

	st = AddCategories(cxt, st, PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1), 0);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(rec_serendipity_trans);

/*
 * Add one row of a user to a serendipity state: a recommended item (with
 * whether it is relevant) or, when in_history, an item of the user's
 * history.
 */
Datum
rec_serendipity_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	BagState   *st = BagArg(fcinfo, &cxt, "rec_serendipity_trans", BAG_SERENDIPITY, 0);
	bool		history;
	int			flags = 0;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("in_history must not be null"),
				 errhint("Mark each row of the user's history true and each recommendation false.")));
	history = PG_GETARG_BOOL(3);
	if (history)
		flags = SER_HISTORY;
	else if (!PG_ARGISNULL(2) && PG_GETARG_BOOL(2))
		flags = SER_RELEVANT;
	st = AddCategories(cxt, st, PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1), flags);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(rec_gain_ndcg_trans);

/*
 * Add one row (rank, gain, k) of a user to a graded NDCG state.  A row with
 * a rank is a recommendation; a row with a gain is a relevant item (with or
 * without a rank: the rows of recommendations FULL JOIN holdout).
 */
Datum
rec_gain_ndcg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	int32		k;
	BagState   *st;
	int64		rank = 0;
	double		gain = 0.0;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("k must not be null")));
	k = PG_GETARG_INT32(3);
	RecCheckK(k);
	st = BagArg(fcinfo, &cxt, "rec_gain_ndcg_trans", BAG_GAIN, k);
	if (st->param != k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be the same in every row of a group")));
	if (!PG_ARGISNULL(1))
	{
		rank = PG_GETARG_INT64(1);
		if (rank < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rank must be at least 1"),
					 errhint("Ranks are 1-based positions in the recommended list.")));
	}
	if (!PG_ARGISNULL(2))
	{
		gain = PG_GETARG_FLOAT8(2);
		if (gain < 0 || isnan(gain) || isinf(gain))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gain must be a finite number not below 0")));
	}
	if ((rank > 0 && rank <= k) || gain > 0)
	{
		st = BagReserve(cxt, st, 2);
		st->words[st->n++] = rank;
		memcpy(&st->words[st->n++], &gain, sizeof(double));
	}
	st->rows++;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(rec_bag_combine);

/* Merge two partial states: the sums added, the records concatenated */
Datum
rec_bag_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	BagState   *a = PG_ARGISNULL(0) ? NULL : (BagState *) PG_GETARG_POINTER(0);
	BagState   *b = PG_ARGISNULL(1) ? NULL : (BagState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "rec_bag_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		/* b may live in a short-lived context: copy it */
		a = NewBag(cxt, b->kind, b->param);
	}
	if (a->kind != b->kind || a->param != b->param)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be the same in every row",
						a->kind == BAG_COVERAGE ? "catalogue" : "k")));
	a = BagReserve(cxt, a, b->n);
	memcpy(&a->words[a->n], b->words, sizeof(int64) * b->n);
	a->n += b->n;
	a->sum += b->sum;
	a->rows += b->rows;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(rec_bag_serialize);

/* Return a state as bytea, for parallel workers */
Datum
rec_bag_serialize(PG_FUNCTION_ARGS)
{
	BagState   *st = (BagState *) PG_GETARG_POINTER(0);
	BagState   *out;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rec_bag_serialize called in non-aggregate context");
	if (st->kind == BAG_COVERAGE)
		CompactIds(st);
	out = (BagState *) palloc(BAG_SIZE(st->n));
	memcpy(out, st, BAG_SIZE(st->n));
	out->cap = st->n;
	SET_VARSIZE(out, BAG_SIZE(st->n));
	PG_RETURN_BYTEA_P((bytea *) out);
}

PG_FUNCTION_INFO_V1(rec_bag_deserialize);

/* Rebuild a state from its bytea form, checking its shape */
Datum
rec_bag_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(in) + VARHDRSZ;
	BagState   *st;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rec_bag_deserialize called in non-aggregate context");
	if (len < offsetof(BagState, words))
		elog(ERROR, "invalid serialized metric state");
	st = (BagState *) palloc(len);
	memcpy((char *) st + VARHDRSZ, VARDATA_ANY(in), len - VARHDRSZ);
	SET_VARSIZE(st, len);
	if (st->kind < BAG_COVERAGE || st->kind > BAG_GAIN || st->n < 0 ||
		st->n != st->cap || len != BAG_SIZE(st->n))
		elog(ERROR, "invalid serialized metric state");
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(rec_coverage_final);

/* Finish rec.coverage_agg: distinct items / catalogue */
Datum
rec_coverage_final(PG_FUNCTION_ARGS)
{
	BagState   *st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (BagState *) PG_GETARG_POINTER(0);
	CompactIds(st);
	PG_RETURN_FLOAT8((double) st->n / (double) st->param);
}

PG_FUNCTION_INFO_V1(rec_novelty_final);

/* Finish rec.novelty_agg: the mean self-information of the recommendations */
Datum
rec_novelty_final(PG_FUNCTION_ARGS)
{
	BagState   *st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (BagState *) PG_GETARG_POINTER(0);
	if (st->rows == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(st->sum / (double) st->rows);
}

/* One record of a categories state */
typedef struct CatRecord
{
	int			n;				/* categories */
	int			flags;			/* SER_* */
	const int64 *cats;			/* sorted distinct hashes */
} CatRecord;

/* Split a categories state into its records; return how many */
static int
CatRecords(const BagState *st, CatRecord **out)
{
	CatRecord  *recs = palloc(sizeof(CatRecord) * Max(st->rows, 1));
	int			m = 0;

	for (int64 i = 0; i < st->n && m < st->rows;)
	{
		recs[m].n = (int) (st->words[i] >> 2);
		recs[m].flags = (int) (st->words[i] & 3);
		recs[m].cats = &st->words[i + 1];
		i += recs[m].n + 1;
		m++;
	}
	*out = recs;
	return m;
}

/*
 * The records of a state holding one category, by their number of
 * categories.  The cosine of two category sets A and B is the sum over
 * their common categories of 1 / sqrt(|A| |B|), so a sum of cosines over
 * pairs of records is a sum over categories of the pairs of records that
 * share it, and those matter only by their sizes: counting the holders of
 * each category by size gives the sum without comparing records pairwise,
 * in time linear in the state whatever the size of the group.
 */
typedef struct CatHolders
{
	int64		cat;			/* category hash */
	int64		size;			/* categories of the holding records */
	int64		count;			/* records of that size holding it */
} CatHolders;

static int
CompareCatHolders(const void *a, const void *b)
{
	const CatHolders *x = (const CatHolders *) a;
	const CatHolders *y = (const CatHolders *) b;

	if (x->cat != y->cat)
		return (x->cat > y->cat) - (x->cat < y->cat);
	return (x->size > y->size) - (x->size < y->size);
}

/*
 * Count the holders of each category among the records whose flags masked
 * by mask equal want; sorted by category, then size.  Return how many.
 */
static int64
CountHolders(const CatRecord *recs, int n, int mask, int want, CatHolders **out)
{
	int64		words = 0;
	int64		m = 0;
	int64		d = 0;
	CatHolders *h;

	for (int i = 0; i < n; i++)
		if ((recs[i].flags & mask) == want)
			words += recs[i].n;
	h = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(CatHolders) * Max(words, 1));
	for (int i = 0; i < n; i++)
	{
		if ((recs[i].flags & mask) != want)
			continue;
		for (int c = 0; c < recs[i].n; c++)
		{
			h[m].cat = recs[i].cats[c];
			h[m].size = recs[i].n;
			h[m].count = 1;
			m++;
		}
	}
	qsort(h, m, sizeof(CatHolders), CompareCatHolders);
	for (int64 i = 0; i < m; i++)
	{
		if (d > 0 && h[d - 1].cat == h[i].cat && h[d - 1].size == h[i].size)
			h[d - 1].count++;
		else
			h[d++] = h[i];
	}
	*out = h;
	return d;
}

PG_FUNCTION_INFO_V1(rec_diversity_final);

/* Finish rec.diversity_agg: 1 - the mean cosine of the list's pairs; NULL under 2 items */
Datum
rec_diversity_final(PG_FUNCTION_ARGS)
{
	BagState   *st;
	CatRecord  *recs;
	CatHolders *h;
	int64		nh;
	int			n;
	double		sum = 0.0;
	double		pairs;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (BagState *) PG_GETARG_POINTER(0);
	n = CatRecords(st, &recs);
	if (n < 2)
		PG_RETURN_NULL();
	nh = CountHolders(recs, n, 0, 0, &h);
	for (int64 a = 0, b; a < nh; a = b)
	{
		CHECK_FOR_INTERRUPTS();
		for (b = a; b < nh && h[b].cat == h[a].cat; b++)
			;
		/* the pairs sharing category h[a].cat: within one size, then across two */
		for (int64 i = a; i < b; i++)
		{
			double		wi = (double) h[i].count;

			sum += wi * (wi - 1.0) / 2.0 / (double) h[i].size;
			for (int64 j = i + 1; j < b; j++)
				sum += wi * (double) h[j].count / sqrt((double) h[i].size * (double) h[j].size);
		}
	}
	pairs = (double) n * (n - 1) / 2.0;
	PG_RETURN_FLOAT8(1.0 - sum / pairs);
}

PG_FUNCTION_INFO_V1(rec_serendipity_final);

/*
 * Finish rec.serendipity_agg: the mean over recommendations of (1 - mean
 * cosine to the history) * relevant; NULL without recommendations or
 * without history.
 */
Datum
rec_serendipity_final(PG_FUNCTION_ARGS)
{
	BagState   *st;
	CatRecord  *recs;
	CatHolders *hist;
	int64		nh;
	int			n;
	int			n_hist = 0;
	int			n_rec = 0;
	double		sum = 0.0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (BagState *) PG_GETARG_POINTER(0);
	n = CatRecords(st, &recs);
	for (int i = 0; i < n; i++)
		n_hist += (recs[i].flags & SER_HISTORY) ? 1 : 0;
	n_rec = n - n_hist;
	if (n_rec == 0 || n_hist == 0)
		PG_RETURN_NULL();
	nh = CountHolders(recs, n, SER_HISTORY, SER_HISTORY, &hist);
	for (int i = 0; i < n; i++)
	{
		double		sim = 0.0;

		if ((recs[i].flags & (SER_HISTORY | SER_RELEVANT)) != SER_RELEVANT)
			continue;
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		/* the sum of its cosines to the history: its categories' holders there */
		for (int c = 0; c < recs[i].n; c++)
		{
			int64		lo = 0;
			int64		hi = nh;

			while (lo < hi)
			{
				int64		mid = lo + (hi - lo) / 2;

				if (hist[mid].cat < recs[i].cats[c])
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < nh && hist[lo].cat == recs[i].cats[c]; lo++)
				sim += (double) hist[lo].count / sqrt((double) recs[i].n * (double) hist[lo].size);
		}
		sum += 1.0 - sim / n_hist;
	}
	PG_RETURN_FLOAT8(sum / n_rec);
}

static int
CompareDoubleDesc(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x < y) - (x > y);
}

PG_FUNCTION_INFO_V1(rec_gain_ndcg_final);

/*
 * Finish rec.gain_ndcg_agg: sum of gain / log2(rank + 1) over ranks <= k
 * (a rank given twice counts once, with its largest gain) over the same sum
 * for the k largest gains; NULL when no row has a gain.
 */
Datum
rec_gain_ndcg_final(PG_FUNCTION_ARGS)
{
	BagState   *st;
	int			k;
	double	   *at_rank;
	double	   *gains;
	int64		n;
	int64		n_gains = 0;
	double		dcg = 0.0;
	double		idcg = 0.0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (BagState *) PG_GETARG_POINTER(0);
	k = (int) st->param;
	n = st->n / 2;
	at_rank = palloc0(sizeof(double) * k);
	gains = palloc(sizeof(double) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
	{
		int64		rank = st->words[2 * i];
		double		gain;

		memcpy(&gain, &st->words[2 * i + 1], sizeof(double));
		if (rank >= 1 && rank <= k)
			at_rank[rank - 1] = Max(at_rank[rank - 1], gain);
		if (gain > 0)
			gains[n_gains++] = gain;
	}
	if (n_gains == 0)
		PG_RETURN_NULL();
	qsort(gains, n_gains, sizeof(double), CompareDoubleDesc);
	for (int i = 0; i < k; i++)
	{
		dcg += at_rank[i] / log2((double) i + 2.0);
		if (i < n_gains)
			idcg += gains[i] / log2((double) i + 2.0);
	}
	PG_RETURN_FLOAT8(dcg / idcg);
}
