/*
 * filter_parse.c
 *	  rec.create_filter: parse a filter expression and compile each part to a
 *	  query over candidate items (filter.c runs them).
 *
 * A filter expression is one or more parts joined by '|':
 *
 *	   filter	  := part { '|' part }
 *	   part		  := ( INCLUDE | EXCLUDE ) ( ITEMS | ITEMID ) WHERE condition
 *				   [ IF condition ]
 *				 | ( INCLUDE | EXCLUDE ) USERID WHERE condition
 *	   condition  := conjunct { OR conjunct }
 *	   conjunct   := unary { AND unary }
 *	   unary	  := NOT unary | '(' condition ')' | predicate
 *	   predicate  := field [ NOT ] IN list
 *				   | field op value
 *				   | field IS [ NOT ] NULL
 *	   list		  := '(' value { ',' value } ')' | $param | '(' $param ')'
 *				   | current | '(' current ')'
 *	   op		  := = | <> | != | < | <= | > | >= | && | @> | <@
 *	   value	  := 'string' | "string" | number | TRUE | FALSE | $param | current
 *	   current	  := CURRENTITEM. column [ .key ]
 *	   field	  := [ ITEMS. | INTERACTIONS. | USERS. | CURRENTUSER. ] column [ .key ]
 *
 * A field names a column of the dataset group's items relation (the
 * default) or interactions relation; rec's names (item_id, categories,
 * created_at, event_type, event_value, ts) follow the group's column
 * mapping, other names are the relation's own columns, and .key reads a key
 * of a jsonb column as text.  IN on an array column (categories) means
 * "shares an element".  A part reads items or interactions, not both: an
 * item passes a part on interactions when the user has an interaction with
 * it that satisfies the condition (Personalize's semantics).  An item
 * passes the filter when it passes every INCLUDE part and no EXCLUDE part.
 * Parameter values come as one jsonb object ($3 of every part's query); an
 * EXCLUDE part whose values are not given is left out, as Personalize does,
 * and an INCLUDE part needs its values.  A part with IF (Personalize's
 * "IF CurrentUser.age > $AGE") applies only to users whose row of the
 * group's users relation satisfies that condition, whose fields are all
 * CurrentUser's; serving asks it once per user (filter.c).  CurrentItem's
 * fields (Personalize's "Items.genre IN (CurrentItem.genre)") are values:
 * the current item's row of the items relation ($6: rec.similar_items's
 * item), NULL when it has none, so that no item matches a predicate on them.
 *
 * A UserID part (Personalize's filters of user segments, "INCLUDE UserID
 * WHERE Users.membership IN ($tier)") selects users instead of items: its
 * fields are the users relation's (Users., the default) or the
 * interactions' (a user matches when one of the user's interactions
 * satisfies the condition), and it takes no IF.  A filter's parts are all
 * ItemID parts or all UserID parts: one filter serves lists of items, the
 * other the user segment functions (segments.c).  The queries of a UserID
 * part return user ids as the item parts' return item ids: candidates $1
 * (or their keys $5), internal ids out.
 *
 * create_filter compiles each part once into two queries, one over an
 * array of candidate items and one over every item, and checks them with
 * SPI_prepare; serving runs them as kept plans (filter.c).
 */
#include "rec.h"

#include <ctype.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "filter.h"

PG_FUNCTION_INFO_V1(rec_create_filter);

#define FILTER_MAX_PARTS 8

typedef enum TokenKind
{
	TK_END,
	TK_WORD,					/* a keyword or a (dotted) field name */
	TK_STRING,
	TK_NUMBER,
	TK_PARAM,
	TK_OP,
	TK_LPAREN,
	TK_RPAREN,
	TK_COMMA,
	TK_PIPE
} TokenKind;

typedef struct Token
{
	TokenKind	kind;
	char	   *text;			/* the token (a string's value, unquoted) */
	int			pos;			/* 1-based character position in the expression */
} Token;

/* A parameter and how the expression uses it */
typedef struct FilterParam
{
	char	   *name;
	bool		list;			/* a list (IN, &&, @>, <@), else one value */
	Oid			type;			/* the type its values are read as (a list's elements') */
	uint32		parts;			/* bit p: part p uses it */
} FilterParam;

typedef struct Compiler
{
	const char *expr;			/* the expression */
	Token	   *tokens;
	int			n_tokens;
	int			at;				/* next token */
	const RecBinding *b;
	int			side;			/* the current part reads 0 nothing yet, 1 items, 2 interactions,
								 * 3 users */
	bool		users_target;	/* the current part selects users (UserID) */
	bool		in_if;			/* compiling an IF condition (CurrentUser's fields) */
	bool		current_item;	/* the current part reads CurrentItem's fields */
	bool		no_current_item;	/* CurrentItem has no meaning here (item attributes) */
	int			part;			/* the current part's number */
	FilterParam params[32];
	int			n_params;
	StringInfo	out;			/* the current part's condition */
} Compiler;

