/*
 * fuzz/fuzz_filter.c
 *	  libFuzzer target: the filter language's tokenizer, parser and compiler
 *	  (rec.create_filter, src/filter_parse.c), against a fake catalogue.
 *
 * Anyone who may create a filter hands rec an expression that it compiles
 * to SQL which every serving backend then runs, so the compiler must reject
 * what it cannot compile and must never emit SQL the expression could steer:
 * a field, key, string, number or parameter name that ends a literal or an
 * identifier early, opens a comment, adds a statement or refers to a
 * parameter rec does not bind would be injection.  Input: one mode byte (the
 * dataset group's id types and which of its columns exist, replace), then
 * the expression.  The catalogue is fake (two relations with columns of the
 * types filters meet: text, numbers, arrays, jsonb, booleans, times, uuid, a
 * type without an array type); SPI_prepare is replaced by a check of the
 * generated SQL's lexical structure (below), and the filter row rec would
 * store by a check of its JSON.  Errors (ereport) are fine; a crash, a
 * sanitizer report or a broken invariant is a finding.
 *
 * The parser source is included whole so the harness reaches its static
 * functions and replaces the backend functions it calls; it follows
 * whatever src/filter_parse.c currently is.
 */
#include "filter_parse.c"

#include <setjmp.h>
#include <stdint.h>

#include "shim.h"

#define CHECK(cond, sql) do { if (!(cond)) { fprintf(stderr, "invariant failed: %s\nin: %s\n", #cond, (sql)); abort(); } } while (0)

static uint8_t fuzz_mode;
static char *stack_base;

/* ---- the fake catalogue ---- */

#define ITEMS_REL 16401
#define EVENTS_REL 16402
#define ODD_TYPE 16500			/* a type with no array type */

typedef struct FakeType
{
	Oid			type;
	Oid			array;
	const char *name;
} FakeType;

static const FakeType types[] = {
	{INT8OID, INT8ARRAYOID, "bigint"}, {INT4OID, INT4ARRAYOID, "integer"},
	{TEXTOID, TEXTARRAYOID, "text"}, {VARCHAROID, 1015, "character varying"},
	{FLOAT8OID, FLOAT8ARRAYOID, "double precision"}, {FLOAT4OID, FLOAT4ARRAYOID, "real"},
	{NUMERICOID, 1231, "numeric"}, {BOOLOID, 1000, "boolean"},
	{TIMESTAMPTZOID, 1185, "timestamp with time zone"}, {JSONBOID, 3807, "jsonb"},
	{JSONOID, 199, "json"}, {UUIDOID, 2951, "uuid"}, {ODD_TYPE, InvalidOid, "odd"},
};

typedef struct FakeColumn
{
	Oid			rel;
	const char *name;
	Oid			type;
} FakeColumn;

static const FakeColumn columns[] = {
	{ITEMS_REL, "item_id", INT8OID}, {ITEMS_REL, "item_key", TEXTOID}, {ITEMS_REL, "item_uuid", UUIDOID},
	{ITEMS_REL, "categories", TEXTARRAYOID}, {ITEMS_REL, "created_at", TIMESTAMPTZOID},
	{ITEMS_REL, "title", TEXTOID}, {ITEMS_REL, "price", NUMERICOID}, {ITEMS_REL, "rating", FLOAT8OID},
	{ITEMS_REL, "tags", 1015}, {ITEMS_REL, "properties", JSONBOID}, {ITEMS_REL, "raw", JSONOID},
	{ITEMS_REL, "active", BOOLOID}, {ITEMS_REL, "year", INT4OID}, {ITEMS_REL, "Mixed Case", TEXTOID},
	{ITEMS_REL, "odd", ODD_TYPE}, {ITEMS_REL, "ids", INT8ARRAYOID},
	{EVENTS_REL, "user_id", INT8OID}, {EVENTS_REL, "item_id", INT8OID}, {EVENTS_REL, "ts", TIMESTAMPTZOID},
	{EVENTS_REL, "event_type", TEXTOID}, {EVENTS_REL, "event_value", FLOAT4OID},
	{EVENTS_REL, "user_key", TEXTOID}, {EVENTS_REL, "item_key", TEXTOID}, {EVENTS_REL, "context", JSONBOID},
	{EVENTS_REL, "kind", TEXTOID},
};

