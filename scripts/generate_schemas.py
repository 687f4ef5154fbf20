"""Generate fakeopenai's request schemas from the installed `openai` package.

Run as ``python scripts/generate_schemas.py [OUTPUT_DIR]``. It writes one draft
2020-12 JSON Schema per operation (``chat.completions.create.json``, ...) into
``fakeopenai/schemas/`` (or OUTPUT_DIR), deterministically.

Where the facts come from:

* The operations, their HTTP routes and their body keys are read from the SDK's
  resource classes: every method that sends ``body=maybe_transform(...)``.
* Each body's shape is the JSON Schema pydantic derives from the SDK's
  ``*Params`` TypedDicts; streaming and non-streaming variants are merged.
* Closed TypedDicts reject unknown keys (``additionalProperties: false``), as the
  API does; free-form dicts (function parameters, metadata, ...) stay open.
* Value limits the API documents but the SDK's types cannot express are the
  hand-written tables ``LIMITS`` and ``GLOBAL_LIMITS`` below.
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import openai
import pydantic
from openai._resource import SyncAPIResource
from pydantic import ConfigDict, create_model
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

Schema = dict[str, Any]

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "fakeopenai" / "schemas"
FILE: Schema = {"type": "string", "format": "binary"}
GENERATOR = f"scripts/generate_schemas.py with openai {openai.__version__}, pydantic {pydantic.VERSION}"
DROPPED_KEYWORDS = frozenset({"title", "description", "default", "examples", "deprecated"})

# Value limits documented by the API reference, per operation. A path names
# properties with dots, array items with `[]` and map values with `{}`; each
# keyword lands on every schema the path reaches whose type it constrains.
# `x-order` (top level only) is the order in which the API reports problems in
# different parameters; `x-missing` replaces the "Missing required parameter"
# message of a top-level key, as the API does for the chat model.
_SAMPLING = {
    "temperature": {"minimum": 0, "maximum": 2},
    "top_p": {"minimum": 0, "maximum": 1},
}
_PENALTIES = {
    "frequency_penalty": {"minimum": -2, "maximum": 2},
    "presence_penalty": {"minimum": -2, "maximum": 2},
}
_FUNCTION_NAME = {"pattern": "^[a-zA-Z0-9_-]+$", "maxLength": 64}
_FILE_SEARCH = {
    "tools[].file_search.max_num_results": {"minimum": 1, "maximum": 50},
    "tools[].file_search.ranking_options.score_threshold": {"minimum": 0, "maximum": 1},
    "tools[].function.name": _FUNCTION_NAME,
}
_TOOL_RESOURCES = {
    "tool_resources.code_interpreter.file_ids": {"maxItems": 20},
    "tool_resources.file_search.vector_store_ids": {"maxItems": 1},
}
_NEW_VECTOR_STORES = {
    "tool_resources.file_search.vector_stores": {"maxItems": 1},
}
_ASSISTANT = {
    **_SAMPLING,
    **_FILE_SEARCH,
    **_TOOL_RESOURCES,
    "name": {"maxLength": 256},
    "description": {"maxLength": 512},
    "instructions": {"maxLength": 256000},
    "tools": {"maxItems": 128},
}
_RUN = {
    **_SAMPLING,
    **_FILE_SEARCH,
    "tools": {"maxItems": 20},
    "max_prompt_tokens": {"minimum": 256},
    "max_completion_tokens": {"minimum": 256},
    "truncation_strategy.last_messages": {"minimum": 1},
    "additional_messages[].content": {"minItems": 1},
}
_EXPIRES_AFTER_SECONDS = {"expires_after.seconds": {"minimum": 3600, "maximum": 2592000}}
_CHUNKING = {"chunking_strategy.static.max_chunk_size_tokens": {"minimum": 100, "maximum": 4096}}
_ATTRIBUTES = {"attributes": {"maxProperties": 16}, "attributes{}": {"maxLength": 512}}

OPTIONAL_IN_PRACTICE: dict[str, tuple[str, ...]] = {
    # The SDK types `strict` as required, but the API accepts a function tool without it (and echoes true).
    "FunctionToolParam": ("strict",),
}
"""Keys the SDK's types require that the API accepts missing, by TypedDict name."""