/* Error at a token: a syntax error with its position */
static void
SyntaxError(Compiler *c, const Token *t, const char *expected) pg_attribute_noreturn();
static void
SyntaxError(Compiler *c pg_attribute_unused(), const Token *t, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("syntax error in filter expression at position %d", t->pos),
			 t->kind == TK_END ?
			 errdetail("Expected %s, found the end of the expression.", expected) :
			 errdetail("Expected %s, found \"%s\".", expected, t->text)));
}

/* Split an expression into tokens */
static void
Tokenize(Compiler *c)
{
	const char *s = c->expr;
	int			cap = 64;
	int			i = 0;

	c->tokens = palloc(sizeof(Token) * cap);
	c->n_tokens = 0;
	for (;;)
	{
		Token		t;
		int			start;

		while (s[i] && isspace((unsigned char) s[i]))
			i++;
		start = i;
		t.pos = i + 1;
		if (s[i] == '\0')
			t.kind = TK_END;
		else if (isalpha((unsigned char) s[i]) || s[i] == '_')
		{
			while (isalnum((unsigned char) s[i]) || s[i] == '_' || s[i] == '.')
				i++;
			t.kind = TK_WORD;
		}
		else if (s[i] == '$')
		{
			i++;
			while (isalnum((unsigned char) s[i]) || s[i] == '_')
				i++;
			if (i == start + 1)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("syntax error in filter expression at position %d", t.pos),
						 errdetail("A parameter is $ followed by its name.")));
			t.kind = TK_PARAM;
		}
		else if (isdigit((unsigned char) s[i]) || (s[i] == '-' && isdigit((unsigned char) s[i + 1])) ||
				 (s[i] == '.' && isdigit((unsigned char) s[i + 1])))
		{
			i++;
			while (isalnum((unsigned char) s[i]) || s[i] == '.' ||
				   ((s[i] == '-' || s[i] == '+') && (s[i - 1] == 'e' || s[i - 1] == 'E')))
				i++;
			t.kind = TK_NUMBER;
		}
		else if (s[i] == '\'' || s[i] == '"')
		{
			char		q = s[i++];
			StringInfoData v;

			initStringInfo(&v);
			for (;;)
			{
				if (s[i] == '\0')
					ereport(ERROR,
							(errcode(ERRCODE_SYNTAX_ERROR),
							 errmsg("syntax error in filter expression at position %d", t.pos),
							 errdetail("The string is not closed.")));
				if (s[i] == q && s[i + 1] == q)
				{
					appendStringInfoChar(&v, q);
					i += 2;
				}
				else if (s[i] == q)
				{
					i++;
					break;
				}
				else
					appendStringInfoChar(&v, s[i++]);
			}
			t.kind = TK_STRING;
			t.text = v.data;
		}
		else if (s[i] == '(' || s[i] == ')' || s[i] == ',' || s[i] == '|')
		{
			t.kind = s[i] == '(' ? TK_LPAREN : s[i] == ')' ? TK_RPAREN : s[i] == ',' ? TK_COMMA : TK_PIPE;
			i++;
		}
		else if (strncmp(s + i, "<=", 2) == 0 || strncmp(s + i, ">=", 2) == 0 ||
				 strncmp(s + i, "<>", 2) == 0 || strncmp(s + i, "!=", 2) == 0 ||
				 strncmp(s + i, "&&", 2) == 0 || strncmp(s + i, "@>", 2) == 0 ||
				 strncmp(s + i, "<@", 2) == 0)
		{
			i += 2;
			t.kind = TK_OP;
		}
		else if (s[i] == '=' || s[i] == '<' || s[i] == '>')
		{
			i++;
			t.kind = TK_OP;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("syntax error in filter expression at position %d", t.pos),
					 errdetail("Unexpected character \"%c\".", s[i])));
		if (t.kind != TK_STRING)
			t.text = t.kind == TK_END ? "" : pnstrdup(s + start, i - start);
		if (c->n_tokens >= cap)
		{
			cap *= 2;
			c->tokens = repalloc(c->tokens, sizeof(Token) * cap);
		}
		c->tokens[c->n_tokens++] = t;
		if (t.kind == TK_END)
			break;
	}
	c->at = 0;
}

/* The next token, not consumed */
static Token *
Peek(Compiler *c)
{
	return &c->tokens[c->at];
}

/* True (and consume it) if the next token is the keyword word */
static bool
AcceptWord(Compiler *c, const char *word)
{
	Token	   *t = Peek(c);

	if (t->kind == TK_WORD && pg_strcasecmp(t->text, word) == 0)
	{
		c->at++;
		return true;
	}
	return false;
}

/* Consume the keyword word, or a syntax error */
static void
ExpectWord(Compiler *c, const char *word)
{
	if (!AcceptWord(c, word))
		SyntaxError(c, Peek(c), psprintf("%s", word));
}

