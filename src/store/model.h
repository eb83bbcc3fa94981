/*
 * model.h
 *	  A trained model in memory, its serialized form, where it is stored
 *	  (model_store.c), its shared file (model_file.c) and the per-backend cache.
 */
#ifndef REC_MODEL_H
#define REC_MODEL_H

#include "catalog.h"
#include "keys.h"
#include "port/pg_crc32c.h"

/* largest stored model: its arrays are still indexed by int32 items and int64 entries */
#define REC_MAX_MODEL_SIZE ((Size) 1 << 40)
/* bytes to read from the start of a stored model to have its whole header */
#define REC_MODEL_HEADER_READ 1024

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
	float		impression_decay;	/* factor per repeated unacted impression (0 or 1: none) */
	float		trend_window;	/* trending-now: seconds of one window; 0: not trending */
	float		reserved[5];	/* room for later parameters without a format change */
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
	int32	   *by_id;			/* [n_items] dense indices in item id order; in the model file, or built on load */
	int32		key_kind;		/* RecKeyKind of the item ids */
	int64		key_bytes;		/* bytes of key_data */
	int64	   *key_off;		/* [n_items + 1] text or uuid keys: item i's key is key_data[key_off[i]..key_off[i+1]) */
	char	   *key_data;		/* [key_bytes] the keys, as text */
	struct RecServeIndex *serving;	/* per backend: what serving derives once (score_sparse.c) */
	struct HTAB *category_names;	/* per backend: category name -> index, derived once (new_items.c) */
} RecModel;

struct RecDataset;
typedef struct RecModelImage RecModelImage;	/* a model ready to be stored */

/* model.c: format and cache */
extern RecModel *RecNewModel(const struct RecDataset *ds, RecModelKind kind);
extern RecModelImage *RecNewModelImage(const RecModel *m);
extern Size RecModelImageSize(const RecModelImage *img);
extern void RecModelImageRead(const RecModelImage *img, Size off, Size len, char *dst);
extern Size RecModelStoredSize(const char *head, Size len, int64 version, pg_crc32c *crc,
								 int32 *n_items);
extern Size RecModelCurrentHeader(const char *head, Size len, int64 version, char *hdr,
								   Size *hdr_len);
extern const char *RecCheckModelBytes(const char *bytes, Size len, RecModel **out);
extern RecModel *RecModelFromBytes(char *bytes, Size len, int64 version);
extern void RecModelSortById(const RecModel *m, int32 *by_id);
extern bool RecModelByIdValid(const RecModel *m, const int32 *by_id);
extern void RecModelDamaged(int64 version, const char *detail) pg_attribute_noreturn();
extern RecModel *RecDeserializeModel(bytea *raw, int64 version);
extern RecModel *RecGetModel(const RecCampaignTarget *target);

/* model_store.c: rec.solution_version.model holds the first chunk, rec.model_chunk the rest */
typedef void (*RecModelSink) (void *arg, const char *data, Size len);
extern void RecStoreModelChunks(const RecModelImage *img, int64 version);
extern bytea *RecModelHead(const RecModelImage *img);
extern bytea *RecFetchModelHead(int64 version, Size len);
extern void RecReadStoredModel(int64 version, RecModelSink sink, void *arg, Size *total);
extern RecModel *RecLoadStoredModel(int64 version);

/* model_file.c: one mapped copy per server */
extern RecModel *RecMapModelFile(int64 version, TimestampTz created, void **map, Size *map_len);
extern void RecUnmapModelFile(void *map, Size len);

/* model_keys.c: a model's items by id and by key */
extern int32 RecItemIndex(const RecModel *m, int64 item_id);
extern int32 RecRequireItem(const RecModel *m, int64 item_id, const char *campaign);
extern int32 RecItemKeyIndex(const RecModel *m, const RecKey *key);
extern int32 RecItemDatumIndex(const RecModel *m, Datum d, bool keyed);
extern int32 *RecItemArrayIndices(const RecModel *m, const RecBinding *b, ArrayType *arr,
								  const char *argname, int *n, Datum **elems, RecKey **keys);
extern int32 RecRequireItemKey(const RecModel *m, const RecKey *key, const char *campaign);
extern void RecCheckModelKeys(const RecModel *m, const RecCampaignTarget *target);
extern void RecCheckItemOutput(const RecModel *m, const RecBinding *b, Oid restype);
extern Datum RecItemDatum(const RecModel *m, int32 idx, Oid restype);
extern int32 *RecDatasetToModel(const struct RecDataset *ds, const RecModel *m);

#endif							/* REC_MODEL_H */
