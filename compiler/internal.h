/* internal.h: the types and functions shared by the compiler's stages. */
#ifndef ECSC_INTERNAL_H
#define ECSC_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ecsc.h"

#if defined(__GNUC__)
#define ECS_NODISCARD __attribute__((warn_unused_result))
#define ECS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ECS_NODISCARD
#define ECS_PRINTF(f, a)
#endif

/* ---- arena (arena.c) ---------------------------------------------------- */

/* One arena per compilation: every AST node, string and table comes from it
 * and goes with ecs_arena_free. Allocation failure is fatal (exit 2). */
typedef struct EcsArena EcsArena;

EcsArena *ecs_arena_new(void);
void ecs_arena_free(EcsArena *arena);
void *ecs_arena_alloc(EcsArena *arena, size_t size);          /* zeroed */
void *ecs_arena_alloc_raw(EcsArena *arena, size_t size);      /* not zeroed */
/* While a stage builds cJSON documents that live as long as an arena,
 * cJSON allocates from that arena and frees nothing (cJSON's hooks are
 * process-wide; the compiler is single-threaded). Pair each use with
 * ecs_json_arena_end. */
void ecs_json_arena_begin(EcsArena *arena);
void ecs_json_arena_end(void);
char *ecs_arena_strndup(EcsArena *arena, const char *s, size_t n);
char *ecs_arena_printf(EcsArena *arena, const char *fmt, ...) ECS_PRINTF(2, 3);
/* Interned strings compare equal by pointer. */
const char *ecs_intern(EcsArena *arena, const char *s, size_t n);
void *ecs_xmalloc(size_t size);   /* malloc or exit(2) */
void *ecs_xrealloc(void *p, size_t size);
char *ecs_vformat(const char *fmt, va_list ap);   /* malloc'd, any length */

/* A growable array of pointers, malloc-backed (used while sizes are
 * unknown); ecs_vec_freeze copies it into the arena and frees it. */
typedef struct {
	void **items;
	size_t len, cap;
} EcsVec;

void ecs_vec_push(EcsVec *v, void *item);
void **ecs_vec_freeze(EcsVec *v, EcsArena *arena);
void ecs_vec_release(EcsVec *v);

/* A hash map from pointers (interned strings) to pointers, malloc-backed.
 * A zeroed EcsMap is empty; get answers NULL for an absent key. */
typedef struct {
	const void **keys;
	void **vals;
	size_t len, cap;
} EcsMap;

void *ecs_map_get(const EcsMap *m, const void *key);
void ecs_map_put(EcsMap *m, const void *key, void *val);
void ecs_map_release(EcsMap *m);

/* ---- sources (source.c) -------------------------------------------------- */

/* A span is a byte range in one source file. Line and column are computed
 * only when a diagnostic is printed. */
typedef struct {
	uint32_t file;
	uint32_t start, end;
} EcsSpan;

typedef struct {
	const char *path;       /* as given, or "<stdin>" */
	const char *text;       /* NUL-terminated copy of the bytes */
	size_t len;
	uint32_t *lines;        /* byte offset of each line start */
	size_t nlines;
	bool parsed;
	bool opaque;            /* not a spec's text: its lines are never quoted */
} EcsSource;

/* A diagnostic about the compilation as a whole (no place in a file). */
#define ECS_NO_SPAN ((EcsSpan){UINT32_MAX, 0, 0})

typedef struct {
	EcsSource **files;
	size_t nfiles, cap;
} EcsSourceSet;

#define ECS_MAX_SOURCE_BYTES (16u << 20)

/* Line (1-based) and column (1-based, in code points) of a byte offset. */
void ecs_source_locate(const EcsSource *src, uint32_t offset, uint32_t *line,
		       uint32_t *col);
/* Byte range [*start, *end) of the line holding offset, without newline. */
void ecs_source_line(const EcsSource *src, uint32_t offset, uint32_t *start,
		     uint32_t *end);
/* Index of the first byte that is not valid UTF-8 or is NUL, or -1. */
long ecs_utf8_invalid(const char *s, size_t n, bool *is_nul);

/* ---- diagnostics (diag.c) ------------------------------------------------ */