/* Consume a token of kind, or a syntax error naming what was expected */
static Token *
Expect(Compiler *c, TokenKind kind, const char *expected)
{
	Token	   *t = Peek(c);

	if (t->kind != kind)
		SyntaxError(c, t, expected);
	c->at++;
	return t;
}

/* True if a word is one of the grammar's keywords (not a field) */
static bool
IsKeyword(const char *w)
{
	static const char *const words[] = {"and", "or", "not", "in", "is", "null", "where", "include",
	"exclude", "items", "itemid", "userid", "true", "false", "if"};
	int			i;

	for (i = 0; i < (int) lengthof(words); i++)
		if (pg_strcasecmp(w, words[i]) == 0)
			return true;
	return false;
}

/* A resolved field: its SQL expression and type */
typedef struct Field
{
	char	   *sql;
	Oid			type;			/* its type (text for a jsonb key) */
	Oid			elem;			/* element type if an array, else InvalidOid */
} Field;

/* Map rec's name of a column to the binding's column for one side */
static const char *
MappedColumn(const RecBinding *b, bool interactions, const char *name)
{
	if (interactions)
	{
		if (strcmp(name, "user_id") == 0)
			return b->user_col;
		if (strcmp(name, "item_id") == 0)
			return b->item_col;
		if (strcmp(name, "ts") == 0)
			return b->ts_col;
		if (strcmp(name, "event_type") == 0 && b->event_type_col)
			return b->event_type_col;
		if (strcmp(name, "event_value") == 0 && b->event_value_col)
			return b->event_value_col;
		return name;
	}
	if (strcmp(name, "item_id") == 0)
		return b->items_id_col;
	if (strcmp(name, "categories") == 0 && b->categories_col)
		return b->categories_col;
	if (strcmp(name, "created_at") == 0 && b->created_at_col)
		return b->created_at_col;
	return name;
}

/* Note that the current part reads side (see Compiler); error if it read another */
static void
SetSide(Compiler *c, const Token *t, int side)
{
	if (c->side != 0 && c->side != side)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("filter expression mixes %s and interaction fields in one part at position %d",
						c->side == 3 || side == 3 ? "user" : "item", t->pos),
				 errhint("Write one part per relation and join the parts with |.")));
	c->side = side;
}

/* Resolve a (dotted) field name at token t */
static Field
ResolveField(Compiler *c, Token *t)
{
	char	   *path = pstrdup(t->text);
	char	   *parts[4];
	int			n = 0;
	int			first = 0;
	bool		interactions = false;
	bool		users = false;
	Oid			rel;
	const char *col;
	AttrNumber	attno;
	Field		f;
	char	   *p;

	for (p = strtok(path, "."); p && n < (int) lengthof(parts); p = strtok(NULL, "."))
		parts[n++] = p;
	if (n == 0 || p != NULL || strchr(".", t->text[strlen(t->text) - 1]))
		SyntaxError(c, t, "a field name");
	if (pg_strcasecmp(parts[0], "items") == 0 && n > 1)
		first = 1;
	else if (pg_strcasecmp(parts[0], "interactions") == 0 && n > 1)
	{
		first = 1;
		interactions = true;
	}
	else if (pg_strcasecmp(parts[0], "currentuser") == 0 && n > 1)
		first = 1;
	else if (pg_strcasecmp(parts[0], "users") == 0 && n > 1)
	{
		first = 1;
		users = true;
	}
	if (n - first > 2)
		SyntaxError(c, t, "a field: [items. or interactions.]column[.key]");
	if (c->in_if != (first == 1 && pg_strcasecmp(parts[0], "currentuser") == 0))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("filter field \"%s\" at position %d %s", t->text, t->pos,
						c->in_if ? "is not a field of CurrentUser" : "is read only in an IF condition"),
				 errhint("An IF condition reads CurrentUser's fields, as in IF CurrentUser.age > $AGE; WHERE reads the items or the interactions.")));
	if (users && !c->users_target)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("filter field \"%s\" at position %d is read only in a UserID part", t->text, t->pos),
				 errhint("Users' fields select users, as in INCLUDE UserID WHERE Users.age >= $age (a filter of the user segment functions); an ItemID part reads the items or the interactions.")));
	if (c->users_target && !interactions && !c->in_if)
	{
		if (first == 1 && !users)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("filter field \"%s\" at position %d is not a field of Users or Interactions", t->text, t->pos),
					 errhint("A UserID part reads the users relation (Users.<field>) or the users' interactions (Interactions.<field>).")));
		users = true;			/* a UserID part's own fields are the users' */
	}
	if (c->in_if || users)
	{
		const char *ucol;

		if (users)
			SetSide(c, t, 3);

		if (!OidIsValid(c->b->users))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("dataset group \"%s\" has no users relation for field \"%s\"", c->b->group, t->text)));
		ucol = strcmp(parts[first], "user_id") == 0 ? c->b->users_id_col : parts[first];
		attno = get_attnum(c->b->users, ucol);
		if (attno == InvalidAttrNumber || attno < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("filter field \"%s\" at position %d is not a column of %s", t->text, t->pos,
							RecRelationName(c->b->users, c->b->group))));
		f.type = get_atttype(c->b->users, attno);
		f.sql = psprintf("u.%s", quote_identifier(ucol));
		col = ucol;
		goto key;
	}
	SetSide(c, t, interactions ? 2 : 1);
	rel = interactions ? c->b->interactions : c->b->items;
	if (!OidIsValid(rel))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("dataset group \"%s\" has no items relation for field \"%s\"", c->b->group, t->text)));
	col = MappedColumn(c->b, interactions, parts[first]);
	attno = get_attnum(rel, col);
	if (attno == InvalidAttrNumber || attno < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("filter field \"%s\" at position %d is not a column of %s", t->text, t->pos,
						RecRelationName(rel, c->b->group))));
	f.type = get_atttype(rel, attno);
	f.sql = psprintf("%s.%s", interactions ? "e" : "i", quote_identifier(col));
