import { useEffect } from 'react';
import { useApp, PAGES, type Page } from './state/store';
import { JobsPanel } from './components/JobsPanel';
import { StatusBar } from './components/StatusBar';
import { DemoOffer } from './components/DemoOffer';
import { pages } from './pages';

const LABELS: Record<Page, string> = {
  dataset: 'Dataset',
  models: 'Models',
  edit: 'Edit',
  evaluate: 'Evaluate',
  experiments: 'Experiments',
  jobs: 'Jobs',
  settings: 'Settings',
};

export function App() {
  const { page, go, init, settings, error, setError } = useApp();
  useEffect(() => {
    void init();
  }, [init]);
  useEffect(() => {
    const t = settings?.theme ?? 'dark';
    const dark = t === 'dark' || (t === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [settings?.theme]);
  const PageView = pages[page];
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          SafeEdit <span>Workbench</span>
        </div>
        {PAGES.map((p) => (
          <button key={p} className={p === page ? 'nav active' : 'nav'} onClick={() => go(p)} data-testid={`nav-${p}`}>
            {LABELS[p]}
          </button>
        ))}
        <div className="spacer" />
        <JobsPanel />
      </nav>
      <main className="content" data-testid={`page-${page}`}>
        {error && (
          <div className="banner error" role="alert">
            {error}
            <button className="link" onClick={() => setError(null)}>
              dismiss
            </button>
          </div>
        )}
        <DemoOffer />
        <PageView />
      </main>
      <StatusBar />
    </div>
  );
}