void
RecLookupDatasetGroup(const char *name, RecBinding *b)
{
	int			item_kind = fuzz_mode & 3;
	int			user_kind = (fuzz_mode >> 2) & 1;

	memset(b, 0, sizeof(*b));
	b->group = pstrdup(name);
	b->interactions = EVENTS_REL;
	b->item_kind = item_kind == 3 ? REC_KEY_INT : item_kind;
	b->user_kind = user_kind ? REC_KEY_TEXT : REC_KEY_INT;
	b->user_col = user_kind ? "user_key" : "user_id";
	b->item_col = b->item_kind == REC_KEY_INT ? "item_id" : "item_key";
	b->ts_col = "ts";
	b->event_type_col = (fuzz_mode & 16) ? NULL : "kind";
	b->event_value_col = (fuzz_mode & 16) ? NULL : "event_value";
	b->items = (fuzz_mode & 8) ? InvalidOid : ITEMS_REL;
	b->items_id_col = b->item_kind == REC_KEY_INT ? "item_id" : b->item_kind == REC_KEY_TEXT ? "item_key" : "item_uuid";
	b->categories_col = (fuzz_mode & 16) ? NULL : "tags";
	b->created_at_col = "created_at";
	b->value_threshold = NAN;
}

char *
RecRelationName(Oid relid, const char *group)
{
	return pstrdup(relid == ITEMS_REL ? "public.items" : "public.\"Events\"");
}

AttrNumber
get_attnum(Oid relid, const char *attname)
{
	int			i;

	for (i = 0; i < lengthof(columns); i++)
		if (columns[i].rel == relid && strcmp(columns[i].name, attname) == 0)
			return i + 1;
	return InvalidAttrNumber;
}

Oid
get_atttype(Oid relid, AttrNumber attnum)
{
	if (attnum < 1 || attnum > lengthof(columns) || columns[attnum - 1].rel != relid)
	{
		fprintf(stderr, "invariant failed: get_atttype(%u, %d) of no column\n", relid, attnum);
		abort();
	}
	return columns[attnum - 1].type;
}

Oid
get_element_type(Oid typid)
{
	int			i;

	for (i = 0; i < lengthof(types); i++)
		if (OidIsValid(types[i].array) && types[i].array == typid)
			return types[i].type;
	return InvalidOid;
}

Oid
get_array_type(Oid typid)
{
	int			i;

	for (i = 0; i < lengthof(types); i++)
		if (types[i].type == typid)
			return types[i].array;
	return InvalidOid;
}

char *
format_type_be(Oid typid)
{
	int			i;

	for (i = 0; i < lengthof(types); i++)
	{
		if (types[i].type == typid)
			return pstrdup(types[i].name);
		if (OidIsValid(types[i].array) && types[i].array == typid)
			return psprintf("%s[]", types[i].name);
	}
	return psprintf("type %u", typid);
}

/* ---- the backend's string functions (as in PostgreSQL) ---- */

char *
psprintf(const char *fmt,...)
{
	va_list		ap;
	int			n;
	char	   *buf;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf = palloc(n + 1);
	va_start(ap, fmt);
	vsnprintf(buf, n + 1, fmt, ap);
	va_end(ap);
	return buf;
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	str->len = 0;
	str->data[0] = '\0';
	str->cursor = 0;
}

void
enlargeStringInfo(StringInfo str, int needed)
{
	int			newlen;

	if (needed < 0 || (Size) needed >= (Size) 0x3fffffff - (Size) str->len)
		elog(ERROR, "out of memory");
	needed += str->len + 1;
	if (needed <= str->maxlen)
		return;
	newlen = 2 * str->maxlen;
	while (needed > newlen)
		newlen = 2 * newlen;
	str->data = repalloc(str->data, newlen);
	str->maxlen = newlen;
}

void
appendBinaryStringInfo(StringInfo str, const char *data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
	str->data[str->len] = '\0';
}

void
appendStringInfoString(StringInfo str, const char *s)
{
	appendBinaryStringInfo(str, s, strlen(s));
}

