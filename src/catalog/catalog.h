/*
 * catalog.h
 *	  Reading rec's own tables: dataset groups, campaigns, solution versions.
 *
 * Every function here must be called between SPI_connect and SPI_finish.
 */
#ifndef REC_CATALOG_H
#define REC_CATALOG_H

#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "utils/jsonb.h"

/* What kind of ids a dataset group's column holds */
typedef enum RecKeyKind
{
	REC_KEY_INT = 0,			/* smallint, integer or bigint */
	REC_KEY_TEXT = 1,			/* text or varchar */
	REC_KEY_UUID = 2			/* uuid */
} RecKeyKind;

/* Where a dataset group's data lives, with its column names resolved */
typedef struct RecBinding
{
	char	   *group;			/* dataset group name */
	Oid			interactions;	/* interactions relation */
	char	   *user_col;		/* its user id column */
	char	   *item_col;		/* its item id column */
	char	   *ts_col;			/* its time column */
	bool		ts_is_epoch;	/* time column holds epoch seconds */
	char	   *event_type_col; /* its event type column, or NULL */
	char	   *event_value_col;	/* its event value column, or NULL */
	Oid			items;			/* items relation, or InvalidOid */
	char	   *items_id_col;	/* its item id column */
	char	   *categories_col; /* its text[] categories column, or NULL */
	char	   *created_at_col; /* its creation time column, or NULL */
	Oid			users;			/* users relation, or InvalidOid */
	char	   *users_id_col;	/* its user id column */
	char	   *user_categories_col;	/* its column of liked categories, or NULL */
	bool		user_categories_json;	/* that column is jsonb (else text[]) */
	char	   *user_categories_key;	/* the jsonb key holding them, or NULL: every value */
	int			n_context;		/* context columns of the interactions (Personalize's context) */
	char	  **context_cols;	/* their names */
	char	   *event_weights;	/* a version's event type weights (JSON object), or NULL */
	double		value_threshold;	/* a version's event value threshold; NaN: none */
	char	   *user_type;		/* type of the user ids (e.g. "text"); NULL: integer */
	char	   *item_type;		/* type of the item ids; NULL: integer */
	int			user_kind;		/* RecKeyKind of the user ids */
	int			item_kind;		/* RecKeyKind of the item ids */
} RecBinding;

/* The solution version a campaign serves, and its data */
typedef struct RecCampaignTarget
{
	char	   *campaign;		/* campaign name */
	int64		version;		/* solution version id */
	TimestampTz version_created;	/* with the id, the cache key */
	RecBinding	binding;		/* the dataset group of its solution */
	int			n_variants;		/* A/B variants (other campaigns), or 0 */
	char	  **variants;		/* their names, in name order */
	double	   *shares;			/* their traffic shares */
} RecCampaignTarget;

#define REC_KEPT_PLAN_MAX_ARGS 8

extern SPIPlanPtr RecKeptPlan(const char *sql, int nargs, Oid *argtypes);
extern void RecLookupDatasetGroup(const char *name, RecBinding *binding);
extern void RecResolveCampaign(const char *name, RecCampaignTarget *target);
extern void RecResolveCampaignForUser(const char *name, int64 user_id, RecCampaignTarget *target);
extern void RecResolveCampaignEntry(const char *name, RecCampaignTarget *target);
extern void RecResolveCampaignVariant(RecCampaignTarget *target, int64 user_id);
extern void RecCheckBinding(const RecBinding *binding);
extern bool RecCheckContext(const RecBinding *binding, Jsonb *context);
extern RecKeyKind RecKeyKindOf(const char *type_name);
extern char *RecRelationName(Oid relid, const char *group);
extern char *RecTimeExpr(const RecBinding *binding);
extern char *RecTimeColumn(const RecBinding *binding);
extern float8 RecTimeValue(Datum d, Oid type, Timestamp epoch);

#endif							/* REC_CATALOG_H */
