/*
 * model_file.c
 *	  One copy of each model per server: a file under the data directory that
 *	  every backend serving the model maps read-only.
 *
 * The file rec_models/<database>-<version>-<created>-<crc>.model holds a
 * header, the model's stored bytes exactly as in rec.solution_version (the
 * arrays 8-byte aligned, so they are used in place) and by_id, the item index
 * sorted by item id, so no backend sorts it again.  The name is the cache key
 * of model.c plus the CRC-32C the stored header declares, read from the
 * table (a few bytes) each time a backend first serves the version: the
 * table stays the source of truth, a row changed in place gets a new file,
 * and the caller needs the privileges reading the model needs.
 *
 * The first backend to need a file builds it under a lock of its own (an
 * advisory lock tag no SQL-level advisory lock can take), so that many
 * backends starting at once build it once: the others wait and then map the
 * file.  It writes a temporary file named by its pid, piece by piece from the
 * table, checks it as a load from the table would (checksum, sizes, every
 * offset and index), adds by_id and the header, and renames it into place
 * durably (fsync of the file and the directory), so a file under its final
 * name is always complete.
 *
 * Every backend checks a file fully the first time it maps it (header, the
 * model's CRC-32C, every offset and index, by_id's order): a backend trusts
 * only bytes it checked itself, as it did when it copied the model, and the
 * check reads pages that are in the page cache and shared, in about the
 * time of one CRC pass over the model.  A file that is damaged (short, wrong
 * header, bad checksum) is removed and rebuilt from the table; one that is
 * missing is built.  A file changed while mapped is beyond this check, like
 * any other file of the data directory.
 *
 * Files of versions that no longer exist are removed by a trigger when
 * versions are deleted, and by a sweep after each new file (which also
 * removes files of dropped databases and temporary files of backends that
 * died while building).  A hot standby builds its own files from the replayed
 * rows.
 */
#include "rec.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/lock.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "model.h"

#define REC_MODEL_DIR "rec_models"
#define REC_FILE_MAGIC 0x46434552	/* "RECF" */
#define REC_FILE_FORMAT 1
#define REC_FILE_LOCK_CLASS 0x5243	/* advisory lock field 4; SQL's take 1 and 2 */
#define REC_FILE_MODEL_OFFSET 128	/* where the stored model starts in the file */

typedef struct RecModelFileHeader
{
	uint32		magic;			/* REC_FILE_MAGIC */
	uint32		format;			/* REC_FILE_FORMAT */
	Oid			database;		/* database of the solution version */
	pg_crc32c	model_crc;		/* CRC-32C the model's own header declares */
	int64		version;		/* solution version id */
	TimestampTz created;		/* its creation time */
	uint64		model_offset;	/* REC_FILE_MODEL_OFFSET */
	uint64		model_size;		/* stored size of the model */
	uint64		by_id_offset;	/* where by_id starts, 8-byte aligned */
	uint64		file_size;		/* by_id_offset + 4 x items */
	pg_crc32c	header_crc;		/* CRC-32C of the fields above */
} RecModelFileHeader;

/* What a file must hold, from the table */
typedef struct FileKey
{
	int64		version;
	TimestampTz created;
	pg_crc32c	crc;			/* CRC-32C the stored header declares */
	Size		model_size;		/* stored size */
	int32		n_items;		/* items, for by_id */
	char		path[MAXPGPATH];	/* relative to the data directory */
} FileKey;

typedef enum FileState
{
	FILE_OK,
	FILE_MISSING,
	FILE_DAMAGED
} FileState;

/* Where a build writes the pieces of a model */
typedef struct FileTarget
{
	int			fd;
	const char *path;
	Size		off;			/* next byte of the model */
	Size		size;			/* the model's stored size */
	int64		version;
} FileTarget;

PG_FUNCTION_INFO_V1(rec_model_files_sweep);

#define ALIGN8(x) (((x) + 7) & ~((Size) 7))

