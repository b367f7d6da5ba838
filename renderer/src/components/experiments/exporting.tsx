// Export from the UI: in Electron the user picks a folder and the file is written there; in the headless host the
// content comes back with the answer and the browser saves it as a download (Blob URL). Nothing is written elsewhere.
import { api } from '../../api';
import type { ExportFormat } from '../../../../shared/api/experiments';

const MIME: Record<ExportFormat, string> = { csv: 'text/csv', json: 'application/json', html: 'text/html' };

export async function exportRuns(ids: string[], reference: string | undefined, format: ExportFormat): Promise<string | null> {
  if (api.pickers) {
    const folder = await api.pickers.folder('Export to folder');
    if (!folder) return null;
    const r = await api.call('experiments.export', { ids, reference, format, folder });
    return `Saved ${r.path} (${r.bytes} bytes)`;
  }
  const r = await api.call('experiments.export', { ids, reference, format });
  const url = URL.createObjectURL(new Blob([r.content ?? ''], { type: `${MIME[format]};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = r.filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return `Downloaded ${r.filename} (${r.bytes} bytes)`;
}

export function ExportButtons({ ids, reference, onDone, onError }: { ids: string[]; reference?: string; onDone(msg: string): void; onError(msg: string): void }) {
  const go = (f: ExportFormat) =>
    exportRuns(ids, reference, f).then(
      (m) => m && onDone(m),
      (e: Error) => onError(e.message),
    );
  return (
    <span className="exp-export" role="group" aria-label="Export">
      <span className="muted small">Export</span>
      {(['csv', 'json', 'html'] as const).map((f) => (
        <button key={f} className="secondary" data-testid={`export-${f}`} onClick={() => void go(f)}>
          {f.toUpperCase()}
        </button>
      ))}
    </span>
  );
}
