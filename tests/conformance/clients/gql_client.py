"""Python `gql`, unmodified, against a running familygraph.

Validates every document locally against `schema.graphql` (gql does this when given the
schema), runs the README's example queries and its mutation over HTTP (aiohttp), follows a
subscription over graphql-transport-ws (websockets) while a mutation makes it fire, and checks
that a field the caller may not read answers `null` with a FORBIDDEN error (the specified
response shape) rather than going missing.

Usage: python clients/gql_client.py <http url> <admin token> <school token> <summary.json>
"""

import asyncio
import json
import re
import sys
import time
from pathlib import Path

from gql import Client, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

ROOT = Path(__file__).resolve().parents[3]
RESULTS: list[dict] = []


def check(name: str, ok: bool, detail: str = "") -> None:
    RESULTS.append({"name": name, "ok": bool(ok), "detail": detail})
    suffix = f" ({detail})" if detail else ""
    print(f"{'ok  ' if ok else 'FAIL'} gql: {name}{suffix}", flush=True)


def readme_documents() -> list[str]:
    documents, current = [], None
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        trimmed = line.lstrip()
        if current is None and trimmed == "```graphql":
            current = []
        elif current is not None and trimmed == "```":
            documents.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return documents


def is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, list):
        return all(is_empty(v) for v in value)
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    return False


def http_client(url: str, token: str, schema: str) -> Client:
    transport = AIOHTTPTransport(url=url, headers={"Authorization": f"Bearer {token}"})
    return Client(transport=transport, schema=schema)


async def main(url: str, admin: str, school: str, summary: Path) -> int:
    schema = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    suffix = str(int(time.time() * 1000))

    async with http_client(url, admin, schema) as session:
        for index, document in enumerate(readme_documents(), start=1):
            is_mutation = document.lstrip().startswith("mutation")
            if is_mutation:
                document = re.sub(
                    r'idempotencyKey: "([^"]+)"', rf'idempotencyKey: "\1-gql-{suffix}"', document
                )
            kind = "mutation" if is_mutation else "query"
            try:
                data = await session.execute(gql(document))
                empty = [k for k, v in data.items() if is_empty(v)]
                check(f"README example {index} ({kind})", not empty, f"empty: {empty}" if empty else "")
            except Exception as error:  # noqa: BLE001 - reported as a failed check
                check(f"README example {index} ({kind})", False, f"{type(error).__name__}: {error}")

    # A subscription over graphql-transport-ws, fired by a contact recorded over HTTP.
    family_name = f"Gqlfield{suffix[-6:]}"
    ws_url = re.sub(r"^http", "ws", url)
    ws = WebsocketsTransport(
        url=ws_url,
        init_payload={"Authorization": f"Bearer {admin}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    subscription = gql(
        "subscription { frontDoorQueue { id source child { givenName familyName } } }"
    )
    mutation = gql(
        """mutation Record($input: RecordContactInput!) {
             recordContact(input: $input) { contact { id } userErrors { code message } }
           }"""
    )
    try:
        async with Client(transport=ws, schema=schema) as live:
            async def first_matching_event():
                async for event in live.subscribe(subscription):
                    if event["frontDoorQueue"]["child"]["familyName"] == family_name:
                        return event["frontDoorQueue"]

            waiter = asyncio.ensure_future(first_matching_event())
            await asyncio.sleep(1.0)
            async with http_client(url, admin, schema) as session:
                recorded = await session.execute(
                    mutation,
                    variable_values={
                        "input": {
                            "idempotencyKey": f"gql-{suffix}",
                            "source": "SCHOOLS",
                            "recordedBy": "Designated safeguarding lead, a primary school",
                            "presentingConcern": "Conformance check: a contact for the subscription.",
                            "child": {
                                "givenName": "Rowan",
                                "familyName": family_name,
                                "dateOfBirth": "2016-09-21",
                                "sex": "MALE",
                            },
                        }
                    },
                )
            errors = recorded["recordContact"]["userErrors"]
            check("mutation with variables", not errors, json.dumps(errors) if errors else "")
            event = await asyncio.wait_for(waiter, timeout=20)
            check(
                "subscription frontDoorQueue delivers the new contact",
                event["id"] == recorded["recordContact"]["contact"]["id"],
            )
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        check("subscription frontDoorQueue delivers the new contact", False, f"{type(error).__name__}: {error}")

    # A school may read a child's identity but not its plans: `plans` is null, not missing.
    async with http_client(url, school, schema) as session:
        query = gql(
            "{ children(first: 1) { edges { node { id givenName plans { kind } } } } }"
        )
        try:
            await session.execute(query)
            check("a withheld field answers null with FORBIDDEN", False, "no error")
        except TransportQueryError as error:
            codes = {((e.get("extensions") or {}).get("code")) for e in (error.errors or [])}
            edges = ((error.data or {}).get("children") or {}).get("edges") or [{}]
            node = edges[0].get("node") or {}
            check(
                "a withheld field answers null with FORBIDDEN",
                codes == {"FORBIDDEN"} and "plans" in node and node["plans"] is None and node.get("givenName"),
                f"codes {sorted(map(str, codes))}, node {json.dumps(node)}",
            )

    passed = sum(1 for r in RESULTS if r["ok"])
    failed = len(RESULTS) - passed
    summary.write_text(
        json.dumps({"client": "gql (Python)", "passed": passed, "failed": failed, "results": RESULTS}, indent=2)
    )
    print(f"gql: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
