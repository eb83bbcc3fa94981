/*
 * model.c
 *	  Serialized form of a trained model and the per-backend model cache.
 *
 * A model's stored form is a fixed header (magic, format version, CRC-32C
 * of the payload, sizes, scoring parameters) and then its arrays, each
 * starting on an 8-byte boundary.  The same table of sections drives writing
 * and reading, so the two cannot disagree.  Writing reads the arrays where
 * they are (RecModelImage), never building the whole stored form in memory;
 * model_store.c splits it into rows.  Reading checks the bytes and points the
 * arrays into them, in place: into one private copy (rec.model_sharing off)
 * or into the server's shared file of the model (model_file.c).
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
#include "miscadmin.h"
#include "port/pg_crc32c.h"
#include "utils/memutils.h"

#include "dataset.h"
#include "keys.h"
#include "model.h"

#define REC_MODEL_MAGIC 0x4D434552	/* "RECM" */
#define REC_MODEL_FORMAT 3		/* 2: sparse transitions (nnz_trans, tr_* sections); 3: item keys */
#define REC_MODEL_FORMAT_0_1 1	/* rec 0.1.0's, read as format 3 (RecModelHeader1) */
#define REC_MODEL_CACHE_SIZE 4
#define MAX_SECTIONS 13
#define ALIGN8(x) (((x) + 7) & ~((Size) 7))

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
	int32		key_kind;		/* RecKeyKind of the item ids (format 3) */
	int32		key_pad;		/* zero */
	int64		key_bytes;		/* bytes of the key_data section */
} RecModelHeader;

/*
 * The header of format 1, rec 0.1.0's.  Its arrays are those of format 3 for
 * integer item ids (0.1.0 had no others, and kept transitions only in dense
 * models), so a model stored in format 1 is read as format 3 with this header
 * replaced: nnz_trans was zero padding, the key fields are missing.  The
 * payload, and so its CRC-32C, stay as they are.  Format 2 was never released.
 */
typedef struct RecModelHeader1
{
	uint32		magic;			/* REC_MODEL_MAGIC */
	uint32		format;			/* REC_MODEL_FORMAT_0_1 */
	pg_crc32c	crc;
	int32		kind;
	int32		n_items;
	int32		n_warm;
	int32		n_categories;
	int32		nnz_categories;
	int64		nnz_neighbors;
	int32		n_trans;
	int32		padding;		/* zero */
	int64		payload_size;
	RecServeParams serve;
} RecModelHeader1;

typedef struct Section
{
	void	  **ptr;			/* address of the array pointer in RecModel */
	Size		size;			/* bytes */
} Section;

/* A model ready to be stored: its header and sections, read piece by piece */
struct RecModelImage
{
	RecModel	m;				/* the model's fields (arrays not copied) */
	RecModelHeader h;			/* stored header, CRC filled in */
	Section		s[MAX_SECTIONS];	/* its arrays in storage order */
	int			n;				/* number of sections */
	Size		total;			/* stored size: header + aligned sections */
};

typedef struct CacheEntry
{
	int64		version;		/* solution version id, 0 if free */
	TimestampTz created;		/* its creation time */
	uint64		last_used;		/* for LRU eviction */
	bool		shared;			/* mapped from the shared file (rec.model_sharing) */
	MemoryContext cxt;			/* holds the model, or its pointers into the map */
	void	   *map;			/* the file mapping, or NULL */
	Size		map_len;
	RecModel   *model;
} CacheEntry;

static CacheEntry cache[REC_MODEL_CACHE_SIZE];
static uint64 cache_clock = 0;



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
	if (m->key_kind != REC_KEY_INT)
	{
		ADD(key_off, m->n_items + 1);
		ADD(key_data, m->key_bytes);
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
	m->key_kind = ds->item_kind;
	if (ds->item_keys)
	{
		m->key_off = ds->item_keys->off;
		m->key_data = ds->item_keys->data;
		m->key_bytes = ds->item_keys->off[ds->n_items];
	}
	m->cat_off = ds->cat_off;
	m->cat_idx = ds->cat_idx;
	m->popularity = palloc0(sizeof(float) * Max(ds->n_items, 1));
	for (e = 0; e < ds->n_events; e++)
		m->popularity[ds->ev_item[e]] += ds->ev_weight ? ds->ev_weight[e] : 1.0f;
	m->item_age = palloc(sizeof(float) * Max(ds->n_items, 1));
	for (e = 0; e < ds->n_items; e++)
		m->item_age[e] = (float) ((ds->max_time - ds->item_created[e]) / SECS_PER_DAY);
	return m;
}