key:
	if (n - first == 2)
	{
		if (f.type != JSONBOID && f.type != JSONOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("filter field \"%s\" at position %d reads a key of column \"%s\", which is not jsonb",
							t->text, t->pos, col)));
		f.sql = psprintf("(%s OPERATOR(pg_catalog.->>) %s)", f.sql, quote_literal_cstr(parts[first + 1]));
		f.type = TEXTOID;
	}
	f.elem = get_element_type(f.type);
	return f;
}

/* Note a parameter use; error if used both as a list and as one value */
static void
UseParam(Compiler *c, Token *t, bool list, Oid type)
{
	const char *name = t->text + 1;
	int			i;

	for (i = 0; i < c->n_params; i++)
		if (strcmp(c->params[i].name, name) == 0)
		{
			if (c->params[i].list != list)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("filter parameter \"%s\" at position %d is used both as a list and as one value",
								name, t->pos)));
			c->params[i].parts |= (uint32) 1 << c->part;
			return;
		}
	if (c->n_params >= (int) lengthof(c->params))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("filter expression has more than %d parameters", (int) lengthof(c->params))));
	c->params[c->n_params].name = pstrdup(name);
	c->params[c->n_params].list = list;
	c->params[c->n_params].type = type;
	c->params[c->n_params].parts = (uint32) 1 << c->part;
	c->n_params++;
}

/* Return the SQL of one literal value token */
static char *
LiteralSql(Compiler *c, Token *t)
{
	if (t->kind == TK_STRING)
		return quote_literal_cstr(t->text);
	if (t->kind == TK_NUMBER)
	{
		char	   *end;

		(void) strtod(t->text, &end);
		if (*end != '\0')
			SyntaxError(c, t, "a number");
		return pstrdup(t->text);
	}
	if (t->kind == TK_WORD && (pg_strcasecmp(t->text, "true") == 0 || pg_strcasecmp(t->text, "false") == 0))
		return pstrdup(pg_strcasecmp(t->text, "true") == 0 ? "true" : "false");
	SyntaxError(c, t, "a string, a number, true, false or a $parameter");
}

/* Whether token t is a field of CurrentItem */
static bool
IsCurrentItem(const Token *t)
{
	return t->kind == TK_WORD && pg_strncasecmp(t->text, "currentitem.", 12) == 0;
}

/*
 * Return the SQL of CurrentItem's field at token t as type (an array type in
 * a list: a field that is not an array is a list of one): a subquery on the
 * current item's row of the items relation, NULL when it has none.
 */
