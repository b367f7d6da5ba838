// Edit: choose a model, a case (a dataset record — the dataset page opens #/edit/<recordKey> — or a SafeEdit file),
// the method and its hyper-parameters (defaults per architecture), run it as a job; live loss curve, the per-layer
// distance plot with the chosen layer highlighted, then the response to the adversarial prompt before and after;
// the patches recorded for the model (apply them in the Models-page playground; delete them here).
import { useEffect, useMemo, useState } from 'react';
import { api } from '../api';
import { useApp } from '../state/store';
import type { ModelInfo } from '../../../shared/api/models';
import type { EditDefaults, EditOutput, EditingMethod, PatchInfo } from '../../../shared/api/editing';
import './edit.css';

type Step = { step: number; steps: number; loss: number; nll: number; kl: number };

function recordFromHash(): string {
  const parts = window.location.hash.replace(/^#\/?/, '').split('/');
  return parts[0] === 'edit' && parts[1] ? decodeURIComponent(parts.slice(1).join('/')) : '';
}

/** A small line plot of the loss per step. */
export function LossCurve({ losses }: { losses: number[] }) {
  const W = 320;
  const H = 120;
  if (!losses.length) return <div className="edit-plot-empty">no steps yet</div>;
  const lo = Math.min(...losses);
  const hi = Math.max(...losses);
  const span = hi - lo || 1;
  const x = (i: number) => (losses.length === 1 ? W / 2 : 8 + (i * (W - 16)) / (losses.length - 1));
  const y = (v: number) => 8 + ((hi - v) * (H - 16)) / span;
  const d = losses.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <svg className="edit-plot" viewBox={`0 0 ${W} ${H}`} data-testid="edit-loss-curve" role="img" aria-label="loss per step">
      <path d={d} fill="none" stroke="currentColor" strokeWidth={2} />
      {losses.map((v, i) => (
        <circle key={i} cx={x(i)} cy={y(v)} r={2.5} data-testid="edit-loss-point">
          <title>{`step ${i + 1}: ${v.toPrecision(6)}`}</title>
        </circle>
      ))}
      <text x={4} y={12} className="edit-plot-label">{hi.toPrecision(4)}</text>
      <text x={4} y={H - 2} className="edit-plot-label">{lo.toPrecision(4)}</text>
    </svg>
  );
}

/** Bars of the safe-vs-unsafe distance per layer; the edited layer highlighted. */
export function LayerDistances({ distances, layer }: { distances: number[]; layer: number | null }) {
  if (!distances.length) return <div className="edit-plot-empty">no localisation for this method</div>;
  const max = Math.max(...distances) || 1;
  return (
    <div className="edit-bars" data-testid="edit-distances">
      {distances.map((d, i) => (
        <div key={i} className={`edit-bar${i === layer ? ' chosen' : ''}`} data-testid={i === layer ? 'edit-distance-chosen' : 'edit-distance'} title={`layer ${i}: ${d.toPrecision(6)}`}>
          <div className="edit-bar-fill" style={{ height: `${Math.max(2, (d / max) * 100)}%` }} />
          <span>{i}</span>
        </div>
      ))}
    </div>
  );
}

