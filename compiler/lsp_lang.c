/* lsp_lang.c: the language features over the last analysis: hover,
 * completion, definitions, references, rename and the outline. */
#include <string.h>

#include "lsp.h"

#define STUB(name) \
	cJSON *name(Lsp *L, const cJSON *params, LspError *e) \
	{ lsp_doc_of(L, params, e); return NULL; }
STUB(lsp_hover)
STUB(lsp_completion)
STUB(lsp_definition)
STUB(lsp_references)
STUB(lsp_prepare_rename)
STUB(lsp_rename)
STUB(lsp_symbols)