static char *
CurrentItemSql(Compiler *c, Token *t, Oid type)
{
	char	   *name = pstrdup(t->text + 12);
	char	   *key = strchr(name, '.');
	const char *col;
	AttrNumber	attno;
	Oid			coltype;
	Oid			idtype;
	char	   *expr;

	if (c->in_if || c->no_current_item)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("filter field \"%s\" at position %d %s", t->text, t->pos,
						c->in_if ? "is not a field of CurrentUser" : "has no current item here"),
				 errhint("CurrentItem's fields are values in the WHERE condition of a filter for rec.similar_items().")));
	if (key)
		*key++ = '\0';
	if (name[0] == '\0' || (key && (key[0] == '\0' || strchr(key, '.'))))
		SyntaxError(c, t, "a field: CurrentItem.column[.key]");
	if (!OidIsValid(c->b->items))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("dataset group \"%s\" has no items relation for field \"%s\"", c->b->group, t->text)));
	col = MappedColumn(c->b, false, name);
	attno = get_attnum(c->b->items, col);
	if (attno == InvalidAttrNumber || attno < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("filter field \"%s\" at position %d is not a column of %s", t->text, t->pos,
						RecRelationName(c->b->items, c->b->group))));
	coltype = get_atttype(c->b->items, attno);
	expr = psprintf("ci.%s", quote_identifier(col));
	if (key)
	{
		if (coltype != JSONBOID && coltype != JSONOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("filter field \"%s\" at position %d reads a key of column \"%s\", which is not jsonb",
							t->text, t->pos, col)));
		expr = psprintf("(%s OPERATOR(pg_catalog.->>) %s)", expr, quote_literal_cstr(key));
		coltype = TEXTOID;
	}
	if (OidIsValid(get_element_type(type)) && !OidIsValid(get_element_type(coltype)))
		expr = psprintf("ARRAY[%s]", expr);
	idtype = get_atttype(c->b->items, get_attnum(c->b->items, c->b->items_id_col));
	c->current_item = true;
	return psprintf("(SELECT (%s)::%s FROM %s ci WHERE ci.%s OPERATOR(pg_catalog.=) $6::%s LIMIT 1)",
					expr, format_type_be(type), RecRelationName(c->b->items, c->b->group),
					quote_identifier(c->b->items_id_col), format_type_be(idtype));
}

/* Return the SQL of a list (as an array of type arraytype) */
static char *
ListSql(Compiler *c, Oid arraytype)
{
	Token	   *t = Peek(c);
	char	   *tname = format_type_be(arraytype);

	if (IsCurrentItem(t))
	{
		c->at++;
		return CurrentItemSql(c, t, arraytype);
	}
	if (t->kind == TK_PARAM)
	{
		c->at++;
		UseParam(c, t, true, get_element_type(arraytype));
		return psprintf("ARRAY(SELECT pg_catalog.jsonb_array_elements_text($3 OPERATOR(pg_catalog.->) %s))::%s",
						quote_literal_cstr(t->text + 1), tname);
	}
	Expect(c, TK_LPAREN, "( or a $parameter");
	if ((Peek(c)->kind == TK_PARAM || IsCurrentItem(Peek(c))) && c->tokens[c->at + 1].kind == TK_RPAREN)
	{
		char	   *sql = ListSql(c, arraytype);

		c->at++;
		return sql;
	}
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoString(&buf, "ARRAY[");
		for (;;)
		{
			Token	   *v = Peek(c);

			c->at++;
			appendStringInfoString(&buf, LiteralSql(c, v));
			if (Peek(c)->kind == TK_COMMA)
			{
				c->at++;
				appendStringInfoString(&buf, ", ");
				continue;
			}
			Expect(c, TK_RPAREN, ", or )");
			break;
		}
		appendStringInfo(&buf, "]::%s", tname);
		return buf.data;
	}
}

static void CompileCondition(Compiler *c);

/* Compile one predicate */
static void
CompilePredicate(Compiler *c)
{
	Token	   *ft = Peek(c);
	Field		f;
	bool		negate = false;

	if (ft->kind != TK_WORD || IsKeyword(ft->text))
		SyntaxError(c, ft, "a field name, NOT or (");
	c->at++;
	f = ResolveField(c, ft);

	if (AcceptWord(c, "is"))
	{
		negate = AcceptWord(c, "not");
		ExpectWord(c, "NULL");
		appendStringInfo(c->out, "%s IS %sNULL", f.sql, negate ? "NOT " : "");
		return;
	}
	negate = AcceptWord(c, "not");
	if (AcceptWord(c, "in"))
	{
		if (OidIsValid(f.elem))
			appendStringInfo(c->out, "%s(%s OPERATOR(pg_catalog.&&) %s)", negate ? "NOT " : "",
							 f.sql, ListSql(c, f.type));
		else
		{
			Oid			arr = get_array_type(f.type);

			if (!OidIsValid(arr))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("filter field \"%s\" at position %d cannot be compared with a list",
								ft->text, ft->pos)));
			appendStringInfo(c->out, "%s(%s OPERATOR(pg_catalog.=) ANY(%s))", negate ? "NOT " : "",
							 f.sql, ListSql(c, arr));
		}
		return;
	}
	if (negate)
		SyntaxError(c, Peek(c), "IN");
	{
		Token	   *op = Expect(c, TK_OP, "an operator (=, <>, <, <=, >, >=, &&, @>, <@), IN or IS");
		const char *sqlop = strcmp(op->text, "!=") == 0 ? "<>" : op->text;
		bool		list_op = strcmp(sqlop, "&&") == 0 || strcmp(sqlop, "@>") == 0 ||
			strcmp(sqlop, "<@") == 0;
		Token	   *v = Peek(c);

		if (list_op)
		{
			if (!OidIsValid(f.elem))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("operator %s at position %d needs an array field, and \"%s\" is not one",
								sqlop, op->pos, ft->text)));
			appendStringInfo(c->out, "(%s OPERATOR(pg_catalog.%s) %s)", f.sql, sqlop, ListSql(c, f.type));
			return;
		}
		c->at++;
		if (IsCurrentItem(v))
			appendStringInfo(c->out, "(%s OPERATOR(pg_catalog.%s) %s)", f.sql, sqlop,
							 CurrentItemSql(c, v, f.type));
		else if (v->kind == TK_PARAM)
		{
			UseParam(c, v, false, f.type);
			appendStringInfo(c->out, "(%s OPERATOR(pg_catalog.%s) ($3 OPERATOR(pg_catalog.->>) %s)::%s)",
							 f.sql, sqlop, quote_literal_cstr(v->text + 1), format_type_be(f.type));
		}
		else
			appendStringInfo(c->out, "(%s OPERATOR(pg_catalog.%s) %s::%s)", f.sql, sqlop,
							 LiteralSql(c, v), format_type_be(f.type));
	}
}

