// Models: register local Hugging Face model folders (validated; the reason is shown when one is rejected),
// the registry table (architecture, size, dtype, memory estimate, state), load/eject, and the playground.
import { useEffect, useState } from 'react';
import { fmtBytes, fmtParams } from '../../../shared/format';
import { api } from '../api';
import { useModels } from '../state/models';
import { Playground } from '../components/Playground';
import type { ModelInfo } from '../../../shared/api/models';
import './models.css';


const STATE_CLASS: Record<ModelInfo['state'], string> = { registered: '', loading: 'running', ready: 'done', error: 'failed' };

function RegisterForm() {
  const { add, rejected, clearRejected } = useModels();
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (p: string) => {
    if (!p.trim()) return;
    setBusy(true);
    const m = await add(p.trim());
    setBusy(false);
    // clear the field only if it still holds what was registered
    if (m) setPath((cur) => (cur === p ? '' : cur));
  };
  const pick = async () => {
    const p = await api.pickers?.folder('Model folder (config.json, model.safetensors, tokenizer.json)');
    if (p) {
      setPath(p);
      await submit(p);
    }
  };
  return (
    <div className="card models-register">
      <div className="toolbar" style={{ marginBottom: 0 }}>
        {api.pickers && (
          <button onClick={() => void pick()} disabled={busy} data-testid="model-pick">
            Choose folder…
          </button>
        )}
        <input
          className="models-path"
          placeholder="/path/to/model-folder (config.json, model.safetensors, tokenizer.json)"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && void submit(path)}
          data-testid="model-path"
          aria-label="Model folder path"
        />
        <button className={api.pickers ? 'secondary' : ''} onClick={() => void submit(path)} disabled={busy || !path.trim()} data-testid="model-add">
          {busy ? 'Validating…' : 'Register'}
        </button>
      </div>
      {rejected && (
        <div className="banner error models-rejected" role="alert" data-testid="model-add-error">
          <div>
            <b>{rejected.action === 'register' ? 'Rejected' : `Could not ${rejected.action}`}</b> <code>{rejected.path}</code>
            <div data-testid="model-add-error-message">{rejected.message}</div>
          </div>
          <button className="link" onClick={clearRejected}>
            dismiss
          </button>
        </div>
      )}
      <p className="muted small" style={{ margin: '8px 0 0' }}>
        Supported: Llama, Mistral, Qwen2, GPT-2 folders with safetensors weights (single file or sharded) and tokenizer.json. Nothing is copied or converted.
      </p>
    </div>
  );
}

function Row({ m }: { m: ModelInfo }) {
  const { busy, load, eject, remove, select, selected } = useModels();
  const b = busy[m.id];
  const loaded = m.state === 'ready' || m.state === 'loading';
  return (
    <tr data-testid="model-row" data-model-id={m.id} data-arch={m.arch} className={selected === m.path ? 'selected' : ''}>
      <td>
        <b data-testid="model-name">{m.name}</b>
        <div className="muted small">
          <code title={m.path}>{m.path}</code>
        </div>
      </td>
      <td>
        <span data-testid="model-arch">{m.arch}</span>
        <div className="muted small">{m.hfArchitecture}</div>
      </td>
      <td>
        {fmtParams(m.parameters, ' ')}
        <div className="muted small">
          {m.dims.layers} layers · {m.dims.hidden} hidden · {m.dims.heads}/{m.dims.kvHeads} heads
        </div>
      </td>
      <td data-testid="model-dtype">{m.dtype}</td>
      <td>{fmtBytes(m.fileBytes)}</td>
      <td title={`f32 weights ${fmtBytes(m.memory.weightsF32)} + KV cache ${fmtBytes(m.memory.kvCache)} at ${m.memory.context} tokens (f16 weights on GPU: ${fmtBytes(m.memory.weightsF16)})`}>
        <span data-testid="model-memory">{fmtBytes(m.memory.totalCpu)}</span>
        <div className="muted small">at {m.memory.context} tokens</div>
      </td>
      <td>
        <span className={`badge ${m.exists ? STATE_CLASS[m.state] : 'failed'}`} data-testid="model-state">
          {m.exists ? (b ? `${b}…` : m.state) : 'missing'}
        </span>
        {m.error && <div className="small error-text">{m.error}</div>}
      </td>
      <td>
        <div className="models-actions">
          {loaded ? (
            <button className="secondary" disabled={!!b} onClick={() => void eject(m.id)} data-testid="model-eject">
              Eject
            </button>
          ) : (
            <button disabled={!!b || !m.exists} onClick={() => void load(m.id)} data-testid="model-load">
              Load
            </button>
          )}
          <button className="secondary" onClick={() => select(m.path)} data-testid="model-use">
            Playground
          </button>
          <button className="link" disabled={!!b} onClick={() => void remove(m.id)} data-testid="model-remove">
            Remove
          </button>
        </div>
      </td>
    </tr>
  );
}

export function ModelsPage() {
  const { models, refresh, selected } = useModels();
  useEffect(() => {
    void refresh().catch(() => {});
  }, [refresh]);
  return (
    <section>
      <h1>Models</h1>
      <RegisterForm />
      <h2>Registered</h2>
      <table className="table" data-testid="models-table">
        <thead>
          <tr>
            <th>Model</th>
            <th>Architecture</th>
            <th>Parameters</th>
            <th>Dtype</th>
            <th>Files</th>
            <th>Memory (CPU)</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <Row key={m.id} m={m} />
          ))}
          {models.length === 0 && (
            <tr>
              <td colSpan={8} className="muted" data-testid="models-empty">
                No models registered yet. Register a folder above.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <Playground modelDir={selected ?? undefined} />
    </section>
  );
}
