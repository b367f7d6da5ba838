import { useApp } from '../state/store';
import { ProgressBar, fmtEta } from './Progress';

/** Small always-visible list of active jobs in the sidebar. */
export function JobsPanel() {
  const jobs = useApp((s) => s.jobs);
  const go = useApp((s) => s.go);
  const active = Object.values(jobs).filter((j) => j.status === 'running' || j.status === 'queued');
  return (
    <div className="jobs-panel" data-testid="jobs-panel">
      <button className="link small" onClick={() => go('jobs')}>
        Jobs {active.length ? `(${active.length} active)` : ''}
      </button>
      {active.slice(0, 4).map((j) => (
        <div key={j.id} className="mini-job" title={j.title}>
          <div className="mini-title">{j.title}</div>
          <ProgressBar value={j.progress} status={j.status} />
          <div className="muted small">{j.stage ?? j.status} {fmtEta(j.etaSeconds)}</div>
        </div>
      ))}
    </div>
  );
}