LIMITS: dict[str, dict[str, Any]] = {
    "chat.completions.create": {
        **_SAMPLING,
        **_PENALTIES,
        "messages": {"minItems": 1},
        "messages[]": {
            "x-branch-order": ["system", "assistant", "user", "function", "tool", "developer"],
            # The API accepts a response message appended as it came back (the documented tool-loop pattern).
            "x-extra-properties": {"assistant": {"annotations": {"type": "array", "items": {"type": "object"}}}},
        },
        "messages[].content": {"minItems": 1},
        "n": {"minimum": 1, "maximum": 128},
        "top_logprobs": {"minimum": 0, "maximum": 20},
        "logit_bias{}": {"minimum": -100, "maximum": 100},
        "max_tokens": {"minimum": 1},
        "max_completion_tokens": {"minimum": 1},
        "stop": {"minItems": 1, "maxItems": 4},
        "tools": {"maxItems": 128},
        "tools[].function.name": _FUNCTION_NAME,
        "functions": {"minItems": 1, "maxItems": 128},
        "functions[].name": _FUNCTION_NAME,
        "response_format": {"x-branch-order": ["json_object", "json_schema", "text"]},
        "response_format.json_schema.name": _FUNCTION_NAME,
        "prediction.content": {"minItems": 1},
        "safety_identifier": {"maxLength": 64},
        "x-missing": {"model": "you must provide a model parameter"},
        "x-order": [
            "model",
            "messages",
            "functions",
            "function_call",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "max_completion_tokens",
            "n",
            "temperature",
            "top_p",
            "presence_penalty",
            "frequency_penalty",
            "logprobs",
            "top_logprobs",
            "user",
            "seed",
            "moderation",
            "safety_identifier",
            "prompt_cache_options",
            "prompt_cache_key",
            "prompt_cache_retention",
            "response_format",
            "service_tier",
            "max_tokens",
            "reasoning_effort",
            "logit_bias",
            "stop",
            "stream",
            "stream_options",
            "store",
            "metadata",
            "prediction",
            "verbosity",
        ],
    },
    "completions.create": {
        **_SAMPLING,
        **_PENALTIES,
        "prompt": {"minItems": 1},
        "prompt[]": {"minItems": 1},
        "best_of": {"minimum": 0, "maximum": 20},
        "logprobs": {"minimum": 0, "maximum": 5},
        "logit_bias{}": {"minimum": -100, "maximum": 100},
        "max_tokens": {"minimum": 0},
        "n": {"minimum": 1, "maximum": 128},
        "stop": {"minItems": 1, "maxItems": 4},
    },
    "embeddings.create": {
        "input": {"minItems": 1, "maxItems": 2048},
        "input[]": {"minItems": 1},
        "dimensions": {"minimum": 1},
    },
    "moderations.create": {"input": {"minItems": 1}},
    "images.generate": {
        "prompt": {"minLength": 1, "maxLength": 32000},
        "n": {"minimum": 1, "maximum": 10},
        "partial_images": {"minimum": 0, "maximum": 3},
        "output_compression": {"minimum": 0, "maximum": 100},
    },
    "images.edit": {
        "image": {"maxItems": 16},
        "prompt": {"minLength": 1, "maxLength": 32000},
        "n": {"minimum": 1, "maximum": 10},
        "partial_images": {"minimum": 0, "maximum": 3},
        "output_compression": {"minimum": 0, "maximum": 100},
    },
    "images.create_variation": {"n": {"minimum": 1, "maximum": 10}},
    "audio.speech.create": {
        "input": {"maxLength": 4096},
        "instructions": {"maxLength": 4096},
        "speed": {"minimum": 0.25, "maximum": 4},
    },
    "audio.transcriptions.create": {
        "temperature": {"minimum": 0, "maximum": 1},
        "languages": {"minItems": 1},
        "known_speaker_names": {"maxItems": 4},
        "known_speaker_references": {"maxItems": 4},
    },
    "audio.translations.create": {"temperature": {"minimum": 0, "maximum": 1}},
    "responses.create": {
        **_SAMPLING,
        "top_logprobs": {"minimum": 0, "maximum": 20},
        "max_output_tokens": {"minimum": 16},
        "safety_identifier": {"maxLength": 64},
        "context_management": {"minItems": 1},
        "context_management[].compact_threshold": {"minimum": 1000},
    },
    "files.create": _EXPIRES_AFTER_SECONDS,
    "uploads.create": _EXPIRES_AFTER_SECONDS,
    "batches.create": {"output_expires_after.seconds": {"minimum": 3600, "maximum": 2592000}},
    "fine_tuning.jobs.create": {
        "suffix": {"minLength": 1, "maxLength": 64},
        "hyperparameters.batch_size": {"minimum": 1, "maximum": 256},
        "hyperparameters.learning_rate_multiplier": {"exclusiveMinimum": 0},
        "hyperparameters.n_epochs": {"minimum": 1, "maximum": 50},
        "method.supervised.hyperparameters.batch_size": {"minimum": 1, "maximum": 256},
        "method.supervised.hyperparameters.learning_rate_multiplier": {"exclusiveMinimum": 0},
        "method.supervised.hyperparameters.n_epochs": {"minimum": 1, "maximum": 50},
        "method.dpo.hyperparameters.beta": {"exclusiveMinimum": 0, "maximum": 2},
        "method.dpo.hyperparameters.batch_size": {"minimum": 1, "maximum": 256},
        "method.dpo.hyperparameters.learning_rate_multiplier": {"exclusiveMinimum": 0},
        "method.dpo.hyperparameters.n_epochs": {"minimum": 1, "maximum": 50},
        "method.reinforcement.hyperparameters.batch_size": {"minimum": 1, "maximum": 256},
        "method.reinforcement.hyperparameters.learning_rate_multiplier": {"exclusiveMinimum": 0},
        "method.reinforcement.hyperparameters.n_epochs": {"minimum": 1, "maximum": 50},
        "method.reinforcement.hyperparameters.compute_multiplier": {"exclusiveMinimum": 0.00001, "maximum": 10},
        "method.reinforcement.hyperparameters.eval_interval": {"minimum": 1},
        "method.reinforcement.hyperparameters.eval_samples": {"minimum": 1},
    },
    "beta.assistants.create": {**_ASSISTANT, **_NEW_VECTOR_STORES},
    "beta.assistants.update": _ASSISTANT,
    "beta.threads.create": {
        **_TOOL_RESOURCES,
        **_NEW_VECTOR_STORES,
        "messages[].content": {"minItems": 1},
    },
    "beta.threads.update": _TOOL_RESOURCES,
    "beta.threads.messages.create": {"content": {"minItems": 1}},
    "beta.threads.runs.create": _RUN,
    "beta.threads.create_and_run": {
        **{k: v for k, v in _RUN.items() if not k.startswith("additional_messages")},
        **_TOOL_RESOURCES,
        "thread.messages[].content": {"minItems": 1},
        "thread.tool_resources.code_interpreter.file_ids": {"maxItems": 20},
        "thread.tool_resources.file_search.vector_store_ids": {"maxItems": 1},
        "thread.tool_resources.file_search.vector_stores": {"maxItems": 1},
    },
    "vector_stores.create": {
        "file_ids": {"maxItems": 500},
        "expires_after.days": {"minimum": 1, "maximum": 365},
        **_CHUNKING,
    },
    "vector_stores.update": {"expires_after.days": {"minimum": 1, "maximum": 365}},
    "vector_stores.files.create": {**_CHUNKING, **_ATTRIBUTES},
    "vector_stores.files.update": _ATTRIBUTES,
    "vector_stores.file_batches.create": {
        "file_ids": {"minItems": 1, "maxItems": 2000},
        "files": {"minItems": 1, "maxItems": 2000},
        "files[].attributes": {"maxProperties": 16},
        "files[].attributes{}": {"maxLength": 512},
        **_CHUNKING,
        **_ATTRIBUTES,
    },
    "conversations.create": {"items": {"maxItems": 20}},
    "conversations.items.create": {"items": {"maxItems": 20}},
    "realtime.client_secrets.create": {"expires_after.seconds": {"minimum": 10, "maximum": 7200}},
}

