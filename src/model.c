/*
 * model.c
 *	  Serialized form of a trained model and the per-backend model cache.
 *
 * A model is stored in rec.solution_version.model as one bytea: a fixed
 * header (magic, format version, CRC-32C of the payload, sizes, scoring
 * parameters) and then its arrays, each starting on an 8-byte boundary.  The
 * same table of sections drives writing and reading, so the two cannot
 * disagree.  Loading copies the bytes once and points the arrays into them.
 *
 * The cache is keyed by (solution version id, its creation time).  A version
 * never changes once written, so a cached model is valid for as long as the
 * key is; the creation time guards against ids being reused after the
 * extension is dropped and created again.  Which version a campaign serves
 * is looked up on every call, so moving a campaign takes effect at once.
 */
#include "rec.h"

#include <math.h>

#include "executor/spi.h"
#include "port/pg_crc32c.h"
#include "utils/memutils.h"

#include "dataset.h"
#include "model.h"

#define REC_MODEL_MAGIC 0x4D434552	/* "RECM" */
#define REC_MODEL_FORMAT 2		/* 2: sparse transitions (nnz_trans, tr_* sections) */
#define REC_MODEL_FORMAT_OLDEST 1	/* format 1 is format 2 without sparse transitions */
#define REC_MODEL_CACHE_SIZE 4
#define MAX_SECTIONS 11

typedef struct RecModelHeader
{
	uint32		magic;			/* REC_MODEL_MAGIC */
	uint32		format;			/* REC_MODEL_FORMAT */
	pg_crc32c	crc;			/* CRC-32C of everything after the header */
	int32		kind;
	int32		n_items;
	int32		n_warm;
	int32		n_categories;
	int32		nnz_categories;
	int64		nnz_neighbors;
	int32		n_trans;
	int32		nnz_trans;		/* in format 1's padding, which was zero */
	int64		payload_size;	/* bytes after the header */
	RecServeParams serve;
} RecModelHeader;

typedef struct Section
{
	void	  **ptr;			/* address of the array pointer in RecModel */
	Size		size;			/* bytes */
} Section;

typedef struct CacheEntry
{
	int64		version;		/* solution version id, 0 if free */
	TimestampTz created;		/* its creation time */
	uint64		last_used;		/* for LRU eviction */
	MemoryContext cxt;			/* holds the model */
	RecModel   *model;
} CacheEntry;

static CacheEntry cache[REC_MODEL_CACHE_SIZE];
static uint64 cache_clock = 0;


#define ALIGN8(x) (((x) + 7) & ~((Size) 7))

/* List the arrays of a model with their sizes, in storage order */
static int
ModelSections(RecModel *m, Section *s)
{
	int			n = 0;

#define ADD(field, count) \
	(s[n].ptr = (void **) &m->field, s[n].size = sizeof(*m->field) * (Size) (count), n++)

	ADD(item_ids, m->n_items);
	ADD(popularity, m->n_items);
	ADD(item_age, m->n_items);
	ADD(cat_off, m->n_items + 1);
	ADD(cat_idx, m->nnz_categories);
	if (m->kind == REC_KIND_ITEM_SPARSE)
	{
		ADD(nb_off, m->n_warm + 1);
		ADD(nb_idx, m->nnz_neighbors);
		ADD(nb_sim, m->nnz_neighbors);
	}
	if (m->kind == REC_KIND_ITEM_DENSE)
		ADD(dense, (Size) m->n_warm * m->n_warm);
	if (m->n_trans > 0 && m->kind == REC_KIND_ITEM_DENSE)
		ADD(trans, (Size) m->n_trans * m->n_trans);
	if (m->n_trans > 0 && m->kind == REC_KIND_ITEM_SPARSE)
	{
		ADD(tr_off, m->n_trans + 1);
		ADD(tr_idx, m->nnz_trans);
		ADD(tr_val, m->nnz_trans);
	}
#undef ADD
	Assert(n <= MAX_SECTIONS);
	return n;
}

