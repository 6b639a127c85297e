; Foldable regions: declaration and block bodies, lists and maps.

[
  (body)
  (list)
  (map)
] @fold
