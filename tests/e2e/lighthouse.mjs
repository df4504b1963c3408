// Lighthouse against the checkout page (APP_URL), in Debian's Chromium, headless and offline.
// Run by scripts/e2e.sh (after the Playwright suite, or alone: `make lighthouse`), which starts the
// local stack and sets APP_URL. By hand, against `make dev`:
//   cd tests/e2e && APP_URL=http://127.0.0.1:8080 node lighthouse.mjs
//
// Lighthouse's default config: the mobile preset (Moto G Power-class screen, simulated slow 4G and
// 4x CPU slowdown), the categories performance, accessibility, best-practices and seo. Prints each
// category's score (0-100), CLS, LCP and TBT, and for a category under the bar its failing audits.
// Exits 1 when a category scores under 95 or CLS is 0.05 or more, 2 when Lighthouse cannot run.
// Reports: test-results/lighthouse/run-<n>.{html,json}, and report.{html,json}: the run whose
// performance score counts.
//
// Environment: APP_URL (required), CHROMIUM_PATH (default /usr/bin/chromium, as
// playwright.config.js), LIGHTHOUSE_RUNS (default 5), LIGHTHOUSE_OUT (the reports' directory).
//
// Several runs, and which one counts. Simulated throttling computes the metrics from the CPU time
// this machine actually spent, times 4, so the performance score moves with whatever else the
// machine is doing, and only downwards: contention makes tasks longer, never shorter (the network is
// simulated). Measured on the 2-core build machine (Chromium 156; the page of this change) while other
// builds and tests ran beside it (load average 5-9): 28 single runs scored 78-100 in performance,
// median 97, 9 of them under 95, each from a long TBT (up to 858 ms against ~50-150 ms in quiet runs);
// a median of 5 runs (86, 81, 91, 96, 99) failed at 91 under a load average of 9. Accessibility, best
// practices and SEO never moved, nor did CLS on this page (0.000-0.003), but a shift that depends on
// timing can hide in one run (seen here on a broken page: 0.376 in six runs, 0.000 in one slowed
// down by strace). So performance counts its best run of LIGHTHOUSE_RUNS (5, about 12 s each: all five must be
// slowed down for a false failure), and everything else its worst run: CLS and the other three
// categories must hold in every run. A page that is really slower is slower in every run, its best
// too (the previous page: 68-75 in five runs).
//
// Offline: Lighthouse itself fetches nothing (error reporting off: enableErrorReporting false; its
// locales, axe-core and third-party data ship in the package). Chromium runs with the Playwright
// config's flags and chrome-launcher's defaults (translate, optimization hints, autofill server,
// media router off), and still looked up accounts.google.com, clients2.google.com and
// update.googleapis.com (strace: DNS queries from its network service), so --host-resolver-rules
// resolves no name but the page's host. What remains (strace of a run): TCP to 127.0.0.1 only, and
// Chromium's IPv6 reachability probe (a UDP connect() to 2001:4860:4860::8888, which sends nothing).
// The script fails if the page itself requested anything outside the machine.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import chromium from './chromium.js';

const { CHROMIUM, FLAGS } = chromium;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const MIN_SCORE = 95; // each category, 0-100 as Lighthouse displays it
const MAX_CLS = 0.05; // CLS must stay under this
const RUNS = Math.max(1, Number.parseInt(process.env.LIGHTHOUSE_RUNS || '5', 10) || 5);
const OUT = path.resolve(process.env.LIGHTHOUSE_OUT || path.join(HERE, 'test-results', 'lighthouse'));
// chromium.js's launch flags (Playwright's too), plus headless. Every --disable-features is merged
// into one flag with chrome-launcher's own list: Chromium takes only the last one it is given.
function chromeFlags(url) {
  const features = [];
  // No name resolves but the page's host (see "Offline" above).
  const host = new URL(url).hostname;
  const resolve = [...new Set(['localhost', '127.0.0.1', host])].map((h) => `EXCLUDE ${h}`).join(', ');
  const flags = ['--headless=new', `--host-resolver-rules=MAP * ~NOTFOUND, ${resolve}`];
  for (const flag of [...chromeLauncher.Launcher.defaultFlags(), ...FLAGS]) {
    if (flag.startsWith('--disable-features=')) features.push(...flag.slice('--disable-features='.length).split(','));
    else if (!flags.includes(flag)) flags.push(flag);
  }
  flags.push(`--disable-features=${[...new Set(features)].join(',')}`);
  return flags;
}