void
appendStringInfoChar(StringInfo str, char ch)
{
	appendBinaryStringInfo(str, &ch, 1);
}

void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	enlargeStringInfo(str, n);
	va_start(ap, fmt);
	vsnprintf(str->data + str->len, n + 1, fmt, ap);
	va_end(ap);
	str->len += n;
}

text *
cstring_to_text(const char *s)
{
	int			len = strlen(s);
	text	   *t = palloc(VARHDRSZ + len);

	SET_VARSIZE(t, VARHDRSZ + len);
	memcpy(VARDATA(t), s, len);
	return t;
}

char *
text_to_cstring(const text *t)
{
	text	   *tunpacked = pg_detoast_datum_packed(unconstify(text *, t));

	return pnstrdup(VARDATA_ANY(tunpacked), VARSIZE_ANY_EXHDR(tunpacked));
}

/* PostgreSQL's rule: lower case letters, digits and _, not starting with a digit, not a keyword */
const char *
quote_identifier(const char *ident)
{
	static const char *const reserved[] = {"all", "and", "any", "array", "as", "select", "from", "where",
	"order", "null", "true", "false", "not", "or", "table", "user", "group", "end", "case", "in", "is"};
	bool		safe = (ident[0] >= 'a' && ident[0] <= 'z') || ident[0] == '_';
	const char *p;
	StringInfoData buf;
	int			i;

	for (p = ident; *p && safe; p++)
		safe = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	for (i = 0; safe && i < lengthof(reserved); i++)
		safe = strcmp(ident, reserved[i]) != 0;
	if (safe)
		return ident;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '"');
	for (p = ident; *p; p++)
	{
		if (*p == '"')
			appendStringInfoChar(&buf, '"');
		appendStringInfoChar(&buf, *p);
	}
	appendStringInfoChar(&buf, '"');
	return buf.data;
}

char *
quote_literal_cstr(const char *rawstr)
{
	StringInfoData buf;
	const char *p;

	initStringInfo(&buf);
	if (strchr(rawstr, '\\'))
		appendStringInfoChar(&buf, 'E');
	appendStringInfoChar(&buf, '\'');
	for (p = rawstr; *p; p++)
	{
		if (*p == '\'' || *p == '\\')
			appendStringInfoChar(&buf, *p);
		appendStringInfoChar(&buf, *p);
	}
	appendStringInfoChar(&buf, '\'');
	return buf.data;
}

void
escape_json(StringInfo buf, const char *str)
{
	const char *p;

	appendStringInfoChar(buf, '"');
	for (p = str; *p; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, *p);
		}
		else if ((unsigned char) *p < ' ')
			appendStringInfo(buf, "\\u%04x", (int) *p);
		else
			appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}

/* deep nesting ends in an error, as the backend's stack check would raise */
void
check_stack_depth(void)
{
	char		here;

	if (stack_base - &here > 1024 * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("stack depth limit exceeded")));
}

/* ---- SPI: the generated SQL is checked instead of prepared ---- */

uint64		SPI_processed = 0;
int			SPI_result = 0;

int
SPI_connect(void)
{
	return SPI_OK_CONNECT;
}

int
SPI_finish(void)
{
	return SPI_OK_FINISH;
}

const char *
SPI_result_code_string(int code)
{
	return "fuzz";
}

int
SPI_freeplan(SPIPlanPtr plan)
{
	return 0;
}

/*
 * The SQL a part compiles to must be one well-formed SELECT whatever the
 * expression: every literal and quoted identifier closed, parentheses and
 * brackets balanced, no statement separator or comment, and parameters only
 * $1..$6 (the ones rec binds).  Literals are ' or E' strings (PostgreSQL's
 * standard_conforming_strings, on by default: backslashes only escape in E'').
 */