# Limits of shared map types, applied wherever a property of that name holds a
# map; paths are relative to the property ("" itself, "{}" its values).
GLOBAL_LIMITS: dict[str, dict[str, Schema]] = {
    "metadata": {"": {"maxProperties": 16, "propertyNames": {"maxLength": 64}}, "{}": {"maxLength": 512}},
}

_TYPED_KEYWORDS = {
    "minimum": ("number", "integer"),
    "maximum": ("number", "integer"),
    "exclusiveMinimum": ("number", "integer"),
    "exclusiveMaximum": ("number", "integer"),
    "minLength": ("string",),
    "maxLength": ("string",),
    "pattern": ("string",),
    "minItems": ("array",),
    "maxItems": ("array",),
    "maxProperties": ("object",),
    "propertyNames": ("object",),
}


@dataclass(frozen=True)
class Operation:
    """One SDK method that sends a typed JSON or multipart body."""

    name: str
    method: str
    path: str
    multipart: bool
    params: tuple[Any, ...]
    body_keys: tuple[str, ...] | None


class _FileAwareSchema(GenerateJsonSchema):
    """Renders file inputs (IO, bytes, paths) as binary strings."""

    def is_instance_schema(self, schema: core_schema.IsInstanceSchema) -> Schema:
        return dict(FILE)

    def bytes_schema(self, schema: core_schema.BytesSchema) -> Schema:
        return dict(FILE)


