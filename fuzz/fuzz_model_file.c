/*
 * fuzz/fuzz_model_file.c
 *	  libFuzzer target: a model file (src/model_file.c) as every serving
 *	  backend maps and checks it, format-3 item keys included.
 *
 * A file under rec_models/ is shared by every backend that serves its
 * version, and anyone who can write the data directory (or a disk that
 * fails) can hand them a damaged one; the check a backend runs when it
 * first maps a file (TryMapFile: header, the model's checksum, every offset
 * and index, by_id's order) must reject whatever it cannot serve safely.
 * Input: one mode byte, then the stored model bytes, then by_id's bytes.
 * Mode bit 0 recomputes the model header's CRC-32C and bit 1 its payload
 * size (as in fuzz_model); bit 2 builds by_id correctly from the decoded
 * model instead of taking the input's bytes; bit 3 damages the file header
 * at byte mode >> 4 and bit 4 cuts the file short by mode >> 4 bytes.  The
 * file is written to a temporary directory and mapped by TryMapFile itself.
 * A model the check accepts is used as serving uses it: every item id and
 * every item key is looked up through the file's by_id and found at an
 * index holding it.  Errors (ereport) are fine; a crash, a sanitizer report
 * or a broken invariant is a finding.
 *
 * Both sources are included whole so the harness reaches the static
 * functions and the model header's layout; it follows whatever
 * src/model.c and src/model_file.c currently are.
 */
#include "model.c"				/* the private header layout (RecModelHeader) */
#include "model_file.c"

#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#include "keys.h"

#include "shim.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "invariant failed: %s\n", #cond); abort(); } } while (0)

/* the backend pieces TryMapFile uses */
Oid			MyDatabaseId = 16384;

int
OpenTransientFile(const char *fileName, int fileFlags)
{
	return open(fileName, fileFlags, 0600);
}

int
CloseTransientFile(int fd)
{
	return close(fd);
}

int
errcode_for_file_access(void)
{
	return errcode(ERRCODE_IO_ERROR);
}

static char *
TempPath(void)
{
	static char path[MAXPGPATH];

	if (path[0] == '\0')
	{
		const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

		snprintf(path, sizeof(path), "%s/rec-fuzz-%d.model", dir, (int) getpid());
	}
	return path;
}

/* Every item id and key is found again through by_id, at an index holding it */
static void
Exercise(const RecModel *m)
{
	int			i;

	for (i = 0; i < m->n_items; i++)
	{
		int32		idx = RecItemIndex(m, m->item_ids[i]);

		CHECK(idx >= 0 && idx < m->n_items && m->item_ids[idx] == m->item_ids[i]);
		if (m->key_kind != REC_KEY_INT)
		{
			RecKey		key;

			key.id = m->item_ids[i];
			key.type = TEXTOID;
			key.native = (Datum) 0;
			key.text = m->key_data + m->key_off[i];
			key.len = (int) (m->key_off[i + 1] - m->key_off[i]);
			idx = RecItemKeyIndex(m, &key);
			/* found, unless another item with the same id has another key */
			CHECK(idx == -1 || (idx >= 0 && idx < m->n_items && m->item_ids[idx] == key.id &&
								m->key_off[idx + 1] - m->key_off[idx] == key.len &&
								memcmp(m->key_data + m->key_off[idx], key.text, key.len) == 0));
			key.len = 0;
			idx = RecItemKeyIndex(m, &key);
			CHECK(idx == -1 || m->key_off[idx + 1] == m->key_off[idx]);
		}
	}
	CHECK(RecItemIndex(m, INT64_MAX) == -1 || m->item_ids[RecItemIndex(m, INT64_MAX)] == INT64_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Size		hdr = ALIGN8(sizeof(RecModelHeader));
	char	   *bytes;
	uint8_t		mode;
	FileKey		key;
	RecModelFileHeader fh;
	volatile Size model_size = 0;
	volatile int32 n_items = 0;
	pg_crc32c	crc = 0;
	char	   *file;
	Size		file_size;
	Size		tail;
	int			fd;
	RecModel   *volatile m = NULL;
	void	   *volatile map = NULL;
	Size		map_len = 0;
	const char *why = NULL;
	volatile FileState state = FILE_MISSING;

	if (size < 1 + hdr)
		return 0;
	mode = data[0];
	data++;
	size--;

	/* the stored model, its header fixed up as the mode says */
	bytes = palloc(size);
	memcpy(bytes, data, size);
	{
		RecModelHeader h;

		memcpy(&h, bytes, sizeof(h));
		if (mode & 2)
			h.payload_size = (int64) (size - hdr);
		memcpy(bytes, &h, sizeof(h));
	}
	SHIM_TRY(model_size = RecModelStoredSize(bytes, size, 1, &crc, (int32 *) &n_items), model_size = 0);
	/* the harness builds the whole file in memory: no room for a header's billions of items */
	if (model_size == 0 || model_size > size || model_size > 64 * 1024 * 1024 ||
		n_items < 0 || n_items > 16 * 1024 * 1024)
	{
		ShimReset();
		return 0;
	}
	if (mode & 1)
	{
		RecModelHeader h;

		memcpy(&h, bytes, sizeof(h));
		INIT_CRC32C(h.crc);
		COMP_CRC32C(h.crc, bytes + hdr, model_size - hdr);
		FIN_CRC32C(h.crc);
		crc = h.crc;
		memcpy(bytes, &h, sizeof(h));
	}

	/* the file: header, the model at its offset, by_id */
	memset(&key, 0, sizeof(key));
	key.version = 1;
	key.created = 0;
	key.crc = crc;
	key.model_size = model_size;
	key.n_items = n_items;
	strlcpy(key.path, TempPath(), sizeof(key.path));
	ExpectedHeader(&key, &fh);
	file_size = fh.file_size;
	file = calloc(1, file_size);
	memcpy(file, &fh, sizeof(fh));
	memcpy(file + REC_FILE_MODEL_OFFSET, bytes, model_size);
	tail = Min(size - model_size, file_size - fh.by_id_offset);
	memcpy(file + fh.by_id_offset, bytes + model_size, tail);
	if (mode & 4)
	{
		/* a correct by_id from the decoded model (aligned copy: the check needs 8-byte alignment) */
		char	   *copy = file + REC_FILE_MODEL_OFFSET;
		RecModel   *built = NULL;

		if (RecCheckModelBytes(copy, model_size, &built) == NULL && built->n_items == n_items)
			RecModelSortById(built, (int32 *) (file + fh.by_id_offset));
		ShimReset();
		bytes = NULL;
	}
	if (mode & 8)
		file[(mode >> 4) % sizeof(fh)] ^= 0x5a;
	if (mode & 16)
		file_size -= Min(file_size, (Size) (mode >> 4));

	fd = open(key.path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, file, file_size) == (ssize_t) file_size);
	close(fd);
	free(file);

	SHIM_TRY(state = TryMapFile(&key, (RecModel **) &m, (void **) &map, &map_len, &why), state = FILE_DAMAGED);
	if (state == FILE_OK)
	{
		CHECK(m != NULL && map != NULL && why == NULL);
		SHIM_TRY(Exercise(m), (void) 0);
	}
	else
		CHECK(state == FILE_DAMAGED);
	if (map)
		RecUnmapModelFile(map, map_len);
	unlink(key.path);
	ShimReset();
	return 0;
}
