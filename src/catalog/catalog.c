/*
 * catalog.c
 *	  Lookups in rec's own tables through SPI, with plans kept per backend.
 */
#include "rec.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "catalog.h"

/* Columns of a binding, in the order both lookups below select them */
/*
 * Internal queries name every operator and function with its schema, so that
 * a caller's search_path cannot put its own in their place.
 */
#define COL(key) "g.columns OPERATOR(pg_catalog.->>) '" key "'"
#define EQ " OPERATOR(pg_catalog.=) "
#define BINDING_COLUMNS \
	"g.name, g.interactions::oid, g.items::oid, " \
	COL("user_id") ", " COL("item_id") ", " COL("ts") ", " \
	"(" COL("ts_is_epoch") ")::bool, " COL("event_type") ", " \
	COL("event_value") ", " COL("items_item_id") ", " COL("categories") ", " \
	COL("created_at") ", " COL("user_type") ", " COL("item_type") ", " \
	"g.users::oid, " COL("users_user_id") ", " \
	COL("user_categories") ", (" COL("user_categories_json") ")::bool, " \
	COL("user_categories_key") ", ARRAY(SELECT pg_catalog.jsonb_array_elements_text(" \
	"g.columns OPERATOR(pg_catalog.->) 'context'))"
#define BINDING_NATTS 20

#define KEPT_PLAN_SLOTS 32	/* filters and promotions keep a plan per part too */

typedef struct KeptPlan
{
	char	   *sql;			/* the query text, with the argument types the cache key */
	int			nargs;
	Oid			argtypes[REC_KEPT_PLAN_MAX_ARGS];
	SPIPlanPtr	plan;
} KeptPlan;

static KeptPlan kept_plans[KEPT_PLAN_SLOTS];
static int	next_victim = 0;

#define CAMPAIGN_CACHE_SIZE 16

static RecCampaignTarget cached_campaigns[CAMPAIGN_CACHE_SIZE];
static Oid	cached_for[CAMPAIGN_CACHE_SIZE];	/* the role that read each entry */
static int	n_cached_campaigns = 0;
static uint64 campaign_generation = 0;	/* bumped by every invalidation */
static MemoryContext campaign_cxt = NULL;
static bool callback_registered = false;
static TransactionId changed_by = InvalidTransactionId;	/* last transaction of ours that
														 * changed rec's catalogue */
static Oid	catalogue_oids[5];	/* rec.dataset_group, solution, solution_version,
								 * campaign, campaign_variant */
static bool catalogue_oids_known = false;

/*
 * Return a plan for sql prepared once per backend and kept (the slot used
 * longest ago is reused when all are taken).  Plans are revalidated by
 * PostgreSQL when the tables they read change.
 */
