/*
 * rec.c
 *	  Module entry point and settings of the rec extension.
 */
#include "rec.h"

#include <limits.h>

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "linalg.h"

PG_MODULE_MAGIC;

char	   *rec_campaign = NULL;
int			rec_threads = 0;
int			rec_max_history = 1000;
int			rec_train_memory_mb = 4096;
bool		rec_model_sharing = true;
int			rec_model_chunk_size = 64 * 1024 * 1024;
bool		rec_parallel_read = false;
bool		rec_filter_cache = true;

void		_PG_init(void);

#define TRAIN_MEMORY_MIN_MB 16
#define TRAIN_MEMORY_MAX_MB (1024 * 1024)	/* 1TB */

/* Check rec.train_memory_limit, naming its bounds with their unit */
static bool
CheckTrainMemoryLimit(int *newval, void **extra pg_attribute_unused(),
					  GucSource source pg_attribute_unused())
{
	if (*newval >= TRAIN_MEMORY_MIN_MB && *newval <= TRAIN_MEMORY_MAX_MB)
		return true;
	GUC_check_errdetail("rec.train_memory_limit must be between 16MB and 1TB.");
	return false;
}

/* Define the rec.* settings */
void
_PG_init(void)
{
	DefineCustomStringVariable("rec.campaign",
							   "Campaign used when a serving function is not given one.",
							   NULL,
							   &rec_campaign,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("rec.threads",
							"Number of BLAS threads used while training (0 means one per CPU).",
							"Serving always uses one thread per backend.",
							&rec_threads,
							0, 0, 256,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("rec.max_history",
							"Newest events of a user read at serving time.",
							"Older events neither score nor count as seen.",
							&rec_max_history,
							1000, 1, 1000000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("rec.train_memory_limit",
							"Memory one training may use.",
							NULL,
							&rec_train_memory_mb,
							4096, 0, INT_MAX / 2,	/* CheckTrainMemoryLimit says the real bounds */
							PGC_USERSET,
							GUC_UNIT_MB,
							CheckTrainMemoryLimit, NULL, NULL);

	DefineCustomBoolVariable("rec.model_sharing",
							 "Serve models from one mapped file per server instead of a copy per backend.",
							 "Off keeps a private copy of each model in every backend that serves it.",
							 &rec_model_sharing,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("rec.model_chunk_size",
							"Largest piece of a model stored in one row.",
							"Models larger than this are split over rows of rec.model_chunk.",
							&rec_model_chunk_size,
							64 * 1024 * 1024, 1024, 256 * 1024 * 1024,
							PGC_USERSET,
							GUC_UNIT_BYTE | GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("rec.parallel_read",
							 "Read the interactions for training with the parallel-safe aggregate rec.collect_events.",
							 "The planner may then scan a large relation with parallel workers; the dataset is built in canonical order, so the model does not depend on the number of workers.",
							 &rec_parallel_read,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("rec.filter_cache",
							 "Keep the matching items of filters on item metadata across calls, per backend.",
							 "A kept set follows every change to an items relation that carries rec's trigger rec_internal.items_changed (rec.items does). Off reads the matches at every call.",
							 &rec_filter_cache,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("rec");

	/* serving runs one BLAS thread per backend; training raises it to rec.threads */
	RecBlasInit();
	RecSetBlasThreads(1);
}

/*
 * Refuse a write on a hot standby with a hint to send it to the primary,
 * before anything else is done (PostgreSQL's own error would come later,
 * after the work, and say nothing of where to go).
 */
void
RecRequirePrimary(const char *action, const char *hint)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot %s on a hot standby", action),
				 errhint("%s", hint)));
}

/* Reject a k outside 1..REC_MAX_K */
void
RecCheckK(int32 k)
{
	if (k < 1 || k > REC_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d", REC_MAX_K)));
}

/* Reject an allocation plan larger than rec.train_memory_limit, before allocating */
void
RecCheckMemory(double bytes, const char *what)
{
	double		limit = (double) rec_train_memory_mb * 1024.0 * 1024.0;

	if (bytes > limit || bytes > (double) MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs %.0f MB, more than rec.train_memory_limit (%d MB)",
						what, bytes / (1024.0 * 1024.0), rec_train_memory_mb),
				 errhint("Raise rec.train_memory_limit, or choose a recipe that needs less memory.")));
}

/*
 * Deconstruct a one-dimensional array without nulls of any element type
 * (error naming argname otherwise); how many elements in *n.
 */
Datum *
RecArrayElements(ArrayType *arr, const char *argname, int *n)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname)));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", argname)));
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, NULL, n);
	return elems;
}

/* Copy a one-dimensional bigint array without nulls into a palloc'd array; NULL if empty */
int64 *
RecArrayToIds(ArrayType *arr, const char *argname, int *n)
{
	Datum	   *elems;
	int			nelems;
	int64	   *out;

	Assert(ARR_ELEMTYPE(arr) == INT8OID);
	elems = RecArrayElements(arr, argname, &nelems);
	*n = 0;
	if (nelems == 0)
	{
		pfree(elems);
		return NULL;
	}
	out = (int64 *) palloc(sizeof(int64) * nelems);
	for (int i = 0; i < nelems; i++)
		out[i] = DatumGetInt64(elems[i]);
	pfree(elems);
	*n = nelems;
	return out;
}