/* Fill a model's stored header from its fields; the CRC is left to the caller */
static void
FillHeader(const RecModel *m, Size payload, RecModelHeader *h)
{
	memset(h, 0, sizeof(RecModelHeader));
	h->magic = REC_MODEL_MAGIC;
	h->format = REC_MODEL_FORMAT;
	h->kind = m->kind;
	h->n_items = m->n_items;
	h->n_warm = m->n_warm;
	h->n_categories = m->n_categories;
	h->nnz_categories = m->nnz_categories;
	h->nnz_neighbors = m->nnz_neighbors;
	h->n_trans = m->n_trans;
	h->nnz_trans = m->nnz_trans;
	h->payload_size = payload;
	h->serve = m->serve;
	h->key_kind = m->key_kind;
	h->key_bytes = m->key_bytes;
}

/*
 * Prepare a model for storing: its header with the CRC-32C of the payload,
 * computed over the sections in place, so that no copy of the whole model is
 * ever made (RecModelImageRead hands out any byte range of it).
 */
RecModelImage *
RecNewModelImage(const RecModel *model)
{
	RecModelImage *img = palloc0(sizeof(RecModelImage));
	Size		payload = 0;
	static const char zeros[8] = {0};
	int			i;

	img->m = *model;
	img->n = ModelSections(&img->m, img->s);
	for (i = 0; i < img->n; i++)
		payload = add_size(payload, ALIGN8(img->s[i].size));
	img->total = add_size(ALIGN8(sizeof(RecModelHeader)), payload);
	if ((double) img->total > (double) REC_MAX_MODEL_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model of %zu MB is too large to store", img->total / (1024 * 1024)),
				 errhint("Use a recipe whose size does not grow with the square of the catalogue.")));
	FillHeader(&img->m, payload, &img->h);
	INIT_CRC32C(img->h.crc);
	for (i = 0; i < img->n; i++)
	{
		if (img->s[i].size > 0)
			COMP_CRC32C(img->h.crc, *img->s[i].ptr, img->s[i].size);
		COMP_CRC32C(img->h.crc, zeros, ALIGN8(img->s[i].size) - img->s[i].size);
	}
	FIN_CRC32C(img->h.crc);
	return img;
}

/* Return the stored size of a model image */
Size
RecModelImageSize(const RecModelImage *img)
{
	return img->total;
}

/* Copy bytes [off, off + len) of a model's stored form into dst */
void
RecModelImageRead(const RecModelImage *img, Size off, Size len, char *dst)
{
	Size		at = 0;			/* stored offset of the current piece */
	int			i;

	Assert(off + len <= img->total);
	for (i = -1; i < img->n && len > 0; i++)
	{
		const char *src = (i < 0) ? (const char *) &img->h : (const char *) *img->s[i].ptr;
		Size		have = (i < 0) ? sizeof(RecModelHeader) : img->s[i].size;
		Size		span = ALIGN8(have);

		if (off < at + span)
		{
			Size		from = off - at;
			Size		n = Min(len, span - from);
			Size		data = (from < have) ? Min(n, have - from) : 0;

			if (data > 0)
				memcpy(dst, src + from, data);
			memset(dst + data, 0, n - data);
			dst += n;
			off += n;
			len -= n;
		}
		at += span;
	}
	Assert(len == 0);
}

/* Report a damaged stored model */
void
RecModelDamaged(int64 version, const char *detail)
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
		sp->recency_half_life >= 0 && sp->exploration_age_cutoff >= 0 &&
		sp->impression_decay >= 0 && sp->impression_decay <= 1 && sp->trend_window >= 0;
}

/*
 * Read the header at the start of a stored model into *h as a header of the
 * current format, checking its magic number and format version; return the
 * length of the stored header (the payload starts there).
 */
