import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from './helpers';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/safeedit.mjs');

describe('safeedit CLI', () => {
  it('info prints version, data dir, providers and the SQLite version', () => {
    const dir = tempDir();
    const out = execFileSync(process.execPath, [bin, 'info'], { env: { ...process.env, SAFEEDIT_DATA_DIR: dir }, encoding: 'utf8' });
    expect(out).toMatch(/SafeEdit Workbench \d+\.\d+\.\d+/);
    expect(out).toContain(`data dir:   ${dir}`);
    expect(out).toMatch(/SQLite 3\.\d+/);
    expect(out).toMatch(/providers:.*cpu/);
    const json = JSON.parse(execFileSync(process.execPath, [bin, 'info', '--json'], { env: { ...process.env, SAFEEDIT_DATA_DIR: dir }, encoding: 'utf8' }));
    expect(json.dataDir).toBe(dir);
  });

  it('unknown commands and bad flags exit non-zero with a usage line, no stack trace', () => {
    const dir = tempDir();
    const a = spawnSync(process.execPath, [bin, 'frobnicate'], { env: { ...process.env, SAFEEDIT_DATA_DIR: dir }, encoding: 'utf8' });
    expect(a.status).toBe(2);
    expect(a.stderr).toContain("unknown command 'frobnicate'");
    const b = spawnSync(process.execPath, [bin, 'info', '--bogus'], { env: { ...process.env, SAFEEDIT_DATA_DIR: dir }, encoding: 'utf8' });
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('usage: safeedit info');
    expect(b.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs a job from the CLI and lists it', () => {
    const dir = tempDir();
    const env = { ...process.env, SAFEEDIT_DATA_DIR: dir };
    const out = execFileSync(process.execPath, [bin, 'diagnostics', '--steps', '3', '--step-ms', '10', '--json'], { env, encoding: 'utf8' });
    expect(JSON.parse(out).steps).toBe(3);
    const list = JSON.parse(execFileSync(process.execPath, [bin, 'jobs', 'list', '--json'], { env, encoding: 'utf8' }));
    expect(list[0].status).toBe('done');
  });
});
