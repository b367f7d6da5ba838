// A plain TypeScript (float64) forward pass of the decoder, written straight from the Hugging Face modelling
// code, used to check the ONNX graph until/besides the torch goldens. One unpadded sequence, no cache.
import type { DecoderSpec } from '../../main/engine/decoder/spec';
import { ropeInvFreq } from '../../main/engine/arch/rope';

export type Weights = Map<string, { dims: number[]; data: Float32Array }>;

function get(w: Weights, name: string | undefined) {
  if (!name) throw new Error('missing tensor name');
  const t = w.get(name);
  if (!t) throw new Error(`missing tensor ${name}`);
  return t;
}

/** x [rows, in] · W → [rows, out]; W stored [out, in] ('out_in') or [in, out] ('in_out'). */
function linear(x: Float64Array[], w: { dims: number[]; data: Float32Array }, layout: 'out_in' | 'in_out', bias?: Float32Array): Float64Array[] {
  const [a, c] = w.dims;
  const out = layout === 'out_in' ? a : c;
  const inn = layout === 'out_in' ? c : a;
  return x.map((row) => {
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = bias ? bias[o] : 0;
      for (let i = 0; i < inn; i++) s += row[i] * (layout === 'out_in' ? w.data[o * inn + i] : w.data[i * out + o]);
      y[o] = s;
    }
    return y;
  });
}

/** logits; hidden as Hugging Face's hidden_states (last after the final norm); blocks: every block's output before any final norm. */
export function refForward(spec: DecoderSpec, w: Weights, ids: number[]): { logits: Float64Array[]; hidden: Float64Array[][]; blocks: Float64Array[][] } {
  const S = ids.length;
  const { hidden: H, heads, kvHeads, headDim: hd } = spec;
  const emb = get(w, spec.globals.embed);
  let x: Float64Array[] = ids.map((id, p) => {
    const r = Float64Array.from(emb.data.subarray(id * H, (id + 1) * H));
    if (spec.position === 'learned') {
      const pe = get(w, spec.globals.posEmbed);
      for (let i = 0; i < H; i++) r[i] += pe.data[p * H + i];
    }
    return r;
  });
  const norm = (rows: Float64Array[], wn?: string, bn?: string) =>
    rows.map((r) => {
      const g = get(w, wn).data;
      const bb = bn ? get(w, bn).data : null;
      const y = new Float64Array(H);
      if (spec.norm === 'rms') {
        let ms = 0;
        for (const v of r) ms += v * v;
        const inv = 1 / Math.sqrt(ms / H + spec.eps);
        for (let i = 0; i < H; i++) y[i] = r[i] * inv * g[i];
      } else {
        let m = 0;
        for (const v of r) m += v;
        m /= H;
        let vr = 0;
        for (const v of r) vr += (v - m) ** 2;
        const inv = 1 / Math.sqrt(vr / H + spec.eps);
        for (let i = 0; i < H; i++) y[i] = (r[i] - m) * inv * g[i] + (bb ? bb[i] : 0);
      }
      return y;
    });
  const act = (v: number) =>
    spec.activation === 'silu' ? v / (1 + Math.exp(-v)) : 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  const inv = spec.position === 'rope' ? ropeInvFreq(spec.rope!) : null;
  const rope = (vec: Float64Array, p: number, off: number) => {
    if (!inv) return;
    const half = hd / 2;
    const tmp = Float64Array.from(vec.subarray(off, off + hd));
    for (let j = 0; j < hd; j++) {
      const a = p * inv[j % half];
      const rot = j < half ? -tmp[j + half] : tmp[j - half];
      vec[off + j] = tmp[j] * Math.cos(a) + rot * Math.sin(a);
    }
  };
  const bias = (n?: string) => (n ? get(w, n).data : undefined);
  const hidden: Float64Array[][] = [x.map((r) => r.slice())];
  const blocks: Float64Array[][] = [];
  for (let l = 0; l < spec.layers; l++) {
    const t = spec.layerTensors[l];
    const n1 = norm(x, t.attnNorm, t.attnNormBias);
    let q: Float64Array[], k: Float64Array[], v: Float64Array[];
    if (spec.fusedQkv) {
      const qkv = linear(n1, get(w, t.qkv), spec.linearLayout, bias(t.qkvBias));
      q = qkv.map((r) => r.slice(0, heads * hd));
      k = qkv.map((r) => r.slice(heads * hd, (heads + kvHeads) * hd));
      v = qkv.map((r) => r.slice((heads + kvHeads) * hd));
    } else {
      q = linear(n1, get(w, t.q), spec.linearLayout, bias(t.qBias));
      k = linear(n1, get(w, t.k), spec.linearLayout, bias(t.kBias));
      v = linear(n1, get(w, t.v), spec.linearLayout, bias(t.vBias));
    }
    for (let p = 0; p < S; p++) {
      for (let h = 0; h < heads; h++) rope(q[p], p, h * hd);
      for (let h = 0; h < kvHeads; h++) rope(k[p], p, h * hd);
    }
    const ctx = Array.from({ length: S }, () => new Float64Array(heads * hd));
    for (let h = 0; h < heads; h++) {
      const kh = Math.floor(h / (heads / kvHeads));
      for (let p = 0; p < S; p++) {
        const sc: number[] = [];
        for (let j = 0; j <= p; j++) {
          if (spec.slidingWindow !== null && j <= p - spec.slidingWindow) {
            sc.push(-Infinity);
            continue;
          }
          let s = 0;
          for (let d = 0; d < hd; d++) s += q[p][h * hd + d] * k[j][kh * hd + d];
          sc.push(s / Math.sqrt(hd));
        }
        const m = Math.max(...sc);
        const e = sc.map((s) => Math.exp(s - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let j = 0; j <= p; j++) for (let d = 0; d < hd; d++) ctx[p][h * hd + d] += (e[j] / z) * v[j][kh * hd + d];
      }
    }
    const o = linear(ctx, get(w, t.o), spec.linearLayout, bias(t.oBias));
    x = x.map((r, p) => r.map((val, i) => val + o[p][i]));
    const n2 = norm(x, t.mlpNorm, t.mlpNormBias);
    const up = linear(n2, get(w, t.up), spec.linearLayout, bias(t.upBias));
    let inner: Float64Array[];
    if (spec.gatedMlp) {
      const gate = linear(n2, get(w, t.gate), spec.linearLayout);
      inner = gate.map((r, p) => r.map((gv, i) => act(gv) * up[p][i]));
    } else inner = up.map((r) => r.map(act));
    const down = linear(inner, get(w, t.down), spec.linearLayout, bias(t.downBias));
    x = x.map((r, p) => r.map((val, i) => val + down[p][i]));
    if (l < spec.layers - 1) hidden.push(x.map((r) => r.slice()));
    blocks.push(x.map((r) => r.slice()));
  }
  const xf = norm(x, spec.globals.finalNorm, spec.globals.finalNormBias);
  hidden.push(xf);
  const logits = linear(xf, get(w, spec.globals.lmHead ?? spec.globals.embed), 'out_in');
  return { logits, hidden, blocks };
}