export function EditPage() {
  const jobs = useApp((s) => s.jobs);
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [modelDir, setModelDir] = useState('');
  const [defaults, setDefaults] = useState<EditDefaults | null>(null);
  const [recordKey, setRecordKey] = useState(recordFromHash());
  const [caseFile, setCaseFile] = useState('');
  const [caseId, setCaseId] = useState('');
  const [method, setMethod] = useState<EditingMethod>('dinm');
  const [mode, setMode] = useState<'easyedit' | 'paper'>('easyedit');
  const [layer, setLayer] = useState('');
  const [steps, setSteps] = useState('');
  const [lr, setLr] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [live, setLive] = useState<Step[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [patches, setPatches] = useState<PatchInfo[]>([]);

  useEffect(() => {
    const onHash = () => {
      const k = recordFromHash();
      if (k) setRecordKey(k);
    };
    window.addEventListener('hashchange', onHash);
    api.call('models.list', {}).then((ms) => {
      setModels(ms);
      if (ms.length) setModelDir((cur) => cur || ms[0].path);
    }, () => undefined);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    setDefaults(null);
    if (!modelDir) return;
    api.call('editing.defaults', { modelDir }).then(setDefaults, (e) => setError((e as Error).message));
  }, [modelDir]);

  useEffect(
    () =>
      api.onEvent((e) => {
        if (e.type === 'job.event' && e.jobId === jobId && e.kind === 'edit.step') setLive((l) => [...l, e.payload as Step]);
      }),
    [jobId],
  );

  const job = jobId ? jobs[jobId] : undefined;
  const refreshPatches = () => {
    if (!modelDir) return setPatches([]);
    api.call('editing.listPatches', { sameContentAs: modelDir }).then(setPatches, () => setPatches([]));
  };
  useEffect(refreshPatches, [modelDir, job?.status]);
  const removePatch = async (p: PatchInfo) => {
    setError(null);
    try {
      await api.call('editing.deletePatch', { id: p.id });
    } catch (e) {
      setError((e as Error).message);
    }
    refreshPatches();
  };
  const result = job?.status === 'done' ? (job.result as EditOutput) : null;
  const losses = result ? result.losses : live.map((s) => s.loss);
  const trained = method === 'dinm' || method === 'ft-l';

  const run = async () => {
    setError(null);
    setLive([]);
    try {
      const num = (s: string) => (s.trim() === '' ? undefined : Number(s));
      const j = await api.call('editing.start', {
        modelDir,
        ...(caseFile ? { caseFile, caseId: caseId || undefined } : recordKey.includes(':') ? { recordKey } : { caseId: recordKey }),
        method,
        mode,
        layer: num(layer),
        steps: trained ? num(steps) : undefined,
        lr: trained ? num(lr) : undefined,
        compare: { maxNewTokens: 48 },
      });
      setJobId(j.id);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const running = job && (job.status === 'queued' || job.status === 'running');
  const modelOptions = useMemo(() => models.map((m) => ({ value: m.path, label: `${m.name} (${m.arch})` })), [models]);

  return (
    <div className="page edit-page">
      <h1>Edit</h1>
      <section className="edit-form">
        <label>
          Model
          <input list="edit-models" value={modelDir} onChange={(e) => setModelDir(e.target.value)} placeholder="/path/to/model" data-testid="edit-model" />
          <datalist id="edit-models">
            {modelOptions.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </datalist>
        </label>
        <label>
          Dataset record
          <input value={recordKey} onChange={(e) => setRecordKey(e.target.value)} placeholder="test:903 or an id" data-testid="edit-record" />
        </label>
        <label>
          or SafeEdit file
          <input value={caseFile} onChange={(e) => setCaseFile(e.target.value)} placeholder="/path/to/cases.json" data-testid="edit-case-file" />
        </label>
        {caseFile && (
          <label>
            Case id
            <input value={caseId} onChange={(e) => setCaseId(e.target.value)} placeholder="(the only record)" data-testid="edit-case-id" />
          </label>
        )}
        <label>
          Method
          <select value={method} onChange={(e) => setMethod(e.target.value as EditingMethod)} data-testid="edit-method">
            <option value="dinm">DINM</option>
            <option value="ft-l">FT-L (fixed layer, NLL only)</option>
            <option value="prompt">Prompt only (suffix)</option>
            <option value="profs">ProFS (projection)</option>
          </select>
        </label>
        {method === 'dinm' && (
          <label>
            Mode
            <select value={mode} onChange={(e) => setMode(e.target.value as 'easyedit' | 'paper')} data-testid="edit-mode">
              <option value="easyedit">easyedit (EasyEdit's code)</option>
              <option value="paper">paper</option>
            </select>
          </label>
        )}
        {method !== 'prompt' && (
          <label>
            Layer
            <input value={layer} onChange={(e) => setLayer(e.target.value)} placeholder={method === 'dinm' ? 'locate' : method === 'ft-l' ? 'required' : 'upper half'} data-testid="edit-layer" />
          </label>
        )}
        {trained && (
          <>
            <label>
              Steps
              <input value={steps} onChange={(e) => setSteps(e.target.value)} placeholder={String(defaults?.steps ?? 10)} data-testid="edit-steps" />
            </label>
            <label>
              Learning rate
              <input value={lr} onChange={(e) => setLr(e.target.value)} placeholder={defaults ? String(defaults.lr) : ''} data-testid="edit-lr" />
            </label>
          </>
        )}
        {defaults && (
          <div className="edit-defaults" data-testid="edit-defaults">
            {defaults.arch}, {defaults.layers} layers; defaults: lr {defaults.lr}, {defaults.steps} steps, kl_factor {defaults.klFactor}
          </div>
        )}
        <button onClick={run} disabled={!modelDir || (!recordKey && !caseFile) || !!running} data-testid="edit-run">
          Run
        </button>
        {running && (
          <button onClick={() => jobId && api.call('jobs.cancel', { id: jobId })} data-testid="edit-cancel">
            Cancel
          </button>
        )}
      </section>
      {error && (
        <div className="error" data-testid="edit-error">
          {error}
        </div>
      )}
      {job && (
        <section className="edit-status" data-testid="edit-status">
          <span className={`status ${job.status}`} data-testid="edit-job-status">
            {job.status}
          </span>{' '}
          {job.stage}
          {job.status === 'failed' && <div className="error" data-testid="edit-job-error">{job.error}</div>}
        </section>
      )}
      {job && (
        <section className="edit-plots">
          <div>
            <h2>Loss</h2>
            <LossCurve losses={losses} />
          </div>
          <div>
            <h2>Safe vs unsafe distance per layer</h2>
            {result ? <LayerDistances distances={result.layer_distances} layer={result.toxic_layer} /> : <div className="edit-plot-empty">after localisation</div>}
            {result && result.toxic_layer !== null && <div data-testid="edit-layer-chosen">edited layer {result.toxic_layer}</div>}
          </div>
        </section>
      )}
      {result && (
        <section className="edit-compare" data-testid="edit-compare">
          <div>
            <h2>Before</h2>
            <pre data-testid="edit-before">{result.before?.text ?? ''}</pre>
          </div>
          <div>
            <h2>After</h2>
            <pre data-testid="edit-after">{result.after?.text ?? ''}</pre>
          </div>
          <div className="edit-patch" data-testid="edit-patch">
            {result.patch ? `patch: ${result.patch}` : 'no weights changed'}
          </div>
        </section>
      )}
      {patches.length > 0 && (
        <section className="edit-patches" data-testid="edit-patches">
          <h2>Patches for this model</h2>
          <p className="small muted">Apply one in the Models page playground to generate with it.</p>
          <table>
            <tbody>
              {patches.map((p) => (
                <tr key={p.id} data-testid="edit-patch-row">
                  <td>
                    {p.method}/{p.mode}
                  </td>
                  <td>layer {p.toxicLayer ?? '-'}</td>
                  <td>case {p.caseKey ?? p.caseId ?? '-'}</td>
                  <td>{p.createdAt.replace('T', ' ').slice(0, 19)}</td>
                  <td className="small" title={p.file}>
                    {p.exists ? p.id.slice(0, 8) : 'file missing'}
                  </td>
                  <td>
                    <button onClick={() => void removePatch(p)} data-testid="edit-patch-delete">
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
