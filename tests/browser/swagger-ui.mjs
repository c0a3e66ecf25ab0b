// Swagger UI in a real browser.
//
// Starts the release binary on a fresh temporary SQLite file (demo data
// loaded) and a free port, opens /docs/ in Debian's chromium driven by
// playwright-core, and checks that:
//   - every request the page makes goes to the server's own host (the Swagger
//     UI assets are served by the binary, nothing is fetched from elsewhere);
//   - the Authorize dialog lists each scope with a description (not its name
//     twice), and logs in with e-mail and password (the OAuth2 password
//     flow), through the real UI;
//   - "Try it out" -> "Execute" on GET /api/v1/candidates renders a 200
//     response whose body holds candidates from the demo data.
// Saves a screenshot to tests/browser/artifacts/swagger-ui.png.
// Exits non-zero on any failure, and always stops the server it started.
//
// Run it with `bash tests/browser/run.sh` from the repository root.
// Environment: BIN (default target/release/interim-tracker, relative to the
// repository root), CHROMIUM (default /usr/bin/chromium).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const started = Date.now();
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = path.resolve(root, process.env.BIN || 'target/release/interim-tracker');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = path.join(here, 'artifacts');
const screenshot = path.join(artifacts, 'swagger-ui.png');
const serverLogPath = path.join(artifacts, 'server.log');

const ADMIN_EMAIL = 'browser-test-admin@interim-tracker.local';
const ADMIN_PASSWORD = 'browser-test-password-0123456789';
const JWT_SECRET = 'browser-test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const OVERALL_TIMEOUT_MS = 110_000;
const STEP_TIMEOUT_MS = 20_000;

function log(message) {
  const secs = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`[${secs}s] ${message}`);
}

class Failure extends Error {}
function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Everything to undo at the end, whatever happens.
let server = null;
let context = null;
let tmp = null;

function killServerNow() {
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      server.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const gone = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!gone) {
    log('server did not stop within 5 s of SIGTERM; killing it');
    killServerNow();
    await exited;
  }
}

// A last resort if the process ends without reaching the finally block.
process.on('exit', killServerNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`interrupted (${signal}); stopping the server`);
    killServerNow();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  });
}

