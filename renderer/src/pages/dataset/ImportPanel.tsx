// Import flow: choose files (native picker in Electron, upload in the headless host) → inspect → confirm split → import.
import { useRef, useState } from 'react';
import { api } from '../../api';
import type { DatasetIssue, FileImportResult, FileInspection } from '../../../../shared/api/dataset';

const KNOWN_SPLITS = ['train', 'val', 'test', 'test_ALL'];
const SHOWN_ERRORS = 20;

interface Pending {
  path: string;
  name: string;
  inspection: FileInspection;
  split: string;
}

function issueLine(i: DatasetIssue): string {
  return `${i.index === null ? '' : `record ${i.index}${i.id !== null ? ` (id ${i.id})` : ''}: `}${i.message}`;
}

function Issues({ errors, total }: { errors: DatasetIssue[]; total: number }) {
  if (!total) return null;
  return (
    <div className="ds-issues" data-testid="ds-issues">
      <ul>
        {errors.slice(0, SHOWN_ERRORS).map((e, i) => (
          <li key={i}>
            {e.field && <code>{e.field}</code>} {issueLine(e)}
          </li>
        ))}
      </ul>
      {total > Math.min(errors.length, SHOWN_ERRORS) && (
        <div className="muted small">
          showing {Math.min(errors.length, SHOWN_ERRORS)} of {total} problems
        </div>
      )}
    </div>
  );
}

export function ImportPanel({ onDone, onClose }: { onDone(): void; onClose(): void }) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending[]>([]);
  const [skipBad, setSkipBad] = useState(false);
  const [results, setResults] = useState<FileImportResult[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const inspect = async (files: { path: string; name: string }[]) => {
    setResults(null);
    setError(null);
    const out: Pending[] = [];
    for (const f of files) {
      setBusy(`checking ${f.name}…`);
      const inspection = await api.call('dataset.inspect', { path: f.path, name: f.name });
      out.push({ ...f, inspection, split: inspection.inferredSplit });
    }
    setPending(out);
  };

  const choose = async () => {
    if (api.pickers) {
      const paths = await api.pickers.files({ title: 'SafeEdit JSON files', extensions: ['json'], multiple: true });
      if (!paths.length) return;
      try {
        await inspect(paths.map((p) => ({ path: p, name: p.split(/[\\/]/).pop() ?? p })));
      } catch (e) {
        setError((e as Error).message);
      } finally {
        setBusy(null);
      }
    } else fileInput.current?.click();
  };

  const onFiles = async (list: FileList | null) => {
    if (!list?.length || !api.upload) return;
    try {
      const files: { path: string; name: string }[] = [];
      for (const f of Array.from(list)) {
        setBusy(`uploading ${f.name}…`);
        const up = await api.upload(f);
        files.push({ path: up.path, name: f.name });
      }
      await inspect(files);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
      if (fileInput.current) fileInput.current.value = '';
    }
  };

  const doImport = async () => {
    setBusy('importing…');
    setError(null);
    try {
      const { results } = await api.call('dataset.import', { files: pending.map((p) => ({ path: p.path, name: p.name, split: p.split })), skipBad });
      setResults(results);
      // Files that failed on record problems stay listed, so "skip bad records" can be ticked and retried.
      setPending(pending.filter((_, i) => results[i]?.status === 'failed' && !results[i].fatal));
      onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const anyBad = pending.some((p) => p.inspection.invalid > 0);
  return (
    <div className="card ds-import" data-testid="ds-import-panel">
      <div className="ds-import-head">
        <b>Import SafeEdit files</b>
        <span className="muted small">JSON arrays in SafeEdit's schema (train, val, test, test_ALL); the split is inferred from the file name.</span>
        <span className="spacer" />
        <button className="link" onClick={onClose}>
          close
        </button>
      </div>
      <input ref={fileInput} type="file" accept=".json,application/json" multiple hidden onChange={(e) => void onFiles(e.target.files)} data-testid="ds-file-input" />
      <div className="toolbar">
        <button onClick={() => void choose()} disabled={!!busy} data-testid="ds-choose-files">
          Choose files…
        </button>
        {busy && <span className="muted">{busy}</span>}
        {error && <span className="error-text">{error}</span>}
      </div>
      {pending.length > 0 && (
        <>
          <table className="table compact">
            <thead>
              <tr>
                <th>File</th>
                <th>Records</th>
                <th>Split</th>
                <th>Problems</th>
              </tr>
            </thead>
            <tbody>
              {pending.map((p, i) => (
                <tr key={p.path} data-testid="ds-pending">
                  <td>
                    <b>{p.name}</b>
                    <div className="muted small">{(p.inspection.sizeBytes / 1024).toFixed(0)} KB · sha256 {p.inspection.sha256.slice(0, 10)}…</div>
                    {p.inspection.alreadyImported.length > 0 && (
                      <div className="small ds-warn">already imported as {p.inspection.alreadyImported.map((a) => a.split).join(', ')}</div>
                    )}
                  </td>
                  <td>
                    {p.inspection.valid} valid{p.inspection.invalid ? ` · ${p.inspection.invalid} bad` : ''}
                    <div className="muted small">{p.inspection.withGeneralization} with generalization inputs</div>
                  </td>
                  <td>
                    <input
                      list="ds-known-splits"
                      value={p.split}
                      size={10}
                      onChange={(e) => setPending(pending.map((x, j) => (j === i ? { ...x, split: e.target.value } : x)))}
                      data-testid="ds-split-input"
                    />
                    <div className="muted small" title={p.inspection.splitReason}>
                      inferred: {p.inspection.inferredSplit}
                    </div>
                  </td>
                  <td>
                    {p.inspection.fatal ? <b className="error-text">cannot be read</b> : p.inspection.errorCount ? `${p.inspection.errorCount} problems` : <span className="ds-ok">none</span>}
                    <Issues errors={p.inspection.errors} total={p.inspection.errorCount} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <datalist id="ds-known-splits">
            {KNOWN_SPLITS.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <div className="toolbar">
            {anyBad && (
              <label>
                <input type="checkbox" checked={skipBad} onChange={(e) => setSkipBad(e.target.checked)} data-testid="ds-skip-bad" /> Skip bad records (otherwise a file with
                problems imports nothing)
              </label>
            )}
            <button onClick={() => void doImport()} disabled={!!busy || pending.every((p) => p.inspection.fatal)} data-testid="ds-do-import">
              Import {pending.length} file{pending.length === 1 ? '' : 's'}
            </button>
            <button className="secondary" onClick={() => setPending([])}>
              Cancel
            </button>
          </div>
        </>
      )}
      {results && (
        <div className="ds-results" data-testid="ds-import-results">
          {results.map((r) => (
            <div key={r.path} className={`ds-result ${r.status}`} data-testid="ds-import-result" data-status={r.status}>
              <b>{r.fileName}</b> → <code>{r.split}</code>:{' '}
              {r.status === 'imported' && (
                <>
                  imported {r.imported} records{r.unchanged ? `, ${r.unchanged} already present` : ''}
                  {r.skipped ? `, skipped ${r.skipped} bad records` : ''}
                </>
              )}
              {r.status === 'already_imported' && <>already imported; nothing changed</>}
              {r.status === 'failed' && <>nothing imported ({r.errorCount} problems{r.fatal ? '' : '; tick "skip bad records" to import the rest'})</>}
              <Issues errors={r.errors} total={r.errorCount} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
