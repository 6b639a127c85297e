; Scopes, definitions and references for ecsc specifications (*.ecs).
;
; Declarations and parameters are visible in the whole file, so the file is
; the only scope. A reference takes the highlight of the definition it names:
; `main` in `service web in main` is highlighted like `cluster main`.

(source_file) @local.scope

(declaration
  name: (identifier) @local.definition)

(param
  name: (identifier) @local.definition)

(block
  label: (identifier) @local.definition)

(declaration
  parent: (identifier) @local.reference)

(reference
  name: (identifier) @local.reference)
