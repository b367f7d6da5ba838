// Editing benchmark: 10 DINM steps (easyedit mode) on a Qwen2-0.5B-shaped random model (hidden 896, 24 layers,
// 14 heads / 2 KV heads, intermediate 4864, vocab 151936, f32, CPU), the golden DINM case (~130-token edit input),
// the middle layer fixed. Prints seconds per step, the one-time costs and the total. Run via scripts/bench-edit.mjs.
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
const root = path.resolve(import.meta.dirname ?? '.', '..', '..');

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'cpu'} × ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()}-${os.arch()}, Node ${process.versions.node}`;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-bench-edit-'));
try {
  const t0 = performance.now();
  const dir = writeQwen05bShaped(path.join(work, 'qwen2-0.5b-shaped'), { layers: LAYERS, vocab: VOCAB, seed: 3 });
  const tWrite = performance.now();
  const m = await EditModel.open(dir, { dataDir: path.join(work, 'data') });
  const tOpen = performance.now();
  const c = caseFromFile(path.join(root, 'test/goldens/dinm-case.json'));
  const layer = Math.floor(LAYERS / 2);
  const r = await runEdit(m, c, { method: 'dinm', mode: 'easyedit', layer, hparams: { steps: STEPS, stopBelow: 0 } });
  await m.release();
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
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