/* Start a model over a dataset's catalogue: ids, popularity, categories */
RecModel *
RecNewModel(const RecDataset *ds, RecModelKind kind)
{
	RecModel   *m = palloc0(sizeof(RecModel));
	int64		e;

	m->kind = kind;
	m->n_items = ds->n_items;
	m->n_warm = ds->n_warm;
	m->n_categories = ds->n_categories;
	m->nnz_categories = ds->cat_off[ds->n_items];
	m->serve.recency_half_life = 0;
	m->serve.recency_floor = 1;
	m->item_ids = ds->item_ids;
	m->cat_off = ds->cat_off;
	m->cat_idx = ds->cat_idx;
	m->popularity = palloc0(sizeof(float) * Max(ds->n_items, 1));
	for (e = 0; e < ds->n_events; e++)
		m->popularity[ds->ev_item[e]] += 1.0f;
	m->item_age = palloc(sizeof(float) * Max(ds->n_items, 1));
	for (e = 0; e < ds->n_items; e++)
		m->item_age[e] = (float) ((ds->max_time - ds->item_created[e]) / SECS_PER_DAY);
	return m;
}

/* Write a model as header + aligned sections */
bytea *
RecSerializeModel(const RecModel *model)
{
	RecModel	m = *model;
	Section		s[MAX_SECTIONS];
	int			n = ModelSections(&m, s);
	Size		total = ALIGN8(sizeof(RecModelHeader));
	RecModelHeader *h;
	bytea	   *out;
	char	   *p;
	int			i;

	for (i = 0; i < n; i++)
		total = add_size(total, ALIGN8(s[i].size));
	RecCheckMemory((double) total, "storing the model");
	if (total + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model of %zu MB is too large to store", total / (1024 * 1024)),
				 errhint("Use a recipe whose size does not grow with the square of the catalogue.")));

	out = palloc0(total + VARHDRSZ);
	SET_VARSIZE(out, total + VARHDRSZ);
	h = (RecModelHeader *) VARDATA(out);
	h->magic = REC_MODEL_MAGIC;
	h->format = REC_MODEL_FORMAT;
	h->kind = m.kind;
	h->n_items = m.n_items;
	h->n_warm = m.n_warm;
	h->n_categories = m.n_categories;
	h->nnz_categories = m.nnz_categories;
	h->nnz_neighbors = m.nnz_neighbors;
	h->n_trans = m.n_trans;
	h->nnz_trans = m.nnz_trans;
	h->payload_size = total - ALIGN8(sizeof(RecModelHeader));
	h->serve = m.serve;

	p = (char *) h + ALIGN8(sizeof(RecModelHeader));
	for (i = 0; i < n; i++)
	{
		if (s[i].size > 0)
			memcpy(p, *s[i].ptr, s[i].size);
		p += ALIGN8(s[i].size);
	}
	INIT_CRC32C(h->crc);
	COMP_CRC32C(h->crc, (char *) h + ALIGN8(sizeof(RecModelHeader)), h->payload_size);
	FIN_CRC32C(h->crc);
	return out;
}

/* Report a damaged stored model */
static void
Damaged(int64 version, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("model of solution version %lld is damaged", (long long) version),
			 errdetail("%s", detail),
			 errhint("Train the solution again with rec.train().")));
}

/* True if every scoring parameter is a finite number in its range */
static bool
ServeParamsValid(const RecServeParams *sp)
{
	const float *f = (const float *) sp;
	int			i;

	for (i = 0; i < (int) (sizeof(RecServeParams) / sizeof(float)); i++)
		if (!isfinite(f[i]) || fabsf(f[i]) > 1e9f)
			return false;
	return sp->session_events >= 0 && sp->session_events <= 1e6f &&
		sp->transition_window >= 0 && sp->transition_window <= 1e6f &&
		sp->recency_half_life >= 0 && sp->exploration_age_cutoff >= 0;
}

/* Order dense indices by item id, for RecItemIndex */
static const int64 *sort_ids;
static int
CompareById(const void *a, const void *b)
{
	int64		x = sort_ids[*(const int32 *) a];
	int64		y = sort_ids[*(const int32 *) b];

	return (x > y) - (x < y);
}

