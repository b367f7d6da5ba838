// Generation benchmark on a Qwen2-0.5B-shaped random model (f32, CPU): prefill and decode tokens/s at batch
// 1 and 8, and decode as a fraction of the memory-bandwidth bound measured on this machine.
// Run through scripts/bench/run.mjs (npm run bench:generate bundles this file with esbuild).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ExternalDataWriter, writeModel } from '../../main/engine/graph/onnx';
import { buildDecoderGraph, INFERENCE_VARIANT } from '../../main/engine/decoder/graph';
import { WEIGHTS_FILE, type PreparedGraph } from '../../main/engine/decoder/prepare';
import type { DecoderSpec, WeightRef } from '../../main/engine/decoder/spec';
import { DecoderSession } from '../../main/engine/runtime/session';
import { generate } from '../../main/engine/generate/generate';

const args = process.argv.slice(2);
const arg = (k: string, d: number) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const LAYERS = arg('layers', 24);
const PROMPT = arg('prompt', 64);
const NEW = arg('new', 32);
/** each repeat measures the bound and both batches again; the report gives every repeat and the medians */
const REPEATS = arg('repeats', 3);
/** --spinning: ORT's busy-waiting thread pool (the session options before the decode tuning) */
const SPINNING = args.includes('--spinning');
const THREADS = arg('threads', 0);
/** --plain-norms: norms as Mul(x, x) (not fused by ORT), the graph before the decode tuning */
const VARIANT = { ...INFERENCE_VARIANT, inference: !args.includes('--plain-norms') };
/** a session setup to measure; --compare measures the one before the decode tuning beside the current one */
interface Config {
  label: string;
  spinning: boolean;
  inference: boolean;
}

const spec: DecoderSpec = {
  layers: LAYERS, hidden: 896, heads: 14, kvHeads: 2, headDim: 64, inter: 4864, vocab: 151936, eps: 1e-6,
  norm: 'rms', activation: 'silu', position: 'rope', rope: { theta: 1e6, dim: 64, scaling: { type: 'default' } },
  gatedMlp: true, linearLayout: 'out_in', fusedQkv: false, slidingWindow: null,
  globals: { embed: 'embed', finalNorm: 'norm' },
  layerTensors: Array.from({ length: LAYERS }, (_, i) => ({
    attnNorm: `l${i}.ln1`, q: `l${i}.q`, k: `l${i}.k`, v: `l${i}.v`, qBias: `l${i}.qb`, kBias: `l${i}.kb`, vBias: `l${i}.vb`,
    o: `l${i}.o`, mlpNorm: `l${i}.ln2`, gate: `l${i}.gate`, up: `l${i}.up`, down: `l${i}.down`,
  })),
  eosTokenIds: [], padTokenId: 0,
};
const H = spec.hidden, I = spec.inter, q = spec.heads * spec.headDim, kv = spec.kvHeads * spec.headDim;
const shapes: Record<string, number[]> = { embed: [spec.vocab, H], norm: [H] };
spec.layerTensors.forEach((l) => {
  const s: [string | undefined, number[]][] = [
    [l.attnNorm, [H]], [l.q, [q, H]], [l.k, [kv, H]], [l.v, [kv, H]], [l.qBias, [q]], [l.kBias, [kv]], [l.vBias, [kv]],
    [l.o, [H, q]], [l.mlpNorm, [H]], [l.gate, [I, H]], [l.up, [I, H]], [l.down, [H, I]],
  ];
  for (const [n, d] of s) shapes[n!] = d;
});

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'cpu'} × ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()}-${os.arch()}, Node ${process.versions.node}`;
}

/** Copy bandwidth: bytes read + written per second by large memcpys (best of several), on one thread and on
 *  every core at once (worker threads over one SharedArrayBuffer); the larger is the machine's bound. */
async function memBandwidth(): Promise<{ oneThread: number; allCores: number }> {
  const n = 512 << 20;
  const a = Buffer.alloc(n, 1);
  const b = Buffer.alloc(n);
  let best = Infinity;
  a.copy(b); // fault the destination pages in first
  for (let r = 0; r < 8; r++) {
    const t = performance.now();
    a.copy(b);
    best = Math.min(best, performance.now() - t);
  }
  const oneThread = (2 * n) / (best / 1000);
  const threads = os.cpus().length;
  const sab = new SharedArrayBuffer(2 * n);
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    const { sab, n, k, threads } = workerData;
    const chunk = Math.floor(n / threads);
    const src = new Uint8Array(sab, k * chunk, chunk), dst = new Uint8Array(sab, n + k * chunk, chunk);
    dst.fill(1); src.fill(2);
    parentPort.on('message', () => { dst.set(src); parentPort.postMessage(0); });
    parentPort.postMessage('ready');`;
  const ws = Array.from({ length: threads }, (_, k) => new Worker(code, { eval: true, workerData: { sab, n, k, threads } }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))));
  let bestAll = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    ws.forEach((w) => w.postMessage(0));
    await Promise.all(ws.map((w) => new Promise((res) => w.once('message', res))));
    bestAll = Math.min(bestAll, performance.now() - t);
  }
  await Promise.all(ws.map((w) => w.terminate()));
  return { oneThread, allCores: (2 * n) / (bestAll / 1000) };
}

