// Chart geometry as plain SVG element trees, shared by the renderer (renderer/src/components/experiments/Svg.tsx
// turns a tree into React elements) and the HTML export (svgToString). One implementation of each chart.
// No DOM, no dependencies: pure functions of the data.

export interface SvgNode {
  tag: string;
  attrs: Record<string, string | number>;
  children?: SvgNode[];
  /** text content (escaped when serialised) */
  text?: string;
}

export type CellState = 'value' | 'na' | 'not-run' | 'failed';

export const CHART_COLORS = ['#4c8dff', '#f0883e', '#3fb950', '#bc8cff', '#db61a2', '#2dc7c7', '#d29922', '#8b949e'];
const AXIS = '#8b93a1';
const FAIL = '#e5534b';

const STATE_TEXT: Record<Exclude<CellState, 'value'>, string> = { na: 'n/a', 'not-run': 'not run', failed: 'failed' };

function el(tag: string, attrs: Record<string, string | number>, children?: SvgNode[], text?: string): SvgNode {
  return { tag, attrs, children, text };
}

function text(x: number, y: number, s: string, extra: Record<string, string | number> = {}): SvgNode {
  return el('text', { x: r(x), y: r(y), 'font-size': 11, fill: AXIS, 'text-anchor': 'middle', ...extra }, undefined, s);
}

function r(x: number): number {
  return Math.round(x * 10) / 10;
}

export interface BarGroup {
  label: string;
  /** one per series */
  cells: { value: number | null; state: CellState }[];
}

/**
 * Grouped bar chart on a fixed 0..max scale (metrics are 0–100). A missing value is drawn as a dashed empty box
 * labelled "n/a", "not run" or "failed" — never as a zero bar; a 0 is a visible baseline tick labelled "0.0".
 */