/* Every diagnostic code, with its number fixed forever. */
#define ECS_DIAG_CODES(X) \
	X(E0001, SYNTAX,           "syntax error") \
	X(E0002, EMPTY,            "nothing declared") \
	X(E0003, ENCODING,         "source is not UTF-8 text") \
	X(E0004, TOO_DEEP,         "nesting too deep") \
	X(E0005, BAD_NUMBER,       "malformed or out-of-range number") \
	X(E0006, BAD_UNIT,         "unknown unit") \
	X(E0007, BAD_ESCAPE,       "invalid escape sequence") \
	X(E0008, IMPORT,           "import cannot be read") \
	X(E0009, BAD_PARAM,        "invalid parameter") \
	X(E0010, DUPLICATE,        "duplicate name") \
	X(E0011, UNKNOWN_NAME,     "unknown name") \
	X(E0012, UNKNOWN_PARAM,    "unknown parameter") \
	X(E0013, PARAM_UNSET,      "parameter has no value") \
	X(E0014, TOO_LARGE,        "source file too large") \
	X(E0015, PROJECT,          "invalid or repeated project declaration") \
	X(E0100, UNKNOWN_FIELD,    "unknown field") \
	X(E0101, TYPE,             "wrong kind of value") \
	X(E0102, MISSING_FIELD,    "missing required field") \
	X(E0103, ENUM,             "value not allowed") \
	X(E0104, RANGE,            "value out of range") \
	X(E0105, DUPLICATE_FIELD,  "field set twice") \
	X(E0106, UNKNOWN_BLOCK,    "unknown block") \
	X(E0107, LABEL,            "wrong block label") \
	X(E0108, UNKNOWN_FUNCTION, "unknown function") \
	X(E0200, FARGATE_SIZE,     "CPU and memory not a Fargate size") \
	X(E0201, FARGATE_NETWORK,  "Fargate needs awsvpc") \
	X(E0202, HOST_PORT,        "host port differs from container port") \
	X(E0203, FARGATE_LINUX,    "setting not supported on Fargate") \
	X(E0204, CONTAINER_COUNT,  "too many containers") \
	X(E0205, NO_ESSENTIAL,     "no essential container") \
	X(E0206, DEPENDENCY_CYCLE, "container dependencies form a cycle") \
	X(E0207, HEALTHY_NEEDS_CHECK, "HEALTHY dependency on a container without a health check") \
	X(E0208, RESOURCES_EXCEED, "containers need more than the task has") \
	X(E0209, RESERVATION,      "memory reservation above the memory limit") \
	X(E0210, DUPLICATE_PORT,   "port mapped twice") \
	X(E0211, MIXED_PROVIDERS,  "Fargate and EC2 providers in one strategy") \
	X(E0212, LAUNCH_AND_STRATEGY, "launch type and capacity provider strategy both set") \
	X(E0213, MULTIPLE_BASE,    "more than one provider with a base") \
	X(E0214, NO_FIRELENS,      "awsfirelens without a FireLens container") \
	X(E0215, SCALING_RANGE,    "autoscaling minimum above maximum") \
	X(E0216, CONTROLLER,       "setting not allowed with this deployment controller") \
	X(E0217, TASK_SIZE_REQUIRED, "Fargate task without cpu or memory") \
	X(E0218, RESOURCE_LABEL,   "ALB request metric without a resource label") \
	X(E0219, EMPTY_STATEMENT,  "policy statement without actions") \
	X(E0220, NETWORK_REQUIRED, "awsvpc service without a network") \
	X(E0221, TASK_DEFINITION_CONFLICT, "task definition given twice") \
	X(E0222, METRIC,           "incomplete scaling metric") \
	X(E0223, LIST_LIMIT,       "more entries than AWS allows") \
	X(E0224, ID_FORMAT,        "malformed AWS id") \
	X(E0225, CODEDEPLOY_TARGET, "CODE_DEPLOY service without its application or deployment group") \
	X(E0230, FARGATE_LOG_DRIVER, "log driver not available on Fargate") \
	X(E0231, AWSLOGS_OPTION,   "unknown awslogs option") \
	X(E0232, EXTERNAL,         "setting not supported on external instances") \
	X(E0233, NETWORK_NOT_AWSVPC, "network configuration outside the awsvpc network mode") \
	X(E0300, TEMPLATE_LIMIT,   "template beyond CloudFormation's limits") \
	X(W0001, PRIVILEGED,       "privileged container") \
	X(W0002, PLAIN_SECRET,     "secret-looking value in the environment") \
	X(W0003, PUBLIC_IP,        "tasks get public IP addresses") \
	X(W0004, UNPINNED_IMAGE,   "image without a tag or digest") \
	X(W0005, WRITABLE_ROOT,    "writable root filesystem") \
	X(W0006, RULE_TAGS,        "security group rule tags left out of a template") \
	X(W0007, DESIRED_OUTSIDE_SCALING, "desired count outside the autoscaling range") \
	X(W0008, READONLY_DEFAULT, "writable volumes beside a read-only root by default") \
	X(W0009, SHARED_ROLE_NAME, "role name not unique to the project or environment") \
	X(W0010, UNUSED_SERVICE_ROLE, "service role that CreateService does not take")

typedef enum {
#define X(code, name, summary) ECS_DIAG_##name,
	ECS_DIAG_CODES(X)
#undef X
	ECS_DIAG__COUNT
} EcsDiagCode;

typedef enum { ECS_ERROR, ECS_WARNING, ECS_NOTE } EcsSeverity;

typedef struct EcsNote {
	struct EcsNote *next;
	EcsSpan span;
	bool has_span;
	char *message;
} EcsNote;

typedef struct EcsDiag {
	EcsSeverity severity;
	EcsDiagCode code;
	EcsSpan span;
	char *message;
	char *hint;             /* may be NULL */
	EcsNote *notes;         /* in order */
	/* A machine-applicable fix: fix_span's bytes replaced by fix (NULL:
	 * none); shown in the JSON rendering. */
	EcsSpan fix_span;
	char *fix;
} EcsDiag;

typedef struct {
	EcsDiag **items;
	size_t len, cap;
	size_t errors, warnings;
} EcsDiagList;

const char *ecs_diag_code_name(EcsDiagCode code);    /* "E0001" */
const char *ecs_diag_code_summary(EcsDiagCode code);
/* Appends a diagnostic; returns it so that a hint and notes can follow. */
EcsDiag *ecs_diag(EcsDiagList *list, EcsSeverity sev, EcsDiagCode code,
		  EcsSpan span, const char *fmt, ...) ECS_PRINTF(5, 6);
EcsDiag *ecs_diag_v(EcsDiagList *list, EcsSeverity sev, EcsDiagCode code,
		    EcsSpan span, const char *fmt, va_list ap);
void ecs_diag_hint(EcsDiag *d, const char *fmt, ...) ECS_PRINTF(2, 3);
void ecs_diag_note(EcsDiag *d, const EcsSpan *span, const char *fmt, ...)
	ECS_PRINTF(3, 4);
/* Sets d's fix: the bytes of span become replacement. Copies it. */
void ecs_diag_fix(EcsDiag *d, EcsSpan span, const char *replacement);
/* Sets d's fix to replacing the first `word` standing alone in d's span
 * of set's text; nothing when the span does not hold it. */
void ecs_diag_fix_word(EcsDiag *d, const EcsSourceSet *set, const char *word,
		       const char *replacement);
void ecs_diag_sort(EcsDiagList *list);
/* Drops each warning whose line, or the line above, carries the comment
 * `# ecsc: allow CODE`; errors cannot be allowed. */
