import { useState } from 'react';
import { useApp } from '../state/store';
import { api } from '../api';
import { ProgressBar, fmtEta } from '../components/Progress';
import { isTerminal } from '../../../shared/jobs';

export function JobsPage() {
  const jobs = useApp((s) => s.jobs);
  const setError = useApp((s) => s.setError);
  const [steps, setSteps] = useState(40);
  const list = Object.values(jobs).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const start = async () => {
    try {
      const j = await api.call('jobs.startDiagnostics', { steps, stepMs: 100 });
      useApp.getState().upsertJob(j);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section>
      <h1>Jobs</h1>
      <div className="toolbar">
        <label>
          Diagnostics steps{' '}
          <input type="number" min={1} max={100000} value={steps} onChange={(e) => setSteps(Number(e.target.value) || 1)} data-testid="diag-steps" />
        </label>
        <button onClick={start} data-testid="start-diagnostics">
          Run diagnostics job
        </button>
        <button className="secondary" onClick={() => void useApp.getState().refreshJobs()}>
          Refresh
        </button>
      </div>
      <table className="table" data-testid="jobs-table">
        <thead>
          <tr>
            <th>Job</th>
            <th>Status</th>
            <th style={{ width: '30%' }}>Progress</th>
            <th>Started</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((j) => (
            <tr key={j.id} data-testid="job-row" data-status={j.status} data-job-id={j.id}>
              <td>
                {j.title}
                <div className="muted small">{j.kind}</div>
              </td>
              <td>
                <span className={`badge ${j.status}`} data-testid="job-status">
                  {j.status}
                </span>
                {j.error && <div className="small error-text">{j.error}</div>}
              </td>
              <td>
                <ProgressBar value={j.progress} status={j.status} />
                <div className="muted small">
                  {Math.round(j.progress * 100)}% {j.stage ?? ''} {j.status === 'running' ? fmtEta(j.etaSeconds) : ''}
                </div>
              </td>
              <td className="small">{j.startedAt ? new Date(j.startedAt).toLocaleTimeString() : '—'}</td>
              <td>
                {!isTerminal(j.status) && (
                  <button className="secondary" data-testid="job-cancel" onClick={() => void api.call('jobs.cancel', { id: j.id }).then(useApp.getState().upsertJob)}>
                    Cancel
                  </button>
                )}
              </td>
            </tr>
          ))}
          {list.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No jobs yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