export function barChart(o: { title: string; groups: BarGroup[]; series: string[]; max?: number; width?: number; height?: number; testId?: string }): SvgNode {
  const W = o.width ?? Math.max(240, 70 + o.groups.length * (o.series.length * 26 + 16));
  const H = o.height ?? 200;
  const max = o.max ?? 100;
  const left = 34;
  const top = 30;
  const bottom = 34;
  const plotH = H - top - bottom;
  const plotW = W - left - 8;
  const gw = plotW / Math.max(1, o.groups.length);
  const bw = Math.min(26, (gw - 10) / Math.max(1, o.series.length));
  const y = (v: number) => top + plotH - (Math.max(0, Math.min(max, v)) / max) * plotH;
  const kids: SvgNode[] = [el('title', {}, undefined, o.title), text(W / 2, 14, o.title, { 'font-size': 12, fill: 'currentColor', 'font-weight': 600 })];
  for (const t of [0, max / 2, max]) {
    kids.push(el('line', { x1: left, x2: W - 8, y1: r(y(t)), y2: r(y(t)), stroke: AXIS, 'stroke-opacity': t === 0 ? 0.9 : 0.25 }));
    kids.push(text(left - 4, y(t) + 4, String(t), { 'text-anchor': 'end', 'font-size': 10 }));
  }
  o.groups.forEach((g, gi) => {
    const gx = left + gi * gw + (gw - bw * o.series.length) / 2;
    g.cells.forEach((c, si) => {
      const x = gx + si * bw;
      const color = CHART_COLORS[si % CHART_COLORS.length];
      const label = `${g.label}${o.series.length > 1 ? ` · ${o.series[si]}` : ''}`;
      if (c.state === 'value' && c.value !== null) {
        const h = Math.max(1.5, y(0) - y(c.value));
        kids.push(
          el('rect', { x: r(x + 1), y: r(y(0) - h), width: r(bw - 2), height: r(h), fill: color, 'data-state': 'value', 'data-value': c.value.toFixed(2) }, [
            el('title', {}, undefined, `${label}: ${c.value.toFixed(2)}`),
          ]),
        );
        kids.push(text(x + bw / 2, y(0) - h - 3, c.value.toFixed(1), { 'font-size': 9, fill: 'currentColor' }));
      } else {
        const st = c.state === 'value' ? 'na' : c.state;
        const stroke = st === 'failed' ? FAIL : AXIS;
        kids.push(
          el(
            'rect',
            { x: r(x + 2), y: top, width: r(bw - 4), height: r(plotH), fill: 'none', stroke, 'stroke-dasharray': st === 'na' ? '2 3' : '6 3', 'data-state': st },
            [el('title', {}, undefined, `${label}: ${STATE_TEXT[st]}`)],
          ),
        );
        kids.push(
          text(x + bw / 2, top + plotH / 2, STATE_TEXT[st], {
            'font-size': 9,
            fill: stroke,
            transform: `rotate(-90 ${r(x + bw / 2)} ${r(top + plotH / 2)})`,
            'dominant-baseline': 'middle',
          }),
        );
      }
    });
    kids.push(text(left + gi * gw + gw / 2, H - bottom + 14, g.label, { 'font-size': 10 }));
  });
  if (o.series.length > 1) {
    o.series.forEach((s, si) => {
      const x = left + si * Math.min(140, plotW / o.series.length);
      kids.push(el('rect', { x: r(x), y: H - 12, width: 9, height: 9, fill: CHART_COLORS[si % CHART_COLORS.length] }));
      kids.push(text(x + 13, H - 4, s.length > 18 ? `${s.slice(0, 17)}…` : s, { 'text-anchor': 'start', 'font-size': 10 }));
    });
  }
  return el('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${r(W)} ${H}`, width: r(W), height: H, role: 'img', 'aria-label': o.title, 'data-chart': o.testId ?? 'bars' }, kids);
}

/** Histogram of located toxic layers (integer bins, every layer between the smallest and largest shown). */
export function layerHistogram(o: { title: string; counts: { layer: number; cases: number }[]; width?: number; height?: number }): SvgNode {
  const W = o.width ?? 420;
  const H = o.height ?? 180;
  const left = 34;
  const top = 24;
  const bottom = 30;
  const kids: SvgNode[] = [el('title', {}, undefined, o.title), text(W / 2, 14, o.title, { 'font-size': 12, fill: 'currentColor', 'font-weight': 600 })];
  if (o.counts.length === 0) {
    kids.push(text(W / 2, H / 2, 'no located layers', { 'font-size': 12 }));
    return el('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': o.title, 'data-chart': 'layers' }, kids);
  }
  const lo = o.counts[0].layer;
  const hi = o.counts[o.counts.length - 1].layer;
  const n = hi - lo + 1;
  const by = new Map(o.counts.map((c) => [c.layer, c.cases]));
  const max = Math.max(...o.counts.map((c) => c.cases));
  const plotH = H - top - bottom;
  const bw = (W - left - 8) / n;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  kids.push(el('line', { x1: left, x2: W - 8, y1: y(0), y2: y(0), stroke: AXIS }));
  kids.push(text(left - 4, y(max) + 4, String(max), { 'text-anchor': 'end', 'font-size': 10 }));
  kids.push(text(left - 4, y(0) + 4, '0', { 'text-anchor': 'end', 'font-size': 10 }));
  const every = Math.ceil(n / 16);
  for (let i = 0; i < n; i++) {
    const layer = lo + i;
    const v = by.get(layer) ?? 0;
    const x = left + i * bw;
    if (v > 0) {
      kids.push(
        el('rect', { x: r(x + 1), y: r(y(v)), width: r(Math.max(1, bw - 2)), height: r(y(0) - y(v)), fill: CHART_COLORS[0], 'data-layer': layer, 'data-count': v }, [
          el('title', {}, undefined, `layer ${layer}: ${v} case${v === 1 ? '' : 's'}`),
        ]),
      );
    }
    if (i % every === 0 || i === n - 1) kids.push(text(x + bw / 2, H - bottom + 13, String(layer), { 'font-size': 10 }));
  }
  kids.push(text(W / 2, H - 4, 'layer', { 'font-size': 10 }));
  return el('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': o.title, 'data-chart': 'layers' }, kids);
}