void ecs_diag_apply_allows(EcsDiagList *list, const EcsSourceSet *set);
void ecs_diag_list_free(EcsDiagList *list);
void ecs_diag_render_text(const EcsDiagList *list, const EcsSourceSet *set,
			  FILE *out, bool color);
void ecs_diag_render_json(const EcsDiagList *list, const EcsSourceSet *set,
			  FILE *out);

/* ---- the AST (built by lower.c, read through ast.c) ------------------------- */

typedef enum {
	ECS_VAL_STRING,
	ECS_VAL_NUMBER,
	ECS_VAL_QUANTITY,
	ECS_VAL_BOOL,
	ECS_VAL_RANGE,
	ECS_VAL_REF,
	ECS_VAL_CALL,
	ECS_VAL_LIST,
	ECS_VAL_MAP,
	ECS_VAL_ERROR,          /* a literal lowering already reported */
} EcsValueKind;

/* The dimension of a quantity and the base unit its value is stored in. */
typedef enum {
	ECS_DIM_DURATION,       /* milliseconds */
	ECS_DIM_SIZE,           /* MiB */
	ECS_DIM_CPU,            /* CPU units (1 vCPU = 1024) */
	ECS_DIM_PERCENT,        /* percent */
} EcsDimension;

typedef struct EcsValue EcsValue;
typedef struct EcsBlock EcsBlock;

typedef struct {
	const char *text;       /* literal text, or NULL for an interpolation */
	EcsValue *value;
} EcsStrPart;

typedef struct {
	const char *name;       /* NULL for a positional argument */
	EcsSpan name_span;
	EcsValue *value;
} EcsArg;

typedef struct {
	const char *key;        /* interned */
	EcsSpan key_span;
	EcsValue *value;
} EcsEntry;

struct EcsValue {
	EcsValueKind kind;
	EcsSpan span;
	union {
		struct {
			EcsStrPart *parts;
			size_t nparts;
		} str;
		struct {
			double value;
			int64_t ival;
			bool is_int;
		} num;
		struct {
			double value;   /* in the dimension's base unit */
			EcsDimension dim;
			const char *unit;
		} qty;
		bool boolean;
		struct {
			int64_t low, high;
		} range;
		struct {
			const char **names;     /* interned */
			EcsSpan *spans;
			size_t n;
		} ref;
		struct {
			const char *name;
			EcsSpan name_span;
			EcsArg *args;
			size_t nargs;
		} call;
		struct {
			EcsValue **items;
			size_t n;
		} list;
		struct {
			EcsEntry *entries;
			size_t n;
		} map;
	} u;
};

typedef struct {
	const char *key;        /* interned */
	EcsSpan key_span;
	EcsValue *value;
	const struct EcsField *field;   /* set by the checker */
} EcsAttr;

typedef struct {
	bool is_block;
	union {
		EcsAttr attr;
		EcsBlock *block;
	} u;
} EcsItem;

struct EcsBlock {
	const char *kind;       /* interned: "service", "container", ... */
	EcsSpan kind_span;
	const char **labels;    /* interned */
	EcsSpan *label_spans;
	size_t nlabels;
	const char *parent;     /* `in NAME` of a declaration, or NULL */
	EcsSpan parent_span;
	EcsItem *items;
	size_t nitems;
	EcsSpan span;
	EcsBlock *up;           /* enclosing block; NULL for a declaration */
	bool broken;            /* had a syntax error: named, but not checked */
	const struct EcsBlockSchema *schema;   /* set by the checker */
};

typedef struct {
	const char *name;       /* interned */
	EcsSpan span;
	const char *type;       /* "string", "number", ... */
	const char *element;    /* list element type, or NULL */
	EcsSpan type_span;
	EcsValue *def;          /* default, or NULL */
	EcsValue *value;        /* the value in force after --set/--values */
	bool used;
	bool bad;                       /* its declaration is in error: not checked */
	bool deferred;                  /* unset, left to deploy time (compile) */
	const void *checked_as;         /* the type its value was checked against */
	struct EcsDiag *mismatch;       /* the report that it is not of a use's type */
	const void *mismatch_type;      /* that use's type */
} EcsParam;

/* An `import "PATH"` as written, at the span of its string (also a
 * `project "NAME"`: the name and its span). */
typedef struct {
	const char *path;
	EcsSpan span;
} EcsImport;

typedef struct {
	EcsBlock **decls;
	size_t ndecls;
	EcsParam **params;
	size_t nparams;
} EcsModule;

/* ---- parse and lower (parse.c, lower.c) ------------------------------------ */

/* Parses and lowers one source as ecs_parse_source does, with its comments
 * blanked (spaces, offsets kept), and returns the tree for a printer
 * (fmt.c): an owned TSTree * (free with ts_tree_delete), or NULL when the
 * parser gave up (reported). *text: the text the tree is of, owned (free
 * with free), or NULL when it is the source's own; a comment starts where
 * the source has a `#` and *text a space. */
void *ecs_parse_blanked(EcsCompiler *ctx, uint32_t file, char **text);
/* Parses one source with tree-sitter, reports ERROR and MISSING nodes, lowers
 * the tree into the module and records its imports in ctx->imports. */
void ecs_parse_source(EcsCompiler *ctx, uint32_t file);
/* Lowers a file's syntax tree (a TSNode root) into ctx->decls/params; text:
 * the bytes that were parsed (the file's, or a copy with the same offsets;
 * NULL: the file's). */
void ecs_lower_file(EcsCompiler *ctx, uint32_t file, const void *root, const char *text);
/* Lowers a parameter value written on the command line (--set, --values)
 * into a value of the parameter's type name; reports at span. */
EcsValue *ecs_lower_literal(EcsCompiler *ctx, uint32_t file, EcsSpan span,
			    const char *type, const char *text);

/* ---- reading the AST (ast.c) ------------------------------------------------ */

