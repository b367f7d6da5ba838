// The per-case edit report as the experiments domain reads it from eval_cases.edit_json.
//
// The evaluation runner stores `{ ref, ...EditInfo }` (main/eval/runner.ts, main/eval/interfaces.ts), i.e.
//   { ref: string, method: string, ms: number, details: { ... } }
// and the editing domain fills `details`. The fields read here (documented in docs/experiments.md) may sit either in
// `details` or at the top level:
//   mode: string                 edit mode ('easyedit' | 'paper')
//   toxic_layer: integer         the layer DINM located and edited (0-based)
//   layer_distances: number[]    per-layer distance between safe and unsafe hidden states, index = layer
//   losses: number[]             loss per optimisation step
//   params: object               hyper-parameters of the edit (lr, steps, …)
//   patch_id: string             id of the stored weight patch (shared by runs that reuse an edit)
//   error: string                why the edit of this case failed
// Anything else is kept out of the view; a present but malformed field is reported in `problems`, never fatal.
import type { EditInfoView } from '../../shared/api/experiments';

type Json = Record<string, unknown>;

function isObj(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function pick(top: Json, details: Json, key: string): unknown {
  return details[key] !== undefined ? details[key] : top[key];
}

function finiteArray(x: unknown): number[] | null {
  if (!Array.isArray(x) || x.length === 0) return null;
  return x.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (x as number[]) : null;
}

/** Parses edit_json (a string or null). Never throws: a malformed report yields an empty view with a problem. */
export function parseEditInfo(json: string | null): EditInfoView | null {
  if (json === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ...emptyView(), problems: ['edit_json is not valid JSON'] };
  }
  if (!isObj(raw)) return { ...emptyView(), problems: ['edit_json is not an object'] };
  const details = isObj(raw.details) ? raw.details : {};
  const v = emptyView();
  const str = (key: string): string | null => {
    const x = pick(raw as Json, details, key);
    if (x === undefined || x === null) return null;
    if (typeof x !== 'string') {
      v.problems.push(`${key} is not a string`);
      return null;
    }
    return x;
  };
  v.ref = str('ref');
  v.method = str('method');
  v.mode = str('mode');
  v.patchId = str('patch_id');
  v.error = str('error');
  const layer = pick(raw, details, 'toxic_layer');
  if (layer !== undefined && layer !== null) {
    if (typeof layer === 'number' && Number.isInteger(layer) && layer >= 0) v.toxicLayer = layer;
    else v.problems.push('toxic_layer is not a non-negative integer');
  }
  for (const [key, field] of [
    ['losses', 'losses'],
    ['layer_distances', 'layerDistances'],
  ] as const) {
    const x = pick(raw, details, key);
    if (x === undefined || x === null) continue;
    const arr = finiteArray(x);
    if (arr) v[field] = arr;
    else v.problems.push(`${key} is not a non-empty list of finite numbers`);
  }
  const params = pick(raw, details, 'params');
  if (params !== undefined && params !== null) {
    if (isObj(params)) v.params = params;
    else v.problems.push('params is not an object');
  }
  const ms = raw.ms;
  if (typeof ms === 'number' && Number.isFinite(ms)) v.ms = ms;
  return v;
}

function emptyView(): EditInfoView {
  return { ref: null, method: null, mode: null, toxicLayer: null, layerDistances: null, losses: null, params: null, patchId: null, ms: null, error: null, problems: [] };
}

/** Every `step`-th point so a curve has at most `max` points (the last point always kept). */
export function downsample(xs: number[], max: number): number[] {
  if (xs.length <= max) return xs;
  const step = (xs.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => xs[Math.round(i * step)]);
}

/** Mean curve over curves of different lengths (point i averages the curves that reach i). */
export function meanCurve(curves: number[][]): number[] | null {
  if (curves.length === 0) return null;
  const n = Math.max(...curves.map((c) => c.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    let k = 0;
    for (const c of curves) if (i < c.length) (s += c[i]), k++;
    out.push(s / k);
  }
  return out;
}
