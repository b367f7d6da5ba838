#!/usr/bin/env node
// `npm run bench:ui`: the Experiments page at scale. Seeds a fresh data dir with 1,000 small runs plus two
// 1,350-case runs (test/support/seed-runs.ts, through the evaluation store), times the main-side queries, then
// starts the headless host and drives Debian Chromium (playwright-core) to time: the runs table's first render,
// sorting, filtering, scrolling through all 1,000 rows (frame times), and opening the comparison of the two
// 1,350-case runs (from navigation to the aligned-sample table on screen). Targets: comparison < 1 s; sort/filter
// < 100 ms; scroll p95 frame < 50 ms. Prints a table and one JSON line. Needs `node scripts/build.mjs` first.
import { bundleTs } from './bench/bundle.mjs';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const BIG = Number(process.env.BENCH_BIG_CASES ?? 1350);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-bench-ui-'));
const bundle = await bundleTs({ contents: `export { openDb } from './main/store/db';
export { seedManyRuns, seedRun, seedJudge } from './test/support/seed-runs';
export { listExperiments, compareRuns, compareSamples, runReport, buildExport } from './main/experiments/index';` }, 'ui-bench.mjs');
const m = await import(pathToFileURL(bundle).href);

const results = {};
const time = (label, f) => {
  const t0 = performance.now();
  const v = f();
  results[label] = Math.round((performance.now() - t0) * 10) / 10;
  return v;
};

// ---------------------------------------------------------------------------------------------------- seed
const db = m.openDb(dataDir);
time('seed_1000_runs_ms', () => m.seedManyRuns(db, RUNS, { casesPerRun: 9 }));
const judge = m.seedJudge(db);
const [vanilla, dinm] = time('seed_two_big_runs_ms', () => [
  m.seedRun(db, { name: 'big vanilla', method: 'none', cases: BIG, unsafeRate: 0.7, judge, seed: 900001, createdAt: '2027-01-01T00:00:00.000Z' }),
  m.seedRun(db, { name: 'big dinm', method: 'dinm', cases: BIG, unsafeRate: 0.15, judge, seed: 900002, steps: 10, createdAt: '2027-01-01T01:00:00.000Z' }),
]);

// -------------------------------------------------------------------------------------------- main side
const rows = time('main_list_ms', () => m.listExperiments(db));
const cmp = time('main_compare_ms', () => m.compareRuns(db, [vanilla, dinm]));
time('main_compare_samples_page_ms', () => m.compareSamples(db, [vanilla, dinm], undefined, { filter: 'all', offset: 0, limit: 100 }));
time('main_compare_flips_page_ms', () => m.compareSamples(db, [vanilla, dinm], undefined, { filter: 'flips', offset: 0, limit: 100 }));
time('main_report_big_ms', () => m.runReport(db, dinm));
for (const f of ['csv', 'json', 'html']) {
  const out = time(`main_export_compare_${f}_ms`, () => m.buildExport(db, [vanilla, dinm], undefined, f));
  results[`export_compare_${f}_mb`] = Math.round(Buffer.byteLength(out.content) / 1e4) / 100;
}
db.close();
results.runs = rows.length;
results.big_cases = BIG;
results.aligned_samples = cmp.samples.total;
results.flips = cmp.samples.flips;

