"""The simulator's raw material: deterministic values, text and token counts for answers nobody scripted.

`fabricate` makes JSON values that validate against a schema, helped by `schema_algebra` (merging and checking
subschemas), `pattern` (strings matching a regex), `hints` (values steered by a property's name or format),
`text` and `words` (plausible English), and `rng` (seeded random streams); `tokens` counts and splits tokens the
way OpenAI's tokenizers roughly do.
"""
