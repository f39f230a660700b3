"""Schemathesis checks for familygraph (loaded with SCHEMATHESIS_HOOKS=schemathesis_checks).

Schemathesis's own GraphQL `not_a_server_error` counts any resolver error without an Apollo
client marker as a server failure, so a `FORBIDDEN` or `NOT_FOUND` answer to a generated query
(the API refusing, as designed) would count as a crash. These checks replace it with what the
API promises (docs/error-codes.md):

* `familygraph_no_server_error`: no 5xx; every error carries `extensions.code`; none is
  `INTERNAL` (the code of an unexpected failure, whose details are masked).
* `familygraph_response_matches_document`: the `data` of every answer has the shape the
  document and `schema.graphql` promise: every selected field present, no field that was not
  selected, no `null` in a non-null position, leaves of the declared scalar or enum type.
"""

from __future__ import annotations

import json
import os
from datetime import timezone
from functools import lru_cache
from pathlib import Path

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    build_schema,
    is_abstract_type,
    parse,
)

# familygraph's two custom scalars: ISO dates and RFC 3339 date-times (mostly valid, sometimes not).
schemathesis.graphql.scalar(
    "NaiveDate",
    st.one_of(st.dates().map(lambda d: d.isoformat()), st.text(max_size=12)).map(nodes.String),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat()),
        st.text(max_size=25),
    ).map(nodes.String),
)

SCHEMA_PATH = Path(
    os.environ.get("FAMILYGRAPH_SCHEMA", Path(__file__).resolve().parents[2] / "schema.graphql")
)


@lru_cache(maxsize=1)
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


def payload_of(response):
    try:
        return json.loads(response.content)
    except (ValueError, TypeError):
        return None


@schemathesis.check
def familygraph_no_server_error(ctx, response, case):
    """No 5xx, every error coded, no INTERNAL error."""
    if response.status_code >= 500:
        raise AssertionError(f"server error: HTTP {response.status_code}")
    payload = payload_of(response)
    if not isinstance(payload, dict):
        raise AssertionError("the response is not a JSON object")
    for error in payload.get("errors") or []:
        code = (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
        if not isinstance(code, str):
            raise AssertionError(f"an error without extensions.code: {json.dumps(error)[:300]}")
        if code == "INTERNAL":
            raise AssertionError(f"INTERNAL error: {error.get('message')}")


@schemathesis.check
def familygraph_response_matches_document(ctx, response, case):
    """`data` has the shape the document and the schema promise."""
    if response.status_code != 200 or not isinstance(case.body, str):
        return
    payload = payload_of(response)
    if not isinstance(payload, dict) or payload.get("data") is None:
        return
    problems = shape_problems(case.body, payload["data"])
    if problems:
        raise AssertionError("the response breaks the schema: " + "; ".join(problems[:5]))


def shape_problems(document: str, data) -> list[str]:
    """Where `data` departs from what `document` asks of the schema."""
    tree = parse(document)
    fragments = {d.name.value: d for d in tree.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in tree.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return []
    operation = operations[0]
    root = {
        "query": schema().query_type,
        "mutation": schema().mutation_type,
        "subscription": schema().subscription_type,
    }[operation.operation.value]
    problems: list[str] = []
    check_object(root, root.name, operation.selection_set.selections, data, "data", fragments, problems)
    return problems


def applies(condition, runtime: str | None, parent) -> bool | None:
    """Whether a fragment on `condition` applies to an object of type `runtime` (None: unknown)."""
    if condition is None or condition.name.value == parent.name:
        return True
    if runtime is None:
        return None
    if condition.name.value == runtime:
        return True
    target = schema().get_type(condition.name.value)
    runtime_type = schema().get_type(runtime)
    if target is None or not isinstance(runtime_type, GraphQLObjectType):
        return False
    return is_abstract_type(target) and schema().is_sub_type(target, runtime_type)


def collect(parent, runtime, selections, fragments, required, out) -> None:
    """Response key -> (field definition, field nodes, required) for the selections that apply."""
    for selection in selections:
        conditional = bool(selection.directives)
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            name = selection.name.value
            if name == "__typename":
                definition = None
            else:
                definition = parent.fields.get(name) if hasattr(parent, "fields") else None
            entry = out.setdefault(key, [definition, [], False])
            if entry[0] is None:
                entry[0] = definition
            entry[1].append(selection)
            entry[2] = entry[2] or (required and not conditional)
        else:
            if isinstance(selection, InlineFragmentNode):
                condition, selection_set = selection.type_condition, selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None:
                    continue
                condition, selection_set = fragment.type_condition, fragment.selection_set
            else:
                continue
            applied = applies(condition, runtime, parent)
            if applied is False:
                continue
            scope = schema().get_type(condition.name.value) if condition is not None else parent
            collect(
                scope,
                runtime,
                selection_set.selections,
                fragments,
                required and applied is True and not conditional,
                out,
            )


def check_object(parent, runtime, selections, value, path, fragments, problems) -> None:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object, got {type(value).__name__}")
        return
    if runtime is None and isinstance(value.get("__typename"), str):
        runtime = value["__typename"]
    fields: dict = {}
    collect(parent, runtime, selections, fragments, True, fields)
    for key in value:
        if key not in fields:
            problems.append(f"{path}.{key}: not selected")
    for key, (definition, nodes, required) in fields.items():
        if key not in value:
            if required:
                problems.append(f"{path}.{key}: missing")
            continue
        if nodes[0].name.value == "__typename":
            if not isinstance(value[key], str):
                problems.append(f"{path}.{key}: __typename is not a string")
            continue
        if definition is None:
            continue
        sub = [s for node in nodes if node.selection_set for s in node.selection_set.selections]
        check_value(definition.type, sub, value[key], f"{path}.{key}", fragments, problems)


def check_value(type_, selections, value, path, fragments, problems) -> None:
    if value is None:
        if isinstance(type_, GraphQLNonNull):
            problems.append(f"{path}: null in a non-null position ({type_})")
        return
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list")
            return
        for index, item in enumerate(value):
            check_value(type_.of_type, selections, item, f"{path}[{index}]", fragments, problems)
        return
    if isinstance(type_, GraphQLEnumType):
        if value not in type_.values:
            problems.append(f"{path}: {value!r} is not a {type_.name}")
        return
    if isinstance(type_, GraphQLScalarType):
        expected = {
            "Int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "Float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "Boolean": lambda v: isinstance(v, bool),
            "String": lambda v: isinstance(v, str),
            "ID": lambda v: isinstance(v, (str, int)) and not isinstance(v, bool),
        }.get(type_.name, lambda v: isinstance(v, str))
        if not expected(value):
            problems.append(f"{path}: {value!r} is not a {type_.name}")
        return
    runtime = type_.name if isinstance(type_, GraphQLObjectType) else None
    check_object(type_, runtime, selections, value, path, fragments, problems)
