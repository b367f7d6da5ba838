import { Fragment, useEffect, useState } from 'react';
import { useApp } from '../state/store';
import { api } from '../api';
import { ProgressBar, fmtEta } from '../components/Progress';
import { isTerminal, type JobInfo, type JobLogLine } from '../../../shared/jobs';

export function JobsPage() {
  const jobs = useApp((s) => s.jobs);
  const setError = useApp((s) => s.setError);
  const [steps, setSteps] = useState(40);
  const [open, setOpen] = useState<string | null>(null);
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
            <Fragment key={j.id}>
            <tr data-testid="job-row" data-status={j.status} data-job-id={j.id}>
              <td>
                <button className="link" onClick={() => setOpen(open === j.id ? null : j.id)} aria-expanded={open === j.id}>
                  {open === j.id ? '▾' : '▸'} {j.title}
                </button>
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
            {open === j.id && (
              <tr>
                <td colSpan={5}>
                  <JobDetail job={j} />
                </td>
              </tr>
            )}
            </Fragment>
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

function JobDetail({ job }: { job: JobInfo }) {
  const [lines, setLines] = useState<JobLogLine[]>([]);
  useEffect(() => {
    let alive = true;
    const load = () => void api.call('jobs.logs', { id: job.id }).then((l) => alive && setLines(l));
    load();
    const off = api.onEvent((e) => {
      if (e.type === 'job.log' && e.jobId === job.id) load();
    });
    return () => {
      alive = false;
      off();
    };
  }, [job.id]);
  return (
    <div className="job-detail" data-testid="job-detail">
      <div className="muted small">
        id {job.id} · created {new Date(job.createdAt).toLocaleString()}
        {job.finishedAt ? ` · finished ${new Date(job.finishedAt).toLocaleString()}` : ''}
      </div>
      {job.error && <pre className="error-text">{job.error}</pre>}
      {job.result != null && <pre className="small">{JSON.stringify(job.result, null, 2)}</pre>}
      <pre className="log small" data-testid="job-log">
        {lines.length ? lines.map((l) => `${l.time.slice(11, 19)} ${l.level.padEnd(5)} ${l.message}`).join('\n') : 'no log lines'}
      </pre>
    </div>
  );
}
