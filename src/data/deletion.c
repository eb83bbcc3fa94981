/*
 * deletion.c
 *	  rec.delete_users: remove users from a dataset group (Personalize's data
 *	  deletion job).
 *
 * The users' rows go from the group's interactions and users relations and
 * from rec's impression and event_attribution tables, in the caller's
 * transaction and with the caller's privileges (plain DELETEs through SPI), so
 * that they all go or none does.  Models already trained keep what they
 * learned from those users; a NOTICE names them, as Personalize advises to
 * retrain.  A training that follows reads the relations as they are then, so
 * its model holds nothing of them.
 */
#include "rec.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "keys.h"

PG_FUNCTION_INFO_V1(rec_delete_users);

#define EQ " OPERATOR(pg_catalog.=) "

/* The campaigns of a dataset group ($2), and those of no group any more */
#define GROUP_ROWS \
	" AND (t.campaign" EQ "ANY (SELECT c.name FROM rec.campaign c" \
	" JOIN rec.solution s ON s.name" EQ "c.solution WHERE s.dataset_group" EQ "$2)" \
	" OR NOT EXISTS (SELECT FROM rec.campaign c WHERE c.name" EQ "t.campaign))"

/* Run one DELETE of the users' rows and add a result row for its relation */
static uint64
DeleteRows(ReturnSetInfo *rsinfo, Oid relid, const char *sql, int nargs, Oid *argtypes,
		   Datum *args)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int			ret;

	ret = SPI_execute_with_args(sql, nargs, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "deleting the users' rows failed: %s", SPI_result_code_string(ret));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = Int64GetDatum((int64) SPI_processed);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return SPI_processed;
}

/*
 * Tell the caller which solution versions of the group were trained before
 * the deletion: their models still hold what the deleted users did.
 */
static void
NoticeTrainedVersions(const char *group)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	StringInfoData list;
	int64		n = 0;
	uint64		i;
	int			ret;

	args[0] = CStringGetTextDatum(group);
	ret = SPI_execute_with_args("SELECT sv.solution, pg_catalog.count(*),"
								" pg_catalog.string_agg(sv.id::pg_catalog.text, ', ' ORDER BY sv.id)"
								" FROM rec.solution_version sv JOIN rec.solution s ON s.name" EQ "sv.solution"
								" WHERE s.dataset_group" EQ "$1 GROUP BY sv.solution ORDER BY sv.solution",
								1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "listing the solution versions failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		return;
	initStringInfo(&list);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		int64		count = pg_strtoint64(SPI_getvalue(tup, desc, 2));

		appendStringInfo(&list, "%s%s %s (solution \"%s\")", i > 0 ? "; " : "",
						 count == 1 ? "version" : "versions",
						 SPI_getvalue(tup, desc, 3), SPI_getvalue(tup, desc, 1));
		n += count;
	}
	ereport(NOTICE,
			(errmsg_plural("%lld solution version of dataset group \"%s\" was trained before the deletion",
						   "%lld solution versions of dataset group \"%s\" were trained before the deletion",
						   n, (long long) n, group),
			 errdetail("Their models still contain the deleted users: %s.", list.data),
			 errhint("Train the solutions again with rec.train(): a model trained now holds nothing of these users. Campaigns that follow a solution serve its new version at once; deploy pinned ones again.")));
}

/*
 * rec.delete_users(dataset_group, user_ids) deletes, in one transaction,
 * the given users' rows from the group's interactions and users relations
 * and from rec.impression and rec.event_attribution (the rows of the group's
 * campaigns, and of campaigns that no longer exist).  Ids are read as the
 * group's user ids, as log_event reads them.  Returns one row per relation
 * with the rows deleted there and, when it deleted any, names in a NOTICE
 * the solution versions trained before, whose models still contain them.
 */
Datum
rec_delete_users(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *group;
	ArrayType  *arr;
	Oid			elemtype;
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	Datum	   *elems;
	bool	   *elemnulls;
	int			n;
	int			i;
	RecBinding	b;
	Datum	   *natives;
	Datum	   *ids;
	Oid			key_type;
	Oid			argtypes[2];
	Datum		args[2];
	Oid			rec_ns;
	uint64		deleted = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("dataset_group must not be null")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("user_ids must not be null")));
	group = text_to_cstring(PG_GETARG_TEXT_PP(0));
	arr = PG_GETARG_ARRAYTYPE_P(1);
	elemtype = ARR_ELEMTYPE(arr);
	get_typlenbyvalalign(elemtype, &elemlen, &elembyval, &elemalign);
	deconstruct_array(arr, elemtype, elemlen, elembyval, elemalign, &elems, &elemnulls, &n);
	for (i = 0; i < n; i++)
		if (elemnulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("user_ids must not contain NULL")));

	RecRequirePrimary("delete users",
					  "Delete users on the primary server; this standby follows once the deletion is replayed.");

	RecInitResultSet(fcinfo);
	SPI_connect();
	RecLookupDatasetGroup(group, &b);

	/* every id as the group's columns compare with it, and as rec's own tables record it */
	natives = palloc(sizeof(Datum) * Max(n, 1));
	ids = palloc(sizeof(Datum) * Max(n, 1));
	key_type = b.user_kind == REC_KEY_INT ? INT8OID :
		b.user_kind == REC_KEY_TEXT ? TEXTOID : UUIDOID;
	for (i = 0; i < n; i++)
	{
		RecKey		key;

		RecUserKey(&b, elems[i], elemtype, &key);
		natives[i] = key.native;
		ids[i] = Int64GetDatum(key.id);
	}
	get_typlenbyvalalign(key_type, &elemlen, &elembyval, &elemalign);
	argtypes[0] = get_array_type(key_type);
	args[0] = PointerGetDatum(construct_array(natives, n, key_type, elemlen, elembyval, elemalign));

	deleted += DeleteRows(rsinfo, b.interactions,
			   psprintf("DELETE FROM %s WHERE %s" EQ "ANY ($1)",
						RecRelationName(b.interactions, b.group), quote_identifier(b.user_col)),
			   1, argtypes, args);
	if (OidIsValid(b.users))
		deleted += DeleteRows(rsinfo, b.users,
				   psprintf("DELETE FROM %s WHERE %s" EQ "ANY ($1)",
							RecRelationName(b.users, b.group), quote_identifier(b.users_id_col)),
				   1, argtypes, args);

	argtypes[0] = INT8ARRAYOID;
	args[0] = PointerGetDatum(construct_array(ids, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
											  TYPALIGN_DOUBLE));
	argtypes[1] = TEXTOID;
	args[1] = CStringGetTextDatum(b.group);
	rec_ns = get_namespace_oid("rec", false);
	deleted += DeleteRows(rsinfo, get_relname_relid("impression", rec_ns),
			   "DELETE FROM rec.impression t WHERE t.user_id" EQ "ANY ($1)" GROUP_ROWS,
			   2, argtypes, args);
	deleted += DeleteRows(rsinfo, get_relname_relid("event_attribution", rec_ns),
			   "DELETE FROM rec.event_attribution t WHERE t.user_id" EQ "ANY ($1)" GROUP_ROWS,
			   2, argtypes, args);

	if (deleted > 0)
		NoticeTrainedVersions(b.group);
	SPI_finish();
	return (Datum) 0;
}