SPIPlanPtr
RecKeptPlan(const char *sql, int nargs, Oid *argtypes)
{
	KeptPlan   *slot;
	int			i;

	Assert(nargs <= REC_KEPT_PLAN_MAX_ARGS);
	for (i = 0; i < KEPT_PLAN_SLOTS; i++)
		if (kept_plans[i].sql && kept_plans[i].nargs == nargs &&
			memcmp(kept_plans[i].argtypes, argtypes, sizeof(Oid) * nargs) == 0 &&
			strcmp(kept_plans[i].sql, sql) == 0)
			return kept_plans[i].plan;

	slot = &kept_plans[next_victim];
	next_victim = (next_victim + 1) % KEPT_PLAN_SLOTS;
	if (slot->sql)
	{
		SPI_freeplan(slot->plan);
		pfree(slot->sql);
		slot->sql = NULL;
	}
	slot->plan = SPI_prepare(sql, nargs, argtypes);
	if (slot->plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(slot->plan);
	slot->sql = MemoryContextStrdup(TopMemoryContext, sql);
	slot->nargs = nargs;
	memcpy(slot->argtypes, argtypes, sizeof(Oid) * nargs);
	return slot->plan;
}

/* Copy a text column of the current SPI row into the caller's context, or NULL */
static char *
GetText(HeapTuple tuple, TupleDesc desc, int attno)
{
	char	   *value = SPI_getvalue(tuple, desc, attno);

	return value ? MemoryContextStrdup(CurrentMemoryContext, value) : NULL;
}

/* Fill a binding from columns first..first+BINDING_NATTS-1 of a row */
static void
ReadBinding(HeapTuple tuple, TupleDesc desc, int first, RecBinding *b, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	bool		isnull;

	b->group = GetText(tuple, desc, first);
	b->interactions = DatumGetObjectId(SPI_getbinval(tuple, desc, first + 1, &isnull));
	b->items = DatumGetObjectId(SPI_getbinval(tuple, desc, first + 2, &isnull));
	if (isnull)
		b->items = InvalidOid;
	b->user_col = GetText(tuple, desc, first + 3);
	b->item_col = GetText(tuple, desc, first + 4);
	b->ts_col = GetText(tuple, desc, first + 5);
	b->ts_is_epoch = DatumGetBool(SPI_getbinval(tuple, desc, first + 6, &isnull)) && !isnull;
	b->event_type_col = GetText(tuple, desc, first + 7);
	b->event_value_col = GetText(tuple, desc, first + 8);
	b->items_id_col = GetText(tuple, desc, first + 9);
	b->categories_col = GetText(tuple, desc, first + 10);
	b->created_at_col = GetText(tuple, desc, first + 11);
	b->user_type = GetText(tuple, desc, first + 12);
	b->item_type = GetText(tuple, desc, first + 13);
	b->users = DatumGetObjectId(SPI_getbinval(tuple, desc, first + 14, &isnull));
	if (isnull)
		b->users = InvalidOid;
	b->users_id_col = GetText(tuple, desc, first + 15);
	b->user_categories_col = GetText(tuple, desc, first + 16);
	b->user_categories_json = DatumGetBool(SPI_getbinval(tuple, desc, first + 17, &isnull)) && !isnull;
	b->user_categories_key = GetText(tuple, desc, first + 18);
	b->n_context = 0;
	b->context_cols = NULL;
	{
		Datum		d = SPI_getbinval(tuple, desc, first + 19, &isnull);
		Datum	   *elems;
		int			i;

		if (!isnull)
		{
			deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
							  &elems, NULL, &b->n_context);
			b->context_cols = palloc(sizeof(char *) * Max(b->n_context, 1));
			for (i = 0; i < b->n_context; i++)
				b->context_cols[i] = TextDatumGetCString(elems[i]);
		}
	}
	if (!OidIsValid(b->users) || b->users_id_col == NULL)
		b->user_categories_col = NULL;
	b->event_weights = NULL;
	b->value_threshold = get_float8_nan();
	MemoryContextSwitchTo(old);
	b->user_kind = RecKeyKindOf(b->user_type);
	b->item_kind = RecKeyKindOf(b->item_type);

	if (!b->user_col || !b->item_col || !b->ts_col)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("dataset group \"%s\" has an incomplete column mapping", b->group)));
}

/* Look up a dataset group by name; error if it does not exist */
void
RecLookupDatasetGroup(const char *name, RecBinding *binding)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			argtypes[1] = {TEXTOID};
	Datum		arg[1];
	int			ret;

	arg[0] = CStringGetTextDatum(name);
	ret = SPI_execute_plan(RecKeptPlan("SELECT " BINDING_COLUMNS
									   " FROM rec.dataset_group g WHERE g.name" EQ "$1",
									   1, argtypes),
						   arg, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "dataset group lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("dataset group \"%s\" does not exist", name),
				 errhint("Create it with rec.create_dataset_group().")));
	ReadBinding(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, binding, cxt);
	RecCheckBinding(binding);
}

/* Error unless relation relid has the column a group maps key to (NULL: not mapped) */
static void
CheckMappedColumn(const RecBinding *b, Oid relid, const char *key, const char *column)
{
	if (column == NULL || get_attnum(relid, column) != InvalidAttrNumber)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("dataset group \"%s\" maps %s to column \"%s\", which does not exist",
					b->group, key, column),
			 errdetail("Relation %s has no column of that name.", RecRelationName(relid, b->group)),
			 errhint("Rename the column back, or bind the group again with rec.create_dataset_group(..., replace => true).")));
}