/* Fill in the sizes and offsets a file of key must have */
static void
ExpectedHeader(const FileKey *key, RecModelFileHeader *fh)
{
	memset(fh, 0, sizeof(RecModelFileHeader));
	fh->magic = REC_FILE_MAGIC;
	fh->format = REC_FILE_FORMAT;
	fh->database = MyDatabaseId;
	fh->model_crc = key->crc;
	fh->version = key->version;
	fh->created = key->created;
	fh->model_offset = REC_FILE_MODEL_OFFSET;
	fh->model_size = key->model_size;
	fh->by_id_offset = ALIGN8(REC_FILE_MODEL_OFFSET + key->model_size);
	fh->file_size = fh->by_id_offset + sizeof(int32) * (Size) key->n_items;
	INIT_CRC32C(fh->header_crc);
	COMP_CRC32C(fh->header_crc, fh, offsetof(RecModelFileHeader, header_crc));
	FIN_CRC32C(fh->header_crc);
}

/*
 * Map the file of key and check it fully; the mapping goes to *map at once,
 * so that an error while checking leaves it where the cache frees it.
 */
static FileState
TryMapFile(const FileKey *key, RecModel **out, void **map, Size *map_len, const char **why)
{
	RecModelFileHeader want;
	RecModelFileHeader fh;
	struct stat st;
	char	   *p;
	int			fd;

	fd = OpenTransientFile(key->path, O_RDONLY | PG_BINARY);
	if (fd < 0)
	{
		if (errno == ENOENT)
			return FILE_MISSING;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", key->path)));
	}
	if (fstat(fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", key->path)));
	ExpectedHeader(key, &want);
	if (st.st_size < (off_t) sizeof(fh) || pg_pread(fd, &fh, sizeof(fh), 0) != sizeof(fh))
	{
		CloseTransientFile(fd);
		*why = "The file is shorter than its header.";
		return FILE_DAMAGED;
	}
	if (memcmp(&fh, &want, sizeof(fh)) != 0)
	{
		CloseTransientFile(fd);
		*why = "The file's header does not match the stored model.";
		return FILE_DAMAGED;
	}
	if ((uint64) st.st_size != want.file_size)
	{
		CloseTransientFile(fd);
		*why = "The file's size does not match its header.";
		return FILE_DAMAGED;
	}
	p = mmap(NULL, want.file_size, PROT_READ, MAP_SHARED, fd, 0);
	CloseTransientFile(fd);
	if (p == MAP_FAILED)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not map file \"%s\": %m", key->path)));
	*map = p;
	*map_len = want.file_size;

	*why = RecCheckModelBytes(p + want.model_offset, want.model_size, out);
	if (*why == NULL && (*out)->n_items != key->n_items)
		*why = "The file's model does not match its header.";
	if (*why == NULL && !RecModelByIdValid(*out, (int32 *) (p + want.by_id_offset)))
		*why = "The file's item index is out of order.";
	if (*why)
	{
		RecUnmapModelFile(p, want.file_size);
		*map = NULL;
		return FILE_DAMAGED;
	}
	(*out)->by_id = (int32 *) (p + want.by_id_offset);
	return FILE_OK;
}

/* Write one piece of a stored model into the file being built */
static void
FileSink(void *arg, const char *data, Size len)
{
	FileTarget *t = (FileTarget *) arg;

	if (len > t->size - t->off)
		RecModelDamaged(t->version, "The stored model changed while it was read.");
	while (len > 0)
	{
		ssize_t		n = pg_pwrite(t->fd, data, Min(len, (Size) 64 * 1024 * 1024),
								  REC_FILE_MODEL_OFFSET + t->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			if (n == 0)
				errno = ENOSPC;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not write file \"%s\": %m", t->path)));
		}
		data += n;
		len -= n;
		t->off += n;
	}
}

/*
 * Build the file of key from the table: write a temporary file, check it,
 * add by_id and the header, and rename it into place.  Returns the model,
 * mapped (read-only) in *map.
 */
