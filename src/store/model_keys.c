/*
 * model_keys.c
 *	  A model's items by id and by key: resolving a call's item ids to a
 *	  model's dense indices, and dense indices back to SQL values (keys.h
 *	  has the scheme).
 */
#include "rec.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "dataset.h"
#include "keys.h"
#include "model.h"

/*
 * Return the dense index of an item id, or -1 if the model does not know it:
 * by binary search over the ids in order (by_id), or at once when the ids
 * are consecutive (as numbered ids 1..n are): n distinct ids from first to
 * first + n - 1 put id at place id - first.
 */
int32
RecItemIndex(const RecModel *m, int64 item_id)
{
	int			lo = 0;
	int			hi = m->n_items - 1;
	int64		first;
	int64		last;

	if (hi < 0)
		return -1;
	first = m->item_ids[m->by_id[0]];
	last = m->item_ids[m->by_id[hi]];
	if (item_id < first || item_id > last)
		return -1;
	if (last - first == hi)
		return m->by_id[item_id - first];
	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int64		id = m->item_ids[m->by_id[mid]];

		if (id == item_id)
			return m->by_id[mid];
		if (id < item_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Return the dense index of an item id; error if the campaign's model does not know it */
int32
RecRequireItem(const RecModel *m, int64 item_id, const char *campaign)
{
	int32		idx = RecItemIndex(m, item_id);

	if (idx < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("item %lld is unknown to campaign \"%s\"", (long long) item_id, campaign),
				 errhint("Items added after training are known once the solution is trained again.")));
	return idx;
}

/* Return the dense index of a resolved item id, or -1 if the model does not know it */
int32
RecItemKeyIndex(const RecModel *m, const RecKey *key)
{
	int32		idx = RecItemIndex(m, key->id);
	int64		len;

	if (idx < 0 || m->key_kind == REC_KEY_INT)
		return idx;
	if (key->text == NULL)
		return -1;
	len = m->key_off[idx + 1] - m->key_off[idx];
	if (len != key->len || memcmp(m->key_data + m->key_off[idx], key->text, len) != 0)
		return -1;				/* another key with the same hash */
	return idx;
}

/*
 * Return the dense index of an item id read from a query, or -1: a bigint,
 * or, when keyed, the key's text (the group's text or uuid id as stored)
 */
int32
RecItemDatumIndex(const RecModel *m, Datum d, bool keyed)
{
	RecKey		key;
	text	   *t;

	if (!keyed)
		return RecItemIndex(m, DatumGetInt64(d));
	t = DatumGetTextPP(d);
	key.text = VARDATA_ANY(t);
	key.len = VARSIZE_ANY_EXHDR(t);
	key.id = RecKeyHash(key.text, key.len);
	return RecItemKeyIndex(m, &key);
}

/*
 * Resolve a one-dimensional array of item ids without nulls to dense
 * indices (-1 for items the model does not know); NULL if empty.  The
 * elements themselves are returned in *elems, with their type.
 */
int32 *
RecItemArrayIndices(const RecModel *m, const RecBinding *b, ArrayType *arr,
					const char *argname, int *n, Datum **elems, RecKey **keys)
{
	Oid			elemtype = ARR_ELEMTYPE(arr);
	Datum	   *d = RecArrayElements(arr, argname, n);
	int32	   *out;
	int			i;

	if (*n == 0)
		return NULL;
	out = palloc(sizeof(int32) * *n);
	if (keys)
		*keys = palloc(sizeof(RecKey) * *n);
	for (i = 0; i < *n; i++)
	{
		RecKey		key;

		RecItemKey(b, d[i], elemtype, &key);
		out[i] = RecItemKeyIndex(m, &key);
		if (keys)
			(*keys)[i] = key;
	}
	if (elems)
		*elems = d;
	return out;
}

/* Return the dense index of a resolved item id; error if the campaign's model does not know it */
int32
RecRequireItemKey(const RecModel *m, const RecKey *key, const char *campaign)
{
	int32		idx;

	if (key->text == NULL)
		return RecRequireItem(m, key->id, campaign);
	idx = RecItemKeyIndex(m, key);
	if (idx < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("item \"%s\" is unknown to campaign \"%s\"", key->text, campaign),
				 errhint("Items added after training are known once the solution is trained again.")));
	return idx;
}

/* Error unless a campaign's model was trained on the item id kind its group has now */
void
RecCheckModelKeys(const RecModel *m, const RecCampaignTarget *target)
{
	if (m->key_kind != target->binding.item_kind)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("campaign \"%s\" serves a model trained on other item ids than dataset group \"%s\" has now",
						target->campaign, target->binding.group),
				 errhint("Train the solution again with rec.train().")));
}

/* Error unless a model's item ids can be returned as restype */
void
RecCheckItemOutput(const RecModel *m, const RecBinding *b, Oid restype)
{
	bool		ok;

	switch (restype)
	{
		case INT8OID:
			ok = (m->key_kind == REC_KEY_INT);
			break;
		case UUIDOID:
			ok = (m->key_kind == REC_KEY_UUID);
			break;
		case TEXTOID:
		case VARCHAROID:
			ok = true;
			break;
		default:
			ok = false;
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("dataset group \"%s\" has %s item ids, not %s",
						b->group, b->item_type ? b->item_type : "bigint", format_type_be(restype)),
				 errhint("Pass the user id as text, for example '42', to get the item ids as text.")));
}

/* Return a model's item as an SQL value of type restype (checked by RecCheckItemOutput) */
Datum
RecItemDatum(const RecModel *m, int32 idx, Oid restype)
{
	const char *key;
	int			len;

	if (m->key_kind == REC_KEY_INT)
	{
		if (restype == INT8OID)
			return Int64GetDatum(m->item_ids[idx]);
		return CStringGetTextDatum(psprintf(INT64_FORMAT, m->item_ids[idx]));
	}
	key = m->key_data + m->key_off[idx];
	len = (int) (m->key_off[idx + 1] - m->key_off[idx]);
	if (restype == UUIDOID)
		return DirectFunctionCall1(uuid_in, CStringGetDatum(pnstrdup(key, len)));
	return PointerGetDatum(cstring_to_text_with_len(key, len));
}

/* Map a dataset's dense items to a model's (-1 for items the model does not know) */
int32 *
RecDatasetToModel(const RecDataset *ds, const RecModel *m)
{
	int32	   *to_model = palloc(sizeof(int32) * Max(ds->n_items, 1));
	int			i;

	for (i = 0; i < ds->n_items; i++)
	{
		RecKey		key;

		if (ds->item_keys == NULL || m->key_kind == REC_KEY_INT)
		{
			to_model[i] = RecItemIndex(m, ds->item_ids[i]);
			continue;
		}
		key.id = ds->item_ids[i];
		key.text = ds->item_keys->data + ds->item_keys->off[i];
		key.len = (int) (ds->item_keys->off[i + 1] - ds->item_keys->off[i]);
		to_model[i] = RecItemKeyIndex(m, &key);
	}
	return to_model;
}