/*
 * Check that the relations and columns a dataset group maps still exist, so
 * that a renamed column is named as the group's mapping rather than as an
 * error in one of rec's internal queries.  Syscache lookups only: cheap
 * enough for every serving call.
 */
void
RecCheckBinding(const RecBinding *b)
{
	int			i;

	(void) RecRelationName(b->interactions, b->group);
	CheckMappedColumn(b, b->interactions, "user_id", b->user_col);
	CheckMappedColumn(b, b->interactions, "item_id", b->item_col);
	CheckMappedColumn(b, b->interactions, "ts", b->ts_col);
	CheckMappedColumn(b, b->interactions, "event_type", b->event_type_col);
	CheckMappedColumn(b, b->interactions, "event_value", b->event_value_col);
	if (OidIsValid(b->items))
	{
		(void) RecRelationName(b->items, b->group);
		CheckMappedColumn(b, b->items, "items_item_id", b->items_id_col);
		CheckMappedColumn(b, b->items, "categories", b->categories_col);
		CheckMappedColumn(b, b->items, "created_at", b->created_at_col);
	}
	if (OidIsValid(b->users))
	{
		(void) RecRelationName(b->users, b->group);
		CheckMappedColumn(b, b->users, "users_user_id", b->users_id_col);
		CheckMappedColumn(b, b->users, "user_categories", b->user_categories_col);
	}
	for (i = 0; i < b->n_context; i++)
		CheckMappedColumn(b, b->interactions, "context", b->context_cols[i]);
}

/*
 * Error unless context (the context argument of rec.recommend, rec.rank and
 * rec.log_event) is a JSON object whose keys are context columns of the
 * group and whose values are strings, numbers or booleans.  Return whether
 * it names any ({} names none).
 */
bool
RecCheckContext(const RecBinding *b, Jsonb *context)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(context))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("context must be a JSON object"),
				 errhint("Give it as '{\"device\": \"mobile\"}'.")));
	if (JB_ROOT_COUNT(context) == 0)
		return false;
	if (b->n_context == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dataset group \"%s\" maps no context columns", b->group),
				 errhint("Map them with rec.create_dataset_group(..., columns => '{\"context\": [\"device\"]}', replace => true).")));
	it = JsonbIteratorInit(&context->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			StringInfoData names;
			int			i;

			key = pnstrdup(v.val.string.val, v.val.string.len);
			for (i = 0; i < b->n_context; i++)
				if (strcmp(b->context_cols[i], key) == 0)
					break;
			if (i < b->n_context)
				continue;
			initStringInfo(&names);
			for (i = 0; i < b->n_context; i++)
				appendStringInfo(&names, "%s%s", i > 0 ? ", " : "", b->context_cols[i]);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("context key \"%s\" is not a context column of dataset group \"%s\"",
							key, b->group),
					 errdetail("Its context columns are: %s.", names.data)));
		}
		else if (tok == WJB_VALUE &&
				 v.type != jbvString && v.type != jbvNumeric && v.type != jbvBool)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("context value of \"%s\" must be a string, number or boolean", key)));
	}
	return true;
}

/* Read a campaign's A/B variants and their shares into target, in cxt */
static void
ReadVariants(const char *name, RecCampaignTarget *target, MemoryContext cxt)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		arg[1];
	int			ret;
	uint64		i;

	arg[0] = CStringGetTextDatum(name);
	ret = SPI_execute_plan(RecKeptPlan("SELECT cv.variant, cv.share FROM rec.campaign_variant cv"
									   " WHERE cv.campaign" EQ "$1 ORDER BY cv.variant",
									   1, argtypes),
						   arg, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "campaign variant lookup failed: %s", SPI_result_code_string(ret));
	target->n_variants = (int) SPI_processed;
	target->variants = NULL;
	target->shares = NULL;
	if (SPI_processed == 0)
		return;
	target->variants = MemoryContextAlloc(cxt, sizeof(char *) * SPI_processed);
	target->shares = MemoryContextAlloc(cxt, sizeof(double) * SPI_processed);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		target->variants[i] = MemoryContextStrdup(cxt, SPI_getvalue(SPI_tuptable->vals[i],
																	 SPI_tuptable->tupdesc, 1));
		target->shares[i] = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 2, &isnull));
	}
}

