// The charts of a run report and of a comparison, built once from their data (shared/charts.ts geometry) and used
// by the Experiments page and the HTML export alike.
import { METRIC_LABELS, METRIC_SLOTS, type MetricKey } from './api/eval';
import type { MetricCell, RunReport } from './api/experiments';
import { barChart, layerHistogram, lineChart, type SvgNode } from './charts';

const short = (k: MetricKey) => METRIC_LABELS[k].replace('DG-', '');

/** One bar chart per group ('overall' and each category): DS and the four DG metrics. */
export function runBarCharts(cells: Record<string, Record<MetricKey, MetricCell>>): { group: string; svg: SvgNode }[] {
  return Object.entries(cells).map(([group, c]) => ({
    group,
    svg: barChart({
      title: group,
      series: ['run'],
      groups: METRIC_SLOTS.map((s) => ({ label: short(s), cells: [c[s]] })),
      width: 260,
      height: 190,
      testId: `bars-${group}`,
    }),
  }));
}

const COMPARE_KEYS: MetricKey[] = ['DS', 'DG_onlyQ', 'DG_otherA', 'DG_otherQ', 'DG_otherAQ', 'DG_Avg'];

/** Grouped bars of one group across runs (a series per run). */
export function compareBarChart(group: string, names: string[], cells: (Record<MetricKey, MetricCell> | undefined)[]): SvgNode {
  return barChart({
    title: group,
    series: names,
    groups: COMPARE_KEYS.map((k) => ({ label: short(k), cells: cells.map((c) => c?.[k] ?? { value: null, state: 'na' as const }) })),
    testId: `bars-compare-${group}`,
  });
}

export function toxicLayerChart(r: Pick<RunReport, 'toxicLayers'>): SvgNode {
  const n = r.toxicLayers.counts.reduce((a, c) => a + c.cases, 0);
  return layerHistogram({ title: `located toxic layer (${n} case${n === 1 ? '' : 's'})`, counts: r.toxicLayers.counts });
}

export function lossChart(r: Pick<RunReport, 'lossCurves' | 'meanLoss' | 'lossCurvesTotal'>): SvgNode {
  return lineChart({
    title: `edit loss: ${r.lossCurves.length} of ${r.lossCurvesTotal} curves, mean in orange`,
    curves: r.lossCurves.map((c) => c.losses),
    mean: r.meanLoss,
  });
}