// Creates the directory at each write: a Playwright run started meanwhile (its outputDir is
// test-results) empties test-results.
function write(name, data) {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, name), data);
}

const score = (category) => (category.score === null ? null : Math.round(category.score * 100));
const ms = (audit) => `${Math.round(audit.numericValue)} ms`;

function isLocal(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return true;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return true; // data:, blob:, chrome:
  return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || u.hostname.endsWith('.localhost');
}

// A few of an audit's details items (elements, URLs), so the line says where to look.
function where(audit) {
  const items = Array.isArray(audit.details?.items) ? audit.details.items : [];
  const names = [];
  for (const item of items) {
    const name = item.node?.snippet || item.node?.selector || item.url || item.source?.url || item.label;
    if (typeof name === 'string' && name && !names.includes(name)) names.push(name.length > 120 ? `${name.slice(0, 117)}...` : name);
    if (names.length === 3) break;
  }
  return names.length ? `\n        ${names.join('\n        ')}` : '';
}

// The audits that cost a category points (weighted, not passed); for performance also the
// opportunities and diagnostics Lighthouse flags (unweighted, but what to fix).
function failingAudits(lhr, id) {
  const lines = [];
  for (const ref of lhr.categories[id].auditRefs) {
    const audit = lhr.audits[ref.id];
    if (!audit || audit.score === null || audit.scoreDisplayMode === 'notApplicable' || audit.scoreDisplayMode === 'manual') continue;
    if (audit.scoreDisplayMode === 'informative') continue;
    // Pass/fail audits must pass; metrics and opportunities must be green (>= 0.9, as Lighthouse).
    if (audit.score >= (audit.scoreDisplayMode === 'binary' ? 1 : 0.9)) continue;
    const value = audit.displayValue ? ` (${audit.displayValue})` : '';
    const kind = ref.weight > 0 ? `weight ${ref.weight}` : 'unweighted';
    lines.push({ weighted: ref.weight > 0, text: `      - ${audit.id}: ${audit.title}${value}, score ${Math.round(audit.score * 100)}, ${kind}${where(audit)}` });
  }
  lines.sort((a, b) => Number(b.weighted) - Number(a.weighted));
  return lines.map((l) => l.text);
}

