// The runs table's model (renderer/src/components/experiments/tableModel.ts) and the shared chart geometry.
import { describe, expect, it } from 'vitest';
import type { ExperimentRow } from '../shared/api/experiments';
import { applyView, COLUMN_BY_KEY, compileFilter, defaultLayout, normaliseLayout } from '../renderer/src/components/experiments/tableModel';
import { barChart, cellText, deltaText, lineChart, layerHistogram, svgToString, type SvgNode } from '../shared/charts';

function row(i: number, o: Partial<ExperimentRow> = {}): ExperimentRow {
  return {
    id: `id-${i}`,
    name: `run ${i}`,
    model: i % 2 ? 'llama' : 'mistral',
    modelPath: '/m',
    method: ['none', 'dinm', 'prompt'][i % 3],
    mode: 'easyedit',
    layer: null,
    toxicLayer: null,
    judge: 'j',
    judgeId: 'j',
    split: 'test',
    cases: 10 + i,
    DS: i * 10,
    DG_Avg: null,
    Fluency: 4,
    status: 'done',
    error: null,
    createdAt: `2026-01-0${1 + (i % 9)}T10:00:00.000Z`,
    finishedAt: null,
    tags: i % 2 ? ['a', 'edit'] : [],
    notes: '',
    comparabilityKey: 'k',
    ...o,
  };
}

const rows = Array.from({ length: 10 }, (_, i) => row(i, i === 3 ? { DS: null } : {}));

describe('runs table model', () => {
  it('numeric filters: comparisons, ranges, equality at two decimals, n/a', () => {
    const ds = COLUMN_BY_KEY.get('DS')!;
    const ids = (f: string) => rows.filter(compileFilter(ds, f) as (r: ExperimentRow) => boolean).map((r) => r.id);
    expect(ids('>70')).toEqual(['id-8', 'id-9']);
    expect(ids('<=10')).toEqual(['id-0', 'id-1']);
    expect(ids('20..40')).toEqual(['id-2', 'id-4']);
    expect(ids('=0')).toEqual(['id-0']);
    expect(ids('n/a')).toEqual(['id-3']);
    expect(compileFilter(ds, 'lots')).toEqual({ error: 'DS: use >80, <=50, =0, 50..80 or n/a' });
    expect(compileFilter(ds, '  ')).toBeNull();
  });

  it('text filters: substring, negation, exact; tags match any tag', () => {
    const m = COLUMN_BY_KEY.get('method')!;
    const f = (col: typeof m, s: string) => rows.filter(compileFilter(col, s) as (r: ExperimentRow) => boolean).length;
    expect(f(m, 'DIN')).toBe(3);
    expect(f(m, '!dinm')).toBe(7);
    expect(f(m, '=non')).toBe(0);
    expect(f(COLUMN_BY_KEY.get('tags')!, 'edi')).toBe(5);
    expect(f(COLUMN_BY_KEY.get('createdAt')!, '2026-01-02 10:00')).toBe(1);
  });

  it('sorts with nulls last in both directions and reports filter errors', () => {
    const asc = applyView(rows, { filters: {}, sort: { key: 'DS', dir: 'asc' } });
    expect(asc.rows.map((r) => r.DS)).toEqual([0, 10, 20, 40, 50, 60, 70, 80, 90, null]);
    const desc = applyView(rows, { filters: {}, sort: { key: 'DS', dir: 'desc' } });
    expect(desc.rows.map((r) => r.DS)).toEqual([90, 80, 70, 60, 50, 40, 20, 10, 0, null]);
    const both = applyView(rows, { filters: { model: 'llama', DS: '>=50', cases: 'x' }, sort: { key: 'cases', dir: 'desc' } }, 'run');
    expect(both.rows.map((r) => r.id)).toEqual(['id-9', 'id-7', 'id-5']);
    expect(both.errors.cases).toMatch(/Cases: use/);
    expect(applyView(rows, { filters: {}, sort: null }, 'run 7').rows.map((r) => r.id)).toEqual(['id-7']);
  });

  it('completes a saved layout with columns it does not know', () => {
    const l = normaliseLayout({ columns: [{ key: 'DS', width: 99, visible: false }], sort: null, filters: {} });
    expect(l.columns[0]).toEqual({ key: 'DS', width: 99, visible: false });
    expect(l.columns.map((c) => c.key).sort()).toEqual(defaultLayout().columns.map((c) => c.key).sort());
  });
});