/* Read what a campaign serves from the catalogue into target, in cxt */
static void
LookupCampaign(const char *name, RecCampaignTarget *target, MemoryContext cxt)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		arg[1];
	int			ret;
	bool		isnull;
	HeapTuple	tuple;
	TupleDesc	desc;

	arg[0] = CStringGetTextDatum(name);
	ret = SPI_execute_plan(RecKeptPlan(
			"SELECT v.id, v.created_at, " BINDING_COLUMNS ","
			" (v.params OPERATOR(pg_catalog.->) 'event_weights')::text,"
			" (v.params OPERATOR(pg_catalog.->>) 'event_value_threshold')::float8"
			" FROM rec.campaign c"
			" JOIN rec.solution s ON s.name" EQ "c.solution"
			" JOIN rec.dataset_group g ON g.name" EQ "s.dataset_group"
			" LEFT JOIN LATERAL (SELECT v.id, v.created_at, v.params FROM rec.solution_version v"
			"   WHERE v.solution" EQ "c.solution"
			"     AND (c.solution_version IS NULL OR v.id" EQ "c.solution_version)"
			"   ORDER BY v.id DESC LIMIT 1) v ON true"
			" WHERE c.name" EQ "$1", 1, argtypes),
						   arg, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "campaign lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("campaign \"%s\" does not exist", name),
				 errhint("Create it with rec.deploy().")));

	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	target->campaign = MemoryContextStrdup(cxt, name);
	target->version = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("campaign \"%s\" has no trained solution version", name),
				 errhint("Train its solution with rec.train().")));
	target->version_created = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 2, &isnull));
	ReadBinding(tuple, desc, 3, &target->binding, cxt);
	/* how the version reads events: its event type weights and value threshold */
	target->binding.event_weights = SPI_getvalue(tuple, desc, 3 + BINDING_NATTS);
	if (target->binding.event_weights)
		target->binding.event_weights = MemoryContextStrdup(cxt, target->binding.event_weights);
	{
		Datum		t = SPI_getbinval(tuple, desc, 4 + BINDING_NATTS, &isnull);

		if (!isnull)
			target->binding.value_threshold = DatumGetFloat8(t);
	}
	ReadVariants(name, target, cxt);
}

/* Copy a campaign target with its strings into cxt */
static void
CopyTarget(const RecCampaignTarget *from, RecCampaignTarget *to, MemoryContext cxt)
{
#define COPY(field) (to->field = from->field ? MemoryContextStrdup(cxt, from->field) : NULL)
	*to = *from;
	COPY(campaign);
	COPY(binding.group);
	COPY(binding.user_col);
	COPY(binding.item_col);
	COPY(binding.ts_col);
	COPY(binding.event_type_col);
	COPY(binding.event_value_col);
	COPY(binding.items_id_col);
	COPY(binding.categories_col);
	COPY(binding.created_at_col);
	COPY(binding.users_id_col);
	COPY(binding.user_categories_col);
	COPY(binding.user_categories_key);
	COPY(binding.event_weights);
	COPY(binding.user_type);
	COPY(binding.item_type);
#undef COPY
	if (from->binding.n_context > 0)
	{
		int			i;

		to->binding.context_cols = MemoryContextAlloc(cxt, sizeof(char *) * from->binding.n_context);
		for (i = 0; i < from->binding.n_context; i++)
			to->binding.context_cols[i] = MemoryContextStrdup(cxt, from->binding.context_cols[i]);
	}
	if (from->n_variants > 0)
	{
		int			i;

		to->variants = MemoryContextAlloc(cxt, sizeof(char *) * from->n_variants);
		to->shares = MemoryContextAlloc(cxt, sizeof(double) * from->n_variants);
		for (i = 0; i < from->n_variants; i++)
		{
			to->variants[i] = MemoryContextStrdup(cxt, from->variants[i]);
			to->shares[i] = from->shares[i];
		}
	}
}

