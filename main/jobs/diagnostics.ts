import type { Task } from './task';
import { throwIfCancelled } from './task';

export interface DiagnosticsInput {
  steps: number;
  stepMs: number;
}
export interface DiagnosticsResult {
  steps: number;
  gflops: number;
  checksum: number;
}

/** Times float32 matrix products for `steps` slices of about `stepMs` each; a real, cancellable workload. */
export const diagnostics: Task<DiagnosticsInput, DiagnosticsResult> = async (input, ctx) => {
  const n = 64;
  const a = new Float32Array(n * n); // [n, n]
  const b = new Float32Array(n * n); // [n, n]
  const c = new Float32Array(n * n); // [n, n]
  for (let i = 0; i < n * n; i++) {
    a[i] = Math.sin(i);
    b[i] = Math.cos(i);
  }
  let flops = 0;
  let busyMs = 0;
  for (let s = 0; s < input.steps; s++) {
    throwIfCancelled(ctx);
    const t0 = performance.now();
    while (performance.now() - t0 < input.stepMs) {
      for (let i = 0; i < n; i++)
        for (let k = 0; k < n; k++) {
          const aik = a[i * n + k];
          for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
        }
      flops += 2 * n * n * n;
      // yield so a cancel message can be received
      if (performance.now() - t0 > 20) await new Promise((r) => setImmediate(r));
      if (ctx.signal.aborted) break;
    }
    busyMs += performance.now() - t0;
    ctx.progress((s + 1) / input.steps, `step ${s + 1}/${input.steps}`);
  }
  throwIfCancelled(ctx);
  ctx.log(`${input.steps} steps, ${(flops / 1e9).toFixed(2)} GFLOP in ${(busyMs / 1000).toFixed(2)} s`);
  let checksum = 0;
  for (let i = 0; i < n * n; i++) checksum += c[i];
  return { steps: input.steps, gflops: flops / (busyMs / 1000) / 1e9, checksum };
};