# --- discovery -------------------------------------------------------------


def _resources(obj: object, prefix: str = "") -> Iterator[tuple[str, SyncAPIResource]]:
    for name in sorted(dir(type(obj))):
        if name.startswith(("_", "with_")):
            continue
        if not isinstance(inspect.getattr_static(type(obj), name), cached_property):
            continue
        value = getattr(obj, name)
        if isinstance(value, SyncAPIResource):
            yield prefix + name, value
            yield from _resources(value, prefix + name + ".")


def discover_operations() -> list[Operation]:
    """Every body-sending method of the SDK's synchronous client, one per resource class."""
    client = openai.OpenAI(api_key="unused", base_url="http://localhost")
    by_class: dict[type, str] = {}
    for path, resource in _resources(client):
        known = by_class.get(type(resource))
        if known is None or (len(path), path) < (len(known), known):
            by_class[type(resource)] = path
    operations = [op for cls, path in by_class.items() for op in _class_operations(cls, path)]
    return sorted(operations, key=lambda op: op.name)


def _class_operations(cls: type, path: str) -> Iterator[Operation]:
    module = sys.modules[cls.__module__]
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    class_def = tree.body[0]
    assert isinstance(class_def, ast.ClassDef)
    for function in class_def.body:
        if isinstance(function, ast.FunctionDef) and not function.name.startswith("_"):
            for call in ast.walk(function):
                operation = _operation(call, function, module, f"{path}.{function.name}")
                if operation is not None:
                    yield operation
                    break


def _operation(node: ast.AST, function: ast.FunctionDef, module: ModuleType, name: str) -> Operation | None:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    if node.func.attr not in ("_post", "_put", "_patch") or not node.args:
        return None
    keywords = {kw.arg: kw.value for kw in node.keywords}
    body = keywords.get("body")
    if not (isinstance(body, ast.Call) and getattr(body.func, "id", "") == "maybe_transform"):
        return None
    params = tuple(_resolve(expr, module) for expr in _branches(body.args[1]))
    return Operation(
        name=name,
        method=node.func.attr[1:].upper(),
        path=_route(node.args[0]),
        multipart="files" in keywords,
        params=params,
        body_keys=_body_keys(body.args[0], function),
    )


