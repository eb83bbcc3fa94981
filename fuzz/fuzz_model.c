/*
 * fuzz/fuzz_model.c
 *	  libFuzzer target: rec's stored-model decoder (RecDeserializeModel), and
 *	  serving from whatever it accepts, through the scoring contract (score.h).
 *
 * Anyone who can write rec.solution_version.model can hand every serving
 * backend a crafted model, so the decoder must reject whatever it cannot
 * serve safely.  Input: one mode byte, then the bytes of the model column.
 * Mode bit 0 recomputes the header's CRC-32C and bit 1 its payload size
 * before decoding, so the fuzzer gets past those checks to the structure
 * behind them.  A model the decoder accepts is then used the way serving
 * uses it: item lookups, scoring a short history, top-k, the reason and
 * explanation of each row, similar items.  Errors (ereport) are fine; a
 * crash, a sanitizer report or a broken invariant is a finding.
 *
 * The decoder source is included whole so the harness sees the private
 * header layout; it follows whatever src/store/model.c currently is.
 */
#include "model.c"

#include <setjmp.h>
#include <stdint.h>

#include "score.h"
#include "topk.h"

#include "shim.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "invariant failed: %s\n", #cond); abort(); } } while (0)

/* Use a decoded model the way rec.recommend / similar_items / rank do */
static void
Exercise(const RecModel *m, uint8_t mode)
{
	static const float8 times_pool[] = {0, 1.77e9, 1.77e9 + 60, -2.1e11, 9.2e12, 1e300, -1e300};
	int			n = m->n_items;
	int32		items[8];
	float8		times[8];
	RecHistory	h;
	RecScored	best[25];
	int			found;
	int			i;

	/* every stored id is found again, at an index holding that id */
	for (i = 0; i < Min(n, 16); i++)
	{
		int32		idx = RecItemIndex(m, m->item_ids[i]);

		CHECK(idx >= 0 && idx < n && m->item_ids[idx] == m->item_ids[i]);
	}
	CHECK(RecItemIndex(m, INT64_MIN) == -1 || m->item_ids[RecItemIndex(m, INT64_MIN)] == INT64_MIN);

	/* a history as RecReadHistory builds it: model indices or -1, oldest first */
	memset(&h, 0, sizeof(h));
	h.n = 1 + mode % 8;
	h.items = items;
	h.times = times;
	for (i = 0; i < h.n; i++)
	{
		items[i] = (int32) ((i * 2654435761u + mode) % (uint32) (n + 1)) - 1;
		times[i] = times_pool[(i + (mode >> 3)) % lengthof(times_pool)] + i;
	}
	{
		/* rec.recommend: score, exclude the history, select, give each row its reason */
		RecScores	s;
		RecExplainer ex;
		RecReason	reasons[25];
		int32		because[25];
		int			fill_start,
					fill_end;

		(void) RecScoreHistory(m, &h, NULL, NULL, &s, &ex);
		for (i = 0; i < h.n; i++)
			if (items[i] >= 0)
				RecExclude(items[i]);
		found = RecListTopK(&s, NULL, 0, 25, best, &fill_start, &fill_end);
		CHECK(found >= 0 && found <= Min(n, 25));
		CHECK(fill_start >= 0 && fill_start <= fill_end && fill_end <= found);
		for (i = 0; i < found; i++)
			CHECK(best[i].idx >= 0 && best[i].idx < n && !RecExcluded(best[i].idx));
		RecExplainList(&ex, &s, best, found, reasons, because);
		for (i = 0; i < found; i++)
			CHECK(because[i] >= -1 && because[i] < n);
	}

	/* similar_items: the one-event history of a warm item, no times; a cold item by categories */
	if (n > 0 && m->kind != REC_KIND_POPULARITY)
	{
		int32		idx = mode % n;
		RecScores	s;
		int			fill_start,
					fill_end;

		h.n = 1;
		h.items = &idx;
		h.times = NULL;
		if (idx < m->n_warm)
			(void) RecScoreHistory(m, &h, NULL, NULL, &s, NULL);
		else
			(void) RecScoreCategories(m, m->cat_idx + m->cat_off[idx], m->cat_off[idx + 1] - m->cat_off[idx],
									  m->cat_off[idx + 1] - m->cat_off[idx], &s);
		RecExclude(idx);
		found = RecListTopK(&s, NULL, 0, 25, best, &fill_start, &fill_end);
		CHECK(found >= 0 && found <= Min(n, 25));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Size		hdr = ALIGN8(sizeof(RecModelHeader));
	bytea	   *raw;
	RecModel   *volatile m = NULL;
	uint8_t		mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;

	raw = palloc(VARHDRSZ + size);
	SET_VARSIZE(raw, VARHDRSZ + size);
	memcpy(VARDATA(raw), data, size);
	if (size >= hdr)
	{
		RecModelHeader h;		/* VARDATA is not 8-aligned: edit a copy */

		memcpy(&h, VARDATA(raw), sizeof(h));
		if (mode & 2)
			h.payload_size = (int64) (size - hdr);
		if (mode & 1)
		{
			INIT_CRC32C(h.crc);
			COMP_CRC32C(h.crc, VARDATA(raw) + hdr, size - hdr);
			FIN_CRC32C(h.crc);
		}
		memcpy(VARDATA(raw), &h, sizeof(h));
	}

	SHIM_TRY(m = RecDeserializeModel(raw, 1), m = NULL);
	if (m != NULL)
		SHIM_TRY(Exercise(m, mode), (void) 0);
	ShimReset();
	return 0;
}