/* The attribute `key` of b, or NULL; the first child block of kind `kind`. */
EcsAttr *ecs_ast_attr(EcsBlock *b, const char *key);
EcsBlock *ecs_ast_child(EcsBlock *b, const char *kind);
/* The module's declaration `KIND NAME` (name interned), or NULL. */
EcsBlock *ecs_ast_decl(const EcsModule *m, const char *kind, const char *name);
const char *ecs_dimension_name(EcsDimension dim);
/* Whether a task, or the task definition a service runs (its own, or the
 * task `task_definition` names), is for external instances (ECS
 * Anywhere): the service's launch type or the task's compatibilities say
 * EXTERNAL. Whether its runtime platform is Windows. */
bool ecs_task_external(const EcsModule *m, EcsBlock *b);
/* Whether its requires_compatibilities lists EC2 and not FARGATE. */
bool ecs_task_ec2_only(const EcsModule *m, EcsBlock *b);
bool ecs_task_windows(const EcsModule *m, EcsBlock *b);
/* The network mode of that task definition: `network_mode` as written;
 * else for an external one bridge (Linux) or "default" (Windows, which
 * takes no networkMode), as ECS Anywhere has no awsvpc; else ecsc's
 * default awsvpc. NULL when not known offline (a task definition ARN, a
 * parameter left to deploy time). */
const char *ecs_network_mode(const EcsModule *m, EcsBlock *b);

/* ---- schema (schema.c) -------------------------------------------------------- */

typedef enum {
	ECS_TY_STRING, ECS_TY_INT, ECS_TY_NUMBER, ECS_TY_BOOL,
	ECS_TY_DURATION, ECS_TY_SIZE, ECS_TY_CPU, ECS_TY_PERCENT,
	ECS_TY_RANGE, ECS_TY_ENUM, ECS_TY_LIST, ECS_TY_MAP,
	ECS_TY_REF, ECS_TY_ARN, ECS_TY_SECRET, ECS_TY_IMAGE, ECS_TY_ONEOF,
} EcsTypeKind;

/* What a reference names. */
typedef enum {
	ECS_REF_NONE,
	ECS_REF_CLUSTER, ECS_REF_SERVICE, ECS_REF_TASK, ECS_REF_ROLE,
	ECS_REF_POLICY, ECS_REF_LOG_GROUP,
	ECS_REF_CONTAINER, ECS_REF_VOLUME, ECS_REF_PORT, ECS_REF_CAPACITY,
} EcsRefKind;

/* Extra value rules a type carries beyond its kind. */
typedef enum {
	ECS_RULE_NONE,
	ECS_RULE_NAME255,       /* letters, digits, - and _; 1..255 */
	ECS_RULE_ROLE_NAME,     /* IAM: [\w+=,.@-], 1..64 */
	ECS_RULE_LOG_GROUP_NAME,
	ECS_RULE_RETENTION,     /* a CloudWatch retention value */
	ECS_RULE_SCHEDULE,      /* cron(...), rate(...), at(...) */
	ECS_RULE_TIMESTAMP,     /* YYYY-MM-DDThh:mm:ss[Z], UTC */
	ECS_RULE_IAM_PATH,
	ECS_RULE_KMS_KEY_ARN,   /* arn:...:kms:...:key/ID, no id or alias */
	ECS_RULE_KMS_NO_ALIAS,  /* a key id or key ARN, no alias */
	ECS_RULE_URL_PATH,      /* /PATH: an HTTP health check path */
} EcsRule;

typedef struct EcsType {
	EcsTypeKind kind;
	const char *describe;   /* "a duration", "one of ..." */
	const struct EcsType *elem;     /* list element, map value */
	const struct EcsType *key;      /* map key (NULL: any string) */
	const struct EcsType *const *alts;  /* ONEOF members, NULL-terminated */
	const char *const *values;  /* ENUM: "dsl" or "dsl=Api", NULL-terminated */
	EcsRefKind ref;
	const char *arn_service;    /* ARN: the service part, or NULL for any */
	int64_t min, max;           /* inclusive, in the base unit; 0,0 = none */
	int64_t unit;               /* quantities: base units per API unit (1000
				     * for an API field in seconds); values must
				     * be whole multiples of it */
	EcsRule rule;
} EcsType;

typedef enum {
#define SHAPE(id) ECS_SHAPE_##id,
#include "shapes.def"
#undef SHAPE
	ECS_SHAPE__COUNT
} EcsShape;

typedef enum {
	ECS_BLOCK_ROOT,
#define BLOCK(id, parent, kind, shape, label, flags) ECS_BLOCK_##id,
#define FIELD(shape, name, type, flags, ...)
#include "schema.def"
#undef BLOCK
#undef FIELD
	ECS_BLOCK__COUNT
} EcsBlockId;

/* F_REPLACE: a change to the field replaces the resource (CloudFormation's
 * "Update requires: Replacement"); the runtime's plan reads it. F_LAST:
 * written after the block's other fields (in row order), where the API
 * request lists a reshaped member after the plain ones. F_RUNTIME: no API
 * member; `ecsc apply` or `destroy` reads it (docs/runtime.md, "Runtime
 * fields"). */
enum { F_REQUIRED = 1, F_REPLACE = 2, F_LAST = 4, F_RUNTIME = 8 };
enum { B_REPEAT = 1, B_REQUIRED = 2 };

/* How a value is reshaped for the API beyond what its type says (a row's
 * CONV column; graph_convert applies it). */
#define ECS_CONVERTERS(X) \
	X(NONE,       "the value as its type converts it") \
	X(ABLED,      "a boolean as the word ENABLED or DISABLED") \
	X(TEXT,       "a number as a string (task cpu and memory)") \
	X(GIB,        "a range of MiB as GiB") \
	X(PORT_RANGE, "a range as the string \"low-high\"") \
	X(S3_FILES,   "ARNs as [{value: ARN, type: s3}]") \
	X(GPU,        "a count as [{type: GPU, value: \"N\"}]")

