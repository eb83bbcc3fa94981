/*
 * events.c
 *	  rec.log_event: record one interaction in a dataset group.
 *
 * The event is an INSERT into the group's interactions relation, in the
 * caller's transaction, so it commits or rolls back with the caller's work
 * and the next recommend() in the same transaction already sees it.
 */
#include "rec.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "keys.h"

PG_FUNCTION_INFO_V1(rec_log_event);

/* The columns of rec.interactions, which the default group is bound to (rec--0.1.0.sql) */
static const RecBinding default_binding = {
	.group = "default",
	.user_col = "user_id",
	.item_col = "item_id",
	.ts_col = "ts",
	.event_type_col = "event_type",
	.event_value_col = "event_value",
};

#define MAX_CLOCK_SKEW_USECS USECS_PER_DAY	/* events dated later than now() + a day are refused */

/* Error if the group has no column for an optional argument the caller gave */
static void
RequireColumn(const RecBinding *b, const char *col, const char *key)
{
	if (col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dataset group \"%s\" has no %s column", b->group,
						strcmp(key, "event_type") == 0 ? "event type" : "event value"),
				 errhint("Bind one with rec.create_dataset_group(..., columns => '{\"%s\": \"column_name\"}', replace => true), or leave %s out.",
						 key, key)));
}

/*
 * Add the context columns the event's context names to an INSERT's column
 * and value lists: each value is read from the context ($param) as text and
 * cast to its column's type.
 */
static void
AddContextColumns(const RecBinding *b, Jsonb *context, int param, StringInfo cols, StringInfo vals)
{
	int			i;

	for (i = 0; i < b->n_context; i++)
	{
		const char *col = b->context_cols[i];
		AttrNumber	attnum = get_attnum(b->interactions, col);
		JsonbValue *v = getKeyJsonValueFromContainer(&context->root, col, strlen(col), NULL);

		if (v == NULL || attnum == InvalidAttrNumber)
			continue;
		appendStringInfo(cols, ", %s", quote_identifier(col));
		appendStringInfo(vals, ", CAST(($%d OPERATOR(pg_catalog.->>) %s) AS %s)", param,
						 quote_literal_cstr(col),
						 format_type_be_qualified(get_atttype(b->interactions, attnum)));
	}
}

/*
 * Attribute the event just logged to the recommendation that led to it: one
 * row in rec.event_attribution with the campaign, the variant that served
 * (rec.variant() of the user when not given) and the rank it was shown at.
 * rec_internal.attributed_variant() checks the campaign and the variant.
 */
static void
AttributeEvent(FunctionCallInfo fcinfo, const RecKey *user, const RecKey *item)
{
	Oid			argtypes[7] = {TEXTOID, TEXTOID, INT4OID, INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID};
	Datum		args[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int			ret;

	if (!PG_ARGISNULL(8) && PG_GETARG_INT32(8) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rank must be at least 1")));
	args[0] = PG_GETARG_DATUM(6);
	args[1] = PG_ARGISNULL(7) ? (Datum) 0 : PG_GETARG_DATUM(7);
	nulls[1] = PG_ARGISNULL(7) ? 'n' : ' ';
	args[2] = PG_ARGISNULL(8) ? (Datum) 0 : PG_GETARG_DATUM(8);
	nulls[2] = PG_ARGISNULL(8) ? 'n' : ' ';
	if (user->text != NULL && PG_ARGISNULL(7))
	{
		/* a text or uuid user's variant: rec.variant() of its key, resolved here */
		RecCampaignTarget target;
		RecKey		again;

		RecResolveCampaignForKey(text_to_cstring(PG_GETARG_TEXT_PP(6)), PG_GETARG_DATUM(0),
								 get_fn_expr_argtype(fcinfo->flinfo, 0), &target, &again);
		args[1] = CStringGetTextDatum(target.campaign);
		nulls[1] = ' ';
	}
	/* text and uuid ids are attributed by their internal ids (rec.key_id) */
	args[3] = Int64GetDatum(user->id);
	args[4] = Int64GetDatum(item->id);
	args[5] = PG_ARGISNULL(2) ? CStringGetTextDatum("click") : PG_GETARG_DATUM(2);
	args[6] = PG_GETARG_DATUM(4);
	ret = SPI_execute_plan(RecKeptPlan("INSERT INTO rec.event_attribution"
									   " (campaign, variant, rank, user_id, item_id, event_type, ts)"
									   " VALUES ($1, rec_internal.attributed_variant($1, $2, $4), $3, $4, $5, $6, $7)",
									   7, argtypes),
						   args, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "attributing the event failed: %s", SPI_result_code_string(ret));
}

/*
 * Check the impression argument (the items shown with the event, as
 * Personalize's PutEvents takes them) before anything is written, and return
 * the campaign it is logged under: the campaign given, else rec.campaign.
 */
static char *
ImpressionCampaign(FunctionCallInfo fcinfo)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(9);

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("impression must be a one-dimensional array")));
	if (ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) == 0 || array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("impression must hold at least one item and no NULL")));
	if (!PG_ARGISNULL(6))
		return text_to_cstring(PG_GETARG_TEXT_PP(6));
	if (rec_campaign != NULL && rec_campaign[0] != '\0')
		return rec_campaign;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("impression needs a campaign"),
			 errhint("Pass campaign => 'name', the campaign that served the list, or set rec.campaign.")));
	return NULL;
}

