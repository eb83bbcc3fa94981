/*
 * model_store.c
 *	  Where a model's stored bytes live: the first piece in
 *	  rec.solution_version.model, the rest in rows of rec.model_chunk.
 *
 * A bytea holds at most 1 GB, and pg_dump writes a bytea as hex text that
 * must fit in 1 GB too, so a model is stored in pieces of rec.model_chunk_size
 * bytes (as it was when the model was trained): the head, in the version's
 * model column, then chunks 1..n of the head's length, the last one shorter.
 * The header at the start of the head declares the stored size, so a missing,
 * extra or wrongly sized chunk is found before any byte is trusted, and the
 * CRC-32C covers the whole.  A model no larger than the chunk size (every
 * model of rec 0.1.0) is one row, as before, and reading it reads no chunk.
 *
 * Each piece is read, handed on and freed before the next, so reading never
 * holds more than the destination and one piece.
 */
#include "rec.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "model.h"

/* Where RecLoadStoredModel gathers the pieces */
typedef struct CopyTarget
{
	char	   *buf;			/* the whole stored model */
	Size		size;			/* its size, from the header read first */
	Size		filled;			/* bytes copied so far */
	int64		version;
} CopyTarget;

/* Return a model's first piece, the value of rec.solution_version.model */
bytea *
RecModelHead(const RecModelImage *img)
{
	Size		len = Min(RecModelImageSize(img), (Size) rec_model_chunk_size);
	bytea	   *head = palloc(len + VARHDRSZ);

	SET_VARSIZE(head, len + VARHDRSZ);
	RecModelImageRead(img, 0, len, VARDATA(head));
	return head;
}

/* Store the pieces of a model after its head as rows of rec.model_chunk */
void
RecStoreModelChunks(const RecModelImage *img, int64 version)
{
	Size		total = RecModelImageSize(img);
	Size		chunk = Min(total, (Size) rec_model_chunk_size);
	Oid			argtypes[3] = {INT8OID, INT4OID, BYTEAOID};
	Size		off;
	int32		seq = 1;
	MemoryContext cxt = CurrentMemoryContext;

	if (total <= chunk)
		return;
	for (off = chunk; off < total; off += chunk, seq++)
	{
		Size		len = Min(chunk, total - off);
		bytea	   *piece = palloc(len + VARHDRSZ);
		Datum		args[3];

		CHECK_FOR_INTERRUPTS();
		SET_VARSIZE(piece, len + VARHDRSZ);
		RecModelImageRead(img, off, len, VARDATA(piece));
		args[0] = Int64GetDatum(version);
		args[1] = Int32GetDatum(seq);
		args[2] = PointerGetDatum(piece);
		if (SPI_execute_plan(RecKeptPlan("INSERT INTO rec.model_chunk (version, seq, data) VALUES ($1, $2, $3)",
										 3, argtypes),
							 args, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "storing chunk %d of solution version %lld failed", seq, (long long) version);
		MemoryContextSwitchTo(cxt);
		pfree(piece);
	}
}

/*
 * Return the first len bytes of a version's model column (all of it if len
 * is 0), detoasted into the current memory context.
 */
bytea *
RecFetchModelHead(int64 version, Size len)
{
	Oid			argtypes[2] = {INT8OID, INT4OID};
	Datum		args[2];
	bool		isnull;
	bytea	   *head;
	int			ret;
	MemoryContext cxt = CurrentMemoryContext;	/* SPI calls return in SPI's own */

	args[0] = Int64GetDatum(version);
	args[1] = Int32GetDatum((int32) len);
	if (len == 0)
		ret = SPI_execute_plan(RecKeptPlan("SELECT model FROM rec.solution_version WHERE id OPERATOR(pg_catalog.=) $1",
										   1, argtypes),
							   args, NULL, true, 1);
	else
		ret = SPI_execute_plan(RecKeptPlan("SELECT pg_catalog.substring(model, 1, $2)"
										   " FROM rec.solution_version WHERE id OPERATOR(pg_catalog.=) $1",
										   2, argtypes),
							   args, NULL, true, 1);
	MemoryContextSwitchTo(cxt);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "solution version %lld vanished", (long long) version);
	head = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_freetuptable(SPI_tuptable);
	return head;
}

/* Read chunk seq of a version's model into the current memory context, or NULL if missing */
static bytea *
FetchChunk(int64 version, int32 seq)
{
	Oid			argtypes[2] = {INT8OID, INT4OID};
	Datum		args[2];
	bool		isnull;
	bytea	   *data = NULL;
	MemoryContext cxt = CurrentMemoryContext;
	int			ret;

	args[0] = Int64GetDatum(version);
	args[1] = Int32GetDatum(seq);
	ret = SPI_execute_plan(RecKeptPlan("SELECT data FROM rec.model_chunk"
									   " WHERE version OPERATOR(pg_catalog.=) $1 AND seq OPERATOR(pg_catalog.=) $2",
									   2, argtypes),
						   args, NULL, true, 1);
	MemoryContextSwitchTo(cxt);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading chunk %d of solution version %lld failed", seq, (long long) version);
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			data = DatumGetByteaPCopy(d);
	}
	SPI_freetuptable(SPI_tuptable);
	return data;
}