/* Compile NOT, parentheses or a predicate */
static void
CompileUnary(Compiler *c)
{
	check_stack_depth();
	if (AcceptWord(c, "not"))
	{
		appendStringInfoString(c->out, "NOT ");
		CompileUnary(c);
		return;
	}
	if (Peek(c)->kind == TK_LPAREN)
	{
		c->at++;
		appendStringInfoChar(c->out, '(');
		CompileCondition(c);
		Expect(c, TK_RPAREN, ")");
		appendStringInfoChar(c->out, ')');
		return;
	}
	CompilePredicate(c);
}

/* Compile a condition: conjuncts joined by OR */
static void
CompileCondition(Compiler *c)
{
	for (;;)
	{
		appendStringInfoChar(c->out, '(');
		for (;;)
		{
			CompileUnary(c);
			if (!AcceptWord(c, "and"))
				break;
			appendStringInfoString(c->out, " AND ");
		}
		appendStringInfoChar(c->out, ')');
		if (!AcceptWord(c, "or"))
			break;
		appendStringInfoString(c->out, " OR ");
	}
}

/*
 * Return the condition that alias.column is the filter's user: its bigint id
 * $2, or its key $4 for a group of text or uuid user ids
 */
static char *
IsUserSql(const RecBinding *b, const char *alias, const char *column)
{
	const char *col = quote_identifier(column);

	if (b->user_kind == REC_KEY_INT)
		return psprintf("%s.%s OPERATOR(pg_catalog.=) $2", alias, col);
	if (b->user_kind == REC_KEY_UUID)
		return psprintf("%s.%s OPERATOR(pg_catalog.=) $4::uuid", alias, col);
	return psprintf("%s.%s::text OPERATOR(pg_catalog.=) $4", alias, col);
}

/*
 * Return the query of a part with its condition: over the candidates $1
 * (their keys $5), or (all) over every one, for user $2.  An ItemID part's
 * candidates are items, of the items relation (side 1) or of the user's
 * interactions (side 2); a UserID part's are users, of the users relation
 * (side 3) or of anyone's interactions (side 2).
 */
static char *
PartSql(const RecBinding *b, bool users, int side, const char *cond, bool all)
{
	bool		interactions = side == 2;
	const char *rel = interactions ? "e" : users ? "u" : "i";
	const char *id = quote_identifier(users ? (interactions ? b->user_col : b->users_id_col) :
									  (interactions ? b->item_col : b->items_id_col));
	RecKeyKind	kind = users ? b->user_kind : b->item_kind;
	Oid			relid = interactions ? b->interactions : users ? b->users : b->items;
	char	   *out;
	char	   *candidates;

	/* text or uuid ids are their internal ids, compared by their keys */
	if (kind == REC_KEY_INT)
	{
		out = psprintf("%s.%s::int8", rel, id);
		candidates = psprintf("%s.%s OPERATOR(pg_catalog.=) ANY($1)", rel, id);
	}
	else
	{
		out = psprintf("rec.key_id(%s.%s::text)", rel, id);
		candidates = kind == REC_KEY_UUID ?
			psprintf("%s.%s OPERATOR(pg_catalog.=) ANY($5::uuid[])", rel, id) :
			psprintf("%s.%s::text OPERATOR(pg_catalog.=) ANY($5)", rel, id);
	}
	if (interactions && !users)
	{
		char	   *is_user = IsUserSql(b, "e", b->user_col);

		return psprintf("SELECT DISTINCT %s FROM %s e WHERE %s%s%s AND (%s)",
						out, RecRelationName(b->interactions, b->group), is_user,
						all ? "" : " AND ", all ? "" : candidates, cond);
	}
	return psprintf("SELECT %s%s FROM %s %s WHERE %s%s(%s)", users ? "DISTINCT " : "",
					out, RecRelationName(relid, b->group), rel,
					all ? "" : candidates, all ? "" : " AND ", cond);
}