static RecModel *
BuildFile(const FileKey *key, void **map, Size *map_len)
{
	RecModelFileHeader fh;
	char		tmp[MAXPGPATH];
	FileTarget	t;
	RecModel   *m = NULL;
	char	   *volatile p = NULL;
	volatile int fd;
	Size		total;

	ExpectedHeader(key, &fh);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", key->path, MyProcPid);
	fd = OpenTransientFile(tmp, O_RDWR | O_CREAT | O_TRUNC | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", tmp)));
	PG_TRY();
	{
		const char *why;

		if (ftruncate(fd, fh.file_size) < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not extend file \"%s\" to %llu bytes: %m",
							tmp, (unsigned long long) fh.file_size)));
		t.fd = fd;
		t.path = tmp;
		t.off = 0;
		t.size = key->model_size;
		t.version = key->version;
		RecReadStoredModel(key->version, FileSink, &t, &total);
		if (t.off != key->model_size)
			RecModelDamaged(key->version, "The stored model changed while it was read.");

		p = mmap(NULL, fh.file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
		{
			p = NULL;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not map file \"%s\": %m", tmp)));
		}
		why = RecCheckModelBytes(p + fh.model_offset, fh.model_size, &m);
		if (why == NULL && m->n_items != key->n_items)
			why = "The stored model's header is inconsistent with its size.";
		if (why)
			RecModelDamaged(key->version, why);
		m->by_id = (int32 *) (p + fh.by_id_offset);
		RecModelSortById(m, m->by_id);
		memcpy(p, &fh, sizeof(fh));
		if (mprotect(p, fh.file_size, PROT_READ) < 0)
			elog(ERROR, "could not protect the mapping of \"%s\": %m", tmp);
		CloseTransientFile(fd);
		fd = -1;
		/* fsync of the file (its mapped pages too), rename, fsync of the directory */
		durable_rename(tmp, key->path, ERROR);
	}
	PG_CATCH();
	{
		if (p)
			munmap(p, fh.file_size);
		if (fd >= 0)
			CloseTransientFile(fd);
		unlink(tmp);
		PG_RE_THROW();
	}
	PG_END_TRY();
	*map = p;
	*map_len = fh.file_size;
	return m;
}

/* Remove one file of the model directory, quietly if it is gone already */
static void
RemoveFile(const char *name)
{
	char		path[MAXPGPATH];

	snprintf(path, sizeof(path), "%s/%s", REC_MODEL_DIR, name);
	if (unlink(path) < 0 && errno != ENOENT)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
}

/*
 * Remove the model files nothing can use any more: of this database's
 * versions that no longer exist (or were created again), of databases that
 * no longer exist, and temporary files of backends that are gone.  Files
 * written since the statement started are kept: their version may be one
 * this statement's snapshot does not see yet.  Skipped when the caller may
 * not read rec.solution_version.  read_only: the caller's statement wrote
 * nothing (a serving call).  Must be called between SPI_connect and
 * SPI_finish.
 */
