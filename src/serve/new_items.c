/*
 * new_items.c
 *	  Items added to the items relation after the model was trained (new
 *	  items): served from their categories, without retraining.
 *
 * A new item is read from the items relation when a call names it (one
 * look-up by its id, which the relation's key serves), and its categories
 * are matched by name to the model's: the model keeps its items' category
 * indices, not the names, so the names are derived once per backend and
 * model from the items relation, position by position (an item's categories
 * were read in the order of its array).  No call then does work in
 * proportion to the catalogue.
 */
#include "rec.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "keys.h"
#include "model.h"
#include "score.h"

#define NAME_LEN 256			/* as many bytes of a name as training compares (dataset.c) */
#define FETCH_ROWS 10000

/* A category name and its index in the model */
typedef struct NameEntry
{
	char		name[NAME_LEN];	/* the hash key */
	int32		idx;
} NameEntry;

/* The item id as the model indexes it: bigint, or the key_id of a text or uuid key */
static char *
IdExpr(const RecBinding *b)
{
	return b->item_kind == REC_KEY_INT ?
		psprintf("%s::int8", quote_identifier(b->items_id_col)) :
		psprintf("rec.key_id(%s::text)", quote_identifier(b->items_id_col));
}

/* Split a text[] datum into its non-null elements as C strings, how many in *n */
static char **
Names(Datum arr, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	char	  **names;
	int			i;

	deconstruct_array(DatumGetArrayTypeP(arr), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &nelems);
	names = palloc(sizeof(char *) * Max(nelems, 1));
	*n = 0;
	for (i = 0; i < nelems; i++)
		if (!nulls[i])
			names[(*n)++] = TextDatumGetCString(elems[i]);
	return names;
}

/*
 * Return the model's category names (name -> index), derived on first use
 * in the model's memory context: every item of the model whose current
 * categories are as many as its categories in the model names them, in
 * order; the first item to name an index wins.
 */
static HTAB *
CategoryNames(const RecModel *m, const RecBinding *b)
{
	MemoryContext cxt = GetMemoryChunkContext((void *) m);
	HASHCTL		ctl;
	HTAB	   *names;
	Portal		portal;
	char	   *sql;

	if (m->category_names)
		return m->category_names;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAME_LEN;
	ctl.entrysize = sizeof(NameEntry);
	ctl.hcxt = cxt;
	names = hash_create("rec category names", Max(m->n_categories, 16), &ctl,
						HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	sql = psprintf("SELECT %s, %s::text[] FROM %s WHERE %s IS NOT NULL", IdExpr(b),
				   quote_identifier(b->categories_col), RecRelationName(b->items, b->group),
				   quote_identifier(b->categories_col));
	portal = SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true, 0);
	for (;;)
	{
		uint64		r;

		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			Datum		id = SPI_getbinval(tuple, desc, 1, &isnull);
			int32		item;
			char	  **row;
			int			n;
			int			c;

			if (isnull || (item = RecItemIndex(m, DatumGetInt64(id))) < 0)
				continue;
			row = Names(SPI_getbinval(tuple, desc, 2, &isnull), &n);
			if (n != m->cat_off[item + 1] - m->cat_off[item])
				continue;
			for (c = 0; c < n; c++)
			{
				char		key[NAME_LEN];
				NameEntry  *e;
				bool		found;

				strlcpy(key, row[c], NAME_LEN);
				e = hash_search(names, key, HASH_ENTER, &found);
				if (!found)
					e->idx = m->cat_idx[m->cat_off[item] + c];
			}
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	((RecModel *) m)->category_names = names;
	return names;
}

/*
 * Read an item the model does not know from the items relation: return
 * false if the relation does not hold it; else true, with the model indices
 * of the categories it shares with the model in *cats (*n_cats of them) and
 * the number of its categories in *n_mine.  Needs SPI.
 */
bool
RecReadNewItem(const RecModel *m, const RecBinding *b, const RecKey *key, int32 **cats,
			   int *n_cats, int *n_mine)
{
	Oid			argtype = key->text ? TEXTOID : INT8OID;
	Datum		arg = key->text ? PointerGetDatum(cstring_to_text_with_len(key->text, key->len)) :
		Int64GetDatum(key->id);
	char	   *sql;
	char	  **names;
	HTAB	   *dict;
	bool		isnull;
	Datum		arr;
	int			i;

	*cats = NULL;
	*n_cats = *n_mine = 0;
	if (!OidIsValid(b->items))
		return false;
	/* compared in the column's own type, so that its key serves */
	sql = psprintf("SELECT %s FROM %s WHERE %s OPERATOR(pg_catalog.=) $1%s%s LIMIT 1",
				   b->categories_col ? psprintf("%s::text[]", quote_identifier(b->categories_col)) :
				   "NULL::text[]",
				   RecRelationName(b->items, b->group), quote_identifier(b->items_id_col),
				   key->text ? "::" : "", key->text ? b->item_type : "");
	if (SPI_execute_with_args(sql, 1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the items relation");
	if (SPI_processed == 0)
		return false;
	arr = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull || m->n_categories == 0)
		return true;
	names = Names(arr, n_mine);
	dict = CategoryNames(m, b);
	*cats = palloc(sizeof(int32) * Max(*n_mine, 1));
	for (i = 0; i < *n_mine; i++)
	{
		char		name[NAME_LEN];
		NameEntry  *e;

		strlcpy(name, names[i], NAME_LEN);
		e = hash_search(dict, name, HASH_FIND, NULL);
		if (e)
			(*cats)[(*n_cats)++] = e->idx;
	}
	return true;
}
