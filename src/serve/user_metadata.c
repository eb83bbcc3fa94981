/*
 * user_metadata.c
 *	  Recommendations for a user without history from the user's metadata.
 *
 * A dataset group's users relation may say what a user likes: a text[]
 * column of categories, or a jsonb column (the default group's
 * rec.users.properties) whose string values, anywhere in the document or
 * under one key named at binding (user_categories_key), are category names.
 * A user the model cannot score from gets the most popular items of those
 * categories first ('user-metadata'), then the plain popularity fallback.
 * The categories are matched against the items relation through the same
 * candidate check as a filter (filter.c), so a new user costs a few small
 * queries whatever the catalogue size.
 */
#include "rec.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"

#include "filter.h"

/*
 * Return an INCLUDE filter of the items sharing a category the user's
 * metadata names, or NULL when the group has no such metadata or the user
 * names no category.
 */
RecFilter *
RecUserMetadataFilter(const RecBinding *b, int64 user_id, const char *key, int len)
{
	MemoryContext cxt = CurrentMemoryContext;
	const char *col;
	char	   *source;
	char	   *sql;
	Oid			argtypes[1] = {b->user_kind == REC_KEY_INT ? INT8OID : TEXTOID};
	const char *item_out;
	const char *item_in;
	Datum		args[1];
	RecFilter  *f;
	bool		isnull;
	Datum		cats;
	int			ret;

	if (b->user_categories_col == NULL || !OidIsValid(b->users) || !OidIsValid(b->items) ||
		b->categories_col == NULL)
		return NULL;
	col = quote_identifier(b->user_categories_col);
	if (!b->user_categories_json)
		source = psprintf("pg_catalog.to_jsonb(u.%s::text[])", col);
	else
		source = psprintf("(SELECT pg_catalog.jsonb_agg(DISTINCT v OPERATOR(pg_catalog.#>>) '{}')"
						  " FROM pg_catalog.jsonb_path_query(u.%s%s%s, 'strict $.**') v"
						  " WHERE pg_catalog.jsonb_typeof(v) OPERATOR(pg_catalog.=) 'string')",
						  col, b->user_categories_key ? " OPERATOR(pg_catalog.->) " : "",
						  b->user_categories_key ? quote_literal_cstr(b->user_categories_key) : "");
	/* a text or uuid user is looked up by its key, in the column's own type */
	sql = psprintf("SELECT %s FROM %s u WHERE u.%s OPERATOR(pg_catalog.=) $1%s", source,
				   RecRelationName(b->users, b->group), quote_identifier(b->users_id_col),
				   b->user_kind == REC_KEY_INT ? "" :
				   b->user_kind == REC_KEY_UUID ? "::uuid" : "::text");
	if (b->user_kind == REC_KEY_INT)
		args[0] = Int64GetDatum(user_id);
	else if (key == NULL)
		return NULL;
	else
		args[0] = PointerGetDatum(cstring_to_text_with_len(key, len));
	ret = SPI_execute_plan(RecKeptPlan(sql, 1, argtypes), args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "user metadata query failed: %s", SPI_result_code_string(ret));
	pfree(sql);
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return NULL;
	}
	cats = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull || strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "[]") == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return NULL;
	}

	f = MemoryContextAllocZero(cxt, sizeof(RecFilter));
	f->cxt = cxt;
	f->name = "user metadata";
	f->values = datumCopy(cats, false, -1);
	f->n_parts = 1;
	f->parts = MemoryContextAllocZero(cxt, sizeof(RecFilterPart));
	f->parts[0].include = true;
	f->parts[0].interactions = false;
	/* items as internal ids; a text or uuid group's candidates compared by their keys ($5) */
	if (b->item_kind == REC_KEY_INT)
	{
		item_out = psprintf("i.%s::int8", quote_identifier(b->items_id_col));
		item_in = psprintf("i.%s OPERATOR(pg_catalog.=) ANY($1)", quote_identifier(b->items_id_col));
	}
	else
	{
		item_out = psprintf("rec.key_id(i.%s::text)", quote_identifier(b->items_id_col));
		item_in = psprintf(b->item_kind == REC_KEY_UUID ?
						   "i.%s OPERATOR(pg_catalog.=) ANY($5::uuid[])" :
						   "i.%s::text OPERATOR(pg_catalog.=) ANY($5)",
						   quote_identifier(b->items_id_col));
	}
	f->parts[0].sql = psprintf("SELECT %s FROM %s i WHERE %s"
							   " AND i.%s OPERATOR(pg_catalog.&&)"
							   " ARRAY(SELECT pg_catalog.jsonb_array_elements_text($3))::text[]",
							   item_out, RecRelationName(b->items, b->group),
							   item_in, quote_identifier(b->categories_col));
	f->parts[0].all_sql = psprintf("SELECT %s FROM %s i WHERE i.%s OPERATOR(pg_catalog.&&)"
								   " ARRAY(SELECT pg_catalog.jsonb_array_elements_text($3))::text[]",
								   item_out, RecRelationName(b->items, b->group),
								   quote_identifier(b->categories_col));
	f->parts[0].set = NULL;
	pfree(source);
	pfree((char *) item_out);
	pfree((char *) item_in);
	SPI_freetuptable(SPI_tuptable);
	return f;
}

/*
 * Free a filter RecUserMetadataFilter returned, with the matches it read: a
 * batch makes one per new user, and would otherwise keep them all until it
 * ends.
 */
void
RecFreeUserMetadataFilter(RecFilter *f)
{
	if (f == NULL)
		return;
	if (f->parts[0].set)
		pfree(f->parts[0].set);
	pfree(f->parts[0].sql);
	pfree(f->parts[0].all_sql);
	pfree(f->parts);
	pfree(DatumGetPointer(f->values));
	pfree(f);
}
