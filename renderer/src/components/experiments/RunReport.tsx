// One run's report: metric table per category with value/n-a/not-run/failed states, a bar chart per category,
// coverage, the located toxic layers, the edits' loss curves, settings and provenance; export.
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { METRIC_KEYS, METRIC_LABELS, METRIC_SLOTS } from '../../../../shared/api/eval';
import type { RunReport as Report } from '../../../../shared/api/experiments';
import { lossChart, runBarCharts, toxicLayerChart } from '../../../../shared/experiment-charts';
import { Svg } from './Svg';
import { MetricCellView } from './MetricCellView';
import { ExportButtons } from './exporting';

export function RunReport({ id, onBack, onNotice, onError }: { id: string; onBack(): void; onNotice(m: string): void; onError(m: string): void }) {
  const [r, setR] = useState<Report | null>(null);
  useEffect(() => {
    let live = true;
    setR(null);
    api.call('experiments.report', { id }).then(
      (x) => live && setR(x),
      (e: Error) => onError(e.message),
    );
    return () => {
      live = false;
    };
  }, [id, onError]);
  if (!r) return <p className="muted">Loading report…</p>;
  const cov = r.coverage;
  const p = r.provenance;
  return (
    <div className="exp-report" data-testid="run-report" data-run-id={r.row.id}>
      <div className="toolbar">
        <button className="secondary" onClick={onBack} data-testid="back-to-runs">
          ← Runs
        </button>
        <h1 className="exp-title">
          {r.row.name ?? `Run ${r.row.id.slice(0, 8)}`} <span className={`badge ${r.row.status}`}>{r.row.status}</span>
        </h1>
        <span className="spacer" />
        <ExportButtons ids={[r.row.id]} onDone={onNotice} onError={onError} />
      </div>
      {cov.runError && (
        <div className="banner error" data-testid="run-error">
          Run stopped ({r.row.status}): {cov.runError}. Samples it did not reach are shown as “failed”, not as 0.
        </div>
      )}
      <p className="muted small">
        {r.row.model} · {r.settings.edit.method}/{r.settings.edit.mode} · judge {r.judge.name} (threshold {r.judge.threshold}) · {p.cases.source} · {r.row.createdAt.slice(0, 16).replace('T', ' ')}
        {r.row.tags.length > 0 && <> · tags {r.row.tags.join(', ')}</>}
      </p>
      {r.row.notes && <p className="exp-notes">{r.row.notes}</p>}
      <table className="table compact exp-metrics" data-testid="report-metrics">
        <thead>
          <tr>
            <th />
            {METRIC_KEYS.map((k) => (
              <th key={k}>{METRIC_LABELS[k]}</th>
            ))}
            <th>Cases</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(r.cells).map(([g, cells]) => (
            <tr key={g} data-group={g}>
              <td>{g === 'overall' ? <b>Overall</b> : g}</td>
              {METRIC_KEYS.map((k) => (
                <td key={k} className="num">
                  <MetricCellView c={cells[k]} />
                </td>
              ))}
              <td className="num">{g === 'overall' ? r.metrics.counts.overall.cases : r.metrics.counts.by_category[g]?.cases}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>DS and DG per category</h2>
      <div className="exp-charts" data-testid="report-bars">
        {runBarCharts(r.cells).map((c) => (
          <Svg key={c.group} node={c.svg} />
        ))}
      </div>
      <h2>Coverage</h2>
      <p data-testid="coverage">
        {cov.cases} cases: <b>{cov.casesDone}</b> done, <b>{cov.casesPartial}</b> partial, <b>{cov.casesNotRun}</b> not run, <b>{cov.casesFailed}</b> failed edits
      </p>
      <table className="table compact small exp-coverage">
        <thead>
          <tr>
            <th>Metric</th>
            <th>scored</th>
            <th title="no applicable input (excluded)">n/a</th>
            <th title="not generated or judged">not run</th>
            <th title="empty response, scored 0.5">empty</th>
          </tr>
        </thead>
        <tbody>
          {METRIC_SLOTS.map((s) => (
            <tr key={s}>
              <td>{METRIC_LABELS[s]}</td>
              <td className="num">{cov.slots[s].scored}</td>
              <td className="num">{cov.slots[s].na}</td>
              <td className={`num${cov.slots[s].pending && cov.runError ? ' state-failed' : ''}`}>{cov.slots[s].pending}</td>
              <td className="num">{cov.slots[s].empty}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Edits</h2>
      <div className="exp-charts" data-testid="report-edits">
        <Svg node={toxicLayerChart(r)} />
        <Svg node={lossChart(r)} />
      </div>
      <p className="muted small">
        {r.toxicLayers.none} edited cases without a located layer · {r.toxicLayers.noEdit} cases without an edit report
      </p>
      <details>
        <summary>Settings and provenance (comparability key {r.row.comparabilityKey})</summary>
        <table className="table compact small">
          <tbody>
            <tr><td>Run</td><td><code>{r.row.id}</code></td></tr>
            <tr><td>Model</td><td><code>{p.modelPath}</code> <code>{p.modelHash?.slice(0, 16) ?? 'hash unknown'}</code></td></tr>
            <tr><td>Edit</td><td><code>{JSON.stringify(r.settings.edit)}</code></td></tr>
            <tr><td>Generation</td><td><code>{JSON.stringify(r.settings.generation)}</code></td></tr>
            <tr><td>Chat / suffix</td><td>{p.chat ? `${p.chat.used ? 'chat template' : 'raw'} (${p.chat.reason})` : '—'}; suffix {p.suffix.used ? <code>{p.suffix.text}</code> : 'none'}</td></tr>
            <tr><td>Judge</td><td>{r.judge.name} <code>{r.judge.contentHash.slice(0, 16)}</code> unsafe label {r.judge.unsafeLabel}, threshold {r.judge.threshold}</td></tr>
            <tr><td>Cases</td><td>{p.cases.source} ({p.cases.count})</td></tr>
            <tr><td>App</td><td>{p.appVersion}</td></tr>
          </tbody>
        </table>
      </details>
    </div>
  );
}
