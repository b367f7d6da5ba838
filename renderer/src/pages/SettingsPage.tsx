import { useApp } from '../state/store';

export function SettingsPage() {
  const { settings, info, updateSettings } = useApp();
  if (!settings || !info) return <p className="muted">Loading…</p>;
  return (
    <section>
      <h1>Settings</h1>
      <div className="form">
        <label>
          Theme
          <select value={settings.theme} onChange={(e) => void updateSettings({ theme: e.target.value as 'dark' | 'light' | 'system' })} data-testid="theme-select">
            <option value="dark">Dark</option>
            <option value="light">Light</option>
            <option value="system">System</option>
          </select>
        </label>
        <label className="row">
          <input type="checkbox" checked={settings.blurUnsafe} onChange={(e) => void updateSettings({ blurUnsafe: e.target.checked })} data-testid="blur-unsafe" />
          Blur unsafe text until clicked
        </label>
        <label>
          Execution provider preference (first available wins)
          <input
            value={settings.providerPreference.join(', ')}
            onChange={(e) => void updateSettings({ providerPreference: e.target.value.split(',').map((s) => s.trim()).filter(Boolean) })}
          />
        </label>
      </div>
      <h2>This installation</h2>
      <table className="table compact">
        <tbody>
          <tr><td>Version</td><td>{info.version}</td></tr>
          <tr><td>Data directory</td><td><code>{info.dataDir}</code></td></tr>
          <tr><td>Database</td><td><code>{info.dbPath}</code> (SQLite {info.sqliteVersion})</td></tr>
          <tr><td>Execution providers</td><td>{info.executionProviders.map((p) => `${p.name}${p.available ? '' : ' (not installed)'}`).join(', ')}</td></tr>
          <tr><td>In use</td><td>{info.activeProvider}</td></tr>
        </tbody>
      </table>
    </section>
  );
}