typedef enum {
#define X(id, what) ECS_CONV_##id,
	ECS_CONVERTERS(X)
#undef X
	ECS_CONV__COUNT
} EcsConv;

typedef struct EcsField {
	EcsShape shape;
	const char *name;
	const EcsType *type;
	unsigned flags;
	const char *api;
	const char *dflt;       /* DEFAULT: the value, as the spec would write it,
				 * written when the field is absent; NULL: none */
	EcsConv conv;           /* CONV: the reshape, ECS_CONV_NONE by default */
	const char *cfn;        /* CFN: the CloudFormation property where it is not
				 * the API member (its last name) capitalised;
				 * NULL otherwise */
} EcsField;

typedef struct EcsBlockSchema {
	EcsBlockId id;
	EcsBlockId parent;
	const char *kind;
	EcsShape shape;
	const EcsType *label;   /* NULL: no label; &ecs_type_name: a new name */
	unsigned flags;
} EcsBlockSchema;

extern const EcsType ecs_type_name;
/* The type of every `tags` row: tags become the node's, not a member. */
extern const EcsType *const ecs_type_tags;
extern const EcsBlockSchema ecs_blocks[ECS_BLOCK__COUNT];
/* An upper bound on the rows of schema.def (checked by schema.c). */
#define ECS_MAX_FIELDS 1024
extern const EcsField ecs_fields[];
extern const size_t ecs_nfields;

const EcsBlockSchema *ecs_schema_child(EcsBlockId parent, const char *kind);
const EcsField *ecs_schema_field(EcsShape shape, const char *name);
/* The range of ecs_fields that holds every field of shape (and may hold
 * others): a loop over a shape's fields scans only it. */
void ecs_schema_rows(EcsShape shape, size_t *from, size_t *to);
/* The API spelling of an enum value, or NULL when not a member. */
const char *ecs_schema_enum_match(const EcsType *type, const char *word);
/* The CloudFormation property a row sets (the last name of a dotted API
 * member): its CFN column, else that name capitalised (into buf). */
const char *ecs_schema_cfn_name(const EcsField *f, char *buf, size_t size);
/* The name of a converter (CONV column), for dumps and the self-check. */
const char *ecs_schema_conv_name(EcsConv conv);
/* A row's DEFAULT as a value, parsed once per compilation into ctx's arena;
 * NULL when the row has none. */
EcsValue *ecs_schema_default(EcsCompiler *ctx, const EcsField *f);
/* Checks the table against itself (every field's shape has a block, every
 * DEFAULT parses as its field's type and passes its checks, CFN only where
 * it differs, no API member set twice in one shape); reports each problem
 * to out and returns their number. */
size_t ecs_schema_selfcheck(FILE *out);
/* The row checks alone, over any rows (the unit test feeds it bad ones). */
size_t ecs_schema_selfcheck_rows(const EcsField *rows, size_t n, FILE *out);

/* ---- check (check.c) ---------------------------------------------------------- */

/* Resolves names and checks every block against the schema. */
void ecs_check_module(EcsCompiler *ctx);
/* The kind of declaration a reference names: in prose ("log group") for
 * messages, or as the spec writes the keyword ("log_group") when keyword. */
const char *ecs_ref_kind_name(EcsRefKind k, bool keyword);
/* Whether a value passes the checks of type t (adds the diagnostics it
 * finds to ctx): the schema's self-check of its DEFAULT column. */
bool ecs_check_literal(EcsCompiler *ctx, EcsValue *v, const EcsType *t);
/* ECS's own rules across fields, for a declaration that passed the schema
 * check (rules.c). */
void ecs_rules_check(EcsCompiler *ctx, EcsBlock *decl);

/* ---- resource graph (graph.c) ------------------------------------------------- */

/* Every kind of AWS resource the graph holds: its CloudFormation type and
 * the API service that creates it. */
#define ECS_RESOURCE_KINDS(X) \
	X(CLUSTER,           "AWS::ECS::Cluster",                           "ecs") \
	X(CAPACITY_PROVIDER, "AWS::ECS::CapacityProvider",                  "ecs") \
	X(CLUSTER_CAPACITY,  "AWS::ECS::ClusterCapacityProviderAssociations", "ecs") \
	X(LOG_GROUP,         "AWS::Logs::LogGroup",                         "logs") \
	X(ROLE,              "AWS::IAM::Role",                              "iam") \
	X(MANAGED_POLICY,    "AWS::IAM::ManagedPolicy",                     "iam") \
	X(INSTANCE_PROFILE,  "AWS::IAM::InstanceProfile",                   "iam") \
	X(SECURITY_GROUP,    "AWS::EC2::SecurityGroup",                     "ec2") \
	X(SG_INGRESS,        "AWS::EC2::SecurityGroupIngress",              "ec2") \
	X(SG_EGRESS,         "AWS::EC2::SecurityGroupEgress",               "ec2") \
	X(TASK_DEFINITION,   "AWS::ECS::TaskDefinition",                    "ecs") \
	X(SERVICE,           "AWS::ECS::Service",                           "ecs") \
	X(TASK_SET,          "AWS::ECS::TaskSet",                           "ecs") \
	X(EXPRESS_SERVICE,   "AWS::ECS::ExpressGatewayService",             "ecs") \
	X(SCALABLE_TARGET,   "AWS::ApplicationAutoScaling::ScalableTarget", "application-autoscaling") \
	X(SCALING_POLICY,    "AWS::ApplicationAutoScaling::ScalingPolicy",  "application-autoscaling") \
	X(SCHEDULED_ACTION,  "AWS::ApplicationAutoScaling::ScheduledAction", "application-autoscaling")

typedef enum {
#define X(id, cfn, svc) ECS_RES_##id,
	ECS_RESOURCE_KINDS(X)
#undef X
	ECS_RES__COUNT
} EcsResourceKind;