/*
 * Record the impression given with an event, as rec.log_impression() does
 * (one path for every id type: the ids go as text, and rec.log_impression()
 * records text and uuid ids by their rec.key_id()).
 */
static void
LogImpression(FunctionCallInfo fcinfo, const char *campaign)
{
	Oid			argtypes[5] = {get_fn_expr_argtype(fcinfo->flinfo, 0),
	get_fn_expr_argtype(fcinfo->flinfo, 9), TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	int			ret;

	args[0] = PG_GETARG_DATUM(0);
	args[1] = PG_GETARG_DATUM(9);
	args[2] = CStringGetTextDatum(campaign);
	args[3] = PG_ARGISNULL(7) ? (Datum) 0 : PG_GETARG_DATUM(7);
	nulls[3] = PG_ARGISNULL(7) ? 'n' : ' ';
	args[4] = PG_GETARG_DATUM(4);
	ret = SPI_execute_plan(RecKeptPlan("SELECT rec.log_impression($1::pg_catalog.text, $2::pg_catalog.text[], $3, $4, $5)",
									   5, argtypes),
						   args, nulls, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "logging the impression failed: %s", SPI_result_code_string(ret));
}

/*
 * Return the dataset group an event goes to when the caller names none: the
 * group of the campaign it is attributed to, else of rec.campaign, else
 * "default".  *how says which, for messages.
 */
static char *
EventGroup(FunctionCallInfo fcinfo, const char **how)
{
	const char *campaign = NULL;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int			ret;

	if (PG_NARGS() > 8 && !PG_ARGISNULL(6))
	{
		campaign = text_to_cstring(PG_GETARG_TEXT_PP(6));
		*how = "campaign";
	}
	else if (rec_campaign != NULL && rec_campaign[0] != '\0')
	{
		campaign = rec_campaign;
		*how = "rec.campaign";
	}
	else
	{
		*how = NULL;
		return "default";
	}
	args[0] = CStringGetTextDatum(campaign);
	ret = SPI_execute_plan(RecKeptPlan("SELECT s.dataset_group FROM rec.campaign c"
									   " JOIN rec.solution s ON s.name OPERATOR(pg_catalog.=) c.solution"
									   " WHERE c.name OPERATOR(pg_catalog.=) $1", 1, argtypes),
						   args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "campaign lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("campaign \"%s\" does not exist", campaign),
				 strcmp(*how, "rec.campaign") == 0 ?
				 errhint("The event goes to the dataset group of rec.campaign: set it to a deployed campaign, or pass dataset_group => 'name'.") :
				 errhint("Create it with rec.deploy().")));
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * Read the event's user and item ids as the group's keys; when the group was
 * not named by the caller, a wrong id says which group it went to and how to
 * name another.
 */
static void
ReadKeys(FunctionCallInfo fcinfo, const RecBinding *b, const char *how, RecKey *user, RecKey *item)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		RecUserKey(b, PG_GETARG_DATUM(0), get_fn_expr_argtype(fcinfo->flinfo, 0), user);
		RecItemKey(b, PG_GETARG_DATUM(1), get_fn_expr_argtype(fcinfo->flinfo, 1), item);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char	   *hint;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_INVALID_TEXT_REPRESENTATION &&
			edata->sqlerrcode != ERRCODE_DATATYPE_MISMATCH)
			PG_RE_THROW();
		FlushErrorState();
		hint = how == NULL ?
			psprintf("The event went to dataset group \"%s\" because no dataset_group, campaign or rec.campaign was given: pass dataset_group => 'name' for another group.", b->group) :
			psprintf("The event went to dataset group \"%s\", the group of %s: pass dataset_group => 'name' for another group.",
					 b->group, strcmp(how, "campaign") == 0 ? "the campaign given" : "rec.campaign");
		edata->hint = edata->hint ? psprintf("%s %s", edata->hint, hint) : hint;
		ReThrowError(edata);
	}
	PG_END_TRY();
}

/*
 * rec.log_event(user_id, item_id, event_type, event_value, ts, dataset_group,
 * campaign, variant, rank, impression, context) inserts one event, and with campaign
 * attributes it to the recommendation that led to it (AttributeEvent); with
 * impression, it records the list shown too (LogImpression).  event_type and event_value are stored only when given
 * (a NULL leaves the column to its default); giving one to a group bound to
 * a relation without that column is an error, not a silent drop.  An event
 * dated more than a day after now() is refused: one such event would
 * otherwise become the newest of its user's history for good.  Without
 * dataset_group the event goes to the group of its campaign, or of
 * rec.campaign, or to "default" (EventGroup).  context stores the values it
 * names in the group's context columns (Personalize's PutEvents context).
 */