static Size
ReadHeader(const char *head, Size len, int64 version, RecModelHeader *h)
{
	uint32		start[2];		/* magic, format */
	RecModelHeader1 h1;

	StaticAssertStmt(ALIGN8(sizeof(RecModelHeader)) <= REC_MODEL_HEADER_READ,
					 "REC_MODEL_HEADER_READ must cover the header");

	if (len < sizeof(start))
		RecModelDamaged(version, "The stored model is shorter than its header.");
	memcpy(start, head, sizeof(start));
	if (start[0] != REC_MODEL_MAGIC)
		RecModelDamaged(version, "The stored model does not start with the rec model magic number.");
	if (start[1] == REC_MODEL_FORMAT)
	{
		if (len < ALIGN8(sizeof(RecModelHeader)))
			RecModelDamaged(version, "The stored model is shorter than its header.");
		memcpy(h, head, sizeof(RecModelHeader));
		return ALIGN8(sizeof(RecModelHeader));
	}
	/* format 2's header is as long as format 1's but its arrays are not format 3's */
	if (start[1] != REC_MODEL_FORMAT_0_1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("model of solution version %lld has format version %u, this rec reads formats %d and %d",
						(long long) version, start[1], REC_MODEL_FORMAT_0_1, REC_MODEL_FORMAT),
				 errhint("Train the solution again with rec.train().")));
	if (len < ALIGN8(sizeof(RecModelHeader1)))
		RecModelDamaged(version, "The stored model is shorter than its header.");
	memcpy(&h1, head, sizeof(h1));
	if (h1.padding != 0)
		RecModelDamaged(version, "The stored model's header is inconsistent with its size.");
	memset(h, 0, sizeof(RecModelHeader));
	h->magic = h1.magic;
	h->format = REC_MODEL_FORMAT;
	h->crc = h1.crc;
	h->kind = h1.kind;
	h->n_items = h1.n_items;
	h->n_warm = h1.n_warm;
	h->n_categories = h1.n_categories;
	h->nnz_categories = h1.nnz_categories;
	h->nnz_neighbors = h1.nnz_neighbors;
	h->n_trans = h1.n_trans;
	h->payload_size = h1.payload_size;
	h->serve = h1.serve;
	h->key_kind = REC_KEY_INT;
	return ALIGN8(sizeof(RecModelHeader1));
}

/*
 * Read the size a model's first bytes declare for its current form (what
 * RecReadStoredModel hands on), checking its magic number and format version
 * (the rest is checked once all bytes are there).
 */
Size
RecModelStoredSize(const char *head, Size len, int64 version, pg_crc32c *crc, int32 *n_items)
{
	RecModelHeader h;

	(void) ReadHeader(head, len, version, &h);
	if (h.payload_size < 0 || h.n_items < 0 ||
		(double) h.payload_size + ALIGN8(sizeof(RecModelHeader)) > (double) REC_MAX_MODEL_SIZE)
		RecModelDamaged(version, "The stored model's header is inconsistent with its size.");
	if (crc)
		*crc = h.crc;
	if (n_items)
		*n_items = h.n_items;
	return ALIGN8(sizeof(RecModelHeader)) + (Size) h.payload_size;
}

/*
 * The header of a stored model's current form: copied into hdr (room for
 * REC_MODEL_HEADER_READ bytes), its length in *hdr_len.  Returns the length
 * of the header stored at head, which it replaces: a model stored in an
 * older format is its current form with another header.
 */
Size
RecModelCurrentHeader(const char *head, Size len, int64 version, char *hdr, Size *hdr_len)
{
	RecModelHeader h;
	Size		stored = ReadHeader(head, len, version, &h);

	memset(hdr, 0, ALIGN8(sizeof(RecModelHeader)));
	memcpy(hdr, &h, sizeof(h));
	*hdr_len = ALIGN8(sizeof(RecModelHeader));
	return stored;
}

/*
 * Check a model's stored bytes and point a model's arrays into them, in
 * place: magic, format version, sizes and checksum before trusting any of
 * it, then every offset and index.  bytes must be 8-byte aligned and stay
 * valid as long as the model is used.  Returns NULL with the model in *out,
 * or the reason it is damaged (as an errdetail sentence).
 */
