; Syntax highlighting for ecsc specifications (*.ecs).
;
; Only standard capture names are used (`tree-sitter highlight --check`
; accepts all of them). Patterns are written so that no two of them capture
; the same node, so the result does not depend on whether an editor lets the
; first or the last matching pattern win.

(comment) @comment

; Keywords. Declaration kinds and `project`/`import`/`param`/`in` are anonymous nodes.
[
  "cluster"
  "service"
  "express_service"
  "task"
  "role"
  "policy"
  "log_group"
] @keyword

[
  "project"
  "import"
  "param"
  "in"
] @keyword

; service web in main { ... }
(declaration
  name: (identifier) @module)

(declaration
  parent: (identifier) @module)

; container app { ... }   capacity FARGATE { ... }   ingress "https" { ... }
(block
  kind: (identifier) @type)

(block
  label: (identifier) @variable)

; param tag: list(string) = ["a"]
(param
  name: (identifier) @variable.parameter)

(type
  name: (identifier) @type.builtin)

; key = value
(attribute
  key: (identifier) @property)

(entry
  key: (identifier) @property)

; ssm("/web/db")   secret("arn:...", key = "password")
(call
  function: (identifier) @function)

(named_argument
  name: (identifier) @variable.parameter)

; awsvpc   app.http
(reference
  name: (identifier) @variable)

(reference
  member: (identifier) @variable.member)

; Literals
(string) @string

(escape_sequence) @string.escape

(interpolation
  [
    "${"
    "}"
  ] @punctuation.special)

(number) @number

; The unit belongs to the token: `512MiB`, `512 MiB`, `30s`, `60%`.
(quantity) @number

(boolean) @constant.builtin

; Operators and punctuation
[
  "="
  ".."
] @operator

[
  ","
  "."
  ":"
] @punctuation.delimiter

(body
  [
    "{"
    "}"
  ] @punctuation.bracket)

(map
  [
    "{"
    "}"
  ] @punctuation.bracket)

(list
  [
    "["
    "]"
  ] @punctuation.bracket)

(call
  [
    "("
    ")"
  ] @punctuation.bracket)

(type
  [
    "("
    ")"
  ] @punctuation.bracket)