/* Who owns a property after the resource is created. */
typedef enum {
	ECS_OWN_INITIAL,        /* set on create only (desired count, task set scale) */
	ECS_OWN_EXTERNAL,       /* changed by an outside party (CI, CodeDeploy) */
	ECS_OWN_CODEDEPLOY,     /* changed by ecsc through a CodeDeploy deployment */
} EcsOwnership;

typedef struct {
	const char *property;   /* API member, dotted for nested ones */
	EcsOwnership owner;
	const char *reason;
	/* ECS_OWN_CODEDEPLOY: the application and deployment group that
	 * deploy a new value (CreateDeployment's applicationName and
	 * deploymentGroupName). */
	const char *application, *deployment_group;
} EcsOwnedProperty;

/* "initial-only", "external" or "codedeploy", as the graph and the bundle
 * write an owner. */
const char *ecs_ownership_name(EcsOwnership o);
/* {"property", "owner", "reason"} (and "codedeploy": {"applicationName",
 * "deploymentGroupName"}); returns owned (free with cJSON_Delete). */
struct cJSON *ecs_ownership_json(const EcsOwnedProperty *p);

typedef struct EcsResource {
	EcsResourceKind kind;
	const char *id;         /* stable logical id derived from spec names */
	const char *name;       /* physical name, or NULL when AWS names it */
	EcsSpan span;           /* the spec construct it comes from */
	/* The resource's properties in the API's own member names and shapes
	 * (the create request). A value known only at deploy time is an
	 * object {"$ref": ID, "$attr": ATTR} or {"$sub": "...${AWS::Region}..."}.
	 * Owned by the graph; freed by ecs_graph_free. */
	struct cJSON *props;
	struct cJSON *tags;     /* {key: value}, owned; NULL when none */
	struct EcsResource **deps;  /* grows in arena, which made it */
	size_t ndeps;
	EcsArena *arena;
	EcsOwnedProperty *owned;
	size_t nowned;
	/* The fields set that steer the runtime, not a request: {"skip_destroy":
	 * true, ...} (schema rows without an API member); NULL when none. */
	struct cJSON *runtime;
	const EcsBlock *decl;   /* the declaration it was lowered from */
} EcsResource;

typedef struct {
	EcsResource **items;
	size_t len, cap;
	const char **keys;      /* id -> index hash table, built on first lookup */
	size_t *vals, kcap;
} EcsGraph;

const char *ecs_resource_cfn_type(EcsResourceKind kind);
const char *ecs_resource_service(EcsResourceKind kind);
/* The members of r's create request whose change replaces the resource
 * (their rows' F_REPLACE), as a JSON array of dotted paths, in row order;
 * NULL when none is set. Returns owned; free with cJSON_Delete. */
struct cJSON *ecs_resource_replaces(const EcsResource *r);
/* Lowers the checked module into ctx->graph; reports what only the graph
 * can see (e.g. generated names too long). */
void ecs_graph_build(EcsCompiler *ctx);
void ecs_graph_free(EcsGraph *g);
/* The index of the node with logical id `id`, or -1. */
long ecs_graph_find(EcsGraph *g, const char *id);
/* Deterministic dumps: JSON (--emit=graph) and Graphviz DOT (ecsc graph,
 * graph_dot.c: grouped by cluster and service, with a legend; with inputs,
 * also what the spec uses but does not make: subnets, images, ...). */
void ecs_graph_dump_json(const EcsCompiler *ctx, FILE *out);
void ecs_graph_dump_dot(const EcsCompiler *ctx, FILE *out, bool inputs);
/* Appends "web-api" as "WebApi" to out (logical ids, parameter names). */
void ecs_pascal_case(char *out, size_t size, const char *s);

/* ---- building the graph: the kit (graph_node.c) --------------------------------
 *
 * The graph is built in rooms by topic: graph_node.c (this kit: nodes, ids,
 * reading values, converting them by type, writing them by schema row),
 * graph_shared.c (IAM, log groups, security groups: what several
 * declarations derive), graph_cluster.c, graph_task.c, graph_service.c, and
 * graph.c (the declaration order, lookups, dumps). Their shared names carry
 * the prefix graph_. */

/* A declaration's node, found by the declaration's name when referenced. */
typedef struct {
	const char *decl;       /* spec name (interned) */
	EcsResource *r;
} GraphNamed;

/* The state of one graph build. */
typedef struct {
	EcsCompiler *ctx;
	EcsGraph *g;
	GraphNamed *named;
	size_t nnamed;
	const char **ids;       /* hash set of interned logical ids */
	size_t nids, capids;
	bool deferred;          /* the last graph_text() used a deploy-time parameter */
	const EcsBlock *decl;   /* the declaration being lowered */
} GraphBuild;

/* A new node whose id is PREFIX + the PascalCase of each part (NULL parts
 * are left out); a clash gets a numeric suffix in declaration order. */
EcsResource *graph_node(GraphBuild *B, EcsResourceKind kind, EcsSpan span, const char *prefix,
			const char *part1, const char *part2);
/* r depends on `on` (ignored when NULL, r itself, or named but not made:
 * a `log_group { managed = false }`, which has no id). */
void graph_depend(EcsResource *r, EcsResource *on);
/* The entry made (in the arena), or NULL when r has eight already. */
EcsOwnedProperty *graph_own(EcsResource *r, const char *prop, EcsOwnership owner,
			    const char *reason);