/* Return the query that tells whether user $2 (or key $4) satisfies an IF condition */
static char *
IfSql(const RecBinding *b, const char *cond)
{
	char	   *is_user = IsUserSql(b, "u", b->users_id_col);

	return psprintf("SELECT EXISTS (SELECT FROM %s u WHERE %s AND (%s))",
					RecRelationName(b->users, b->group), is_user, cond);
}

/* The argument types of every part's query */
static Oid	part_argtypes[REC_FILTER_PART_NARGS] = REC_FILTER_PART_ARGTYPES;

/*
 * Prepare a part's query once to check it: a type error (a text column
 * compared with a number, an operator the type lacks) is reported as the
 * filter's error, with PostgreSQL's message as detail.
 */
static void
CheckPart(const char *sql, int pos)
{
	MemoryContext cxt = CurrentMemoryContext;
	SPIPlanPtr	plan = NULL;

	PG_TRY();
	{
		plan = SPI_prepare(sql, REC_FILTER_PART_NARGS, part_argtypes);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(ERROR,
				(errcode(edata->sqlerrcode == ERRCODE_SYNTAX_ERROR ? ERRCODE_SYNTAX_ERROR : ERRCODE_DATATYPE_MISMATCH),
				 errmsg("filter expression part at position %d does not type-check", pos),
				 errdetail("%s", edata->message),
				 errhint("Compare each field with values of its type.")));
	}
	PG_END_TRY();
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for a filter part: %s", SPI_result_code_string(SPI_result));
	SPI_freeplan(plan);
}

/*
 * Compile a filter expression against dataset group b into out: its parts'
 * queries and parameters as rec.filter stores them.  With check, each query
 * is also prepared once, so that a type error is reported as the filter's
 * (rec.create_filter); serving compiles without (its kept plans prepare).
 */
void
RecCompileFilter(const char *expr, const RecBinding *b, bool check, RecCompiledFilter *out)
{
	Compiler	c;
	StringInfoData parts;
	StringInfoData params;
	int			n_parts = 0;
	int			i;
	bool		first;

	memset(&c, 0, sizeof(c));
	c.expr = expr;
	c.b = b;
	Tokenize(&c);

	initStringInfo(&parts);
	appendStringInfoChar(&parts, '[');
	for (;;)
	{
		bool		include;
		bool		users;
		StringInfoData cond;
		char	   *sql;
		char	   *all_sql;
		char	   *if_sql = NULL;
		int			part_start;

		part_start = Peek(&c)->pos;
		if (AcceptWord(&c, "include"))
			include = true;
		else if (AcceptWord(&c, "exclude"))
			include = false;
		else
			SyntaxError(&c, Peek(&c), "INCLUDE or EXCLUDE");
		if (AcceptWord(&c, "items") || AcceptWord(&c, "itemid"))
			users = false;
		else if (AcceptWord(&c, "userid"))
			users = true;
		else
			SyntaxError(&c, Peek(&c), "ITEMS, ItemID or UserID");
		if (n_parts > 0 && users != c.users_target)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("filter expression mixes ItemID and UserID parts at position %d", part_start),
					 errhint("A filter selects items (for lists of items) or users (for user segments): create one filter of each.")));
		c.users_target = users;
		c.no_current_item = users;
		ExpectWord(&c, "WHERE");
		if (++n_parts > FILTER_MAX_PARTS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("filter expression has more than %d parts", FILTER_MAX_PARTS)));
		initStringInfo(&cond);
		c.out = &cond;
		c.side = 0;
		c.current_item = false;
		c.part = n_parts;
		CompileCondition(&c);
		if (users && Peek(&c)->kind == TK_WORD && pg_strcasecmp(Peek(&c)->text, "if") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("filter expression part at position %d selects users and takes no IF condition",
							part_start),
					 errhint("Write the condition on the users into WHERE: Users.<field>.")));
		if (AcceptWord(&c, "if"))
		{
			StringInfoData ifcond;

			initStringInfo(&ifcond);
			c.out = &ifcond;
			c.in_if = true;
			CompileCondition(&c);
			c.in_if = false;
			if_sql = IfSql(b, ifcond.data);
		}
		if (Peek(&c)->kind != TK_END && Peek(&c)->kind != TK_PIPE)
			SyntaxError(&c, Peek(&c), "AND, OR, | or the end of the expression");

		sql = PartSql(b, users, c.side, cond.data, false);
		all_sql = PartSql(b, users, c.side, cond.data, true);
		if (check)
		{
			/* check the query once: types and operators are resolved here */
			CheckPart(sql, part_start);
			CheckPart(all_sql, part_start);
			if (if_sql)
				CheckPart(if_sql, part_start);
		}

		appendStringInfo(&parts, "%s{\"include\": %s, \"interactions\": %s, \"sql\": ",
						 n_parts > 1 ? ", " : "", include ? "true" : "false",
						 c.side == 2 ? "true" : "false");
		escape_json(&parts, sql);
		appendStringInfoString(&parts, ", \"all_sql\": ");
		escape_json(&parts, all_sql);
		appendStringInfo(&parts, ", \"current_item\": %s, \"users\": %s, \"if_sql\": ",
						 c.current_item ? "true" : "false", users ? "true" : "false");
		if (if_sql)
			escape_json(&parts, if_sql);
		else
			appendStringInfoString(&parts, "null");
		appendStringInfoString(&parts, ", \"params\": [");
		for (i = 0, first = true; i < c.n_params; i++)
			if (c.params[i].parts & ((uint32) 1 << n_parts))
			{
				appendStringInfoString(&parts, first ? "" : ", ");
				escape_json(&parts, c.params[i].name);
				first = false;
			}
		appendStringInfoString(&parts, "]}");
		if (Peek(&c)->kind == TK_END)
			break;
		c.at++;					/* the | before the next part */
	}
	appendStringInfoChar(&parts, ']');

	initStringInfo(&params);
	appendStringInfoChar(&params, '{');
	for (i = 0; i < c.n_params; i++)
	{
		appendStringInfoString(&params, i > 0 ? ", " : "");
		escape_json(&params, c.params[i].name);
		appendStringInfoString(&params, c.params[i].list ? ": \"list\"" : ": \"value\"");
	}
	appendStringInfoChar(&params, '}');

	out->parts = DirectFunctionCall1(jsonb_in, CStringGetDatum(parts.data));
	out->parameters = DirectFunctionCall1(jsonb_in, CStringGetDatum(params.data));
	out->n_params = c.n_params;
	out->param_names = palloc(sizeof(char *) * Max(c.n_params, 1));
	out->param_types = palloc(sizeof(Oid) * Max(c.n_params, 1));
	for (i = 0; i < c.n_params; i++)
	{
		out->param_names[i] = c.params[i].name;
		out->param_types[i] = c.params[i].type;
	}
}

