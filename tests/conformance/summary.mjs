// Gathers the suites' JSON results into target/conformance/summary.json and prints one line
// per suite and a closing "N passed, M failed" line (suites, not cases).
//
// Usage: node summary.mjs <out dir> [failed suite name ...]
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, ...failedSuites] = process.argv.slice(2);
const read = (name) => (existsSync(join(out, name)) ? JSON.parse(readFileSync(join(out, name), 'utf8')) : null);

const audit = read('audit.json');
const schemathesis = readdirSync(out)
  .filter((f) => /^schemathesis-.*\.json$/.test(f))
  .map((f) => read(f));
const clients = ['urql.json', 'gql.json'].map(read).filter(Boolean);
const summary = {
  graphqlHttpAudits: audit && {
    total: audit.total,
    passed: audit.ok,
    failed: audit.mustFailed + audit.shouldFailed + audit.mayFailed,
    knownNotMet: audit.accepted,
    byLevel: audit.byLevel,
  },
  schemathesis: schemathesis.map((s) => ({
    token: s.token, operations: s.operations, testCases: s.testCases, responses: s.responses, checksRun: s.checksRun, failures: s.failures,
  })),
  clients: clients.map((c) => ({ client: c.client, passed: c.passed, failed: c.failed })),
  codegen: read('codegen.json'),
  relay: read('relay.json') && { checked: read('relay.json').checked, failed: read('relay.json').failed },
  graphiql: read('graphiql.json'),
  failedSuites,
};
writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2));

if (audit) console.log(`graphql-http audits: ${summary.graphqlHttpAudits.passed}/${audit.total} passed, ${summary.graphqlHttpAudits.failed} failed, ${audit.accepted} known`);
for (const s of summary.schemathesis) console.log(`schemathesis (${s.token}): ${s.testCases} test cases over ${s.operations} operations, ${s.failures} failures`);
for (const c of summary.clients) console.log(`${c.client}: ${c.passed} passed, ${c.failed} failed`);
if (summary.codegen) console.log(`codegen: ${summary.codegen.operations} typed operations type-check`);
if (summary.relay) console.log(`Relay conventions: ${summary.relay.checked - summary.relay.failed}/${summary.relay.checked} hold`);
if (summary.graphiql) console.log(`GraphiQL in Chromium: ${summary.graphiql.passed ? 'query answered' : 'FAILED'}, ${summary.graphiql.outsideRequests} outside requests`);
const suites = 7;
console.log(`conformance: ${suites - failedSuites.length} passed, ${failedSuites.length} failed`);
if (failedSuites.length) console.log(`failed suites: ${failedSuites.join(', ')}`);
process.exit(failedSuites.length === 0 ? 0 : 1);