/*
 * Remember the OIDs of rec's catalogue tables, whose invalidations are the
 * ones that can change a campaign's answer (looked up again after any of
 * them is invalidated, which covers the extension being dropped and created
 * again).
 */
static void
RememberCatalogueOids(void)
{
	static const char *const names[] = {"dataset_group", "solution", "solution_version", "campaign",
	"campaign_variant"};
	Oid			nsp = get_namespace_oid("rec", true);
	int			i;

	for (i = 0; i < (int) lengthof(names); i++)
		catalogue_oids[i] = OidIsValid(nsp) ? get_relname_relid(names[i], nsp) : InvalidOid;
	catalogue_oids_known = true;
}

/*
 * Forget every cached campaign when one of rec's catalogue tables (or every
 * relation: relid InvalidOid) is invalidated.  These invalidations are sent
 * by rec_catalogue_changed and replayed on hot standbys with the commit that
 * sent them, so a standby's cache follows the primary; those of other
 * relations, which a busy primary sends all the time, leave it alone.
 */
static void
InvalidateCampaigns(Datum arg pg_attribute_unused(), Oid relid)
{
	int			i;

	if (OidIsValid(relid) && catalogue_oids_known)
	{
		for (i = 0; i < (int) lengthof(catalogue_oids); i++)
			if (catalogue_oids[i] == relid)
				break;
		if (i == lengthof(catalogue_oids))
			return;
	}
	catalogue_oids_known = false;
	campaign_generation++;
	n_cached_campaigns = 0;
	if (campaign_cxt)
		MemoryContextReset(campaign_cxt);
}

/*
 * Find the solution version a campaign serves: its pinned version, or the
 * newest version of its solution.  NULL or empty name means rec.campaign.
 *
 * Serving asks this on every call, so answers are cached per backend.
 * Triggers on rec's catalogue tables send a relcache invalidation on every
 * change (rec_catalogue_changed), which empties the cache in every backend
 * when the change commits (and in this one at once).  An answer is kept only
 * if no invalidation arrived while it was read, and only under READ
 * COMMITTED: a transaction snapshot could predate the change it missed.  An
 * answer serves only the role that read it, whose privileges it reflects.
 * A transaction that changed the catalogue itself reads without the cache:
 * what it sees may yet roll back.
 */
static void
ResolveOne(const char *name, RecCampaignTarget *target)
{
	AclResult	aclresult;
	bool		cacheable = !IsolationUsesXactSnapshot() &&
		!(TransactionIdIsValid(changed_by) && changed_by == GetTopTransactionIdIfAny());
	int			i;

	if (name == NULL || name[0] == '\0')
		name = rec_campaign;
	if (name == NULL || name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no campaign given"),
				 errhint("Pass campaign => 'name' or SET rec.campaign = 'name'.")));

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(InvalidateCampaigns, (Datum) 0);
		campaign_cxt = AllocSetContextCreate(TopMemoryContext, "rec campaign cache",
											 ALLOCSET_SMALL_SIZES);
		callback_registered = true;
	}

	if (!catalogue_oids_known)
		RememberCatalogueOids();

	/*
	 * A transaction that already holds its locks on rec's tables processes
	 * invalidations only when told to: do it here (cheap when there are
	 * none), so that a long transaction in READ COMMITTED sees a campaign
	 * moved meanwhile at its next call, as its next snapshot would.
	 */
	if (cacheable)
		AcceptInvalidationMessages();
	for (i = 0; i < n_cached_campaigns && cacheable; i++)
		if (cached_for[i] == GetUserId() && strcmp(cached_campaigns[i].campaign, name) == 0)
			break;
	if (cacheable && i < n_cached_campaigns)
		CopyTarget(&cached_campaigns[i], target, CurrentMemoryContext);
	else
	{
		uint64		generation = campaign_generation;

		LookupCampaign(name, target, CurrentMemoryContext);
		if (cacheable && generation == campaign_generation &&
			n_cached_campaigns < CAMPAIGN_CACHE_SIZE)
		{
			cached_for[n_cached_campaigns] = GetUserId();
			CopyTarget(target, &cached_campaigns[n_cached_campaigns++], campaign_cxt);
		}
	}

	/* serving from a model is reading its data: the caller must be allowed to */
	RecCheckBinding(&target->binding);	/* its relations and columns still there? */
	aclresult = pg_class_aclcheck(target->binding.interactions, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, get_rel_name(target->binding.interactions));
}