/*
 * Read a stored model into the current memory context, checking magic,
 * format version, sizes and checksum before trusting any of it.
 */
RecModel *
RecDeserializeModel(bytea *raw, int64 version)
{
	Size		len = VARSIZE_ANY_EXHDR(raw);
	RecModelHeader h;
	RecModel   *m;
	Section		s[MAX_SECTIONS];
	int			n;
	Size		need = 0;
	char	   *data;
	char	   *p;
	pg_crc32c	crc;
	double		payload;
	int			i;

	if (len < ALIGN8(sizeof(RecModelHeader)))
		Damaged(version, "The stored model is shorter than its header.");
	memcpy(&h, VARDATA_ANY(raw), sizeof(h));
	if (h.magic != REC_MODEL_MAGIC)
		Damaged(version, "The stored model does not start with the rec model magic number.");
	if (h.format < REC_MODEL_FORMAT_OLDEST || h.format > REC_MODEL_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("model of solution version %lld has format version %u, this rec reads format %d",
						(long long) version, h.format, REC_MODEL_FORMAT),
				 errhint("Train the solution again with rec.train().")));
	payload = (double) len - ALIGN8(sizeof(RecModelHeader));
	if (h.payload_size != (int64) payload ||
		h.n_items < 0 || h.n_warm < 0 || h.n_warm > h.n_items || h.nnz_categories < 0 ||
		h.nnz_neighbors < 0 || h.n_categories < 0 ||
		(h.n_trans != 0 && (h.n_trans != h.n_warm || h.kind == REC_KIND_POPULARITY)) ||
		h.nnz_trans < 0 || (h.nnz_trans != 0 && (h.kind != REC_KIND_ITEM_SPARSE || h.n_trans == 0)) ||
		(h.kind != REC_KIND_POPULARITY && h.kind != REC_KIND_ITEM_SPARSE && h.kind != REC_KIND_ITEM_DENSE) ||
		/* every count bounded by the bytes there are, so no size below can overflow */
		(double) h.n_items * sizeof(int64) > payload ||
		(double) h.nnz_categories * sizeof(int32) > payload ||
		(double) h.nnz_neighbors * sizeof(int32) > payload ||
		(h.kind == REC_KIND_ITEM_DENSE && (double) h.n_warm * h.n_warm * sizeof(float) > payload) ||
		(double) h.nnz_trans * sizeof(int32) > payload ||
		(h.kind == REC_KIND_ITEM_DENSE && (double) h.n_trans * h.n_trans * sizeof(float) > payload))
		Damaged(version, "The stored model's header is inconsistent with its size.");
	if (!ServeParamsValid(&h.serve))
		Damaged(version, "The stored model's scoring parameters are out of range.");

	data = VARDATA_ANY(raw) + ALIGN8(sizeof(RecModelHeader));
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, h.payload_size);
	FIN_CRC32C(crc);
	if (!EQ_CRC32C(crc, h.crc))
		Damaged(version, "The stored model's checksum does not match its contents.");

	m = palloc0(sizeof(RecModel));
	m->kind = h.kind;
	m->n_items = h.n_items;
	m->n_warm = h.n_warm;
	m->n_categories = h.n_categories;
	m->nnz_categories = h.nnz_categories;
	m->nnz_neighbors = h.nnz_neighbors;
	m->n_trans = h.n_trans;
	m->nnz_trans = h.nnz_trans;
	m->serve = h.serve;
	n = ModelSections(m, s);
	for (i = 0; i < n; i++)
		need += ALIGN8(s[i].size);
	if (need != (Size) h.payload_size)
		Damaged(version, "The stored model's sections do not add up to its size.");

	p = palloc_extended(Max(need, 1), MCXT_ALLOC_HUGE);
	memcpy(p, data, need);
	for (i = 0; i < n; i++)
	{
		*s[i].ptr = p;
		p += ALIGN8(s[i].size);
	}

	/* offsets must stay inside their arrays before anything indexes with them */
	if (m->cat_off[0] != 0 || m->cat_off[m->n_items] != m->nnz_categories ||
		(m->kind == REC_KIND_ITEM_SPARSE &&
		 (m->nb_off[0] != 0 || m->nb_off[m->n_warm] != m->nnz_neighbors)) ||
		(m->tr_off && (m->tr_off[0] != 0 || m->tr_off[m->n_trans] != m->nnz_trans)))
		Damaged(version, "The stored model's offsets are out of range.");
	for (i = 0; i < m->n_items; i++)
		if (m->cat_off[i] > m->cat_off[i + 1])
			Damaged(version, "The stored model's offsets are out of range.");
	for (i = 0; i < m->nnz_categories; i++)
		if (m->cat_idx[i] < 0 || m->cat_idx[i] >= m->n_categories)
			Damaged(version, "The stored model's indices are out of range.");
	if (m->kind == REC_KIND_ITEM_SPARSE)
	{
		for (i = 0; i < m->n_warm; i++)
			if (m->nb_off[i] > m->nb_off[i + 1])
				Damaged(version, "The stored model's offsets are out of range.");
		for (i = 0; i < m->nnz_neighbors; i++)
			if (m->nb_idx[i] < 0 || m->nb_idx[i] >= m->n_warm)
				Damaged(version, "The stored model's indices are out of range.");
	}
	if (m->tr_off)
	{
		for (i = 0; i < m->n_trans; i++)
			if (m->tr_off[i] > m->tr_off[i + 1])
				Damaged(version, "The stored model's offsets are out of range.");
		for (i = 0; i < m->nnz_trans; i++)
			if (m->tr_idx[i] < 0 || m->tr_idx[i] >= m->n_warm)
				Damaged(version, "The stored model's indices are out of range.");
	}

	m->by_id = palloc(sizeof(int32) * Max(m->n_items, 1));
	for (i = 0; i < m->n_items; i++)
		m->by_id[i] = i;
	sort_ids = m->item_ids;
	qsort(m->by_id, m->n_items, sizeof(int32), CompareById);
	return m;
}

