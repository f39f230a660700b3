// The README's ```graphql examples, as written (shared by the Node clients).
import { readFileSync } from 'node:fs';

/** Every ```graphql block of the README, in order. */
export function readmeDocuments(readmePath) {
  const documents = [];
  let current = null;
  for (const line of readFileSync(readmePath, 'utf8').split('\n')) {
    const trimmed = line.trimStart();
    if (current === null && trimmed === '```graphql') current = [];
    else if (current !== null && trimmed === '```') {
      documents.push(current.join('\n'));
      current = null;
    } else if (current !== null) current.push(line);
  }
  return documents;
}

/** A document made unique per run: the README mutation's idempotency key gets a suffix. */
export function freshMutation(document, suffix) {
  return document.replace(/idempotencyKey: "([^"]+)"/, `idempotencyKey: "$1-${suffix}"`);
}
