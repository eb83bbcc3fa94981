/*
 * collect.h
 *	  Events collected by the parallel-safe aggregate rec.collect_events:
 *	  (user, item, time) triples, partial states of parallel workers and of
 *	  shards, combined into one canonically ordered set.
 */
#ifndef REC_COLLECT_H
#define REC_COLLECT_H

typedef struct RecEvent
{
	int64		user;			/* external user id */
	int64		item;			/* external item id */
	float8		time;			/* epoch seconds */
} RecEvent;

typedef struct RecEventSet
{
	int64		n;				/* events held */
	int64		cap;			/* allocated slots */
	bool		sorted;			/* in canonical order: user, time, item */
	RecEvent   *ev;				/* [cap] */
} RecEventSet;

extern RecEventSet *RecEventSetFromBytea(bytea *b);
extern void RecEventSetMerge(RecEventSet *into, RecEventSet *from);
extern void RecEventSetSort(RecEventSet *set);
extern RecEventSet *RecCollectEvents(const char *sql, int nargs, Oid *argtypes, Datum *args);

#endif							/* REC_COLLECT_H */
