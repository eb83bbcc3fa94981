/*
 * keys.c
 *	  Ids of type bigint, integer, text, varchar and uuid: what a call's id
 *	  means in a dataset group (a model's item keys: model_keys.c).
 *
 * See keys.h for the scheme.  The rules at the SQL boundary:
 *
 * - An integer id is accepted where the group's ids are integers.
 * - A text id is accepted everywhere: as itself where the ids are text or
 *   varchar, parsed where they are integers or uuids (so rec.recommend('42')
 *   keeps working on an integer group, and a uuid may be given as text).
 * - A uuid id is accepted where the ids are uuids.
 *
 * Anything else is an error naming the group and the type it expects.
 */
#include "rec.h"

#include <ctype.h>
#include <errno.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/uuid.h"

#include "keys.h"

#define REC_KEY_SEED UINT64CONST(0x7265632d6b657973)	/* "rec-keys" */

PG_FUNCTION_INFO_V1(rec_key_id);

/* Return the internal id of a text or uuid key: its 64-bit hash */
int64
RecKeyHash(const char *key, int len)
{
	return (int64) hash_bytes_extended((const unsigned char *) key, len, REC_KEY_SEED);
}

/*
 * rec.key_id(key text) returns the internal id of a text or uuid key (uuids
 * as their canonical text), as dataset reads filter users by it.
 */
Datum
rec_key_id(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_INT64(RecKeyHash(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/* Start an empty key list */
void
RecKeyListInit(RecKeyList *keys)
{
	keys->n = 0;
	keys->cap = 4096;
	keys->off_cap = 1024;
	keys->data = palloc(keys->cap);
	keys->off = palloc(sizeof(int64) * keys->off_cap);
	keys->off[0] = 0;
}

/* Append a key to a list */
void
RecKeyListAdd(RecKeyList *keys, const char *key, int len)
{
	int64		at = keys->off[keys->n];

	if (at + len > keys->cap)
	{
		while (at + len > keys->cap)
			keys->cap *= 2;
		keys->data = repalloc_huge(keys->data, keys->cap);
	}
	if (keys->n + 2 > keys->off_cap)
	{
		keys->off_cap *= 2;
		keys->off = repalloc_huge(keys->off, sizeof(int64) * (Size) keys->off_cap);
	}
	memcpy(keys->data + at, key, len);
	keys->off[++keys->n] = at + len;
}

/* Report an id of a type the group's ids are not */
static void
WrongType(const char *group, const char *what, RecKeyKind kind, const char *type_name, Oid argtype)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("dataset group \"%s\" has %s %s ids, not %s",
					group, type_name, what, format_type_be(argtype)),
			 kind == REC_KEY_INT ? errhint("Pass the %s id as bigint or as text.", what) :
			 kind == REC_KEY_TEXT ? errhint("Pass the %s id as text, for example '42'.", what) :
			 errhint("Pass the %s id as uuid or as text.", what)));
}

/* Report a text id that is not a valid id of the group's type */
static void
InvalidText(const char *group, const char *what, const char *type_name, const char *s)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("%s id \"%s\" is not valid in dataset group \"%s\", which has %s %s ids",
					what, s, group, type_name, what)));
}

/* True if s is what uuid_in accepts: 32 hex digits, optional braces, a hyphen after any group of 4 */
static bool
UuidTextValid(const char *s)
{
	bool		braces = (*s == '{');
	int			digits = 0;

	if (braces)
		s++;
	for (; *s && *s != '}'; s++)
	{
		if (isxdigit((unsigned char) *s))
			digits++;
		else if (*s != '-' || digits == 0 || digits % 4 != 0 || digits == 32 || s[-1] == '-')
			return false;
		if (digits > 32)
			return false;
	}
	if (braces != (*s == '}'))
		return false;
	return digits == 32 && (*s == '\0' || s[1] == '\0') && s[-1] != '-';
}