function find(n: SvgNode, pred: (n: SvgNode) => boolean, out: SvgNode[] = []): SvgNode[] {
  if (pred(n)) out.push(n);
  for (const c of n.children ?? []) find(c, pred, out);
  return out;
}

describe('charts', () => {
  it('bars: a value is a bar of proportional height; n/a, not run and failed are distinct empty boxes; 0 is visible', () => {
    const svg = barChart({
      title: 'overall <&>',
      series: ['run'],
      height: 200,
      groups: [
        { label: 'a', cells: [{ value: 50, state: 'value' }] },
        { label: 'b', cells: [{ value: 100, state: 'value' }] },
        { label: 'c', cells: [{ value: 0, state: 'value' }] },
        { label: 'd', cells: [{ value: null, state: 'na' }] },
        { label: 'e', cells: [{ value: null, state: 'not-run' }] },
        { label: 'f', cells: [{ value: null, state: 'failed' }] },
      ],
    });
    const bars = find(svg, (n) => n.tag === 'rect' && n.attrs['data-state'] !== undefined);
    expect(bars.map((b) => b.attrs['data-state'])).toEqual(['value', 'value', 'value', 'na', 'not-run', 'failed']);
    const h = bars.slice(0, 2).map((b) => Number(b.attrs.height));
    expect(h[1] / h[0]).toBeCloseTo(2, 1);
    expect(Number(bars[2].attrs.height)).toBeGreaterThan(0);
    expect(new Set(bars.slice(3).map((b) => `${b.attrs.stroke}|${b.attrs['stroke-dasharray']}`)).size).toBe(3);
    const texts = find(svg, (n) => n.tag === 'text').map((t) => t.text);
    expect(texts).toEqual(expect.arrayContaining(['0.0', 'n/a', 'not run', 'failed']));
    const s = svgToString(svg);
    expect(s).toContain('overall &lt;&amp;&gt;');
    expect(s.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  it('histogram spans every layer between the extremes; line chart scales to the data', () => {
    const h = layerHistogram({ title: 'L', counts: [{ layer: 3, cases: 2 }, { layer: 6, cases: 4 }] });
    const rects = find(h, (n) => n.attrs['data-layer'] !== undefined);
    expect(rects.map((r) => [r.attrs['data-layer'], r.attrs['data-count']])).toEqual([[3, 2], [6, 4]]);
    expect(Number(rects[1].attrs.height)).toBeCloseTo(2 * Number(rects[0].attrs.height), 0);
    const l = lineChart({ title: 'loss', curves: [[3, 2, 1]], mean: [3, 2, 1], height: 180 });
    const mean = find(l, (n) => n.attrs['data-curve'] === 'mean')[0];
    const ys = String(mean.attrs.d).match(/[ML][\d.]+ ([\d.]+)/g)!.map((m) => Number(m.split(' ')[1]));
    expect(ys[0]).toBeLessThan(ys[2]); // higher loss is drawn higher up
    expect(ys[1]).toBeCloseTo((ys[0] + ys[2]) / 2, 1);
  });

  it('formats cells and deltas', () => {
    expect(cellText({ value: 0, state: 'value' })).toBe('0.00');
    expect(cellText({ value: null, state: 'not-run' })).toBe('not run');
    expect(deltaText(1.234)).toBe('+1.23');
    expect(deltaText(-0.5)).toBe('−0.50');
    expect(deltaText(0.001)).toBe('±0.00');
    expect(deltaText(null)).toBe('—');
  });
});