/*
 * Return the index of the variant that serves user_id: the user's point in
 * [0, 1), a hash of the campaign name and the user id, falls in one variant's
 * slice of the cumulative shares (in variant name order, scaled to their
 * sum, so a variant dropped with its campaign leaves the others' ratios).
 * The same user always gets the same variant while the shares stay.
 */
static int
AssignVariant(const RecCampaignTarget *target, int64 user_id)
{
	uint64		h = hash_bytes_extended((const unsigned char *) target->campaign,
										strlen(target->campaign), (uint64) user_id);
	double		point = (double) (h >> 11) / (double) (UINT64CONST(1) << 53);
	double		total = 0;
	double		upto = 0;
	int			i;

	for (i = 0; i < target->n_variants; i++)
		total += target->shares[i];
	for (i = 0; i < target->n_variants - 1; i++)
	{
		upto += target->shares[i];
		if (point * total < upto)
			return i;
	}
	return target->n_variants - 1;
}

/* Return the index of the variant with the largest share (the first of equals) */
static int
MainVariant(const RecCampaignTarget *target)
{
	int			best = 0;
	int			i;

	for (i = 1; i < target->n_variants; i++)
		if (target->shares[i] > target->shares[best])
			best = i;
	return best;
}

/*
 * Resolve a campaign, and for an A/B campaign the variant that serves: the
 * user's assigned variant, or without a user (similar_items, batch,
 * evaluate) the variant with the largest share.  target->campaign is then
 * the variant's name: the campaign that served.  Variants are campaigns of
 * their own and do not have variants themselves (rec.deploy refuses).
 */
static void
ResolveServing(const char *name, const int64 *user_id, RecCampaignTarget *target)
{
	ResolveOne(name, target);
	if (target->n_variants > 0)
	{
		int			i = user_id ? AssignVariant(target, *user_id) : MainVariant(target);

		ResolveOne(target->variants[i], target);
	}
}

/* Find what a campaign serves when no user is known; see ResolveServing */
void
RecResolveCampaign(const char *name, RecCampaignTarget *target)
{
	ResolveServing(name, NULL, target);
}

/* Find what a campaign serves to one user: for an A/B campaign, the user's variant */
void
RecResolveCampaignForUser(const char *name, int64 user_id, RecCampaignTarget *target)
{
	ResolveServing(name, &user_id, target);
}

/*
 * Find a campaign's own entry: for an A/B campaign the campaign with its
 * variants, before one is chosen (RecResolveCampaignVariant chooses).
 */
void
RecResolveCampaignEntry(const char *name, RecCampaignTarget *target)
{
	ResolveOne(name, target);
}

/* Narrow an A/B campaign's entry to the variant its user (internal id) is assigned to */
void
RecResolveCampaignVariant(RecCampaignTarget *target, int64 user_id)
{
	if (target->n_variants > 0)
		ResolveOne(target->variants[AssignVariant(target, user_id)], target);
}