def _branches(expr: ast.expr) -> list[ast.expr]:
    if isinstance(expr, ast.IfExp):
        return [*_branches(expr.body), *_branches(expr.orelse)]
    return [expr]


def _resolve(expr: ast.expr, module: ModuleType) -> Any:
    value: Any = module
    for part in ast.unparse(expr).split("."):
        value = getattr(value, part)
    return value


def _route(expr: ast.expr) -> str:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Call) and expr.args and isinstance(expr.args[0], ast.Constant):
        return str(expr.args[0].value)
    raise ValueError(f"cannot read the route {ast.unparse(expr)}")


def _body_keys(expr: ast.expr, function: ast.FunctionDef) -> tuple[str, ...] | None:
    if isinstance(expr, ast.Name):
        assigned = [
            n.value
            for n in ast.walk(function)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == expr.id for t in n.targets)
        ]
        expr = next((d for a in assigned for d in ast.walk(a) if isinstance(d, ast.Dict)), expr)
    if isinstance(expr, ast.Dict) and all(isinstance(k, ast.Constant) for k in expr.keys):
        return tuple(str(k.value) for k in expr.keys if isinstance(k, ast.Constant))
    return None


# --- schema building -------------------------------------------------------


def build_schema(operation: Operation) -> Schema:
    """The complete, post-processed schema of one operation's body."""
    variants = [_pydantic_schema(params) for params in operation.params]
    defs: Schema = {}
    for variant in variants:
        defs.update(variant.pop("$defs", {}))
    root = variants[0]
    for other in variants[1:]:
        root = _merge_variants(root, other)
    if operation.body_keys is not None:
        for body in root.get("anyOf", [root]):
            _keep_keys(body, set(operation.body_keys))
    for name, optional in OPTIONAL_IN_PRACTICE.items():
        if name in defs:
            defs[name]["required"] = [key for key in defs[name].get("required", []) if key not in optional]
    schema: Schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": defs}
    schema = _normalize(_inline_single_use_defs(_normalize(schema)))
    _apply_global_limits(schema)
    _apply_limits(schema, LIMITS.get(operation.name, {}), operation.name)
    schema["x-route"] = f"{operation.method} {operation.path}"
    schema["x-generator"] = GENERATOR
    if operation.multipart:
        schema["x-multipart"] = True
    if not schema["$defs"]:
        del schema["$defs"]
    return schema


def _keep_keys(body: Schema, keep: set[str]) -> None:
    body["properties"] = {k: v for k, v in body["properties"].items() if k in keep}
    body["required"] = [k for k in body.get("required", []) if k in keep]


def _pydantic_schema(params: Any) -> Schema:
    """The schema of a TypedDict (or a union of them), its own definitions hoisted to the top."""
    wrapper = create_model("Body", __config__=ConfigDict(arbitrary_types_allowed=True), body=(params, ...))
    full = wrapper.model_json_schema(schema_generator=_FileAwareSchema)
    defs: Schema = full.get("$defs", {})
    body: Schema = full["properties"]["body"]
    refs = body.get("anyOf", [body])
    roots = [defs.pop(ref["$ref"].rsplit("/", 1)[1]) for ref in refs]
    root = roots[0] if len(roots) == 1 else {"anyOf": roots}
    return {**root, "$defs": defs}


def _merge_variants(left: Schema, right: Schema) -> Schema:
    properties = dict(left["properties"])
    for key, value in right["properties"].items():
        if key in properties and properties[key] != value:
            properties[key] = {"anyOf": [properties[key], value]}
        else:
            properties[key] = value
    required = [k for k in left.get("required", []) if k in right.get("required", [])]
    return {**left, "properties": properties, "required": required}