/*
 * rec.create_filter(name, expression, dataset_group, replace) compiles a
 * filter expression against a dataset group's relations and stores it in
 * rec.filter.
 */
Datum
rec_create_filter(PG_FUNCTION_ARGS)
{
	char	   *name;
	char	   *group;
	char	   *expr;
	bool		replace;
	RecBinding	b;
	RecCompiledFilter cf;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("name, expression, dataset_group and replace must not be null")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	group = text_to_cstring(PG_GETARG_TEXT_PP(2));
	replace = PG_GETARG_BOOL(3);
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("filter name must not be empty")));

	SPI_connect();
	RecLookupDatasetGroup(group, &b);
	expr = text_to_cstring(PG_GETARG_TEXT_PP(1));
	RecCompileFilter(expr, &b, true, &cf);

	{
		Oid			argtypes[5] = {TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID};
		Datum		args[5];
		int			ret;

		args[0] = CStringGetTextDatum(name);
		args[1] = CStringGetTextDatum(group);
		args[2] = CStringGetTextDatum(expr);
		args[3] = cf.parts;
		args[4] = cf.parameters;
		ret = SPI_execute_with_args(replace ?
									"INSERT INTO rec.filter (name, dataset_group, expression, parts, parameters)"
									" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET"
									" dataset_group = EXCLUDED.dataset_group, expression = EXCLUDED.expression,"
									" parts = EXCLUDED.parts, parameters = EXCLUDED.parameters,"
									" created_at = pg_catalog.now()" :
									"INSERT INTO rec.filter (name, dataset_group, expression, parts, parameters)"
									" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
									5, argtypes, args, NULL, false, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "storing the filter failed: %s", SPI_result_code_string(ret));
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("filter \"%s\" already exists", name),
					 errhint("Pass replace => true to define it again.")));
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * Compile a condition on item metadata alone (the condition of a filter's
 * part, without INCLUDE ItemID WHERE and without parameters), as user
 * segments take it, into a checked query of the internal ids of every item
 * of group b that satisfies it.
 */
char *
RecCompileItemCondition(const char *expr, const RecBinding *b)
{
	Compiler	c;
	StringInfoData cond;
	char	   *sql;

	memset(&c, 0, sizeof(c));
	c.expr = expr;
	c.b = b;
	Tokenize(&c);
	initStringInfo(&cond);
	c.out = &cond;
	c.part = 1;
	c.no_current_item = true;
	CompileCondition(&c);
	if (Peek(&c)->kind != TK_END)
		SyntaxError(&c, Peek(&c), "AND, OR or the end of the expression");
	if (c.side == 2)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("item attributes must not name interaction fields"),
				 errhint("Name columns of the items relation, e.g. Items.categories IN (\"Documentary\").")));
	if (c.n_params > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("item attributes must not have $parameters"),
				 errhint("Write the values into the expression.")));
	sql = PartSql(b, false, c.side, cond.data, true);
	CheckPart(sql, 1);
	return sql;
}