/* Return the model a campaign serves, from the cache or loaded once */
RecModel *
RecGetModel(const RecCampaignTarget *target)
{
	CacheEntry *slot = &cache[0];
	Oid			argtypes[1] = {INT8OID};
	Datum		arg[1];
	bool		isnull;
	int			ret;
	int			i;
	MemoryContext old;

	for (i = 0; i < REC_MODEL_CACHE_SIZE; i++)
	{
		if (cache[i].version == target->version && cache[i].created == target->version_created)
		{
			cache[i].last_used = ++cache_clock;
			return cache[i].model;
		}
		if (cache[i].last_used < slot->last_used)
			slot = &cache[i];
	}

	arg[0] = Int64GetDatum(target->version);
	ret = SPI_execute_plan(RecKeptPlan("SELECT model FROM rec.solution_version WHERE id OPERATOR(pg_catalog.=) $1",
									   1, argtypes),
						   arg, NULL, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "solution version %lld vanished", (long long) target->version);

	if (slot->cxt)
		MemoryContextDelete(slot->cxt);
	slot->version = 0;
	slot->cxt = AllocSetContextCreate(TopMemoryContext, "rec model cache", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(slot->cxt);
	slot->model = RecDeserializeModel(DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0],
																	 SPI_tuptable->tupdesc, 1, &isnull)),
									  target->version);
	MemoryContextSwitchTo(old);
	slot->version = target->version;
	slot->created = target->version_created;
	slot->last_used = ++cache_clock;
	return slot->model;
}

/* Return the dense index of an item id, or -1 if the model does not know it */
int32
RecItemIndex(const RecModel *m, int64 item_id)
{
	int			lo = 0;
	int			hi = m->n_items - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int64		id = m->item_ids[m->by_id[mid]];

		if (id == item_id)
			return m->by_id[mid];
		if (id < item_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Return the dense index of an item id; error if the campaign's model does not know it */
int32
RecRequireItem(const RecModel *m, int64 item_id, const char *campaign)
{
	int32		idx = RecItemIndex(m, item_id);

	if (idx < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("item %lld is unknown to campaign \"%s\"", (long long) item_id, campaign),
				 errhint("Items added after training are known once the solution is trained again.")));
	return idx;
}