def _walk(node: Any, visit: Callable[[Schema], Schema]) -> Any:
    """Rebuild `node` bottom-up, passing every schema object through `visit`."""
    if isinstance(node, list):
        return [_walk(item, visit) for item in node]
    if not isinstance(node, dict):
        return node
    rebuilt: Schema = {}
    for key, value in node.items():
        if key in ("properties", "$defs"):
            rebuilt[key] = {name: _walk(sub, visit) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "propertyNames", "not", "contains"):
            rebuilt[key] = _walk(value, visit)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            rebuilt[key] = [_walk(sub, visit) for sub in value]
        else:
            rebuilt[key] = value
    return visit(rebuilt)


def _normalize(schema: Schema) -> Schema:
    normalized: Schema = _walk(schema, _normalize_node)
    return normalized


def _normalize_node(node: Schema) -> Schema:
    node = {k: v for k, v in node.items() if k not in DROPPED_KEYWORDS}
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.get("additionalProperties") is True and node.get("type") == "object":
        del node["additionalProperties"]
    if node.get("required") == []:
        del node["required"]
    if "const" in node and "enum" in node:
        del node["enum"]
    for keyword in ("anyOf", "oneOf"):
        if keyword in node:
            branches = _simplify_union(node.pop(keyword))
            if len(branches) == 1:
                node.update(branches[0])
            else:
                node[keyword] = branches
    return node


def _is_file(node: Schema) -> bool:
    return node.get("format") in ("binary", "path") or "prefixItems" in node


def _simplify_union(branches: list[Schema]) -> list[Schema]:
    flat: list[Schema] = []
    for branch in branches:
        flat.extend(branch["anyOf"] if set(branch) == {"anyOf"} else [branch])
    if any(b.get("format") == "binary" for b in flat):
        flat = [b for b in flat if not _is_file(b)] + [dict(FILE)]
        flat.sort(key=lambda b: b.get("type") != "string")
    unique: list[Schema] = []
    for branch in flat:
        if branch not in unique:
            unique.append(branch)
    if {"type": "string"} in unique:
        unique = [
            b
            for b in unique
            if not (b.get("type") == "string" and set(b) <= {"type", "enum", "const"} and b != {"type": "string"})
        ]
    if {"type": "boolean"} in unique:
        unique = [b for b in unique if not (b.get("type") == "boolean" and "const" in b)]
    consts = [b for b in unique if b.get("type") == "boolean" and "const" in b]
    if len({b["const"] for b in consts}) == 2:
        unique = [b if b is not consts[0] else {"type": "boolean"} for b in unique if b is not consts[1]]
    return _fold_null(unique)


def _fold_null(branches: list[Schema]) -> list[Schema]:
    """`anyOf: [{type: X, ...}, {type: null}]` becomes `{type: [X, null], ...}` where that keeps the meaning."""
    if {"type": "null"} not in branches or len(branches) != 2:
        return branches
    other = next(b for b in branches if b != {"type": "null"})
    if isinstance(other.get("type"), str) and not ({"enum", "const", "$ref"} & set(other)):
        return [{**other, "type": [other["type"], "null"]}]
    return branches


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _inline_single_use_defs(schema: Schema) -> Schema:
    defs: Schema = schema["$defs"]
    while True:
        counts = Counter(_refs(schema))
        inlinable = [name for name in defs if counts[name] <= 1 and name not in set(_refs(defs[name]))]
        if not inlinable:
            break
        for name in inlinable:
            target = defs.pop(name)
            schema = _replace_ref(schema, name, target)
            defs = schema["$defs"]
    return schema


