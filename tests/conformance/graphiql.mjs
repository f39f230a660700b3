// GraphiQL in a real browser: Debian's Chromium, driven by playwright-core (no browser is
// downloaded), loads /graphiql with every request off this server refused, runs a query with a
// token from the Headers pane, and saves a screenshot. Fails on any outside request, any
// Content-Security-Policy violation or page error, or a missing query result.
//
// Usage: node graphiql.mjs <base url> <token> <screenshot.png> <summary.json>
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, token, screenshotPath, summaryPath] = process.argv.slice(2);
const origin = new URL(base).origin;
const userDataDir = mkdtempSync(join(tmpdir(), 'familygraph-chromium-'));
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const QUERY = `{
  team(code: "S1") {
    name
    caseload(first: 3) {
      totalCount
      edges { node { role child { givenName familyName } } }
    }
  }
}
`;

const outside = [];
const problems = [];
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: FLAGS,
  viewport: { width: 1280, height: 720 },
  timeout: 60_000,
});
try {
  // No outside network: anything not from this server is refused and counted.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  // The token as a user leaves it in the Headers pane (GraphiQL persists the pane).
  await context.addInitScript((headers) => {
    window.localStorage.setItem('graphiql:headers', headers);
  }, JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    // A failed HTTP response is reported (with its body) by the response handler below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', async (response) => {
    if (response.status() >= 400) {
      const body = await response.text().catch(() => '');
      const sent = (response.request().postData() ?? '').slice(0, 200);
      problems.push(`HTTP ${response.status()} for ${response.url()} (sent ${sent}): ${body.slice(0, 300)}`);
    }
  });
  await page.goto(`${base}/graphiql`, { waitUntil: 'networkidle' });
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30_000 });
  // Type the query as an editor would set it (CodeMirror 5's own API).
  await page.evaluate((query) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(query);
  }, QUERY);
  await page.click('.graphiql-execute-button');
  const result = page.locator('.graphiql-response .CodeMirror');
  await result.filter({ hasText: 'totalCount' }).waitFor({ timeout: 30_000 });
  const text = await page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue());
  const response = JSON.parse(text);
  const team = response?.data?.team;
  if (!team || !(team.caseload?.totalCount > 0) || response.errors) {
    problems.push(`unexpected result: ${text.slice(0, 300)}`);
  }
  await page.screenshot({ path: screenshotPath });
  console.log(`GraphiQL answered: team ${team?.name}, caseload ${team?.caseload?.totalCount}`);
} catch (error) {
  problems.push(`${error.name}: ${error.message.split('\n')[0]}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
for (const url of outside) problems.push(`outside request refused: ${url}`);
for (const problem of problems) console.log(`FAIL graphiql: ${problem}`);
const passed = problems.length === 0;
writeFileSync(summaryPath, JSON.stringify({ passed, outsideRequests: outside.length, problems }, null, 2));
console.log(`GraphiQL in Chromium: ${passed ? 1 : 0} passed, ${passed ? 0 : 1} failed`);
process.exit(passed ? 0 : 1);