/* {"$ref": r's id, "$attr": attr} and {"$sub": text}: values known at deploy time. */
struct cJSON *graph_ref(const EcsResource *r, const char *attr);
struct cJSON *graph_sub(const char *fmt, ...) ECS_PRINTF(1, 2);
EcsResource *graph_find_id(EcsGraph *g, const char *id);
/* Records r as the node of declaration `decl`; graph_named finds it. */
void graph_name(GraphBuild *B, const char *decl, EcsResource *r);
EcsResource *graph_named(GraphBuild *B, const char *decl, EcsResourceKind kind);
EcsParam *graph_param(GraphBuild *B, const char *name);
/* A parameter's value when v names one (and t does not take the word), else v. */
EcsValue *graph_deref(GraphBuild *B, EcsValue *v, const EcsType *t);
/* The text of a value with parameters substituted (`${Name}` for deferred ones). */
char *graph_text(GraphBuild *B, EcsValue *v);
const char *graph_attr_text(GraphBuild *B, EcsBlock *b, const char *key, const char *dflt);
bool graph_attr_bool(GraphBuild *B, EcsBlock *b, const char *key, bool dflt);
/* A number, a quantity in its field's API unit; dflt when absent. */
double graph_attr_number(GraphBuild *B, EcsBlock *b, const char *key, double dflt);
/* ssm(...), secret(...) or an ARN as a valueFrom. */
struct cJSON *graph_secret_value(GraphBuild *B, EcsValue *v);
/* A value in its API shape, by its type (api: the member, for pair lists). */
struct cJSON *graph_convert(GraphBuild *B, EcsBlock *scope, EcsValue *v, const EcsType *t,
			    const char *api);
/* An attribute's value converted by its field's type. */
struct cJSON *graph_convert_attr(GraphBuild *B, EcsBlock *scope, const EcsAttr *a);
/* Appends the items of a list attribute, converted, to arr. */
void graph_append_attr(GraphBuild *B, EcsBlock *scope, const EcsAttr *a, struct cJSON *arr);
/* Appends to sgs a resource r's security groups: its own group sg (when
 * not NULL; r then depends on it and its rules) first, then net's
 * `security_groups`. */
void graph_append_security_groups(GraphBuild *B, EcsResource *r, EcsBlock *net,
				  EcsResource *sg, struct cJSON *sgs);
/* obj[path] = value, creating the objects of a dotted path. */
void graph_put(struct cJSON *obj, const char *path, struct cJSON *value);
/* Every field of b whose row names an API member, but those in skip (a
 * NULL-terminated list), converted by its row (type, then CONV) into obj in
 * the spec's order, then in row order the F_LAST fields and the DEFAULT of
 * each row b does not set; only/except: a shape whose fields alone go, or
 * do not go (-1: none). */
void graph_put_fields_where(GraphBuild *B, EcsBlock *b, struct cJSON *obj,
			    const char *const *skip, int only, int except);
void graph_put_fields(GraphBuild *B, EcsBlock *b, struct cJSON *obj, const char *const *skip);
/* The fields of b in its rows' order (not the spec's), with the defaults:
 * for a member list the API spells in a fixed order. */
void graph_put_rows(GraphBuild *B, EcsBlock *b, struct cJSON *obj);
/* obj[key] = item as obj's member number `at` (not the last). */
void graph_put_at(struct cJSON *obj, int at, const char *key, struct cJSON *item);
/* The DEFAULT column of shape's rows, for a block that is absent. */
void graph_put_defaults(GraphBuild *B, EcsShape shape, struct cJSON *obj);
/* The boolean fields `keys` (a NULL-terminated list) set in b, into
 * r->runtime: what the runtime and CloudFormation's policies read. */
void graph_runtime_fields(GraphBuild *B, EcsBlock *b, EcsResource *r, const char *const *keys);
/* The child block `kind`'s fields as an object at obj[key]; NULL when absent. */
struct cJSON *graph_put_block(GraphBuild *B, EcsBlock *parent, const char *kind,
			      struct cJSON *obj, const char *key);
/* Adds the map attribute `key` of b to *tags (made when NULL). */
void graph_merge_tags(GraphBuild *B, struct cJSON **tags, EcsBlock *b, const char *key);
/* A copy of tags becomes r's, when there are any. */
void graph_set_tags(EcsResource *r, struct cJSON *tags);

/* ---- what several declarations derive (graph_shared.c) --------------------------- */

/* An IAM statement; a NULL-terminated list of strings as a JSON array. */
struct cJSON *graph_statement(const char *sid, struct cJSON *actions, struct cJSON *resources);
struct cJSON *graph_strings(const char *const *list);
/* A generated role assumed by `principal` (reports a name over 64 characters). */
EcsResource *graph_role_node(GraphBuild *B, EcsSpan span, const char *prefix, const char *part,
			     const char *name, const char *principal);
/* The Statement list of role's InlinePolicy, made when it has none. */
struct cJSON *graph_inline_statements(EcsResource *role);
/* Adds to an execution role's policy what the task needs: its fields'
 * secrets (task: its block), its containers' ECR repositories and log
 * groups (td: the task definition's properties). */
void graph_exec_policy(GraphBuild *B, EcsResource *role, EcsBlock *task,
		       const struct cJSON *td);
EcsResource *graph_log_group_node(GraphBuild *B, EcsSpan span, const char *part1,
				  const char *part2, const char *name, EcsBlock *settings,
				  struct cJSON *tags, double retention);
/* r depends on the security group sg and on each of its rules: what
 * r starts (tasks, instances) is let in and out from its first moment. */
void graph_depend_security_group(GraphBuild *B, EcsResource *r, EcsResource *sg);
/* A security group block and its rules, for a service or a cluster. */
EcsResource *graph_security_group(GraphBuild *B, EcsBlock *sgb, const char *owner,
				  const char *default_name, const char *default_desc,
				  const struct cJSON *tags);
void graph_decl_role(GraphBuild *B, EcsBlock *b);
void graph_decl_policy(GraphBuild *B, EcsBlock *b);
void graph_decl_log_group(GraphBuild *B, EcsBlock *b);

/* ---- clusters (graph_cluster.c), task definitions (graph_task.c), services
 * (graph_service.c) ----------------------------------------------------------------- */

void graph_decl_cluster(GraphBuild *B, EcsBlock *b);

/* The nodes a task definition brings: itself and the roles it made or named. */
typedef struct {
	EcsResource *td, *exec_role, *task_role;
} GraphTaskNodes;