const char *
RecCheckModelBytes(const char *bytes, Size len, RecModel **out)
{
	RecModelHeader h;
	RecModel   *m;
	Section		s[MAX_SECTIONS];
	int			n;
	Size		need = 0;
	const char *data;
	const char *p;
	pg_crc32c	crc;
	double		payload;
	int64		i;

	Assert(((uintptr_t) bytes & 7) == 0);
	if (len < ALIGN8(sizeof(RecModelHeader)))
		return "The stored model is shorter than its header.";
	memcpy(&h, bytes, sizeof(h));
	if (h.magic != REC_MODEL_MAGIC)
		return "The stored model does not start with the rec model magic number.";
	if (h.format != REC_MODEL_FORMAT)
		return "The stored model has another format version.";
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
		(h.kind == REC_KIND_ITEM_DENSE && (double) h.n_trans * h.n_trans * sizeof(float) > payload) ||
		h.key_kind < REC_KEY_INT || h.key_kind > REC_KEY_UUID || h.key_pad != 0 ||
		h.key_bytes < 0 || (double) h.key_bytes > payload ||
		(h.key_kind == REC_KEY_INT && h.key_bytes != 0))
		return "The stored model's header is inconsistent with its size.";
	if (!ServeParamsValid(&h.serve))
		return "The stored model's scoring parameters are out of range.";

	data = bytes + ALIGN8(sizeof(RecModelHeader));
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, h.payload_size);
	FIN_CRC32C(crc);
	if (!EQ_CRC32C(crc, h.crc))
		return "The stored model's checksum does not match its contents.";

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
	m->key_kind = h.key_kind;
	m->key_bytes = h.key_bytes;
	n = ModelSections(m, s);
	for (i = 0; i < n; i++)
		need += ALIGN8(s[i].size);
	if (need != (Size) h.payload_size)
	{
		pfree(m);
		return "The stored model's sections do not add up to its size.";
	}
	p = data;
	for (i = 0; i < n; i++)
	{
		*s[i].ptr = (void *) p;
		p += ALIGN8(s[i].size);
	}

	/* offsets must stay inside their arrays before anything indexes with them */
	*out = NULL;
	if (m->cat_off[0] != 0 || m->cat_off[m->n_items] != m->nnz_categories ||
		(m->kind == REC_KIND_ITEM_SPARSE &&
		 (m->nb_off[0] != 0 || m->nb_off[m->n_warm] != m->nnz_neighbors)) ||
		(m->tr_off && (m->tr_off[0] != 0 || m->tr_off[m->n_trans] != m->nnz_trans)))
		return "The stored model's offsets are out of range.";
	for (i = 0; i < m->n_items; i++)
		if (m->cat_off[i] > m->cat_off[i + 1])
			return "The stored model's offsets are out of range.";
	if (m->key_off)
	{
		if (m->key_off[0] != 0 || m->key_off[m->n_items] != m->key_bytes)
			return "The stored model's offsets are out of range.";
		for (i = 0; i < m->n_items; i++)
			if (m->key_off[i] > m->key_off[i + 1] ||
				m->key_off[i + 1] - m->key_off[i] > PG_INT32_MAX / 2)
				return "The stored model's offsets are out of range.";
	}
	for (i = 0; i < m->nnz_categories; i++)
		if (m->cat_idx[i] < 0 || m->cat_idx[i] >= m->n_categories)
			return "The stored model's indices are out of range.";
	if (m->kind == REC_KIND_ITEM_SPARSE)
	{
		for (i = 0; i < m->n_warm; i++)
			if (m->nb_off[i] > m->nb_off[i + 1])
				return "The stored model's offsets are out of range.";
		for (i = 0; i < m->nnz_neighbors; i++)
		{
			if ((i & 0xFFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (m->nb_idx[i] < 0 || m->nb_idx[i] >= m->n_warm)
				return "The stored model's indices are out of range.";
		}
	}
	if (m->tr_off)
	{
		for (i = 0; i < m->n_trans; i++)
			if (m->tr_off[i] > m->tr_off[i + 1])
				return "The stored model's offsets are out of range.";
		for (i = 0; i < m->nnz_trans; i++)
		{
			if ((i & 0xFFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (m->tr_idx[i] < 0 || m->tr_idx[i] >= m->n_warm)
				return "The stored model's indices are out of range.";
		}
	}
	*out = m;
	return NULL;
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

/* Fill by_id[n_items] with the model's dense indices in item id order */
void
RecModelSortById(const RecModel *m, int32 *by_id)
{
	int32		i;

	for (i = 0; i < m->n_items; i++)
		by_id[i] = i;
	sort_ids = m->item_ids;
	qsort(by_id, m->n_items, sizeof(int32), CompareById);
}

/*
 * True if by_id holds every index once, in item id order (so lookups stay in
 * bounds and find every item: a zeroed by_id is in order but finds one item)
 */
bool
RecModelByIdValid(const RecModel *m, const int32 *by_id)
{
	uint8	   *seen = palloc0(m->n_items / 8 + 1);
	bool		valid = true;
	int32		i;

	for (i = 0; i < m->n_items && valid; i++)
	{
		int32		idx = by_id[i];

		valid = idx >= 0 && idx < m->n_items && (seen[idx / 8] & (1 << (idx % 8))) == 0 &&
			(i == 0 || m->item_ids[by_id[i - 1]] <= m->item_ids[idx]);
		if (valid)
			seen[idx / 8] |= 1 << (idx % 8);
	}
	pfree(seen);
	return valid;
}

/*
 * Turn a model's stored bytes, in an 8-byte aligned buffer the model then
 * owns, into a model with its by_id index; error if they are damaged.
 */
RecModel *
RecModelFromBytes(char *bytes, Size len, int64 version)
{
	RecModel   *m;
	const char *damage = RecCheckModelBytes(bytes, len, &m);

	if (damage)
		RecModelDamaged(version, damage);
	m->by_id = palloc_extended(sizeof(int32) * Max(m->n_items, 1), MCXT_ALLOC_HUGE);
	RecModelSortById(m, m->by_id);
	return m;
}

/*
 * Read a stored model held in one bytea into the current memory context,
 * checking everything before trusting any of it.
 */
RecModel *
RecDeserializeModel(bytea *raw, int64 version)
{
	Size		len = VARSIZE_ANY_EXHDR(raw);
	char		hdr[REC_MODEL_HEADER_READ];
	Size		hdr_len;
	Size		stored;
	char	   *p;

	stored = RecModelCurrentHeader(VARDATA_ANY(raw), len, version, hdr, &hdr_len);
	(void) RecModelStoredSize(VARDATA_ANY(raw), len, version, NULL, NULL);
	p = palloc_extended(hdr_len + len - stored, MCXT_ALLOC_HUGE);
	memcpy(p, hdr, hdr_len);
	memcpy(p + hdr_len, VARDATA_ANY(raw) + stored, len - stored);
	return RecModelFromBytes(p, hdr_len + len - stored, version);
}

/* Drop a cache entry's model: its memory, and its file mapping if any */
static void
FreeEntry(CacheEntry *e)
{
	if (e->map)
		RecUnmapModelFile(e->map, e->map_len);
	e->map = NULL;
	if (e->cxt)
		MemoryContextDelete(e->cxt);
	e->cxt = NULL;
	e->version = 0;
	e->model = NULL;
}

/*
 * Return the model a campaign serves, from the cache or loaded once: mapped
 * from the server's file of the model, or copied (rec.model_sharing off).
 */
RecModel *
RecGetModel(const RecCampaignTarget *target)
{
	CacheEntry *slot = &cache[0];
	int			i;
	MemoryContext old;

	for (i = 0; i < REC_MODEL_CACHE_SIZE; i++)
	{
		if (cache[i].version == target->version && cache[i].created == target->version_created &&
			cache[i].shared == rec_model_sharing)
		{
			cache[i].last_used = ++cache_clock;
			return cache[i].model;
		}
		if (cache[i].last_used < slot->last_used)
			slot = &cache[i];
	}

	FreeEntry(slot);
	slot->cxt = AllocSetContextCreate(TopMemoryContext, "rec model cache", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(slot->cxt);
	if (rec_model_sharing)
		slot->model = RecMapModelFile(target->version, target->version_created,
									  &slot->map, &slot->map_len);
	else
		slot->model = RecLoadStoredModel(target->version);
	MemoryContextSwitchTo(old);
	slot->version = target->version;
	slot->created = target->version_created;
	slot->shared = rec_model_sharing;
	slot->last_used = ++cache_clock;
	return slot->model;
}
