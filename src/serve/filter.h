/*
 * filter.h
 *	  Named filters over item metadata and the user's interactions: compiled
 *	  by rec.create_filter (filter_parse.c), run over candidates and used to
 *	  select a list's items (filter.c); recommendations from a new user's
 *	  metadata (user_metadata.c).
 */
#ifndef REC_FILTER_H
#define REC_FILTER_H

#include "catalog/pg_type.h"
#include "fmgr.h"

#include "catalog.h"
#include "keys.h"
#include "model.h"
#include "score.h"
#include "topk.h"

/*
 * The argument types of a part's query: candidate ids, the user, the
 * parameter values, the user's key, the candidates' keys (the keys of a
 * group with text, varchar or uuid ids, compared in the column's own type so
 * that its index serves; else NULL) and the current item's id as text (the
 * item of rec.similar_items, whose fields CurrentItem.<field> reads)
 */
#define REC_FILTER_PART_NARGS 6
#define REC_FILTER_PART_ARGTYPES {INT8ARRAYOID, INT8OID, JSONBOID, TEXTOID, TEXTARRAYOID, TEXTOID}

/* One INCLUDE or EXCLUDE part of a filter, compiled to a query over candidates */
typedef struct RecFilterPart
{
	bool		include;		/* INCLUDE (else EXCLUDE) */
	bool		interactions;	/* reads the user's interactions (else item metadata) */
	bool		users;			/* selects users (UserID: the segment functions), not items */
	bool		current_item;	/* reads CurrentItem's fields ($6) */
	bool		cacheable;		/* its set may be kept across calls (filter_cache.c) */
	Oid			rel;			/* the relation whose changes its kept set follows, or InvalidOid */
	bool		cache_set;		/* set belongs to the cache: not to be freed */
	char	   *sql;			/* SELECT of the candidates ($1 bigint[], or their keys $5) that
								 * match, for user $2 (or key $4), with parameter values $3 */
	char	   *all_sql;		/* the same over every item ($1 unused) */
	int64	   *set;			/* sorted ids all_sql returned, or NULL: not read */
	int			n_set;
	int64		set_user;		/* the user an interaction part's set was read for */
	char	   *if_sql;			/* whether the user satisfies the part's IF condition, or NULL */
	bool		applies;		/* the IF condition holds for if_user */
	int64		if_user;		/* the user if_sql was last asked for */
	bool		if_known;		/* applies and if_user are set */
} RecFilterPart;

#define REC_PROMOTION_SHARE 0.2	/* the share of a list a promotion takes by default */

/* A filter expression compiled against a dataset group (RecCompileFilter) */
typedef struct RecCompiledFilter
{
	Datum		parts;			/* jsonb array of parts: include, interactions, sql, all_sql, params */
	Datum		parameters;		/* jsonb object: each parameter's kind ("list" or "value") */
	int			n_params;
	char	  **param_names;
	Oid		   *param_types;	/* the type each parameter's values are read as */
} RecCompiledFilter;

/* What placed an item in a list (RecSelectList) */
typedef enum RecPlacement
{
	REC_PLACED_RANKED,			/* ranked by the model (or the fallback) */
	REC_PLACED_METADATA,		/* a new user's liked categories */
	REC_PLACED_PROMOTED			/* a promotion */
} RecPlacement;

/* A filter ready to check candidates */
typedef struct RecFilter
{
	char	   *name;			/* the filter's name (for messages) */
	int			n_parts;
	RecFilterPart *parts;
	Datum		values;			/* parameter values (jsonb), or 0 */
	int64		user_id;		/* the user whose interactions count */
	char	   *user_key;		/* that user's key (text or uuid ids), or NULL */
	bool		has_user;		/* user_id is set */
	char	   *item_key;		/* the current item's id as text (similar_items), or NULL */
	char	   *values_text;	/* values as text (the cache's key), or NULL */
	const RecModel *model;		/* the model whose items are checked (their keys) */
	MemoryContext cxt;			/* where what the filter keeps across calls lives */
	int64		checked;		/* candidates checked so far (see RecFilterCheck) */
	struct RecFilter *also;		/* another filter an item must pass too, or NULL */
} RecFilter;

extern RecFilter *RecOpenFilter(const char *name, const RecBinding *b, Datum values, bool has_values,
								const RecKey *user);
extern RecFilter *RecOpenUserFilter(const char *name, const RecBinding *b, Datum values,
									bool has_values, const char *function);
extern RecFilter *RecOpenFilterArg(FunctionCallInfo fcinfo, int i, const RecBinding *b,
								   const RecKey *user);
extern void RecCheckPromotionArgs(FunctionCallInfo fcinfo, int i);
extern RecFilter *RecOpenPromotionArg(FunctionCallInfo fcinfo, int i, const RecBinding *b,
									  const RecKey *user, double *share);
extern void RecFilterSetUser(RecFilter *f, int64 user_id, const char *key, int len);
extern void RecFilterSetItem(RecFilter *f, const RecKey *item);
extern void RecFilterCheck(RecFilter *f, const int64 *ids, int n, bool *pass);
extern void RecFilterCheckKeys(RecFilter *f, const int64 *ids, const RecKey *given, int n, bool *pass);
extern int	RecFilteredTopK(const RecScores *s, const RecScored *fixed, int n_fixed, int k,
							RecFilter *f, RecScored *out);
extern int	RecSelectList(const RecScores *s, const RecScored *fixed, int n_fixed, int k,
						  RecFilter *filter, RecFilter *metadata, RecFilter *promotion, double share,
						  RecScored *out, RecPlacement *placed);

/* filter_cache.c */
extern bool RecFilterCacheUsable(Oid relid);
extern int64 *RecFilterCacheGet(Oid relid, const char *sql, const char *values, int *n);
extern int64 *RecFilterCachePut(Oid relid, const char *sql, const char *values, const int64 *set, int n);

/* filter_parse.c */
extern void RecCompileFilter(const char *expr, const RecBinding *b, bool check, RecCompiledFilter *out);
extern char *RecCompileItemCondition(const char *expr, const RecBinding *b);

/* user_metadata.c */
extern RecFilter *RecUserMetadataFilter(const RecBinding *b, int64 user_id, const char *key, int len);
extern void RecFreeUserMetadataFilter(RecFilter *f);

#endif							/* REC_FILTER_H */