/* A task definition from b (a task, or a service's own fields): family
 * `owner` unless named; cluster: the service's, whose execution role it may share. */
GraphTaskNodes graph_task_definition(GraphBuild *B, EcsBlock *b, const char *owner,
				     struct cJSON *tags, bool exec_command, EcsBlock *cluster);
void graph_decl_task(GraphBuild *B, EcsBlock *b);
void graph_decl_service(GraphBuild *B, EcsBlock *b);
/* An express_service: its node and derived roles, log group, security group
 * (graph_express.c). */
void graph_decl_express(GraphBuild *B, EcsBlock *b);

/* ---- CloudFormation (emit_cfn.c) ----------------------------------------------- */

typedef struct {
	const char *project;        /* the ownership tag's value */
	const char *export_prefix;  /* exports named PREFIX-OUTPUT, or NULL */
} EcsCfnOptions;

/* The graph as one template, or as several stacks (in deployment order)
 * when one would exceed CloudFormation's 500 resources, in JSON text. Sets
 * *texts and *lens to malloc'd arrays of the texts and their lengths; free
 * each text, then both arrays. Returns the number of stacks, 0 (and
 * reports; the arrays are NULL) when the graph cannot be split to fit. */
size_t ecs_cfn_stacks(EcsCompiler *c, const EcsCfnOptions *opt, char ***texts, size_t **lens);
/* The graph as a bundle of API requests (docs/bundle.md). Returns owned;
 * free with cJSON_Delete. */
struct cJSON *ecs_bundle(EcsCompiler *c, const char *project, bool declared);
/* A document as two-space JSON: returns owned text of *len bytes; free
 * with free. */
char *ecs_json_text(const struct cJSON *doc, size_t *len);
/* Writes a document as YAML through libyaml. */
bool ecs_write_yaml(const struct cJSON *doc, FILE *out);

/* Writes size bytes to path atomically: a temporary file beside it,
 * renamed over it, so a reader sees the old file or the new one and an
 * error leaves path untouched. mode: the file's mode, or -1 for 0666 less
 * the umask. Returns 0 or an errno value. */
int ecs_write_atomic(const char *path, const char *data, size_t size, int mode);

/* ---- dumps (dump.c) ------------------------------------------------------------ */

void ecs_dump_ast(EcsCompiler *ctx, FILE *out);
void ecs_dump_cst(EcsCompiler *ctx, FILE *out);

/* ---- the compilation ------------------------------------------------------------ */

/* A file's identity, to refuse an output that would overwrite an input. */
typedef struct {
	uint64_t dev, ino;
} EcsFileId;

struct EcsCompiler {
	EcsArena *arena;
	EcsSourceSet sources;
	EcsDiagList diags;
	EcsModule module;
	EcsVec decls, params;           /* collected while lowering */
	EcsVec imports;                 /* EcsImport *, lowered, not yet read */
	EcsVec projects;                /* EcsImport * of each `project "NAME"`: name, span */
	const char *declared;           /* the declared project, once checked; NULL: none */
	EcsVec sets;                    /* "name=value" from --set, in order */
	EcsVec values;                  /* "name=value" from --values */
	EcsMap keys;                    /* canonical path (interned) -> file index + 1 */
	EcsVec roots;                   /* canonical directories imports may read */
	EcsVec read_ids;                /* EcsFileId * of every file and directory read */
	bool io_failed;                 /* an input could not be read */
	EcsGraph graph;                 /* built by ecs_graph_build */
	bool defer_params;              /* unset parameters may become template ones */
	const char *values_path;        /* the --values file, for depfiles */
	const char *project;            /* the first input's name, when none is declared */
	EcsValue **defaults;            /* each row's DEFAULT, parsed when first used */
	void *trees;                    /* TSTree* per file (for --emit=cst) */
	size_t ntrees;
	bool keep_trees;
	bool graph_inputs;              /* ecsc graph --inputs */
	EcsMap overlays;                /* canonical path (interned) -> EcsOverlay * */
	bool keep_refs;                 /* the checker records every name it resolves */
	EcsVec refs;                    /* EcsRef *, in the order resolved */
};

/* Text that stands for a file's contents (an editor's unsaved buffer):
 * borrowed until ecs_compiler_check returns. */
typedef struct {
	const char *text;
	size_t len;
} EcsOverlay;

/* A name written in the spec and what the checker resolved it to: a
 * declaration or labelled block (its label_spans[0] is the definition), or
 * a parameter. Recorded only when ctx->keep_refs (the language server). */
typedef struct {
	EcsSpan use;
	const EcsBlock *block;
	const EcsParam *param;
} EcsRef;

int ecs_levenshtein(const char *a, const char *b);
bool ecs_suggest_closer(const char *target, const char *candidate, int *dist);
/* Is the file UTF-8 text without NUL bytes? If not, reports it (E0003)
 * and marks it parsed. */
bool ecs_source_is_text(EcsCompiler *c, uint32_t file);
/* Reads a whole file, refusing more than ECS_MAX_SOURCE_BYTES: 0 and
 * *out owned (NUL-terminated; free with free), or an errno value (EFBIG:
 * too large), which ecs_read_error words. */
int ecs_read_all(int fd, char **out, size_t *len);
const char *ecs_read_error(int err);
/* Reads the files ctx->imports names (input.c) and empties the list. */
void ecs_input_imports(EcsCompiler *ctx);
/* Adds a source read elsewhere, as file `path`: takes ownership of text
 * (malloc'd, NUL-terminated, len bytes) and builds its line map. Returns
 * its file index. (The fuzz targets feed their bytes through it.) */
uint32_t ecs_compiler_add_text(EcsCompiler *c, const char *path, char *text, size_t len);
/* The --values reader on text already read from path (borrowed). */
EcsStatus ecs_compiler_values_text(EcsCompiler *c, const char *path, const char *text,
				   size_t len);

#endif
