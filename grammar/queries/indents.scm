; Indentation for ecsc specifications (*.ecs), in Helix's capture names:
; `indent` on a node indents the lines inside it, `outdent` on its closing
; token brings that token's line back.
;
; nvim-treesitter uses other names (@indent.begin, @indent.branch,
; @indent.end) and raises an error on unknown ones, so Neovim needs a
; converted copy; docs/editors.md gives the one-line sed for it.

[
  (body)
  (list)
  (map)
  (call)
] @indent

(body
  "}" @outdent)

(map
  "}" @outdent)

(list
  "]" @outdent)

(call
  ")" @outdent)