/* Resolve an id given as SQL value of type argtype against a column of the given kind */
static void
ResolveKey(const char *group, const char *what, RecKeyKind kind, const char *type_name,
		   Datum value, Oid argtype, RecKey *key)
{
	char	   *s = NULL;

	memset(key, 0, sizeof(RecKey));
	if (type_name == NULL)
		type_name = "bigint";
	switch (argtype)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			if (kind != REC_KEY_INT)
				WrongType(group, what, kind, type_name, argtype);
			key->id = argtype == INT8OID ? DatumGetInt64(value) :
				argtype == INT4OID ? DatumGetInt32(value) : DatumGetInt16(value);
			key->native = Int64GetDatum(key->id);
			key->type = INT8OID;
			return;
		case TEXTOID:
		case VARCHAROID:
			s = TextDatumGetCString(value);
			if (kind == REC_KEY_INT)
			{
				char	   *end;
				int64		v;

				errno = 0;
				v = strtoi64(s, &end, 10);
				while (*end == ' ')
					end++;
				if (errno != 0 || end == s || *end != '\0' || isspace((unsigned char) *s))
					InvalidText(group, what, type_name, s);
				key->id = v;
				key->native = Int64GetDatum(v);
				key->type = INT8OID;
				return;
			}
			if (kind == REC_KEY_UUID)
			{
				if (!UuidTextValid(s))
					InvalidText(group, what, type_name, s);
				key->native = DirectFunctionCall1(uuid_in, CStringGetDatum(s));
				key->type = UUIDOID;
				s = DatumGetCString(DirectFunctionCall1(uuid_out, key->native));
			}
			else
			{
				key->native = PointerGetDatum(cstring_to_text(s));
				key->type = TEXTOID;
			}
			break;
		case UUIDOID:
			if (kind != REC_KEY_UUID)
				WrongType(group, what, kind, type_name, argtype);
			key->native = value;
			key->type = UUIDOID;
			s = DatumGetCString(DirectFunctionCall1(uuid_out, value));
			break;
		default:
			WrongType(group, what, kind, type_name, argtype);
	}
	key->text = s;
	key->len = strlen(s);
	key->id = RecKeyHash(s, key->len);
}

/* Resolve a user id given to a call against a dataset group */
void
RecUserKey(const RecBinding *b, Datum value, Oid argtype, RecKey *key)
{
	ResolveKey(b->group, "user", b->user_kind, b->user_type, value, argtype, key);
}

/* Resolve an item id given to a call against a dataset group */
void
RecItemKey(const RecBinding *b, Datum value, Oid argtype, RecKey *key)
{
	ResolveKey(b->group, "item", b->item_kind, b->item_type, value, argtype, key);
}

/* Return a user id as an SQL value: its key text, or the integer as restype */
Datum
RecUserDatum(int64 id, const char *text, int len, Oid restype)
{
	if (text != NULL)
		return PointerGetDatum(cstring_to_text_with_len(text, len));
	if (restype == INT8OID)
		return Int64GetDatum(id);
	return CStringGetTextDatum(psprintf(INT64_FORMAT, id));
}

/*
 * Start the materialized result of a set-returning call, its columns those
 * the caller expects when it says (a call in FROM or a select list does):
 * taking that descriptor costs nothing, where building it from the
 * function's OUT parameters is a catalogue walk on every call.
 */
void
RecInitResultSet(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, rsinfo != NULL && IsA(rsinfo, ReturnSetInfo) &&
						rsinfo->expectedDesc != NULL ? MAT_SRF_USE_EXPECTED_DESC : 0);
}

/* Return the type of a result column of a materialized set-returning call */
Oid
RecResultColumnType(FunctionCallInfo fcinfo, int attno)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	return TupleDescAttr(rsinfo->setDesc, attno)->atttypid;
}

/*
 * Find what a campaign serves to a user given as an SQL value of type
 * argtype, and resolve that id against the campaign's dataset group: for an
 * A/B campaign, the variant the user's internal id is assigned to.
 */
void
RecResolveCampaignForKey(const char *name, Datum user, Oid argtype,
						 RecCampaignTarget *target, RecKey *key)
{
	RecResolveCampaignEntry(name, target);
	RecUserKey(&target->binding, user, argtype, key);
	if (target->n_variants > 0)
	{
		RecResolveCampaignVariant(target, key->id);
		RecUserKey(&target->binding, user, argtype, key);
	}
}