static void
SweepModelFiles(bool read_only)
{
	Oid			nsp = get_namespace_oid("rec", true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid("solution_version", nsp) : InvalidOid;
	TimestampTz started = GetCurrentStatementStartTimestamp();
	int64	   *ids;
	TimestampTz *created;
	uint64		n;
	uint64		i;
	DIR		   *dir;
	struct dirent *de;
	MemoryContext cxt = CurrentMemoryContext;

	if (!OidIsValid(relid) || pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		return;
	if (SPI_execute("SELECT id, created_at FROM rec.solution_version", read_only, 0) != SPI_OK_SELECT)
		elog(ERROR, "listing the solution versions failed");
	MemoryContextSwitchTo(cxt);
	n = SPI_processed;
	ids = palloc(sizeof(int64) * Max(n, 1));
	created = palloc(sizeof(TimestampTz) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		created[i] = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);

	dir = AllocateDir(REC_MODEL_DIR);
	if (dir == NULL && errno == ENOENT)
		return;
	while ((de = ReadDir(dir, REC_MODEL_DIR)) != NULL)
	{
		unsigned int db;
		long long	version;
		long long	when;
		unsigned int crc;
		int			pid;
		int			used = 0;
		bool		keep = false;

		if (sscanf(de->d_name, "%u-%lld-%lld-%x.model%n", &db, &version, &when, &crc, &used) != 4 || used == 0)
			continue;			/* not ours */
		if (de->d_name[used] != '\0')
		{
			/* a temporary file: kept while the backend building it lives */
			if (sscanf(de->d_name + used, ".tmp.%d", &pid) == 1 &&
				pid != MyProcPid && BackendPidGetProc(pid) == NULL)
				RemoveFile(de->d_name);
			continue;
		}
		if (db != MyDatabaseId)
		{
			if (!SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum((Oid) db)))
				RemoveFile(de->d_name);
			continue;
		}
		for (i = 0; i < n && !keep; i++)
			keep = (ids[i] == version && created[i] == when);
		if (!keep)
		{
			char		path[MAXPGPATH];
			struct stat st;

			snprintf(path, sizeof(path), "%s/%s", REC_MODEL_DIR, de->d_name);
			if (stat(path, &st) == 0 && time_t_to_timestamptz(st.st_mtime) < started)
				RemoveFile(de->d_name);
		}
	}
	FreeDir(dir);
	pfree(ids);
	pfree(created);
}

/*
 * Return a version's model mapped from the server's file of it, building
 * the file first if it is missing or damaged.  The mapping goes to *map.
 * Must be called between SPI_connect and SPI_finish.
 */
RecModel *
RecMapModelFile(int64 version, TimestampTz created, void **map, Size *map_len)
{
	FileKey		key;
	bytea	   *head = RecFetchModelHead(version, REC_MODEL_HEADER_READ);
	RecModel   *m = NULL;
	LOCKTAG		tag;
	const char *why = NULL;
	FileState	state;

	key.version = version;
	key.created = created;
	key.model_size = RecModelStoredSize(VARDATA_ANY(head), VARSIZE_ANY_EXHDR(head), version,
										&key.crc, &key.n_items);
	pfree(head);
	snprintf(key.path, sizeof(key.path), "%s/%u-%lld-%lld-%08x.model", REC_MODEL_DIR,
			 MyDatabaseId, (long long) version, (long long) created, key.crc);

	if (TryMapFile(&key, &m, map, map_len, &why) == FILE_OK)
		return m;

	/* one backend builds it; the others wait for it, then map it */
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) ((uint64) version >> 32), (uint32) version,
						 REC_FILE_LOCK_CLASS);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
	state = TryMapFile(&key, &m, map, map_len, &why);
	if (state == FILE_OK)
	{
		LockRelease(&tag, ExclusiveLock, false);
		return m;
	}
	if (state == FILE_DAMAGED)
	{
		ereport(LOG,
				(errmsg("model file \"%s\" is damaged, rebuilding it from solution version %lld",
						key.path, (long long) version),
				 errdetail("%s", why)));
		if (unlink(key.path) < 0 && errno != ENOENT)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not remove file \"%s\": %m", key.path)));
	}
	if (MakePGDirectory(REC_MODEL_DIR) < 0 && errno != EEXIST)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create directory \"%s\": %m", REC_MODEL_DIR)));
	m = BuildFile(&key, map, map_len);
	LockRelease(&tag, ExclusiveLock, false);
	SweepModelFiles(true);
	return m;
}

/* Unmap a model file */
void
RecUnmapModelFile(void *map, Size len)
{
	if (munmap(map, len) < 0)
		elog(WARNING, "could not unmap a rec model file: %m");
}

/* Trigger on deletes from rec.solution_version: remove the files of deleted versions */
Datum
rec_model_files_sweep(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rec.model_files_sweep() must be called as a trigger")));
	SPI_connect();
	SweepModelFiles(false);
	SPI_finish();
	return PointerGetDatum(NULL);
}