Datum
rec_log_event(PG_FUNCTION_ARGS)
{
	RecBinding	b;
	RecKey		user;
	RecKey		item;
	char	   *group;
	const char *relation;
	StringInfoData cols;
	StringInfoData vals;
	Oid			argtypes[6];
	Datum		args[6];
	char		nulls[6];
	Jsonb	   *context = NULL;
	int			nargs = 0;
	int			ret;
	const char *how = NULL;
	char	   *impression_campaign = NULL;
	const char *names[] = {"user_id", "item_id", "ts"};
	int			required[] = {0, 1, 4};
	int			i;

	for (i = 0; i < (int) lengthof(required); i++)
		if (PG_ARGISNULL(required[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", names[i])));
	if (!PG_ARGISNULL(3) && isnan(PG_GETARG_FLOAT8(3)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event_value must be a number, not NaN")));
	if (TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(4)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ts must be a finite time")));
	if (PG_GETARG_TIMESTAMPTZ(4) > GetCurrentTransactionStartTimestamp() + MAX_CLOCK_SKEW_USECS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event time %s is more than a day after now()",
						timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(4))),
				 errhint("Log the time the event happened; a clock far ahead would make it the user's newest event for good.")));

	if (PG_NARGS() > 8 && PG_ARGISNULL(6) && !(PG_ARGISNULL(7) && PG_ARGISNULL(8)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("variant and rank need a campaign"),
				 errhint("Pass campaign => 'name' to attribute the event to a recommendation.")));

	if (PG_NARGS() > 9 && !PG_ARGISNULL(9))
		impression_campaign = ImpressionCampaign(fcinfo);

	RecRequirePrimary("log events",
					  "Log events on the primary server; this standby serves them once they are replayed.");

	SPI_connect();
	group = PG_ARGISNULL(5) ? EventGroup(fcinfo, &how) : text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (strcmp(group, "default") == 0)
	{
		/* the default group is bound to rec's own table for good: no lookup */
		b = default_binding;
		relation = "rec.interactions";
	}
	else
	{
		RecLookupDatasetGroup(group, &b);
		relation = RecRelationName(b.interactions, b.group);
	}

	initStringInfo(&cols);
	initStringInfo(&vals);
#define ADD_ARG(col, type, value, isnull) \
	do { \
		argtypes[nargs] = (type); \
		args[nargs] = (value); \
		nulls[nargs] = (isnull) ? 'n' : ' '; \
		appendStringInfo(&cols, "%s%s", nargs ? ", " : "", quote_identifier(col)); \
		appendStringInfo(&vals, "%s$%d", nargs ? ", " : "", nargs + 1); \
		nargs++; \
	} while (0)

	if (PG_ARGISNULL(5))
		ReadKeys(fcinfo, &b, how, &user, &item);
	else
	{
		RecUserKey(&b, PG_GETARG_DATUM(0), get_fn_expr_argtype(fcinfo->flinfo, 0), &user);
		RecItemKey(&b, PG_GETARG_DATUM(1), get_fn_expr_argtype(fcinfo->flinfo, 1), &item);
	}
	ADD_ARG(b.user_col, user.type, user.native, false);
	ADD_ARG(b.item_col, item.type, item.native, false);
	if (b.ts_is_epoch)
		ADD_ARG(b.ts_col, FLOAT8OID,
				Float8GetDatum((float8) PG_GETARG_TIMESTAMPTZ(4) / USECS_PER_SEC +
							   ((float8) POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY),
				false);
	else
		ADD_ARG(b.ts_col, TIMESTAMPTZOID, PG_GETARG_DATUM(4), false);
	if (!PG_ARGISNULL(2))
	{
		RequireColumn(&b, b.event_type_col, "event_type");
		ADD_ARG(b.event_type_col, TEXTOID, PG_GETARG_DATUM(2), false);
	}
	if (!PG_ARGISNULL(3))
	{
		RequireColumn(&b, b.event_value_col, "event_value");
		ADD_ARG(b.event_value_col, FLOAT8OID, PG_GETARG_DATUM(3), false);
	}
#undef ADD_ARG
	if (PG_NARGS() > 10 && !PG_ARGISNULL(10))
		context = PG_GETARG_JSONB_P(10);
	if (context != NULL && RecCheckContext(&b, context))
		AddContextColumns(&b, context, nargs + 1, &cols, &vals);
	if (context != NULL && JB_ROOT_COUNT(context) > 0)
	{
		argtypes[nargs] = JSONBOID;
		args[nargs] = JsonbPGetDatum(context);
		nulls[nargs++] = ' ';
	}

	ret = SPI_execute_plan(RecKeptPlan(psprintf("INSERT INTO %s (%s) VALUES (%s)",
												relation, cols.data, vals.data),
									   nargs, argtypes),
						   args, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "inserting the event failed: %s", SPI_result_code_string(ret));
	if (PG_NARGS() > 8 && !PG_ARGISNULL(6))
		AttributeEvent(fcinfo, &user, &item);
	if (impression_campaign != NULL)
		LogImpression(fcinfo, impression_campaign);
	SPI_finish();
	PG_RETURN_VOID();
}
