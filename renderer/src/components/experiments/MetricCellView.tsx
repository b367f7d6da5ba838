import type { MetricCell } from '../../../../shared/api/experiments';
import { cellText, deltaText } from '../../../../shared/charts';

const STATE_TITLE: Record<MetricCell['state'], string> = {
  value: '',
  na: 'n/a: no applicable input in this group',
  'not-run': 'not run: not generated or judged yet',
  failed: 'failed: the run stopped before producing it',
};

/** A metric value, or a visibly different marker for n/a / not run / failed (never a bare "0"). */
export function MetricCellView({ c, delta }: { c: MetricCell; delta?: number | null }) {
  return (
    <span className={`exp-metric state-${c.state}`} data-state={c.state} title={STATE_TITLE[c.state] || undefined}>
      {cellText(c)}
      {delta !== undefined && (
        <span className={`exp-delta ${delta === null || Math.abs(delta) < 0.005 ? 'zero' : delta > 0 ? 'pos' : 'neg'}`} data-testid="delta">
          {' '}
          {deltaText(delta)}
        </span>
      )}
    </span>
  );
}
