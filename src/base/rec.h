/*
 * rec.h
 *	  Shared types, limits and settings of the rec extension.
 */
#ifndef REC_H
#define REC_H

#include "postgres.h"

#include "utils/array.h"

#define REC_MAX_K			10000	/* largest k any serving function accepts */
#define REC_MAX_CANDIDATES	10000	/* largest candidate array rank() accepts */

/* Settings (GUCs), defined in rec.c */
extern char *rec_campaign;			/* rec.campaign: session default campaign */
extern int	rec_threads;			/* rec.threads: BLAS threads while training */
extern int	rec_max_history;		/* rec.max_history: newest events read per user */
extern int	rec_train_memory_mb;	/* rec.train_memory_limit: budget for one training */
extern bool rec_model_sharing;		/* rec.model_sharing: map one copy per server */
extern bool rec_filter_cache;		/* rec.filter_cache: keep filters' matching items */
extern bool rec_parallel_read;		/* rec.parallel_read: training reads with rec.collect_events */
extern int	rec_model_chunk_size;	/* rec.model_chunk_size: bytes per stored row of a model */

/* A user's history as the scorers see it: dense item indices, oldest first */
typedef struct RecHistory
{
	int			n;				/* number of events */
	int32	   *items;			/* dense item index, -1 when unknown to the model */
	float8	   *times;			/* event time, epoch seconds */
	float	   *weights;		/* event type weight of each event, or NULL: all 1 */
	bool	   *in_context;		/* each event was recorded in the asked context, or
								 * NULL: no context asked (or none of them was) */
} RecHistory;

extern void RecCheckK(int32 k);
extern void RecRequirePrimary(const char *action, const char *hint);

extern void RecCheckMemory(double bytes, const char *what);
extern Datum *RecArrayElements(ArrayType *arr, const char *argname, int *n);
extern int64 *RecArrayToIds(ArrayType *arr, const char *argname, int *n);

#endif							/* REC_H */
