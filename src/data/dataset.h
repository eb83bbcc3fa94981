/*
 * dataset.h
 *	  A dataset group read into memory: id maps and a user x item CSR.
 */
#ifndef REC_DATASET_H
#define REC_DATASET_H

#include "catalog.h"
#include "keys.h"
#include "collect.h"

typedef struct RecDataset
{
	int			n_users;		/* users with at least one event */
	int			n_items;		/* catalogue: items with events first, then items known only from metadata */
	int			n_warm;			/* items with at least one event */
	int64		n_events;		/* events read */
	int64	   *user_ids;		/* [n_users] dense user index -> user id */
	int64	   *item_ids;		/* [n_items] dense item index -> item id */
	int64	   *user_off;		/* [n_users + 1] CSR offsets into the event arrays */
	int32	   *ev_item;		/* [n_events] item of each event, oldest first per user */
	float8	   *ev_time;		/* [n_events] its time, epoch seconds */
	float	   *ev_weight;		/* [n_events] its event type weight, or NULL: all 1 */
	int			n_categories;	/* distinct categories in the items relation */
	char	  **category_names; /* [n_categories] */
	int32	   *cat_off;		/* [n_items + 1] CSR offsets of each item's categories */
	int32	   *cat_idx;		/* category indices */
	float8	   *item_created;	/* [n_items] creation time, epoch seconds; NaN if unknown */
	float8		max_time;		/* newest event time */
	int			user_kind;		/* RecKeyKind of the user ids */
	int			item_kind;		/* RecKeyKind of the item ids */
	RecKeyList *user_keys;		/* text or uuid users: dense index -> key, else NULL */
	RecKeyList *item_keys;		/* text or uuid items: dense index -> key, else NULL */
} RecDataset;

extern RecDataset *RecLoadDataset(const RecBinding *binding, const char *event_type,
								  ArrayType *only_users, bool with_items);
extern int32 *RecUniqueUserItems(const RecDataset *ds, int u, int32 *mark, int32 stamp, int *n);
extern void RecUserItemWeights(const RecDataset *ds, int u, const int32 *items, int n,
							   float *scratch, float *out);
extern void RecCheckEventColumns(const RecBinding *b);
extern char *RecEventWeightExpr(const RecBinding *b, int param);
extern RecDataset *RecSubsetUsers(const RecDataset *ds, const bool *keep_user, const int64 *keep_upto);

/* the parallel read: collect.c gathers the events, dataset.c builds from them */
extern char *RecCollectEventsQuery(const RecBinding *binding, const char *event_type, int *nargs,
								   Oid *argtypes, Datum *args);
extern RecDataset *RecDatasetFromEvents(RecEventSet *set, const RecBinding *binding, bool with_items);

#endif							/* REC_DATASET_H */
