/*
 * keys.h
 *	  User and item ids of type bigint, integer, text, varchar or uuid.
 *
 * Inside rec every id is an int64: an integer id is itself, a text or uuid
 * id (its text, uuids in canonical form) is its 64-bit hash, RecKeyHash.
 * The hash is stable, so the same key has the same internal id in every
 * dataset read, model and call.  Models keep their items' keys (dense index
 * -> key) to turn internal ids back into keys and to check every lookup
 * against the key itself; training refuses two keys with one hash.
 */
#ifndef REC_KEYS_H
#define REC_KEYS_H

#include "catalog.h"

/* A user or item id given to a call, resolved against a dataset group */
typedef struct RecKey
{
	Datum		native;			/* the id as the group's column compares with it */
	Oid			type;			/* its type: INT8OID, TEXTOID or UUIDOID */
	int64		id;				/* internal id */
	char	   *text;			/* the key's text (NULL for an integer id) */
	int			len;			/* its length in bytes */
} RecKey;

/* Growable list of keys, one per dense index */
typedef struct RecKeyList
{
	char	   *data;			/* the keys' bytes, back to back */
	int64	   *off;			/* [n + 1] key i is data[off[i] .. off[i + 1]) */
	int64		cap;			/* bytes allocated in data */
	int			n;				/* keys */
	int			off_cap;		/* entries allocated in off */
} RecKeyList;

extern int64 RecKeyHash(const char *key, int len);
extern void RecKeyListInit(RecKeyList *keys);
extern void RecKeyListAdd(RecKeyList *keys, const char *key, int len);
extern void RecUserKey(const RecBinding *b, Datum value, Oid argtype, RecKey *key);
extern void RecItemKey(const RecBinding *b, Datum value, Oid argtype, RecKey *key);
extern Datum RecUserDatum(int64 id, const char *text, int len, Oid restype);
extern void RecInitResultSet(FunctionCallInfo fcinfo);
extern Oid	RecResultColumnType(FunctionCallInfo fcinfo, int attno);
extern void RecResolveCampaignForKey(const char *name, Datum user, Oid argtype,
									 RecCampaignTarget *target, RecKey *key);

#endif							/* REC_KEYS_H */