/** --profile: one more session of the given setup with ORT profiling on; a batch-1 generate, then the kernel time
 *  per decode step by op type (prefill excluded), from ORT's profile JSON. */
async function profileDecode(
  dir: string,
  spec: DecoderSpec,
  refs: Map<string, WeightRef>,
  c: Config,
  prompt: (b: number) => number[],
): Promise<{ decodeSteps: number; stepMs: number; kernelMs: number; byOp: Record<string, { ms: number; calls: number }> }> {
  const variant = { ...INFERENCE_VARIANT, inference: c.inference };
  const modelPath = path.join(dir, 'decoder-profile.onnx');
  writeModel(buildDecoderGraph(spec, (n) => refs.get(n)!, variant), modelPath);
  const prefix = path.join(dir, 'ort-profile');
  const prepared: PreparedGraph = { dir, modelPath, spec, manifest: { dtype: 'float32', tensors: {} }, variant };
  const s = await DecoderSession.open(prepared, { provider: 'cpu', spinning: c.spinning, profile: prefix, ...(THREADS ? { threads: THREADS } : {}) });
  await generate(s, [prompt(0)], { maxNewTokens: NEW, eosTokenIds: [], padTokenId: 0 });
  s.endProfiling();
  await s.release();
  const file = fs.readdirSync(dir).find((f) => f.startsWith('ort-profile') && f.endsWith('.json'));
  if (!file) throw new Error('ORT wrote no profile');
  type Ev = { cat: string; name: string; ts: number; dur: number; args?: { op_name?: string } };
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Ev[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts).slice(1); // drop the prefill
  const inDecode = (ts: number) => runs.some((r) => ts >= r.ts && ts <= r.ts + r.dur);
  const byOp: Record<string, { ms: number; calls: number }> = {};
  let kernel = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !inDecode(e.ts)) continue;
    const op = e.args?.op_name ?? '?';
    byOp[op] ??= { ms: 0, calls: 0 };
    byOp[op].ms += e.dur / 1000 / runs.length;
    byOp[op].calls += 1 / runs.length;
    kernel += e.dur / 1000 / runs.length;
  }
  const sorted = Object.fromEntries(
    Object.entries(byOp)
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([k, v]) => [k, { ms: Math.round(v.ms * 100) / 100, calls: Math.round(v.calls) }]),
  );
  const stepMs = runs.reduce((a, r) => a + r.dur, 0) / 1000 / runs.length;
  console.error(`profile (${runs.length} decode steps): ${stepMs.toFixed(1)} ms per step in session.run, ${kernel.toFixed(1)} ms in kernels`);
  for (const [op, v] of Object.entries(sorted).slice(0, 12)) console.error(`  ${op.padEnd(32)} ${v.ms.toFixed(2).padStart(8)} ms  ${v.calls} calls`);
  return { decodeSteps: runs.length, stepMs, kernelMs: kernel, byOp: sorted };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-bench-'));
  try {
    console.error(`writing random weights (${LAYERS} layers) to ${dir}…`);
    const w = new ExternalDataWriter(path.join(dir, WEIGHTS_FILE));
    const refs = new Map<string, WeightRef>();
    let s = 12345;
    let params = 0;
    for (const [name, dims] of Object.entries(shapes)) {
      const n = dims.reduce((x, y) => x * y, 1);
      params += n;
      const data = new Float32Array(n);
      const isNorm = dims.length === 1 && /ln|norm/.test(name);
      for (let i = 0; i < n; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        data[i] = isNorm ? 1 : (s / 2 ** 32 - 0.5) * 0.05;
      }
      refs.set(name, { dims, data: w.append(data) });
    }
    w.close();
    // one session per configuration; --compare alternates the old and the current session setup in every repeat,
    // so both see the same machine load
    const configs: Config[] = args.includes('--compare')
      ? [
          { label: 'before (spinning pool, plain norms)', spinning: true, inference: false },
          { label: 'current', spinning: false, inference: true },
        ]
      : [{ label: 'current', spinning: SPINNING, inference: VARIANT.inference }];
    const sessions: DecoderSession[] = [];
    let loadS = 0;
    for (const [ci, c] of configs.entries()) {
      const variant = { ...INFERENCE_VARIANT, inference: c.inference };
      const modelPath = path.join(dir, `decoder-${ci}.onnx`);
      writeModel(buildDecoderGraph(spec, (n) => refs.get(n)!, variant), modelPath);
      const prepared: PreparedGraph = { dir, modelPath, spec, manifest: { dtype: 'float32', tensors: {} }, variant };
      console.error(`creating session (${c.label})…`);
      const t0 = performance.now();
      sessions.push(await DecoderSession.open(prepared, { provider: 'cpu', spinning: c.spinning, ...(THREADS ? { threads: THREADS } : {}) }));
      loadS = Math.max(loadS, (performance.now() - t0) / 1000);
    }
    const bytesPerToken = params * 4; // every weight is read once per decode step (the tied embedding as the head)
    const prompt = (b: number) => Array.from({ length: PROMPT }, (_, i) => (i * 7919 + b * 104729) % spec.vocab);
    for (const session of sessions) await generate(session, [prompt(0)], { maxNewTokens: 2, eosTokenIds: [], padTokenId: 0 }); // warm-up
    type Row = { batch: number; prefill: number; decode: number };
    type Repeat = { loadAverage: number[]; memcpyGBs: number; boundTokS: number; rows: Row[]; decodePctOfBound: number; batch8OverBatch1: number };
    const repeats: Repeat[][] = configs.map(() => []);
    for (let rep = 0; rep < REPEATS; rep++) {
      // the bound is measured before and after the runs of this repeat (this machine may be shared): the best is used
      const mem0 = await memBandwidth();
      const order = configs.map((_, i) => i);
      if (rep % 2) order.reverse();
      const rowsOf: Row[][] = configs.map(() => []);
      for (const ci of order) {
        for (const batch of [1, 8]) {
          const prompts = Array.from({ length: batch }, (_, b) => prompt(b));
          const r = await generate(sessions[ci], prompts, { maxNewTokens: NEW, eosTokenIds: [], padTokenId: 0 });
          rowsOf[ci].push({ batch, prefill: (batch * PROMPT) / r.timing.prefillS, decode: (batch * r.timing.decodeSteps) / r.timing.decodeS });
        }
      }
      const mem1 = await memBandwidth();
      const bw = Math.max(mem0.oneThread, mem0.allCores, mem1.oneThread, mem1.allCores);
      const bound = bw / bytesPerToken;
      for (const [ci, rows] of rowsOf.entries()) {
        repeats[ci].push({
          loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
          memcpyGBs: bw / 1e9,
          boundTokS: bound,
          rows,
          decodePctOfBound: (100 * rows[0].decode) / bound,
          batch8OverBatch1: rows[1].decode / rows[0].decode,
        });
        console.error(
          `repeat ${rep + 1} [${configs[ci].label}]: load ${os.loadavg()[0].toFixed(2)}, bound ${bound.toFixed(2)} tok/s, ` +
            rows.map((r) => `batch ${r.batch}: prefill ${r.prefill.toFixed(1)} decode ${r.decode.toFixed(2)} tok/s`).join(', '),
        );
      }
    }
    for (const session of sessions) await session.release();
    const profile = args.includes('--profile') ? await profileDecode(dir, spec, refs, configs[configs.length - 1], prompt) : undefined;
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const res = {
      machine: machine(),
      model: { layers: LAYERS, hidden: H, heads: spec.heads, kvHeads: spec.kvHeads, intermediate: I, vocab: spec.vocab, parameters: params, dtype: 'float32', provider: 'cpu' },
      threads: THREADS || 'default',
      promptTokens: PROMPT,
      newTokens: NEW,
      sessionLoadS: loadS,
      weightBytesPerToken: bytesPerToken,
      ...(profile ? { profile } : {}),
      configs: configs.map((c, ci) => ({
        ...c,
        repeats: repeats[ci],
        median: {
          memcpyGBs: median(repeats[ci].map((r) => r.memcpyGBs)),
          boundTokS: median(repeats[ci].map((r) => r.boundTokS)),
          prefillB1: median(repeats[ci].map((r) => r.rows[0].prefill)),
          prefillB8: median(repeats[ci].map((r) => r.rows[1].prefill)),
          decodeB1: median(repeats[ci].map((r) => r.rows[0].decode)),
          decodeB8: median(repeats[ci].map((r) => r.rows[1].decode)),
          decodePctOfBound: median(repeats[ci].map((r) => r.decodePctOfBound)),
          batch8OverBatch1: median(repeats[ci].map((r) => r.batch8OverBatch1)),
        },
      })),
    };
    console.log(JSON.stringify(res, null, 2));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