/* Count the chunk rows of a version */
static int64
CountChunks(int64 version)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	bool		isnull;
	int64		n;
	MemoryContext cxt = CurrentMemoryContext;
	int			ret;

	args[0] = Int64GetDatum(version);
	ret = SPI_execute_plan(RecKeptPlan("SELECT pg_catalog.count(*) FROM rec.model_chunk"
									   " WHERE version OPERATOR(pg_catalog.=) $1",
									   1, argtypes),
						   args, NULL, true, 1);
	MemoryContextSwitchTo(cxt);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "counting the chunks of solution version %lld failed", (long long) version);
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_freetuptable(SPI_tuptable);
	return n;
}

/*
 * Hand a version's stored model to sink piece by piece, in order, after
 * checking that the pieces add up to the size its header declares; *total is
 * set before the first piece.  The bytes themselves are checked by whoever
 * assembles them (RecCheckModelBytes).
 */
void
RecReadStoredModel(int64 version, RecModelSink sink, void *arg, Size *total)
{
	MemoryContext piece_cxt = AllocSetContextCreate(CurrentMemoryContext, "rec model piece",
													ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(piece_cxt);
	bytea	   *head = RecFetchModelHead(version, 0);
	Size		head_len = VARSIZE_ANY_EXHDR(head);
	Size		off;
	int64		n_chunks = 0;
	int64		seq;

	*total = RecModelStoredSize(VARDATA_ANY(head), head_len, version, NULL, NULL);
	if (head_len > *total)
		RecModelDamaged(version, "The stored model's header is inconsistent with its size.");
	if (head_len < *total)
	{
		int64		have;

		n_chunks = (int64) ((*total - head_len + head_len - 1) / head_len);
		have = CountChunks(version);
		if (have == 0)
			RecModelDamaged(version, "The stored model is shorter than its header says.");
		if (have != n_chunks)
		{
			char		detail[160];

			snprintf(detail, sizeof(detail),
					 "The stored model has %lld rows in rec.model_chunk where its header needs %lld.",
					 (long long) have, (long long) n_chunks);
			RecModelDamaged(version, detail);
		}
	}
	MemoryContextSwitchTo(old);
	sink(arg, VARDATA_ANY(head), head_len);
	MemoryContextReset(piece_cxt);

	off = head_len;
	for (seq = 1; seq <= n_chunks; seq++)
	{
		Size		want = Min(head_len, *total - off);
		bytea	   *data;
		char		detail[160];

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(piece_cxt);
		data = FetchChunk(version, (int32) seq);
		MemoryContextSwitchTo(old);
		if (data == NULL)
		{
			snprintf(detail, sizeof(detail), "Chunk %lld of the stored model is missing.", (long long) seq);
			RecModelDamaged(version, detail);
		}
		if (VARSIZE_ANY_EXHDR(data) != want)
		{
			snprintf(detail, sizeof(detail), "Chunk %lld of the stored model has %zu bytes instead of %zu.",
					 (long long) seq, (Size) VARSIZE_ANY_EXHDR(data), want);
			RecModelDamaged(version, detail);
		}
		sink(arg, VARDATA_ANY(data), want);
		off += want;
		MemoryContextReset(piece_cxt);
	}
	MemoryContextDelete(piece_cxt);
}

/* Copy one piece of a stored model into the buffer */
static void
CopySink(void *arg, const char *data, Size len)
{
	CopyTarget *t = (CopyTarget *) arg;

	if (len > t->size - t->filled)
		RecModelDamaged(t->version, "The stored model changed while it was read.");

	memcpy(t->buf + t->filled, data, len);
	t->filled += len;
}

/* Read a version's stored model into one private copy in the current memory context */
RecModel *
RecLoadStoredModel(int64 version)
{
	CopyTarget	t = {NULL, 0, 0, version};
	Size		total;
	bytea	   *header = RecFetchModelHead(version, REC_MODEL_HEADER_READ);

	/* the size first, from the header alone, so the copy is allocated once */
	t.size = RecModelStoredSize(VARDATA_ANY(header), VARSIZE_ANY_EXHDR(header), version, NULL, NULL);
	pfree(header);
	t.buf = MemoryContextAllocHuge(CurrentMemoryContext, Max(t.size, 1));
	RecReadStoredModel(version, CopySink, &t, &total);
	if (t.filled != t.size)
		RecModelDamaged(version, "The stored model changed while it was read.");
	return RecModelFromBytes(t.buf, total, version);
}