def _replace_ref(node: Any, name: str, target: Schema) -> Any:
    if isinstance(node, list):
        return [_replace_ref(item, name, target) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("$ref") == f"#/$defs/{name}":
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {**copy.deepcopy(target), **rest}
    return {key: _replace_ref(value, name, target) for key, value in node.items()}


def _reach(schema: Schema, node: Schema, steps: list[str]) -> Iterator[Schema]:
    """The schemas that `steps` lead to from `node`, through refs and unions."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    for keyword in ("anyOf", "oneOf"):
        for branch in node.get(keyword, []):
            yield from _reach(schema, branch, steps)
    if not steps:
        yield node
        return
    step, rest = steps[0], steps[1:]
    if step == "[]" and "items" in node:
        yield from _reach(schema, node["items"], rest)
    elif step == "{}" and isinstance(node.get("additionalProperties"), dict):
        yield from _reach(schema, node["additionalProperties"], rest)
    elif step in node.get("properties", {}):
        yield from _reach(schema, node["properties"][step], rest)


def _split(path: str) -> list[str]:
    steps: list[str] = []
    for part in path.split("."):
        name = part.replace("[]", "").replace("{}", "")
        if name:
            steps.append(name)
        steps.extend(
            "[]" if part[i : i + 2] == "[]" else "{}" for i in range(len(part)) if part[i : i + 2] in ("[]", "{}")
        )
    return steps


def _types(node: Schema) -> set[str]:
    declared = node.get("type")
    if isinstance(declared, list):
        return set(declared)
    return {declared} if isinstance(declared, str) else set()


def _constrain(node: Schema, keyword: str, value: Any) -> bool:
    wanted = _TYPED_KEYWORDS.get(keyword)
    if wanted is None or not (_types(node) & set(wanted)):
        return False
    node[keyword] = value
    return True


def _apply_limits(schema: Schema, limits: dict[str, Any], operation: str) -> None:
    for path, constraints in limits.items():
        if path in ("x-order", "x-missing"):
            schema[path] = constraints
            continue
        reached = [n for n in _reach(schema, schema, _split(path))]
        for keyword, value in constraints.items():
            if keyword == "x-branch-order":
                applied = any(_order_branches(schema, node, value) for node in reached)
            elif keyword == "x-extra-properties":
                applied = any([_add_properties(schema, node, value) for node in reached])
            else:
                applied = any([_constrain(node, keyword, value) for node in reached])
            if not applied:
                raise ValueError(f"{operation}: limit {keyword} at {path!r} matches no schema")


def _add_properties(schema: Schema, node: Schema, extra: dict[str, Schema]) -> bool:
    """Add properties to the union branches whose discriminating const is a key of `extra`."""
    added = False
    for branch in node.get("anyOf", [node]):
        target = schema["$defs"][branch["$ref"].rsplit("/", 1)[1]] if "$ref" in branch else branch
        for value in list(target.get("properties", {}).values()):
            if isinstance(value, dict) and value.get("const") in extra:
                target["properties"].update(copy.deepcopy(extra[value["const"]]))
                added = True
    return added


def _order_branches(schema: Schema, node: Schema, order: list[str]) -> bool:
    branches = node.get("anyOf")
    if not branches:
        return False

    def rank(branch: Schema) -> int:
        target = schema["$defs"][branch["$ref"].rsplit("/", 1)[1]] if "$ref" in branch else branch
        for value in target.get("properties", {}).values():
            if value.get("const") in order:
                return order.index(value["const"])
        return len(order)

    node["anyOf"] = sorted(branches, key=rank)
    return True


def _apply_global_limits(schema: Schema) -> None:
    for node in list(_objects(schema)):
        for name, limits in GLOBAL_LIMITS.items():
            target = node.get("properties", {}).get(name)
            maps = (
                [b for b in _reach(schema, target, []) if isinstance(b.get("additionalProperties"), dict)]
                if target
                else []
            )
            for path, constraints in limits.items() if maps else ():
                for reached in _reach(schema, target, _split(path)):
                    for keyword, value in constraints.items():
                        _constrain(reached, keyword, copy.deepcopy(value))


def _objects(node: Any) -> Iterator[Schema]:
    """Every JSON object inside `node`, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)


# --- output ----------------------------------------------------------------


def render(schema: Schema) -> str:
    """The file text of one schema: stable key order, one trailing newline."""
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """File name to file text, for every operation."""
    return {f"{op.name}.json": render(build_schema(op)) for op in discover_operations()}


def main(argv: list[str]) -> int:
    """Write every schema into the output directory, removing stale ones."""
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.mkdir(parents=True, exist_ok=True)
    files = generate()
    for stale in output.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (output / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} schemas to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