/* Return the kind of ids a column of the named type holds (NULL: integer) */
RecKeyKind
RecKeyKindOf(const char *type_name)
{
	if (type_name == NULL || strcmp(type_name, "bigint") == 0 ||
		strcmp(type_name, "integer") == 0 || strcmp(type_name, "smallint") == 0)
		return REC_KEY_INT;
	if (strcmp(type_name, "text") == 0 || strcmp(type_name, "character varying") == 0)
		return REC_KEY_TEXT;
	if (strcmp(type_name, "uuid") == 0)
		return REC_KEY_UUID;
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("unknown id type \"%s\" in a dataset group's column mapping", type_name),
			 errhint("Bind the group again with rec.create_dataset_group(..., replace => true).")));
	return REC_KEY_INT;			/* keep the compiler quiet */
}

/* Return the quoted qualified name of a bound relation; error if it was dropped */
char *
RecRelationName(Oid relid, const char *group)
{
	char	   *relname = get_rel_name(relid);

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("a relation bound to dataset group \"%s\" no longer exists", group),
				 errhint("Bind the group again with rec.create_dataset_group(..., replace => true).")));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), relname);
}

/*
 * Return an SQL expression giving the binding's event time in epoch seconds.
 * date_part returns float8 directly; extract() returns numeric since
 * PostgreSQL 14, and its cast to float8 cost 1 us a row, the larger part of
 * reading the interactions.  Both give the same float8: the microseconds
 * divided by 10^6, correctly rounded.
 */
char *
RecTimeExpr(const RecBinding *binding)
{
	if (binding->ts_is_epoch)
		return psprintf("%s::float8", quote_identifier(binding->ts_col));
	return psprintf("pg_catalog.date_part('epoch', %s)", quote_identifier(binding->ts_col));
}

/*
 * Return an SQL expression giving the binding's event time as a per-row read
 * wants it: the bare column when it is a timestamp (with or without time
 * zone), which RecTimeValue turns into epoch seconds in C, else RecTimeExpr.
 * date_part's own work (parsing 'epoch', the epoch's date arithmetic) is
 * most of what it costs, once per row.
 */
char *
RecTimeColumn(const RecBinding *binding)
{
	AttrNumber	att = get_attnum(binding->interactions, binding->ts_col);
	Oid			type = att == InvalidAttrNumber ? InvalidOid :
		get_atttype(binding->interactions, att);

	if (!binding->ts_is_epoch && (type == TIMESTAMPTZOID || type == TIMESTAMPOID))
		return pstrdup(quote_identifier(binding->ts_col));
	return RecTimeExpr(binding);
}

/*
 * Return a value read through RecTimeColumn, of the given type, in epoch
 * seconds: a float8 as it is, a timestamp as date_part('epoch', ...) gives
 * it (PostgreSQL's timestamp(tz)_part: +-infinity for infinite times, the
 * microseconds since the epoch divided by 10^6).  epoch is
 * SetEpochTimestamp(), found once by the caller.
 */
float8
RecTimeValue(Datum d, Oid type, Timestamp epoch)
{
	int64		t;

	if (type == FLOAT8OID)
		return DatumGetFloat8(d);
	if (type != TIMESTAMPTZOID && type != TIMESTAMPOID)
		elog(ERROR, "unexpected event time type %u", type);
	t = DatumGetInt64(d);
	if (TIMESTAMP_IS_NOBEGIN(t))
		return -get_float8_infinity();
	if (TIMESTAMP_IS_NOEND(t))
		return get_float8_infinity();
	/* as PostgreSQL does, to avoid precision loss in the subtraction */
	if (t < (PG_INT64_MAX + epoch))
		return (t - epoch) / 1000000.0;
	return ((float8) t - epoch) / 1000000.0;
}

PG_FUNCTION_INFO_V1(rec_catalogue_changed);

/*
 * Trigger on rec's catalogue tables: announce the change to every other
 * backend's campaign cache, through a relcache invalidation of the changed
 * table that they accept at their next transaction, and empty this one's.
 */
Datum
rec_catalogue_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "rec_catalogue_changed: not called by trigger manager");
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	/* this backend forgets at once, and reads around the cache until the end */
	InvalidateCampaigns((Datum) 0, InvalidOid);
	changed_by = GetTopTransactionId();
	return PointerGetDatum(NULL);
}
