// Editing benchmark: 10 DINM steps (easyedit mode) on a Qwen2-0.5B-shaped random model (hidden 896, 24 layers,
// 14 heads / 2 KV heads, intermediate 4864, vocab 151936, f32, CPU), the golden DINM case (~130-token edit input),
// the middle layer fixed. Prints seconds per step, the one-time costs and the total. Run via npm run bench:edit (scripts/bench/run.mjs).
// --profile: ORT profiling on the edit-graph sessions; the step and rows graphs' kernel time per run by op type
// (stderr and the report's `profile`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeQwen05bShaped } from './qwen05b';
import { EditModel } from '../../main/editing/model';
import { runEdit } from '../../main/editing/dinm';
import { caseFromFile } from '../../main/editing/service';

const args = process.argv.slice(2);
const arg = (k: string, d: number) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const LAYERS = arg('layers', 24);
const VOCAB = arg('vocab', 151936);
const STEPS = arg('steps', 10);
const PROFILE = args.includes('--profile');
const root = path.resolve(import.meta.dirname ?? '.', '..', '..');

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'cpu'} × ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()}-${os.arch()}, Node ${process.versions.node}`;
}

/** Kernel time per step graph run, by op type (from ORT's profile JSON of the session whose file starts with `prefix`). */
function summariseProfile(dir: string, prefix: string): { runs: number; runMs: number; kernelMs: number; byOp: Record<string, { ms: number; calls: number }>; top: { node: string; op: string; ms: number }[] } {
  const file = fs.readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.json'));
  if (!file) throw new Error(`ORT wrote no profile ${prefix}*.json`);
  type Ev = { cat: string; name: string; ts: number; dur: number; args?: { op_name?: string } };
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Ev[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const n = runs.length || 1;
  const byOp: Record<string, { ms: number; calls: number }> = {};
  const byNode: Record<string, { op: string; ms: number }> = {};
  let kernel = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    byOp[op] ??= { ms: 0, calls: 0 };
    byOp[op].ms += e.dur / 1000 / n;
    byOp[op].calls += 1 / n;
    const node = e.name.replace(/_kernel_time$/, '');
    byNode[node] ??= { op, ms: 0 };
    byNode[node].ms += e.dur / 1000 / n;
    kernel += e.dur / 1000 / n;
  }
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const sorted = Object.fromEntries(Object.entries(byOp).sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => [k, { ms: r2(v.ms), calls: Math.round(v.calls) }]));
  const top = Object.entries(byNode).sort((a, b) => b[1].ms - a[1].ms).slice(0, 15).map(([node, v]) => ({ node, op: v.op, ms: r2(v.ms) }));
  const runMs = runs.reduce((a, x) => a + x.dur, 0) / 1000 / n;
  console.error(`${prefix} (${runs.length} runs): ${runMs.toFixed(0)} ms per run, ${kernel.toFixed(0)} ms in kernels`);
  for (const [op, v] of Object.entries(sorted).slice(0, 14)) console.error(`  ${op.padEnd(28)} ${v.ms.toFixed(1).padStart(8)} ms  ${v.calls} calls`);
  return { runs: runs.length, runMs: r2(runMs), kernelMs: r2(kernel), byOp: sorted, top };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-bench-edit-'));
try {
  const t0 = performance.now();
  const dir = writeQwen05bShaped(path.join(work, 'qwen2-0.5b-shaped'), { layers: LAYERS, vocab: VOCAB, seed: 3 });
  const tWrite = performance.now();
  const profilePrefix = path.join(work, 'ort-profile');
  const m = await EditModel.open(dir, { dataDir: path.join(work, 'data'), ...(PROFILE ? { profile: profilePrefix } : {}) });
  const tOpen = performance.now();
  const c = caseFromFile(path.join(root, 'test/goldens/dinm-case.json'));
  const layer = Math.floor(LAYERS / 2);
  const r = await runEdit(m, c, { method: 'dinm', mode: 'easyedit', layer, hparams: { steps: STEPS, stopBelow: 0 } });
  if (PROFILE) m.endProfiling();
  await m.release();
  // step: NLL + gradient (+ KL in paper mode); rows: the KL reference and, in easyedit mode, the per-step KL forward
  const profile = PROFILE ? { step: summariseProfile(work, 'ort-profile-step'), rows: summariseProfile(work, 'ort-profile-rows') } : undefined;
  const steps = r.timings.perStepS;
  const report = {
    machine: machine(),
    model: { hidden: 896, layers: LAYERS, heads: 14, kvHeads: 2, intermediate: 4864, vocab: VOCAB, dtype: 'f32' },
    case: { editTokens: r.tokens.edit_input_ids.length, kcTokens: r.tokens.kc_input_ids.length, labels: r.tokens.label_ids.length },
    layer,
    steps: steps.length,
    secondsPerStep: { mean: steps.reduce((a, b) => a + b, 0) / steps.length, min: Math.min(...steps), max: Math.max(...steps) },
    stepsTotalS: r.timings.stepsS,
    locateS: r.timings.locateS,
    graphsAndSessionsS: r.timings.graphsS,
    prefixS: r.timings.prefixS,
    editTotalS: r.timings.totalS,
    prepareModelS: (tOpen - tWrite) / 1000,
    writeModelS: (tWrite - t0) / 1000,
    losses: r.losses,
    ...(profile ? { profile } : {}),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