async function main() {
  const url = process.env.APP_URL;
  if (!url) throw new Error('APP_URL is not set: run it with scripts/e2e.sh --lighthouse (make lighthouse), or point APP_URL at `make dev`');

  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    ignoreDefaultFlags: true, // chromeFlags() has them, merged
    chromeFlags: chromeFlags(url),
    logLevel: 'silent',
  });
  const runs = [];
  try {
    for (let i = 1; i <= RUNS; i++) {
      const started = Date.now();
      const result = await lighthouse(url, {
        port: chrome.port,
        output: ['html', 'json'],
        onlyCategories: CATEGORIES,
        logLevel: 'error',
        locale: 'en-US',
        enableErrorReporting: false,
      });
      if (!result) throw new Error('Lighthouse returned no result');
      const { lhr } = result;
      if (lhr.runtimeError) throw new Error(`Lighthouse could not audit ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      write(`run-${i}.html`, result.report[0]);
      write(`run-${i}.json`, result.report[1]);
      const run = { i, lhr, report: result.report, cls: lhr.audits['cumulative-layout-shift'].numericValue };
      for (const id of CATEGORIES) run[id] = score(lhr.categories[id]) ?? -1;
      console.log(`  run ${i}/${RUNS}: ${CATEGORIES.map((id) => `${id} ${run[id]}`).join(', ')}, CLS ${run.cls.toFixed(3)}, ` +
        `LCP ${ms(lhr.audits['largest-contentful-paint'])}, TBT ${ms(lhr.audits['total-blocking-time'])} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      runs.push(run);
    }
  } finally {
    await chrome.kill();
  }

  // Performance: the best run (the first of equals); the rest: the worst run.
  const best = runs.reduce((a, b) => (b.performance > a.performance ? b : a));
  const worst = (key) => runs.reduce((a, b) => (b[key] < a[key] ? b : a));
  const worstCls = runs.reduce((a, b) => (b.cls > a.cls ? b : a));
  write('report.html', best.report[0]);
  write('report.json', best.report[1]);

  const problems = [];
  const of = runs.length > 1 ? ` of ${runs.length}` : '';
  console.log(`Lighthouse ${best.lhr.lighthouseVersion}, ${best.lhr.configSettings.formFactor} preset (${best.lhr.configSettings.throttlingMethod} throttling), ` +
    `Chromium ${best.lhr.environment.hostUserAgent.match(/Chrome\/(\d+)/)?.[1] ?? '?'}, ${url}`);
  for (const id of CATEGORIES) {
    const run = id === 'performance' ? best : worst(id);
    const s = run[id];
    const passed = s >= MIN_SCORE;
    const which = `${id === 'performance' ? 'best' : 'worst'} run${of}: run ${run.i}`;
    console.log(`  ${run.lhr.categories[id].title.padEnd(15)} ${String(s < 0 ? '-' : s).padStart(3)}  ${passed ? 'ok' : `FAIL (< ${MIN_SCORE})`}  (${which})`);
    if (!passed) {
      problems.push(`${id} ${s < 0 ? 'no score' : s} < ${MIN_SCORE}`);
      for (const line of failingAudits(run.lhr, id)) console.log(line);
    }
  }
  const clsOk = worstCls.cls < MAX_CLS;
  console.log(`  CLS ${worstCls.cls.toFixed(3)}  ${clsOk ? 'ok' : `FAIL (>= ${MAX_CLS})`}  (worst run${of}: run ${worstCls.i})` +
    `   LCP ${ms(best.lhr.audits['largest-contentful-paint'])}, TBT ${ms(best.lhr.audits['total-blocking-time'])}` +
    `, FCP ${ms(best.lhr.audits['first-contentful-paint'])}, Speed Index ${ms(best.lhr.audits['speed-index'])} (run ${best.i})`);
  if (!clsOk) {
    problems.push(`CLS ${worstCls.cls.toFixed(3)} >= ${MAX_CLS}`);
    console.log(`      - layout-shifts: ${worstCls.lhr.audits['layout-shifts']?.displayValue ?? ''}${where(worstCls.lhr.audits['layout-shifts'] ?? {})}`);
  }
  if (runs.length > 1) console.log(`  performance per run: ${runs.map((r) => r.performance).join(', ')}`);

  // Nothing the page loads may leave the machine (the stack serves everything, MercadoPago.js too).
  const external = new Set();
  for (const run of runs) {
    for (const req of run.lhr.audits['network-requests']?.details?.items ?? []) if (!isLocal(req.url)) external.add(req.url);
  }
  if (external.size) problems.push(`the page requested outside the machine: ${[...external].slice(0, 5).join(', ')}`);

  const shown = path.relative(path.resolve(HERE, '..', '..'), OUT);
  console.log(`  reports: ${shown.startsWith('..') ? OUT : shown}/report.html (run ${best.i}), run-<n>.{html,json} (every run)`);
  if (problems.length) {
    console.error(`Lighthouse: FAILED: ${problems.join('; ')}`);
    return 1;
  }
  console.log(`Lighthouse: every category >= ${MIN_SCORE} and CLS < ${MAX_CLS}`);
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`Lighthouse: ${err.stack || err}`); process.exitCode = 2; },
);