static void
CheckSql(const char *sql)
{
	const char *p = sql;
	int			depth = 0;
	int			brackets = 0;

	CHECK(strncmp(sql, "SELECT ", 7) == 0, sql);
	while (*p)
	{
		if (*p == '\'' || ((*p == 'E' || *p == 'e') && p[1] == '\'' &&
						   (p == sql || !(isalnum((unsigned char) p[-1]) || p[-1] == '_'))))
		{
			bool		escapes = *p != '\'';

			p += escapes ? 2 : 1;
			for (;;)
			{
				CHECK(*p != '\0', sql);		/* the literal is closed */
				if (escapes && *p == '\\')
				{
					CHECK(p[1] != '\0', sql);
					p += 2;
				}
				else if (*p == '\'' && p[1] == '\'')
					p += 2;
				else if (*p == '\'')
				{
					p++;
					break;
				}
				else
					p++;
			}
			continue;
		}
		if (*p == '"')
		{
			p++;
			for (;;)
			{
				CHECK(*p != '\0', sql);		/* the identifier is closed */
				if (*p == '"' && p[1] == '"')
					p += 2;
				else if (*p == '"')
				{
					p++;
					break;
				}
				else
					p++;
			}
			continue;
		}
		CHECK(*p != ';', sql);
		CHECK(!(p[0] == '-' && p[1] == '-'), sql);
		CHECK(!(p[0] == '/' && p[1] == '*'), sql);
		CHECK(*p != '\\', sql);
		if (*p == '$')
		{
			CHECK(p[1] >= '1' && p[1] <= '6' && !isalnum((unsigned char) p[2]), sql);
		}
		if (*p == '(')
			depth++;
		if (*p == ')')
			CHECK(--depth >= 0, sql);
		if (*p == '[')
			brackets++;
		if (*p == ']')
			CHECK(--brackets >= 0, sql);
		p++;
	}
	CHECK(depth == 0 && brackets == 0, sql);
}

SPIPlanPtr
SPI_prepare(const char *src, int nargs, Oid *argtypes)
{
	CHECK(nargs == REC_FILTER_PART_NARGS, src);
	CheckSql(src);
	return (SPIPlanPtr) &SPI_processed;		/* any non-null plan */
}

/*
 * The filter row: its parts and parameters must be JSON whose strings are
 * closed (escape_json above is PostgreSQL's rule, so this checks what
 * rec_create_filter put around them).
 */
static void
CheckJson(const char *json)
{
	const char *p = json;
	int			depth = 0;

	while (*p)
	{
		if (*p == '"')
		{
			p++;
			while (*p != '"')
			{
				CHECK(*p != '\0' && (unsigned char) *p >= ' ', json);
				p += *p == '\\' ? 2 : 1;
			}
		}
		else if (*p == '[' || *p == '{')
			depth++;
		else if (*p == ']' || *p == '}')
			CHECK(--depth >= 0, json);
		p++;
	}
	CHECK(depth == 0, json);
}

Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	CheckJson(DatumGetCString(arg1));
	return arg1;
}

int
SPI_execute_with_args(const char *src, int nargs, Oid *argtypes, Datum *Values, const char *Nulls,
					  bool read_only, long tcount)
{
	CHECK(nargs == 5, src);
	SPI_processed = (fuzz_mode & 64) ? 0 : 1;	/* 0: the name is taken */
	return SPI_OK_INSERT;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	LOCAL_FCINFO(fcinfo, 4);
	char	   *expr;
	char		here;

	if (size < 1)
		return 0;
	fuzz_mode = data[0];
	stack_base = &here;
	expr = pnstrdup((const char *) data + 1, size - 1);

	fcinfo->nargs = 4;
	fcinfo->args[0].value = PointerGetDatum(cstring_to_text("f"));
	fcinfo->args[1].value = PointerGetDatum(cstring_to_text(expr));
	fcinfo->args[2].value = PointerGetDatum(cstring_to_text("default"));
	fcinfo->args[3].value = BoolGetDatum((fuzz_mode & 32) != 0);
	fcinfo->args[0].isnull = fcinfo->args[1].isnull = fcinfo->args[2].isnull = fcinfo->args[3].isnull = false;
	fcinfo->flinfo = NULL;
	fcinfo->context = NULL;
	fcinfo->resultinfo = NULL;
	fcinfo->fncollation = InvalidOid;
	fcinfo->isnull = false;

	SHIM_TRY(rec_create_filter(fcinfo), (void) 0);
	ShimReset();
	return 0;
}
