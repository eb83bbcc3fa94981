/*
 * model.h
 *	  A trained model in memory, its serialized form, and the per-backend cache.
 */
#ifndef REC_MODEL_H
#define REC_MODEL_H

#include "catalog.h"

typedef enum RecModelKind
{
	REC_KIND_POPULARITY = 1,	/* one score per item */
	REC_KIND_ITEM_SPARSE = 2,	/* item-item neighbour lists (sims, sparse EASE) */
	REC_KIND_ITEM_DENSE = 3		/* dense item-item weights (EASE) */
} RecModelKind;

/* How a model turns a history into scores; stored with the model */
typedef struct RecServeParams
{
	float		recency_half_life;	/* events: the j-th newest weighs 2^(-j/half_life) */
	float		recency_floor;	/* least weight of an old event */
	float		session_weight; /* weight of the category term of the newest events */
	float		session_events; /* how many newest events form the session */
	float		transition_weight;	/* weight of the transition term (dense kind) */
	float		transition_decay;	/* weight ratio between consecutive newest events */
	float		transition_window;	/* newest events the transition term reads */
	float		exploration_weight; /* weight of new items matching the user's categories */
	float		exploration_age_cutoff; /* days: only items younger than this are explored */
	float		reserved[7];	/* room for later parameters without a format change */
} RecServeParams;

typedef struct RecModel
{
	int32		kind;			/* RecModelKind */
	int32		n_items;		/* catalogue size: warm items first */
	int32		n_warm;			/* items seen in training */
	int32		n_categories;	/* categories in the metadata */
	int32		nnz_categories; /* item-category pairs */
	int64		nnz_neighbors;	/* neighbour entries (sparse kind) */
	int32		n_trans;		/* n_warm if the model has transitions, else 0 */
	int32		nnz_trans;		/* transition entries (sparse kind with transitions) */
	RecServeParams serve;		/* scoring parameters */
	int64	   *item_ids;		/* [n_items] dense index -> item id */
	float	   *popularity;		/* [n_items] fallback score, highest = most popular */
	float	   *item_age;		/* [n_items] days from creation to the newest event; NaN if unknown */
	int32	   *cat_off;		/* [n_items + 1] item -> categories CSR */
	int32	   *cat_idx;		/* [nnz_categories] */
	int32	   *nb_off;			/* [n_warm + 1] neighbours CSR (sparse kind) */
	int32	   *nb_idx;			/* [nnz_neighbors] */
	float	   *nb_sim;			/* [nnz_neighbors] */
	float	   *dense;			/* [n_warm * n_warm] row i: weights from item i (dense kind) */
	float	   *trans;			/* [n_trans * n_trans] row i: items that follow item i (dense kind) */
	int32	   *tr_off;			/* [n_trans + 1] transitions CSR (sparse kind): row i, items that follow i */
	int32	   *tr_idx;			/* [nnz_trans] */
	float	   *tr_val;			/* [nnz_trans] */
	int32	   *by_id;			/* [n_items] dense indices in item id order; built on load */
} RecModel;

struct RecDataset;

extern RecModel *RecNewModel(const struct RecDataset *ds, RecModelKind kind);
extern bytea *RecSerializeModel(const RecModel *m);
extern RecModel *RecDeserializeModel(bytea *raw, int64 version);
extern RecModel *RecGetModel(const RecCampaignTarget *target);
extern int32 RecItemIndex(const RecModel *m, int64 item_id);
extern int32 RecRequireItem(const RecModel *m, int64 item_id, const char *campaign);

#endif							/* REC_MODEL_H */
