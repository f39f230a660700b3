// urql (@urql/core) and graphql-ws, unmodified, against a running familygraph: every README
// example query and its mutation over HTTP, Relay's node(id:) and connection paging, and a
// subscription followed over graphql-transport-ws while a mutation makes it fire.
//
// Usage: node clients/urql.mjs <http url> <admin token> <summary.json>
import { writeFileSync } from 'node:fs';
import { Client, fetchExchange, gql } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { freshMutation, readmeDocuments } from './readme.mjs';

const [url, token, summaryPath] = process.argv.slice(2);
const readme = new URL('../../../README.md', import.meta.url);
const results = [];
const check = (name, ok, detail = '') => {
  results.push({ name, ok: Boolean(ok), detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} urql: ${name}${detail ? ` (${detail})` : ''}`);
};

const client = new Client({
  url,
  exchanges: [fetchExchange],
  fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
  requestPolicy: 'network-only',
});

const isEmpty = (value) =>
  value === null ||
  (Array.isArray(value) && value.every(isEmpty)) ||
  (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isEmpty));

const suffix = `${Date.now()}`;
for (const [index, document] of readmeDocuments(readme).entries()) {
  const isMutation = document.trimStart().startsWith('mutation');
  const result = isMutation
    ? await client.mutation(freshMutation(document, suffix), {}).toPromise()
    : await client.query(document, {}).toPromise();
  const empty = result.data ? Object.entries(result.data).filter(([, v]) => isEmpty(v)).map(([k]) => k) : ['(no data)'];
  check(`README example ${index + 1} (${isMutation ? 'mutation' : 'query'})`, !result.error && empty.length === 0,
    result.error ? result.error.message : empty.length ? `empty: ${empty.join(', ')}` : '');
}

// Relay: a connection pages forward with cursors, and node(id:) refetches any record by id.
const page = gql`
  query ChildrenPage($after: String) {
    children(first: 3, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id __typename givenName } }
    }
  }
`;
const first = await client.query(page, {}).toPromise();
const second = await client.query(page, { after: first.data?.children.pageInfo.endCursor }).toPromise();
const firstIds = first.data?.children.edges.map((e) => e.node.id) ?? [];
const secondIds = second.data?.children.edges.map((e) => e.node.id) ?? [];
check('connection pages forward without overlap',
  !first.error && !second.error && firstIds.length === 3 && secondIds.length === 3 &&
  first.data.children.pageInfo.hasNextPage && !secondIds.some((id) => firstIds.includes(id)));
const refetch = await client
  .query(gql`query Refetch($id: ID!) { node(id: $id) { __typename id ... on Person { givenName } } }`, { id: firstIds[0] })
  .toPromise();
const firstNode = first.data?.children.edges[0]?.node;
check('node(id:) refetches a record by its global id',
  !refetch.error && refetch.data?.node?.id === firstNode?.id &&
  refetch.data?.node?.__typename === firstNode?.__typename && refetch.data?.node?.givenName === firstNode?.givenName);

// A subscription over graphql-transport-ws: a contact recorded over HTTP reaches the queue.
const wsUrl = url.replace(/^http/, 'ws');
const ws = createWsClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
});
const familyName = `Urqlfield${suffix.slice(-6)}`;
const received = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no event within 20 s')), 20_000);
  const unsubscribe = ws.subscribe(
    { query: 'subscription { frontDoorQueue { id source child { givenName familyName } } }' },
    {
      next: (event) => {
        if (event.errors) {
          clearTimeout(timer);
          reject(new Error(JSON.stringify(event.errors)));
        } else if (event.data?.frontDoorQueue?.child?.familyName === familyName) {
          clearTimeout(timer);
          unsubscribe();
          resolve(event.data.frontDoorQueue);
        }
      },
      error: (error) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error?.reason ?? error)));
      },
      complete: () => {},
    },
  );
});
// Give the server a moment to register the subscription before the change it should see.
await new Promise((r) => setTimeout(r, 1000));
const contact = await client
  .mutation(
    gql`mutation Record($input: RecordContactInput!) { recordContact(input: $input) { contact { id } userErrors { code message } } }`,
    {
      input: {
        idempotencyKey: `urql-${suffix}`,
        source: 'SCHOOLS',
        recordedBy: 'Designated safeguarding lead, a primary school',
        presentingConcern: 'Conformance check: a contact for the subscription.',
        child: { givenName: 'Wren', familyName, dateOfBirth: '2017-03-04', sex: 'FEMALE' },
      },
    },
  )
  .toPromise();
check('mutation with variables', !contact.error && contact.data?.recordContact?.userErrors.length === 0,
  contact.error?.message ?? JSON.stringify(contact.data?.recordContact?.userErrors ?? []));
try {
  const event = await received;
  check('subscription frontDoorQueue delivers the new contact', event.id === contact.data?.recordContact?.contact?.id);
} catch (error) {
  check('subscription frontDoorQueue delivers the new contact', false, error.message);
}
await ws.dispose();

const passed = results.filter((r) => r.ok).length;
writeFileSync(summaryPath, JSON.stringify({ client: 'urql + graphql-ws', passed, failed: results.length - passed, results }, null, 2));
console.log(`urql: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
