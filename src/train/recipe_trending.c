/*
 * recipe_trending.c
 *	  trending-now: the items whose events rise fastest, the same for every
 *	  user.
 *
 * Training only fixes the window w (trend_window) and keeps the popularity
 * of every item for the fill; the trend itself is read at request time from
 * the newest events (serve/trending.c), so an event logged a moment ago
 * counts at once, without retraining.  An item's rise compares its events c
 * in the current window (end - w, end] with x, what its events in the
 * previous one (end - 2w, end - w] predict at the group's current pace:
 * (c - x) / sqrt(x + 1) (RecTrendRise, serve/trending.c).
 *
 * By default w is the time the newest 5% of the events took, at most their
 * newest 5,000: a window holds enough events to compare, and a call reads
 * about twice that many, whatever the size of the catalogue or the age of
 * the data.
 *
 * The offline metric is rec's equivalent of Personalize's trend prediction
 * accuracy: the trend is predicted as of end - w (the rise from the window
 * before it), and compared with the trend that followed (the rise from
 * that window to the newest one, (end - w, end], the holdout): the share of
 * the 25 items predicted trending (positive rise, best first) that are among
 * the 25 that trended most, out of as many as could match
 * (min(predicted, observed)).
 */
#include "rec.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "recipe.h"
#include "score.h"
#include "topk.h"

#define TREND_DEFAULT_SHARE 20	/* the default window holds the newest 1/20 of the events */
#define TREND_DEFAULT_EVENTS 5000	/* ... and at most this many */
#define TREND_MIN_WINDOW 1.0	/* seconds */
#define TREND_MAX_WINDOW 1e9	/* seconds (a model's serving parameters stay below 1e9) */
#define TREND_METRIC_K 25		/* items predicted and observed by the offline metric */

/* Restore the min-heap property of heap[0..n) from position i down */
static void
SiftDown(float8 *heap, int n, int i)
{
	for (;;)
	{
		int			least = i;
		int			l = 2 * i + 1;
		int			r = l + 1;
		float8		tmp;

		if (l < n && heap[l] < heap[least])
			least = l;
		if (r < n && heap[r] < heap[least])
			least = r;
		if (least == i)
			return;
		tmp = heap[i];
		heap[i] = heap[least];
		heap[least] = tmp;
		i = least;
	}
}

/*
 * Return the default window: the time from the n-th newest event to the
 * newest, n = min(events / 20, 5,000) (at least 1), rounded up to a whole
 * second and at least 1 second.  A min-heap of the n newest times: one pass,
 * n times of memory.
 */
static double
DefaultWindow(const RecDataset *ds)
{
	int			want = (int) Min(Max(ds->n_events / TREND_DEFAULT_SHARE, 1), TREND_DEFAULT_EVENTS);
	float8	   *heap = palloc(sizeof(float8) * want);
	int			n = 0;
	int64		e;
	double		window;

	for (e = 0; e < ds->n_events; e++)
	{
		float8		t = ds->ev_time[e];

		if ((e & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (n < want)
		{
			int			i = n++;

			/* sift up */
			heap[i] = t;
			while (i > 0 && heap[(i - 1) / 2] > heap[i])
			{
				float8		tmp = heap[i];

				heap[i] = heap[(i - 1) / 2];
				heap[(i - 1) / 2] = tmp;
				i = (i - 1) / 2;
			}
		}
		else if (t > heap[0])
		{
			heap[0] = t;
			SiftDown(heap, n, 0);
		}
	}
	window = ceil(ds->max_time - heap[0]);
	pfree(heap);
	return Min(Max(window, TREND_MIN_WINDOW), TREND_MAX_WINDOW);
}

/* Train trending-now: the popularity model, with the window it serves with */
RecModel *
RecTrainTrending(const RecDataset *ds, RecParams *p)
{
	RecModel   *m = RecNewModel(ds, REC_KIND_POPULARITY);

	if (p->trend_window <= 0)
		p->trend_window = DefaultWindow(ds);
	m->serve.trend_window = (float) p->trend_window;
	return m;
}

/*
 * Select the TREND_METRIC_K items of the highest positive score (score[i]
 * of item i, over n items) into out, best first; return how many.
 */
static int
TopPositive(const float *score, int n, RecScored *out)
{
	int32	   *items = palloc(sizeof(int32) * Max(n, 1));
	float	   *scores = palloc(sizeof(float) * Max(n, 1));
	int			nc = 0;
	int			found;
	int			i;

	for (i = 0; i < n; i++)
		if (score[i] > 0)
		{
			items[nc] = i;
			scores[nc++] = score[i];
		}
	found = RecTopKItems(items, scores, nc, TREND_METRIC_K, out);
	pfree(items);
	pfree(scores);
	return found;
}

/*
 * Append the offline metrics of trending-now as a JSON object to buf (see
 * the top of this file): trend_prediction_accuracy (null when nothing rose
 * in the windows it is predicted from or in the holdout), the items predicted and observed
 * trending, and the events of the holdout window.
 */
void
RecTrendMetrics(const RecDataset *ds, const RecParams *p, StringInfo buf)
{
	int			n = ds->n_warm;
	double		w = p->trend_window;
	int32	   *count = palloc0(sizeof(int32) * 4 * Max(n, 1));	/* [window][item], 0 newest */
	float	   *score = palloc(sizeof(float) * Max(n, 1));
	RecScored	predicted[TREND_METRIC_K];
	RecScored	observed[TREND_METRIC_K];
	int			n_predicted;
	int			n_observed;
	int			hits = 0;
	int64		total[4] = {0, 0, 0, 0};	/* events of each window */
	int64		e;
	int			i;
	int			j;

	for (e = 0; e < ds->n_events; e++)
	{
		double		age = (ds->max_time - ds->ev_time[e]) / w;

		if ((e & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (age >= 0 && age < 4)
			count[(int) age * n + ds->ev_item[e]]++;
	}

	for (i = 0; i < 4 * n; i++)
		total[i / n] += count[i];

	/* predicted as of end - w: window 1 against window 2 */
	for (i = 0; i < n; i++)
		score[i] = count[n + i] > 0 ?
			(float) RecTrendRise(count[n + i], count[2 * n + i], total[1], total[2]) : 0.0f;
	n_predicted = TopPositive(score, n, predicted);

	/* observed: window 0, the holdout, against window 1 */
	for (i = 0; i < n; i++)
		score[i] = count[i] > 0 ? (float) RecTrendRise(count[i], count[n + i], total[0], total[1]) : 0.0f;
	n_observed = TopPositive(score, n, observed);

	for (i = 0; i < n_predicted; i++)
		for (j = 0; j < n_observed; j++)
			if (predicted[i].idx == observed[j].idx)
			{
				hits++;
				break;
			}
	appendStringInfoString(buf, "{\"trend_prediction_accuracy\": ");
	if (Min(n_predicted, n_observed) > 0)
		appendStringInfo(buf, "%.6f", (double) hits / Min(n_predicted, n_observed));
	else
		appendStringInfoString(buf, "null");
	appendStringInfo(buf, ", \"trending_items_predicted\": %d, \"trending_items_observed\": %d, "
					 "\"holdout_events\": %lld, \"trend_window\": %.15g}",
					 n_predicted, n_observed, (long long) total[0], w);
	pfree(count);
	pfree(score);
}
