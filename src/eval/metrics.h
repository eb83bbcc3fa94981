/*
 * metrics.h
 *	  Ranking metrics (precision, recall, NDCG, MRR, hit rate) over id lists.
 *
 * The core functions work on plain in-memory arrays so that training code
 * can score held-out users without building PostgreSQL arrays.  Positions
 * are 1-based; only the first k entries of a recommended list are scored,
 * and an id recommended more than once counts only at its first position.
 */
#ifndef REC_METRICS_H
#define REC_METRICS_H

/* The relevant (ground truth) ids of one user, sorted and without duplicates */
typedef struct RecRelevantSet
{
	int			n;				/* number of distinct relevant ids */
	int64	   *ids;			/* palloc'd, ascending, no duplicates */
} RecRelevantSet;

/* The standard metric set for one recommended list */
typedef struct RecListMetrics
{
	double		mrr25;
	double		ndcg5;
	double		ndcg10;
	double		ndcg25;
	double		p5;
	double		p10;
	double		p25;
	double		recall10;
	double		recall25;
	double		hit10;
} RecListMetrics;

extern void RecRelevantSetInit(RecRelevantSet *set, const int64 *ids, int n);
extern void RecRelevantSetFree(RecRelevantSet *set);
extern bool RecRelevantSetContains(const RecRelevantSet *set, int64 id);

extern double RecPrecisionAtK(const int64 *rec, int nrec,
							  const RecRelevantSet *rel, int k);
extern double RecRecallAtK(const int64 *rec, int nrec,
						   const RecRelevantSet *rel, int k);
extern double RecNdcgAtK(const int64 *rec, int nrec,
						 const RecRelevantSet *rel, int k);
extern double RecMrrAtK(const int64 *rec, int nrec,
						const RecRelevantSet *rel, int k);
extern double RecHitAtK(const int64 *rec, int nrec,
						const RecRelevantSet *rel, int k);

/* The same metrics from a hit vector of the first len <= k positions */
extern double RecPrecisionFromHits(const bool *hits, int len, int k);
extern double RecRecallFromHits(const bool *hits, int len, int n_relevant, int k);
extern double RecNdcgFromHits(const bool *hits, int len, int n_relevant, int k);
extern double RecMrrFromHits(const bool *hits, int len);
extern double RecHitFromHits(const bool *hits, int len);

extern void RecScoreList(const int64 *rec, int nrec,
						 const int64 *relevant, int nrel,
						 RecListMetrics *out);

#endif							/* REC_METRICS_H */