async function main() {
  // --- the binary -----------------------------------------------------------
  check(
    fs.existsSync(bin),
    `no binary at ${bin}: build it first (cargo build --release), or point BIN at it`,
  );
  check(fs.existsSync(executablePath), `no browser at ${executablePath}: run tests/browser/run.sh, which installs it`);
  fs.mkdirSync(artifacts, { recursive: true });
  fs.rmSync(screenshot, { force: true });

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'interim-tracker-browser-'));
  const dbPath = path.join(tmp, 'tracker.db');
  const userDataDir = path.join(tmp, 'chromium-profile');
  fs.mkdirSync(userDataDir);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${dbPath}`,
    BIND_ADDR: `127.0.0.1:${port}`,
    BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    JWT_SECRET,
    SHUTDOWN_TIMEOUT_SECS: '2',
    LOG_FORMAT: 'text',
    NO_COLOR: '1',
  };

  // --- demo data, then the server -------------------------------------------
  const shownBin = bin.startsWith(root + path.sep) ? path.relative(root, bin) : bin;
  log(`binary ${shownBin}; database ${dbPath}`);
  const demo = spawnSync(bin, ['demo-data'], { env, encoding: 'utf8', timeout: 60_000 });
  if (demo.status !== 0) {
    process.stderr.write(demo.stdout || '');
    process.stderr.write(demo.stderr || '');
    throw new Failure(`"${bin} demo-data" failed (status ${demo.status}, signal ${demo.signal}, ${demo.error || ''})`);
  }
  log('demo data loaded');

  const serverLog = fs.openSync(serverLogPath, 'w');
  server = spawn(bin, ['serve'], { env, stdio: ['ignore', serverLog, serverLog] });
  fs.closeSync(serverLog);
  let serverError = null;
  server.on('error', (e) => {
    serverError = e;
  });

  const readyBy = Date.now() + 30_000;
  for (;;) {
    check(!serverError, `the server could not be started: ${serverError}`);
    check(
      server.exitCode === null && server.signalCode === null,
      `the server exited early (status ${server.exitCode}, signal ${server.signalCode}); see ${serverLogPath}`,
    );
    try {
      const res = await fetch(`${origin}/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    check(Date.now() < readyBy, `GET ${origin}/ready did not answer 200 within 30 s; see ${serverLogPath}`);
    await sleep(100);
  }
  log(`server ready at ${origin} (pid ${server.pid})`);

  // --- the browser ----------------------------------------------------------
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 1000 },
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);

  // Every request of every page, worker and frame in the context.
  const requests = [];
  const foreign = [];
  const ownHost = `127.0.0.1:${port}`;
  context.on('request', (req) => {
    const url = req.url();
    requests.push(`${req.method()} ${url}`);
    const u = new URL(url);
    const local = ['data:', 'blob:', 'about:'].includes(u.protocol);
    if (!local && !(['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol) && u.host === ownHost)) {
      foreign.push(`${req.method()} ${url}`);
    }
  });
  // Anything the page asked the server for and did not get (an asset the
  // binary does not serve, a refused call).
  const broken = [];
  context.on('response', (res) => {
    if (res.status() >= 400) broken.push(`${res.request().method()} ${res.url()} -> ${res.status()}`);
  });
  context.on('requestfailed', (req) => {
    broken.push(`${req.method()} ${req.url()} -> ${req.failure()?.errorText ?? 'failed'}`);
  });
  const pageErrors = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  // --- /docs/ ---------------------------------------------------------------
  const docs = await page.goto(`${origin}/docs/`, { waitUntil: 'load' });
  check(docs && docs.status() === 200, `GET /docs/ answered ${docs && docs.status()}`);
  await page.locator('.swagger-ui .information-container .title').first().waitFor();
  const title = (await page.locator('.swagger-ui .information-container .title').first().innerText()).trim();
  log(`Swagger UI rendered the spec: "${title.split('\n')[0]}"`);
  const operation = page.locator('#operations-candidates-list_candidates');
  await operation.waitFor();

  // --- Authorize: the OAuth2 password flow, through the dialog ---------------
  await page.locator('.swagger-ui .auth-wrapper button.authorize').click();
  const dialog = page.locator('.swagger-ui .dialog-ux .modal-ux');
  await dialog.waitFor();
  // The OAuth2 scheme's part of the dialog (the bearer scheme has its own).
  const oauth2 = dialog.locator('.auth-container').filter({ has: page.locator('h4', { hasText: 'OAuth2, password' }) });
  check((await oauth2.count()) === 1, 'the Authorize dialog has no "OAuth2, password" section');
  check((await oauth2.locator('#oauth_username').count()) === 1, 'the OAuth2 section has no username field');
  // Each scope reads as its name and what it allows, never the name twice.
  const scopes = await oauth2.locator('.scopes .checkbox').evaluateAll((boxes) =>
    boxes.map((b) => [b.querySelector('.name')?.innerText.trim(), b.querySelector('.description')?.innerText.trim()]),
  );
  check(scopes.length > 0, 'the OAuth2 section lists no scopes');
  const doubled = scopes.filter(([name, description]) => !description || name === description).map(([name]) => name);
  check(doubled.length === 0, `scopes shown with their name for a description: ${doubled.join(', ')}`);
  log(`the Authorize dialog lists ${scopes.length} scopes, each with its description`);
  await oauth2.locator('#oauth_username').fill(ADMIN_EMAIL);
  await oauth2.locator('#oauth_password').fill(ADMIN_PASSWORD);
  const tokenResponse = page.waitForResponse((r) => r.url().startsWith(`${origin}/api/v1/auth/token`));
  await oauth2.locator('.auth-btn-wrapper button.authorize').click();
  const token = await tokenResponse;
  check(token.status() === 200, `the token request from the Authorize dialog answered ${token.status()}`);
  // Authorized: Swagger UI replaces the form's button with "Logout".
  await oauth2.locator('.auth-btn-wrapper button', { hasText: 'Logout' }).waitFor();
  await oauth2.locator('h6', { hasText: 'Authorized' }).waitFor();
  const authErrors = await oauth2.locator('.errors').allInnerTexts();
  check(authErrors.length === 0, `the Authorize dialog shows errors: ${authErrors.join(' | ')}`);
  log(`authorized as ${ADMIN_EMAIL} in the Authorize dialog (OAuth2 password flow)`);
  await oauth2.locator('.auth-btn-wrapper button.btn-done', { hasText: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  const locked = await page.locator('.swagger-ui .auth-wrapper button.authorize.locked').count();
  check(locked === 1, 'the Authorize button does not show the locked (authorized) state after closing the dialog');

  // --- Try it out -> Execute on GET /api/v1/candidates ----------------------
  await operation.locator('.opblock-summary').first().click();
  const tryOut = operation.locator('button.try-out__btn');
  await tryOut.waitFor();
  if ((await tryOut.innerText()).trim() === 'Try it out') await tryOut.click();
  const execute = operation.locator('button.execute');
  await execute.waitFor();
  const listResponse = page.waitForResponse(
    (r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/api/v1/candidates',
  );
  await execute.click();
  const listed = await listResponse;
  const sentAuth = (await listed.request().allHeaders()).authorization || '';
  check(/^Bearer \S+/.test(sentAuth), 'Swagger UI sent GET /api/v1/candidates without a bearer token');

  // The rendered response, as a person sees it.
  const live = operation.locator('.responses-wrapper .live-responses-table tbody tr.response').first();
  await live.waitFor();
  const status = (await live.locator('td.response-col_status').innerText()).trim();
  check(status === '200', `the rendered response status is "${status}", expected 200`);
  const bodyText = await live.locator('.response-col_description pre').first().innerText();
  let body;
  try {
    body = JSON.parse(bodyText);
  } catch (e) {
    throw new Failure(`the rendered response body is not JSON (${e.message}): ${bodyText.slice(0, 300)}`);
  }
  check(Array.isArray(body.items), `the rendered body has no "items" array: ${bodyText.slice(0, 300)}`);
  check(body.items.length > 0, 'the rendered "items" array is empty: no candidate from the demo data');
  const first = body.items[0];
  check(
    typeof first.id === 'string' && first.id.length > 0 && typeof first.last_name === 'string' && /@/.test(first.email || ''),
    `the first rendered item does not look like a candidate: ${JSON.stringify(first).slice(0, 300)}`,
  );
  const curl = (await operation.locator('.curl-command').innerText().catch(() => '')) || '';
  check(/Authorization: Bearer /.test(curl), 'the rendered curl command carries no "Authorization: Bearer" header');
  log(`Execute: rendered status 200, ${body.items.length} candidates in "items", first "${first.first_name} ${first.last_name}"`);

  // --- screenshot -----------------------------------------------------------
  // From the operation's header down to the rendered server response (not the
  // documented responses below it), in page coordinates.
  await live.scrollIntoViewIfNeeded();
  const scrollY = await page.evaluate(() => window.scrollY);
  const top = await operation.boundingBox();
  const bottom = await operation.locator('.responses-wrapper .live-responses-table').first().boundingBox();
  check(top && bottom, 'could not measure the operation for the screenshot');
  await page.screenshot({
    path: screenshot,
    fullPage: true,
    clip: { x: top.x, y: top.y + scrollY, width: top.width, height: bottom.y + bottom.height - top.y + 16 },
  });
  log(`screenshot: ${path.relative(process.cwd(), screenshot) || screenshot}`);

  // --- where the page went ----------------------------------------------------
  check(requests.length > 0, 'no request was recorded');
  if (foreign.length > 0) {
    throw new Failure(
      `the page made ${foreign.length} request(s) to a host other than ${ownHost}:\n  ${foreign.join('\n  ')}`,
    );
  }
  log(`all ${requests.length} requests of the page went to ${ownHost}`);
  check(broken.length === 0, `requests of the page that failed:\n  ${broken.join('\n  ')}`);
  log('none of them failed');
  if (pageErrors.length > 0) log(`note: uncaught errors in the page: ${pageErrors.join(' | ')}`);
}

let failed = false;
const overall = setTimeout(() => {
  console.error(`FAIL: the test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  killServerNow();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
try {
  await main();
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e instanceof Failure ? e.message : e.stack || e}`);
  if (context) {
    const page = context.pages()[0];
    if (page) {
      const failShot = path.join(artifacts, 'swagger-ui-failure.png');
      await page
        .screenshot({ path: failShot, fullPage: false, timeout: 5000 })
        .then(() => console.error(`failure screenshot: ${failShot}`))
        .catch(() => {});
    }
  }
  if (fs.existsSync(serverLogPath)) {
    const text = fs.readFileSync(serverLogPath, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
    const lines = text.trimEnd().split('\n').slice(-15);
    console.error(`last lines of ${serverLogPath}:\n${lines.join('\n')}`);
  }
} finally {
  if (context) await context.close().catch(() => {});
  await stopServer();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  clearTimeout(overall);
}
const secs = ((Date.now() - started) / 1000).toFixed(1);
if (failed) {
  console.error(`FAIL: Swagger UI in a real browser (${secs} s)`);
  process.exit(1);
}
console.log(`PASS: Swagger UI in a real browser (${secs} s)`);
// Do not wait for idle keep-alive sockets to time out.
process.exit(0);
