// Adam as torch.optim.Adam computes it (not AdamW: weight decay is added to the gradient), updating float32
// tensors in place. Moments are kept in float32 like torch's state; the per-element arithmetic runs in double and is
// rounded on store, which agrees with torch's float32 kernels far inside the 1e-4 tolerance the goldens use.

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export const ADAM_DEFAULTS: Omit<AdamOptions, 'lr'> = { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 };

export class Adam {
  private m = new Map<string, Float32Array>();
  private v = new Map<string, Float32Array>();
  private t = 0;
  constructor(readonly o: AdamOptions) {}

  get steps(): number {
    return this.t;
  }

  /** One update of every parameter (params and grads by name, same lengths). */
  step(params: Record<string, Float32Array>, grads: Record<string, Float32Array>): void {
    this.t++;
    const [b1, b2] = this.o.betas;
    const bc1 = 1 - b1 ** this.t;
    const bc2sqrt = Math.sqrt(1 - b2 ** this.t);
    const stepSize = this.o.lr / bc1;
    const wd = this.o.weightDecay;
    for (const [name, p] of Object.entries(params)) {
      const g = grads[name];
      if (!g || g.length !== p.length) throw new Error(`adam: gradient of '${name}' is missing or mis-sized`);
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (!m || !v) {
        m = new Float32Array(p.length);
        v = new Float32Array(p.length);
        this.m.set(name, m);
        this.v.set(name, v);
      }
      for (let i = 0; i < p.length; i++) {
        const gi = wd ? g[i] + wd * p[i] : g[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        const denom = Math.sqrt(v[i]) / bc2sqrt + this.o.eps;
        p[i] = p[i] - (stepSize * m[i]) / denom;
      }
    }
  }
}
