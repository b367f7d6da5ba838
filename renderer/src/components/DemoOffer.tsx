// First-start offer: with no model registered, one click builds the toy demo model and judge from the demo set and
// evaluates them before and after DINM ('demo.run', the same pipeline as `npm run demo`), with a progress bar.
import { useCallback, useEffect, useState } from 'react';
import type { DemoStatus } from '../../../shared/api/demo';
import { api } from '../api';
import { ProgressBar } from './Progress';

const DISMISSED = 'safeedit_demo_offer_dismissed';
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(1));

export function DemoOffer() {
  const [status, setStatus] = useState<DemoStatus | null>(null);
  const [hasModels, setHasModels] = useState<boolean | null>(null);
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(DISMISSED) === '1');
  const [error, setError] = useState<string | null>(null);

  const poll = useCallback(async () => {
    try {
      setStatus(await api.call('demo.status', {}));
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void poll();
    api.call('models.list', {}).then((m) => setHasModels(m.length > 0), () => setHasModels(true));
  }, [poll]);
  useEffect(() => {
    if (status?.state !== 'running') return;
    const t = setInterval(() => void poll(), 1000);
    return () => clearInterval(t);
  }, [status?.state, poll]);

  if (!status || hasModels === null) return null;
  const running = status.state === 'running';
  const justFinished = status.state === 'done' && status.last && !dismissed;
  if (!running && !justFinished && status.state !== 'failed' && (dismissed || hasModels)) return null;
  const dismiss = () => {
    localStorage.setItem(DISMISSED, '1');
    setDismissed(true);
  };
  const start = async () => {
    setError(null);
    try {
      setStatus(await api.call('demo.run', { profile: 'full', rebuild: false }));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const last = status.last;
  return (
    <div className="banner" data-testid="demo-offer" style={{ flexDirection: 'column', border: '1px solid var(--border, #888)' }}>
      {running ? (
        <>
          <strong>
            Demo: step {status.step} of {status.steps}
          </strong>
          <span data-testid="demo-stage">{status.stage}</span>
          <ProgressBar value={(Math.max(0, status.step - 1) + status.progress) / status.steps} />
        </>
      ) : status.state === 'failed' ? (
        <span role="alert">
          The demo failed: {status.error}{' '}
          <button className="link" onClick={() => void start()}>
            try again
          </button>
        </span>
      ) : last && status.state === 'done' ? (
        <span data-testid="demo-result">
          Demo finished: DS {fmt(last.before.metrics?.DS)} → {fmt(last.after.metrics?.DS)}, DG-Avg {fmt(last.before.metrics?.DG_Avg)} →{' '}
          {fmt(last.after.metrics?.DG_Avg)} without an edit → with DINM (toy model; see the Experiments page).{' '}
          <button className="link" onClick={dismiss}>
            dismiss
          </button>
        </span>
      ) : (
        <span>
          No model yet? Train a toy chat model and safety judge from the built-in demo set and watch DINM detoxify it
          (about 3 minutes on two cores, nothing downloaded).{' '}
          <button onClick={() => void start()} data-testid="demo-start">
            Run the demo
          </button>{' '}
          <button className="link" onClick={dismiss}>
            not now
          </button>
        </span>
      )}
      {error && <span role="alert">{error}</span>}
    </div>
  );
}
