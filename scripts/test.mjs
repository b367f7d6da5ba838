#!/usr/bin/env node
// `npm test`: typecheck + unit tests (vitest) + browser e2e (Playwright, Debian Chromium, headless host).
// Ends with one plain line "N passed, N failed[, N skipped]" summing every suite; exits non-zero on any failure.
//   --unit     only typecheck + unit      --e2e     only e2e
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.includes('--unit') ? 'unit' : process.argv.includes('--e2e') ? 'e2e' : 'all';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-testrun-'));
const bin = (n) => path.join(root, 'node_modules', '.bin', n);
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function count(label, passed, failed, skipped) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  lines.push(`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}

if (only !== 'e2e') {
  for (const [label, cfg] of [['typecheck (node)', 'tsconfig.node.json'], ['typecheck (web)', 'tsconfig.web.json']]) {
    const code = run(label, bin('tsc'), ['-p', cfg, '--noEmit']);
    count(label, code === 0 ? 1 : 0, code === 0 ? 0 : 1, 0);
  }
  const vjson = path.join(tmp, 'vitest.json');
  const code = run('unit tests (vitest)', bin('vitest'), ['run'], { VITEST_JSON: vjson });
  if (fs.existsSync(vjson)) {
    const r = JSON.parse(fs.readFileSync(vjson, 'utf8'));
    const failedSuites = (r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
    count('unit', r.numPassedTests, r.numFailedTests + failedSuites, (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0));
    if (code !== 0 && r.numFailedTests + failedSuites === 0) count('unit (runner error)', 0, 1, 0);
  } else count('unit (no report)', 0, 1, 0);
}

if (only !== 'unit') {
  const build = run('build', process.execPath, [path.join(root, 'scripts/build.mjs')]);
  if (build !== 0) count('build', 0, 1, 0);
  else {
    const pjson = path.join(tmp, 'pw.json');
    const code = run('e2e (playwright)', bin('playwright'), ['test', '-c', 'e2e/playwright.config.ts'], { PW_JSON: pjson });
    if (fs.existsSync(pjson)) {
      const s = JSON.parse(fs.readFileSync(pjson, 'utf8')).stats ?? {};
      count('e2e', s.expected ?? 0, (s.unexpected ?? 0) + (s.flaky ?? 0), s.skipped ?? 0);
      if (code !== 0 && !(s.unexpected ?? 0)) count('e2e (runner error)', 0, 1, 0);
    } else count('e2e (no report)', 0, 1, 0);
  }
}

console.log('\n' + lines.join('\n'));
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed ? 1 : 0);