/** Loss curves (thin) with an emphasised mean curve; x = optimisation step. */
export function lineChart(o: { title: string; curves: number[][]; mean?: number[] | null; width?: number; height?: number; xLabel?: string }): SvgNode {
  const W = o.width ?? 420;
  const H = o.height ?? 180;
  const left = 44;
  const top = 24;
  const bottom = 30;
  const kids: SvgNode[] = [el('title', {}, undefined, o.title), text(W / 2, 14, o.title, { 'font-size': 12, fill: 'currentColor', 'font-weight': 600 })];
  const all = [...o.curves, ...(o.mean ? [o.mean] : [])];
  if (all.length === 0 || all.every((c) => c.length === 0)) {
    kids.push(text(W / 2, H / 2, 'no loss curves', { 'font-size': 12 }));
    return el('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': o.title, 'data-chart': 'loss' }, kids);
  }
  let lo = Infinity;
  let hi = -Infinity;
  let n = 1;
  for (const c of all) {
    n = Math.max(n, c.length);
    for (const v of c) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  }
  if (hi === lo) (hi += 0.5), (lo -= 0.5);
  const plotH = H - top - bottom;
  const plotW = W - left - 10;
  const x = (i: number) => left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v: number) => top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const path = (c: number[]) => c.map((v, i) => `${i ? 'L' : 'M'}${r(x(i))} ${r(y(v))}`).join('');
  kids.push(el('line', { x1: left, x2: W - 10, y1: top + plotH, y2: top + plotH, stroke: AXIS }));
  kids.push(el('line', { x1: left, x2: left, y1: top, y2: top + plotH, stroke: AXIS }));
  kids.push(text(left - 4, y(hi) + 4, fmtTick(hi), { 'text-anchor': 'end', 'font-size': 10 }));
  kids.push(text(left - 4, y(lo) + 4, fmtTick(lo), { 'text-anchor': 'end', 'font-size': 10 }));
  kids.push(text(left, H - bottom + 13, '0', { 'font-size': 10 }));
  kids.push(text(W - 10, H - bottom + 13, String(n - 1), { 'font-size': 10 }));
  kids.push(text(W / 2, H - 4, o.xLabel ?? 'step', { 'font-size': 10 }));
  for (const c of o.curves) if (c.length) kids.push(el('path', { d: path(c), fill: 'none', stroke: CHART_COLORS[0], 'stroke-opacity': 0.35, 'stroke-width': 1, 'data-curve': 'case' }));
  if (o.mean?.length) kids.push(el('path', { d: path(o.mean), fill: 'none', stroke: CHART_COLORS[1], 'stroke-width': 2.2, 'data-curve': 'mean' }, [el('title', {}, undefined, 'mean loss')]));
  return el('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': o.title, 'data-chart': 'loss' }, kids);
}

function fmtTick(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e4) ? v.toExponential(1) : v.toFixed(a < 1 ? 3 : 2);
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Serialises a tree as SVG markup (for the HTML export). */
export function svgToString(n: SvgNode): string {
  const attrs = Object.entries(n.attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  const inner = (n.text !== undefined ? escapeXml(n.text) : '') + (n.children ?? []).map(svgToString).join('');
  return `<${n.tag}${attrs}>${inner}</${n.tag}>`;
}

/** A metric cell as text: two decimals, or why there is no number ("n/a", "not run", "failed"). */
export function cellText(c: { value: number | null; state: CellState }): string {
  if (c.state === 'value' && c.value !== null) return c.value.toFixed(2);
  return STATE_TEXT[c.state === 'value' ? 'na' : c.state];
}

/** A delta with its sign ("+1.25", "−0.50", "±0.00"), or "—" when either side is missing. */
export function deltaText(d: number | null): string {
  if (d === null) return '—';
  if (Math.abs(d) < 0.005) return '±0.00';
  return d > 0 ? `+${d.toFixed(2)}` : `−${Math.abs(d).toFixed(2)}`;
}
