import { useApp } from '../state/store';

export function StatusBar() {
  const info = useApp((s) => s.info);
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span>
        provider: <b data-testid="status-provider">{info?.activeProvider ?? '…'}</b>
      </span>
      <span>
        data: <code data-testid="status-datadir">{info?.dataDir ?? '…'}</code>
      </span>
      <span>{info ? `${info.transport === 'http' ? 'headless host' : info.transport} · v${info.version}` : ''}</span>
    </footer>
  );
}
