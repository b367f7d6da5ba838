// Models page playground: load/eject a model in the engine worker, generate from a prompt (optionally through
// the chat template) with tokens streaming in as 'engine.token' events. A weight patch recorded for the loaded model's
// content hash can be applied to the engine (generation then feeds the patched tensors, no reload) and cleared.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { useApp } from '../state/store';
import type { EngineStatus, GenerateOutput, MemoryEstimateOut } from '../../../shared/api/engine';
import type { ActivePatch, PatchInfo } from '../../../shared/api/editing';

const fmtBytes = (n: number) => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);

const refreshInfo = async () => useApp.setState({ info: await api.call('system.info', {}) });

export function Playground({ modelDir: given }: { modelDir?: string }) {
  const [modelDir, setModelDir] = useState(given ?? '');
  const [registered, setRegistered] = useState<{ path: string; name: string }[]>([]);
  useEffect(() => {
    // registered model folders, offered as suggestions (any folder can still be typed)
    void api.call('models.list', {}).then((l) => setRegistered(l.map((x) => ({ path: x.path, name: x.name }))), () => setRegistered([]));
  }, []);
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const [estimate, setEstimate] = useState<MemoryEstimateOut | null>(null);
  const [prompt, setPrompt] = useState('Hello');
  const [chat, setChat] = useState(false);
  const [maxNew, setMaxNew] = useState(32);
  const [sample, setSample] = useState(false);
  const [temperature, setTemperature] = useState(0.8);
  const [topP, setTopP] = useState(0.95);
  const [seed, setSeed] = useState(0);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [streamed, setStreamed] = useState('');
  const [result, setResult] = useState<GenerateOutput | null>(null);
  const requestId = useRef('');
  const [patches, setPatches] = useState<PatchInfo[]>([]);
  const [patchId, setPatchId] = useState('');
  const [active, setActive] = useState<ActivePatch | null>(null);
  const loadedDir = status?.loaded?.modelDir ?? null;

  // patches made for the loaded model's content (any folder holding the same checkpoint), and the applied one
  const refreshPatches = async (dir: string | null) => {
    setActive((await api.call('editing.activePatch', {})).active);
    if (!dir) return setPatches([]);
    const ps = (await api.call('editing.listPatches', { sameContentAs: dir })).filter((p) => p.exists);
    setPatches(ps);
    setPatchId((cur) => (ps.some((p) => p.id === cur) ? cur : (ps[0]?.id ?? '')));
  };
  useEffect(() => {
    void refreshPatches(loadedDir).catch(() => {});
    // a finished job may have recorded a new patch
    return api.onEvent((e) => {
      if (e.type === 'job' && e.job.status === 'done') void refreshPatches(loadedDir).catch(() => {});
    });
  }, [loadedDir]);

  useEffect(() => {
    if (given) setModelDir(given);
    // the Models page may have loaded/ejected through models.load: show the engine's current state
    void api.call('engine.status', {}).then(setStatus, () => {});
  }, [given]);
  useEffect(() => {
    void api.call('engine.status', {}).then(setStatus, () => {});
    return api.onEvent((e) => {
      if (e.type === 'engine.token' && e.requestId === requestId.current && e.row === 0) setStreamed((s) => s + e.text);
      if (e.type === 'engine.status') {
        setStatus({ loaded: e.loaded });
        void refreshInfo();
      }
    });
  }, []);

  const run = async (what: string, fn: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const loaded = status?.loaded ?? null;
  const isLoaded = loaded !== null && (modelDir.trim() === '' || loaded.modelDir === modelDir.trim() || loaded.modelDir.endsWith(modelDir.trim()));

  return (
    <section className="card playground" data-testid="playground">
      <h2>Playground</h2>
      <div className="toolbar">
        <input className="grow" list="playground-models" placeholder="model folder" value={modelDir} onChange={(e) => setModelDir(e.target.value)} data-testid="playground-model" />
        <datalist id="playground-models">
          {registered.map((m) => (
            <option key={m.path} value={m.path}>
              {m.name}
            </option>
          ))}
        </datalist>
        <button
          disabled={!modelDir.trim() || busy !== null}
          onClick={() => run('estimating', async () => setEstimate(await api.call('engine.estimate', { modelDir: modelDir.trim() })))}
        >
          Estimate memory
        </button>
        <button
          disabled={!modelDir.trim() || busy !== null}
          data-testid="playground-load"
          onClick={() =>
            run('loading', async () => {
              setStatus(await api.call('engine.load', { modelDir: modelDir.trim() }));
              await refreshInfo();
            })
          }
        >
          Load
        </button>
        <button
          disabled={!loaded || busy !== null}
          data-testid="playground-eject"
          onClick={() =>
            run('ejecting', async () => {
              setStatus(await api.call('engine.eject', {}));
              await refreshInfo();
            })
          }
        >
          Eject
        </button>
      </div>
      {estimate && (
        <p className="small muted" data-testid="playground-estimate">
          {estimate.arch}, {(estimate.parameters / 1e6).toFixed(2)} M parameters: weights {fmtBytes(estimate.weightsBytes)} ({estimate.dtype}) + KV cache{' '}
          {fmtBytes(estimate.kvCacheBytes)} at {estimate.context} tokens = {fmtBytes(estimate.totalBytes)}; free now {fmtBytes(estimate.freeBytes)}
          {estimate.fits ? '' : ' — may not fit'}
        </p>
      )}
      <p className="small" data-testid="playground-status">
        {loaded ? (
          <>
            Loaded <b>{loaded.arch}</b> on <b data-testid="playground-provider">{loaded.provider}</b> ({loaded.dtype}, {loaded.layers} layers,{' '}
            {(loaded.parameters / 1e6).toFixed(2)} M parameters) <span className="muted">— {loaded.providerReason}</span>
          </>
        ) : (
          <span className="muted">No model loaded.</span>
        )}
      </p>
      {loaded && (
        <div className="toolbar" data-testid="playground-patches">
          <label>
            weight patch{' '}
            <select value={patchId} onChange={(e) => setPatchId(e.target.value)} disabled={!patches.length || busy !== null} data-testid="playground-patch-select">
              {!patches.length && <option value="">no patches for this model</option>}
              {patches.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.method}/{p.mode} · layer {p.toxicLayer ?? '-'} · case {p.caseKey ?? p.caseId ?? '-'} · {p.createdAt.replace('T', ' ').slice(0, 19)}
                </option>
              ))}
            </select>
          </label>
          <button
            disabled={!patchId || busy !== null}
            data-testid="playground-patch-apply"
            onClick={() => run('applying the patch', async () => setActive(await api.call('editing.applyPatch', { modelDir: loaded.modelDir, patchId })))}
          >
            Apply
          </button>
          <button
            disabled={!active || busy !== null}
            data-testid="playground-patch-clear"
            onClick={() =>
              run('clearing the patch', async () => {
                await api.call('editing.clearPatch', {});
                setActive(null);
              })
            }
          >
            Clear
          </button>
          <span className="small" data-testid="playground-patch-active">
            {active ? (
              <>
                patched: <b>{active.method}/{active.mode}</b>, layer {active.toxicLayer ?? '-'} ({active.params.join(', ')}){active.id ? '' : ` from ${active.file}`}
              </>
            ) : (
              <span className="muted">base weights</span>
            )}
          </span>
        </div>
      )}
      <textarea rows={4} value={prompt} onChange={(e) => setPrompt(e.target.value)} data-testid="playground-prompt" />
      <div className="toolbar">
        <label className="row">
          <input type="checkbox" checked={chat} onChange={(e) => setChat(e.target.checked)} disabled={loaded ? !loaded.hasChatTemplate : false} data-testid="playground-chat" />
          chat template
        </label>
        <label>
          max new tokens{' '}
          <input type="number" min={1} max={2048} value={maxNew} onChange={(e) => setMaxNew(Number(e.target.value) || 1)} style={{ width: 70 }} data-testid="playground-max-new" />
        </label>
        <label className="row">
          <input type="checkbox" checked={sample} onChange={(e) => setSample(e.target.checked)} /> sample
        </label>
        {sample && (
          <>
            <label>
              temperature <input type="number" step={0.1} min={0} value={temperature} onChange={(e) => setTemperature(Number(e.target.value))} style={{ width: 60 }} />
            </label>
            <label>
              top-p <input type="number" step={0.05} min={0.05} max={1} value={topP} onChange={(e) => setTopP(Number(e.target.value))} style={{ width: 60 }} />
            </label>
            <label>
              seed <input type="number" min={0} value={seed} onChange={(e) => setSeed(Number(e.target.value) || 0)} style={{ width: 70 }} />
            </label>
          </>
        )}
        <button
          className="primary"
          disabled={!modelDir.trim() || !prompt || busy !== null}
          data-testid="playground-generate"
          onClick={() =>
            run('generating', async () => {
              requestId.current = `pg-${Date.now()}`;
              setStreamed('');
              setResult(null);
              const r = await api.call('engine.generate', {
                modelDir: modelDir.trim(),
                prompts: [{ text: prompt }],
                chat,
                maxNewTokens: maxNew,
                sampling: sample ? { temperature, topP, topK: 0, seed } : undefined,
                requestId: requestId.current,
              });
              setResult(r);
              if (!isLoaded) {
                setStatus(await api.call('engine.status', {}));
                await refreshInfo();
              }
            })
          }
        >
          Generate
        </button>
        {busy && <span className="muted small">{busy}…</span>}
      </div>
      {error && <p className="error-text" data-testid="playground-error">{error}</p>}
      <pre className="playground-output" data-testid="playground-output">{result ? result.results[0].text : streamed}</pre>
      {result && (
        <p className="small muted" data-testid="playground-timing">
          {result.results[0].new_ids.length} new tokens · prefill {(result.timing.prefillS * 1000).toFixed(0)} ms · decode{' '}
          {result.timing.decodeSteps > 0 ? `${(result.timing.decodeSteps / result.timing.decodeS).toFixed(1)} tokens/s` : '—'} · {result.provider}
        </p>
      )}
    </section>
  );
}