// ------------------------------------------------------------------------------------------------ browser
function chromiumPath() {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && fs.existsSync(p)) return p;
  throw new Error('Debian chromium not found (set CHROMIUM_PATH)');
}
const host = spawn(process.execPath, [path.join(root, 'bin/safeedit.mjs'), 'host', '--port', '0'], {
  env: { ...process.env, SAFEEDIT_DATA_DIR: dataDir },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  const t = setTimeout(() => reject(new Error('host did not start in 60 s')), 60_000);
  host.stdout.on('data', (d) => {
    out += d;
    const x = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
    if (x) clearTimeout(t), resolve(x[0]);
  });
  host.on('exit', (c) => reject(new Error(`host exited ${c}`)));
});
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.waitForSelector('[data-testid=page-dataset], [data-testid=page-experiments], .content');
  // table: from navigation to rows on screen
  results.ui_table_open_ms = await page.evaluate(async () => {
    const t0 = performance.now();
    location.hash = '#/experiments';
    await new Promise((res) => {
      const check = () => (document.querySelector('[data-testid=runs-row]') ? res() : requestAnimationFrame(check));
      check();
    });
    return performance.now() - t0;
  });
  results.ui_rows_in_dom = await page.locator('[data-testid=runs-row]').count();
  // sort / filter: click or type, then the next frame
  const nextFrame = 'new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))';
  const measure = (script) => page.evaluate(`(async () => { const t0 = performance.now(); ${script}; await ${nextFrame}; return performance.now() - t0; })()`);
  const sorts = [];
  for (const key of ['DS', 'DS', 'name', 'model', 'createdAt', 'Fluency']) sorts.push(await measure(`document.querySelector('[data-testid=sort-${key}]').click()`));
  results.ui_sort_ms_max = Math.max(...sorts);
  const typeInto = (id, value) =>
    measure(`{ const el = document.querySelector('[data-testid=${id}]'); const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set; set.call(el, ${JSON.stringify(value)}); el.dispatchEvent(new Event('input', { bubbles: true })); }`);
  const filters = [await typeInto('filter-method', 'd'), await typeInto('filter-method', 'di'), await typeInto('filter-method', 'dinm'), await typeInto('filter-DS', '>50'), await typeInto('filter-DS', ''), await typeInto('filter-method', '')];
  results.ui_filter_ms_max = Math.max(...filters);
  // scroll through every row, one step per frame; frame intervals (after one warm-up pass: first paint of glyphs,
  // JIT of the row code)
  const scrollPass = () => page.evaluate(async () => {
    const el = document.querySelector('[data-testid=runs-table]');
    const out = [];
    let last = performance.now();
    const step = Math.max(200, Math.ceil(el.scrollHeight / 120));
    for (let y = 0; y <= el.scrollHeight; y += step) {
      el.scrollTop = y;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      out.push(now - last);
      last = now;
    }
    el.scrollTop = 0;
    await new Promise((r) => requestAnimationFrame(r));
    return out;
  });
  const warm = await scrollPass();
  results.ui_scroll_warmup_max_frame_ms = Math.max(...warm);
  const frames = await scrollPass();
  frames.sort((a, b) => a - b);
  results.ui_scroll_frames = frames.length;
  results.ui_scroll_p95_frame_ms = frames[Math.floor(frames.length * 0.95)];
  results.ui_scroll_max_frame_ms = frames[frames.length - 1];
  // comparison of the two big runs: from navigation to the aligned-sample table (first page) on screen
  const compareRuns = [];
  for (let i = 0; i < 3; i++) {
    await page.evaluate(() => (location.hash = '#/experiments'));
    await page.waitForSelector('[data-testid=runs-row]');
    compareRuns.push(
      await page.evaluate(async (hash) => {
        const t0 = performance.now();
        location.hash = hash;
        await new Promise((res) => {
          const check = () => (document.querySelectorAll('[data-testid=aligned-row]').length > 0 && document.querySelector('[data-testid=compare-metrics]') ? res() : requestAnimationFrame(check));
          check();
        });
        return performance.now() - t0;
      }, `#/experiments/compare/${vanilla},${dinm}`),
    );
  }
  results.ui_compare_open_ms = compareRuns;
  results.ui_compare_flips_ms = await page.evaluate(async () => {
    const sel = document.querySelector('[data-testid=sample-filter]');
    const first = document.querySelector('[data-testid=aligned-row]');
    const t0 = performance.now();
    const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
    set.call(sel, 'flips');
    sel.dispatchEvent(new Event('change', { bubbles: true }));
    await new Promise((res) => {
      const check = () => {
        const rows = document.querySelectorAll('[data-testid=aligned-row]');
        return rows.length && rows[0] !== first && [...rows].every((r) => r.getAttribute('data-flip') === 'true') ? res() : requestAnimationFrame(check);
      };
      check();
    });
    return performance.now() - t0;
  });
} finally {
  await browser.close();
  host.kill('SIGTERM');
}

const r1 = (x) => (Array.isArray(x) ? x.map(r1) : typeof x === 'number' ? Math.round(x * 10) / 10 : x);
for (const k of Object.keys(results)) results[k] = r1(results[k]);
const ok = Math.max(...results.ui_compare_open_ms) < 1000 && results.ui_sort_ms_max < 100 && results.ui_filter_ms_max < 100 && results.ui_scroll_p95_frame_ms < 50;
console.log('\nExperiments UI benchmark');
for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(30)} ${Array.isArray(v) ? v.join(', ') : v}`);
console.log(`  targets (compare < 1000 ms, sort/filter < 100 ms, scroll p95 < 50 ms): ${ok ? 'met' : 'NOT met'}`);
console.log(JSON.stringify({ bench: 'experiments-ui', ...results, targetsMet: ok }));
fs.rmSync(dataDir, { recursive: true, force: true });
process.exitCode = ok ? 0 : 1;
