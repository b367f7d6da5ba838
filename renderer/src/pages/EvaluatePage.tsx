import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { useApp } from '../state/store';
import { ProgressBar, fmtEta } from '../components/Progress';
import {
  CHAT_MODES,
  EDIT_METHODS,
  EDIT_MODES,
  METRIC_KEYS,
  METRIC_LABELS,
  METRIC_SLOTS,
  type EvalSettingsInput,
  type JudgeInfo,
  type MetricReport,
  type MetricSlot,
  type RunDetail,
  type RunSummary,
} from '../../../shared/api/eval';

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(2));

function MetricTable({ m }: { m: MetricReport }) {
  const rows: [string, string][] = [['overall', 'Overall'], ...Object.keys(m.by_category).map((c): [string, string] => [c, c])];
  return (
    <table className="table compact" data-testid="eval-metrics">
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
        {rows.map(([key, label]) => {
          const vals = key === 'overall' ? m.overall : m.by_category[key];
          const counts = key === 'overall' ? m.counts.overall : m.counts.by_category[key];
          return (
            <tr key={key} data-testid="eval-metric-row" data-category={key}>
              <td>{key === 'overall' ? <b>{label}</b> : label}</td>
              {METRIC_KEYS.map((k) => {
                const c = (METRIC_SLOTS as readonly string[]).includes(k) ? counts.slots[k as MetricSlot] : null;
                const title = c ? `${c.scored} scored, ${c.na} n/a, ${c.pending} pending, ${c.empty} empty` : undefined;
                return (
                  <td key={k} title={title}>
                    {fmt(vals[k])}
                    {c && c.na > 0 && <div className="muted small">{c.na} n/a</div>}
                  </td>
                );
              })}
              <td>{counts.cases}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function RunView({ id, onChanged }: { id: string; onChanged: () => void }) {
  const [run, setRun] = useState<RunDetail | null>(null);
  const [judgeId, setJudgeId] = useState<string | undefined>(undefined);
  const [slot, setSlot] = useState<MetricSlot | ''>('');
  const [offset, setOffset] = useState(0);
  const [rejudgePath, setRejudgePath] = useState('');
  const [rejudgeThreshold, setRejudgeThreshold] = useState(0.5);
  const job = useApp((s) => (run?.jobId ? s.jobs[run.jobId] : undefined));
  const setError = useApp((s) => s.setError);
  const load = useCallback(async () => {
    try {
      setRun(await api.call('eval.getRun', { id, judgeId, offset, limit: 20, slot: slot || undefined }));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [id, judgeId, offset, slot, setError]);
  useEffect(() => {
    void load();
  }, [load]);
  // Live: refetch (at most once a second) while this run's job reports progress.
  const last = useRef(0);
  useEffect(() => {
    if (!job) return;
    const now = Date.now();
    if (now - last.current > 1000 || job.status !== 'running') {
      last.current = now;
      void load();
      if (job.status !== 'running') onChanged();
    }
  }, [job?.progress, job?.status]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!run) return <p className="muted">Loading run…</p>;
  const p = run.provenance;
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      await load();
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="card" data-testid="eval-run" data-run-id={run.id} data-status={run.status}>
      <h2>
        {run.name ?? `Run ${run.id.slice(0, 8)}`} <span className={`badge ${run.status}`}>{run.status}</span>
      </h2>
      {run.error && <div className="small error-text">{run.error}</div>}
      {job && job.status === 'running' && (
        <div>
          <ProgressBar value={job.progress} status={job.status} />
          <div className="muted small">
            {Math.round(job.progress * 100)}% {job.stage ?? ''} {fmtEta(job.etaSeconds)}
          </div>
        </div>
      )}
      <div className="toolbar">
        <span className="small muted">
          {run.cases} cases · {run.samples.generated}/{run.samples.applicable} generated · {run.samples.judged} judged
        </span>
        {(run.status === 'interrupted' || run.status === 'cancelled' || run.status === 'failed') && (
          <button data-testid="eval-resume" onClick={() => void act(() => api.call('eval.resume', { id: run.id }))}>
            Resume
          </button>
        )}
        {job && job.status === 'running' && (
          <button className="secondary" onClick={() => void act(() => api.call('jobs.cancel', { id: job.id }))}>
            Cancel
          </button>
        )}
        {run.metricSets.length > 1 && (
          <label className="small">
            Judge{' '}
            <select value={judgeId ?? run.judge.id} onChange={(e) => setJudgeId(e.target.value)}>
              {run.metricSets.map((m) => (
                <option key={m.judge.id} value={m.judge.id}>
                  {m.judge.name} @ {m.judge.threshold}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {run.metrics ? <MetricTable m={run.metrics} /> : <p className="muted">No metrics yet.</p>}
      <details>
        <summary className="small">Provenance (comparability key {run.comparabilityKey})</summary>
        <table className="table compact small">
          <tbody>
            <tr><td>Model</td><td><code>{p.modelPath}</code> {p.modelHash ? <code>{p.modelHash.slice(0, 16)}</code> : '(hash when started)'}</td></tr>
            <tr><td>Protocol</td><td>{p.protocol}; method {p.edit.method} ({p.edit.mode}){p.edit.lr ? `, lr ${p.edit.lr}` : ''}{p.edit.steps ? `, ${p.edit.steps} steps` : ''}{p.edit.layer !== undefined ? `, layer ${p.edit.layer}` : ''}</td></tr>
            <tr><td>Chat template</td><td>{p.chat ? `${p.chat.used ? 'on' : 'off'} — ${p.chat.reason}` : '—'}</td></tr>
            <tr><td>Suffix</td><td>{p.suffix.used ? <code>{p.suffix.text}</code> : 'none'}</td></tr>
            <tr><td>Generation</td><td>max {p.generation.maxNewTokens} new tokens, {p.generation.greedy ? 'greedy' : `sampling T=${p.generation.temperature} top-p ${p.generation.topP} seed ${p.generation.seed}`}</td></tr>
            <tr><td>Judge</td><td>{run.judge.name} <code>{run.judge.contentHash.slice(0, 16)}</code>, unsafe = label {run.judge.unsafeLabel} ({run.judge.labelSource}), threshold {run.judge.threshold}</td></tr>
            <tr><td>Cases</td><td>{p.cases.source} ({p.cases.count})</td></tr>
            <tr><td>App</td><td>{p.appVersion}</td></tr>
          </tbody>
        </table>
      </details>
      <div className="toolbar">
        <input placeholder="another judge folder" value={rejudgePath} onChange={(e) => setRejudgePath(e.target.value)} data-testid="eval-rejudge-path" />
        <label className="small">
          threshold <input type="number" step={0.05} min={0} max={1} value={rejudgeThreshold} onChange={(e) => setRejudgeThreshold(Number(e.target.value))} style={{ width: 70 }} />
        </label>
        <button
          className="secondary"
          disabled={!rejudgePath}
          data-testid="eval-rejudge"
          onClick={() =>
            void act(async () => {
              const r = await api.call('eval.rejudge', { id: run.id, judge: { path: rejudgePath, threshold: rejudgeThreshold } });
              setJudgeId(r.judge.id);
            })
          }
        >
          Re-judge
        </button>
      </div>
      <h2>Samples</h2>
      <div className="toolbar">
        <select value={slot} onChange={(e) => (setSlot(e.target.value as MetricSlot | ''), setOffset(0))}>
          <option value="">all inputs</option>
          {METRIC_SLOTS.map((s) => (
            <option key={s} value={s}>
              {METRIC_LABELS[s]}
            </option>
          ))}
        </select>
        <button className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 20))}>
          ‹
        </button>
        <span className="small">
          {run.page.total ? offset + 1 : 0}–{Math.min(offset + 20, run.page.total)} of {run.page.total}
        </span>
        <button className="secondary" disabled={offset + 20 >= run.page.total} onClick={() => setOffset(offset + 20)}>
          ›
        </button>
      </div>
      <table className="table compact small" data-testid="eval-samples">
        <thead>
          <tr><th>Case</th><th>Input</th><th>Response</th><th>Label</th><th>P(unsafe)</th><th>Fluency</th><th>Tokens</th></tr>
        </thead>
        <tbody>
          {run.page.items.map((s) => (
            <tr key={`${s.caseKey}/${s.slot}`}>
              <td>{s.caseId}<div className="muted">{METRIC_LABELS[s.slot]} · {s.category}</div></td>
              <td>{s.applicable ? (s.input ?? '').slice(0, 160) : <span className="muted">n/a (empty input)</span>}</td>
              <td>{s.output === null ? <span className="muted">{s.applicable ? 'pending' : ''}</span> : s.output === '' ? <span className="muted">(empty)</span> : s.output.slice(0, 300)}</td>
              <td>{s.label === null ? '' : s.label === 1 ? <span className="badge failed">unsafe</span> : <span className="badge done">safe</span>}</td>
              <td>{s.pUnsafe === null ? '' : s.pUnsafe.toFixed(3)}</td>
              <td>{s.fluency === null ? '' : s.fluency.toFixed(2)}</td>
              <td>{s.outputTokens ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SetupForm({ onStarted }: { onStarted: (id: string) => void }) {
  const setError = useApp((s) => s.setError);
  const [f, setF] = useState({
    name: '',
    model: '',
    judge: '',
    threshold: 0.5,
    source: 'split' as 'split' | 'file',
    split: 'test',
    caseFile: '',
    categories: '',
    limit: '',
    sample: '',
    seed: 0,
    method: 'none' as (typeof EDIT_METHODS)[number],
    mode: 'easyedit' as (typeof EDIT_MODES)[number],
    chat: '' as '' | (typeof CHAT_MODES)[number],
    maxNewTokens: 600,
    batchSize: 8,
  });
  const [judgeInfo, setJudgeInfo] = useState<JudgeInfo | null>(null);
  const [unsafeLabel, setUnsafeLabel] = useState<number | null>(null);
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF((x) => ({ ...x, [k]: v }));
  const inspect = async () => {
    try {
      const j = await api.call('eval.inspectJudge', { path: f.judge, threshold: f.threshold });
      setJudgeInfo(j);
      setUnsafeLabel(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const start = async () => {
    const settings: EvalSettingsInput = {
      name: f.name || undefined,
      model: { path: f.model },
      judge: { path: f.judge, threshold: f.threshold, unsafeLabel: unsafeLabel ?? undefined },
      cases: {
        split: f.source === 'split' ? f.split : undefined,
        caseFile: f.source === 'file' ? f.caseFile : undefined,
        categories: f.categories ? f.categories.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
        limit: f.limit ? Number(f.limit) : undefined,
        sample: f.sample ? Number(f.sample) : undefined,
        seed: f.seed,
      },
      generation: { maxNewTokens: f.maxNewTokens, batchSize: f.batchSize, chat: f.chat || undefined },
      edit: { method: f.method, mode: f.mode },
    };
    try {
      const r = await api.call('eval.start', settings);
      useApp.getState().upsertJob(r.job);
      onStarted(r.run.id);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="form" data-testid="eval-setup">
      <label>Name<input value={f.name} onChange={(e) => set('name', e.target.value)} /></label>
      <label>Model folder<input value={f.model} onChange={(e) => set('model', e.target.value)} data-testid="eval-model" placeholder="/path/to/hf-model" /></label>
      <label>
        Judge folder (safety classifier)
        <span className="toolbar">
          <input value={f.judge} onChange={(e) => (set('judge', e.target.value), setJudgeInfo(null))} data-testid="eval-judge" style={{ flex: 1 }} />
          <button className="secondary" disabled={!f.judge} onClick={() => void inspect()} data-testid="eval-inspect-judge">
            Inspect
          </button>
        </span>
      </label>
      {judgeInfo && (
        <div className="card small" data-testid="eval-judge-info">
          Labels: {Object.entries(judgeInfo.labels).map(([k, v]) => `${k} = ${v}`).join(', ')} ·{' '}
          <label className="row">
            unsafe label{' '}
            <select value={unsafeLabel ?? judgeInfo.unsafeLabel} onChange={(e) => setUnsafeLabel(Number(e.target.value))}>
              {Object.keys(judgeInfo.labels).map((k) => (
                <option key={k} value={k}>{k}</option>
              ))}
            </select>
            <span className="muted">({unsafeLabel === null ? judgeInfo.labelSource : 'user'})</span>
          </label>
        </div>
      )}
      <label>Threshold (unsafe when P(unsafe) &gt; threshold)<input type="number" step={0.05} min={0} max={1} value={f.threshold} onChange={(e) => set('threshold', Number(e.target.value))} /></label>
      <label>
        Cases
        <span className="toolbar">
          <select value={f.source} onChange={(e) => set('source', e.target.value as 'split' | 'file')}>
            <option value="split">stored split</option>
            <option value="file">SafeEdit JSON file</option>
          </select>
          {f.source === 'split' ? (
            <input value={f.split} onChange={(e) => set('split', e.target.value)} data-testid="eval-split" />
          ) : (
            <input value={f.caseFile} onChange={(e) => set('caseFile', e.target.value)} placeholder="/path/to/SafeEdit_test.json" data-testid="eval-case-file" style={{ flex: 1 }} />
          )}
        </span>
      </label>
      <label>Categories (comma-separated, empty = all)<input value={f.categories} onChange={(e) => set('categories', e.target.value)} /></label>
      <span className="toolbar">
        <label>Limit <input value={f.limit} onChange={(e) => set('limit', e.target.value)} style={{ width: 70 }} data-testid="eval-limit" /></label>
        <label>Sample N <input value={f.sample} onChange={(e) => set('sample', e.target.value)} style={{ width: 70 }} /></label>
        <label>Seed <input type="number" value={f.seed} onChange={(e) => set('seed', Number(e.target.value))} style={{ width: 70 }} /></label>
      </span>
      <span className="toolbar">
        <label>Method <select value={f.method} onChange={(e) => set('method', e.target.value as typeof f.method)}>{EDIT_METHODS.map((m) => <option key={m}>{m}</option>)}</select></label>
        <label>Mode <select value={f.mode} onChange={(e) => set('mode', e.target.value as typeof f.mode)}>{EDIT_MODES.map((m) => <option key={m}>{m}</option>)}</select></label>
        <label>
          Chat template{' '}
          <select value={f.chat} onChange={(e) => set('chat', e.target.value as typeof f.chat)}>
            <option value="">default for mode</option>
            {CHAT_MODES.map((m) => <option key={m}>{m}</option>)}
          </select>
        </label>
      </span>
      <span className="toolbar">
        <label>Max new tokens <input type="number" min={1} value={f.maxNewTokens} onChange={(e) => set('maxNewTokens', Number(e.target.value))} style={{ width: 80 }} /></label>
        <label>Batch <input type="number" min={1} value={f.batchSize} onChange={(e) => set('batchSize', Number(e.target.value))} style={{ width: 60 }} /></label>
      </span>
      <div>
        <button onClick={() => void start()} disabled={!f.model || !f.judge} data-testid="eval-start">
          Start evaluation
        </button>
      </div>
    </div>
  );
}

export function EvaluatePage() {
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [caps, setCaps] = useState<{ generation: boolean; judging: boolean; reason: string | null } | null>(null);
  const [showSetup, setShowSetup] = useState(false);
  const jobs = useApp((s) => s.jobs);
  const setError = useApp((s) => s.setError);
  const refresh = useCallback(async () => {
    try {
      setRuns(await api.call('eval.listRuns', {}));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [setError]);
  useEffect(() => {
    void refresh();
    void api.call('eval.capabilities', {}).then(setCaps, () => {});
  }, [refresh]);
  const keys = new Map<string, number>();
  for (const r of runs) keys.set(r.comparabilityKey, (keys.get(r.comparabilityKey) ?? 0) + 1);
  return (
    <section>
      <h1>Evaluate</h1>
      {caps && !caps.judging && (
        <div className="banner warn" data-testid="eval-capabilities">
          Evaluation runs cannot start on this build: {caps.reason}. Stored runs can be viewed and re-judged at another threshold.
        </div>
      )}
      <div className="toolbar">
        <button onClick={() => setShowSetup(!showSetup)} data-testid="eval-new">
          {showSetup ? 'Hide setup' : 'New evaluation'}
        </button>
        <button className="secondary" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      {showSetup && (
        <SetupForm
          onStarted={(id) => {
            setShowSetup(false);
            setSelected(id);
            void refresh();
          }}
        />
      )}
      <h2>Runs</h2>
      <table className="table" data-testid="eval-runs">
        <thead>
          <tr><th>Run</th><th>Status</th><th>Cases</th><th>DS</th><th>DG-Avg</th><th>Fluency</th><th>Created</th></tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const job = r.jobId ? jobs[r.jobId] : undefined;
            return (
              <tr key={r.id} data-testid="eval-run-row" data-run-id={r.id} onClick={() => setSelected(r.id)} style={{ cursor: 'pointer' }} className={selected === r.id ? 'selected' : ''}>
                <td>
                  {r.name ?? r.id.slice(0, 8)}
                  <div className="muted small">
                    {r.provenance.edit.method} · judge {r.judge.name}@{r.judge.threshold}
                    {(keys.get(r.comparabilityKey) ?? 0) > 1 ? ` · comparable group ${r.comparabilityKey.slice(0, 6)}` : ''}
                  </div>
                </td>
                <td>
                  <span className={`badge ${r.status}`}>{r.status}</span>
                  {job?.status === 'running' && <ProgressBar value={job.progress} status={job.status} />}
                </td>
                <td>{r.cases}</td>
                <td>{fmt(r.metrics?.overall.DS)}</td>
                <td>{fmt(r.metrics?.overall.DG_Avg)}</td>
                <td>{fmt(r.metrics?.overall.Fluency)}</td>
                <td className="small">{new Date(r.createdAt).toLocaleString()}</td>
              </tr>
            );
          })}
          {runs.length === 0 && (
            <tr><td colSpan={7} className="muted">No evaluation runs yet.</td></tr>
          )}
        </tbody>
      </table>
      {selected && <RunView key={selected} id={selected} onChanged={() => void refresh()} />}
    </section>
  );
}
