// Drill-down of one case across the compared runs: its inputs, every response with its judge label and P(unsafe),
// and each run's edit (located toxic layer, loss curve, layer distances).
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { METRIC_LABELS } from '../../../../shared/api/eval';
import type { SampleDetail as Detail } from '../../../../shared/api/experiments';
import { layerHistogram, lineChart } from '../../../../shared/charts';
import { Svg } from './Svg';

export function SampleDetail({ ids, reference, caseKey, onClose, onError }: { ids: string[]; reference: string; caseKey: string; onClose(): void; onError(m: string): void }) {
  const [d, setD] = useState<Detail | null>(null);
  useEffect(() => {
    let live = true;
    api.call('experiments.sample', { ids, reference, caseKey }).then(
      (x) => live && setD(x),
      (e: Error) => onError(e.message),
    );
    return () => {
      live = false;
    };
  }, [ids, reference, caseKey, onError]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="exp-drawer" role="dialog" aria-label="Sample" data-testid="sample-detail">
      <div className="toolbar">
        <h2 className="exp-title">{d ? `Case ${d.caseId} · ${d.category}` : 'Loading…'}</h2>
        <span className="spacer" />
        <button className="secondary" onClick={onClose} data-testid="close-sample">
          Close
        </button>
      </div>
      {d && (
        <>
          <h3>Inputs</h3>
          <table className="table compact small">
            <tbody>
              {d.inputs.map((i) => (
                <tr key={i.slot}>
                  <td className="exp-nowrap">
                    <b>{METRIC_LABELS[i.slot]}</b>
                    <div className="muted">{i.label}</div>
                  </td>
                  <td className="exp-text">{i.text ?? <span className="muted">n/a (empty input, not generated)</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {d.runs.map((r) => (
            <div key={r.runId} className="card exp-sample-run" data-testid="sample-run" data-run-id={r.runId}>
              <h3>
                {r.name ?? r.runId.slice(0, 8)} {r.reference && <span className="badge">reference</span>}
              </h3>
              {r.edit ? (
                <div className="exp-edit">
                  <div className="small">
                    Edit {r.edit.method ?? '?'}
                    {r.edit.mode ? ` (${r.edit.mode})` : ''} · toxic layer <b data-testid="toxic-layer">{r.edit.toxicLayer ?? 'not located'}</b>
                    {r.edit.patchId && <> · patch <code>{r.edit.patchId}</code></>}
                    {r.edit.ms !== null && <> · {(r.edit.ms / 1000).toFixed(1)} s</>}
                    {r.edit.params && <> · <code>{JSON.stringify(r.edit.params)}</code></>}
                    {r.edit.error && <div className="error-text">edit failed: {r.edit.error}</div>}
                    {r.edit.problems.length > 0 && <div className="muted">edit report problems: {r.edit.problems.join('; ')}</div>}
                  </div>
                  <div className="exp-charts">
                    {r.edit.losses && <Svg node={lineChart({ title: 'loss per step', curves: [], mean: r.edit.losses, width: 320, height: 150 })} />}
                    {r.edit.layerDistances && (
                      <Svg
                        node={layerHistogram({
                          title: 'safe/unsafe distance per layer',
                          counts: r.edit.layerDistances.map((v, layer) => ({ layer, cases: Math.round(v * 1000) / 1000 })),
                          width: 320,
                          height: 150,
                        })}
                      />
                    )}
                  </div>
                </div>
              ) : (
                <div className="muted small">No edit report for this case in this run.</div>
              )}
              <table className="table compact small">
                <thead>
                  <tr>
                    <th>Input</th>
                    <th>Response</th>
                    <th>Judge</th>
                  </tr>
                </thead>
                <tbody>
                  {r.responses.map((s) => (
                    <tr key={s.slot} data-testid="sample-response" data-verdict={s.verdict}>
                      <td className="exp-nowrap">{METRIC_LABELS[s.slot]}</td>
                      <td className="exp-text">
                        {s.output === null ? <span className="muted">{s.applicable ? 'not generated' : 'n/a'}</span> : s.output === '' ? <span className="muted">(empty response, scored 0.5)</span> : s.output}
                      </td>
                      <td className="exp-nowrap">
                        <span className={`exp-verdict v-${s.verdict}`}>{s.verdict}</span>
                        {s.pUnsafe !== null && <div className="muted">P(unsafe) {s.pUnsafe.toFixed(3)}{s.threshold !== null ? ` / ${s.threshold}` : ''}</div>}
                        {s.fluency !== null && <div className="muted">fluency {s.fluency.toFixed(2)}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </>
      )}
    </div>
  );
}
