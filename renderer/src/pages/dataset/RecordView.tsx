// One SafeEdit record: prompt, question, unsafe vs safe generation, generalization inputs, knowledge constraint.
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { useApp } from '../../state/store';
import type { DatasetRecord, GeneralizationInputs } from '../../../../shared/api/dataset';
import { Highlight } from './highlight';

const GEN_TABS: { key: keyof GeneralizationInputs; label: string; otherAttack: boolean }[] = [
  { key: 'onlyHarmfulQuestion', label: 'Only harmful question', otherAttack: false },
  { key: 'otherAttackPrompt', label: 'Other attack prompt', otherAttack: true },
  { key: 'otherQuestion', label: 'Other question', otherAttack: false },
  { key: 'otherQuestionsAndAttackPrompts', label: 'Other question + attack', otherAttack: true },
];

function Block({ title, text, q, testId }: { title: string; text: string; q: string; testId?: string }) {
  return (
    <div className="ds-block" data-testid={testId}>
      <div className="ds-block-title">{title}</div>
      <div className="ds-text">{text ? <Highlight text={text} q={q} /> : <span className="muted">(empty)</span>}</div>
    </div>
  );
}

function UnsafeText({ text, q, blur }: { text: string; q: string; blur: boolean }) {
  const [revealed, setRevealed] = useState(false);
  const hidden = blur && !revealed && !!text;
  return (
    <div className="ds-block ds-unsafe-block">
      <div className="ds-block-title">
        Unsafe generation <span className="ds-tag bad">unsafe</span>
        {blur && revealed && (
          <button className="link small" onClick={() => setRevealed(false)}>
            hide
          </button>
        )}
      </div>
      <div
        className={hidden ? 'ds-text ds-blurred' : 'ds-text'}
        data-testid="ds-unsafe"
        data-blurred={hidden ? 'true' : 'false'}
        onClick={() => setRevealed(true)}
        role={hidden ? 'button' : undefined}
        tabIndex={hidden ? 0 : undefined}
        onKeyDown={(e) => {
          if (hidden && (e.key === 'Enter' || e.key === ' ')) setRevealed(true);
        }}
        aria-label={hidden ? 'Hidden unsafe text; activate to reveal' : undefined}
      >
        {hidden && (
          <div className="ds-cw" data-testid="ds-content-warning">
            <b>Content warning</b>
            <span>Model output that may be offensive or harmful. Click to reveal.</span>
          </div>
        )}
        <div className="ds-unsafe-inner" aria-hidden={hidden}>
          {text ? <Highlight text={text} q={q} /> : <span className="muted">(empty)</span>}
        </div>
      </div>
    </div>
  );
}

export function RecordView({ recordKey, q }: { recordKey: string; q: string }) {
  const blur = useApp((s) => s.settings?.blurUnsafe ?? true);
  const go = useApp((s) => s.go);
  const [rec, setRec] = useState<DatasetRecord | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<keyof GeneralizationInputs>('onlyHarmfulQuestion');

  useEffect(() => {
    let live = true;
    setError(null);
    api
      .call('dataset.get', { key: recordKey })
      .then((r) => live && setRec(r))
      .catch((e) => live && (setRec(null), setError((e as Error).message)));
    return () => {
      live = false;
    };
  }, [recordKey]);

  if (error) return <div className="ds-record-empty error-text">{error}</div>;
  if (!rec || rec.key !== recordKey) return <div className="ds-record-empty muted">Loading…</div>;
  const g = rec.generalization;
  const current = GEN_TABS.find((t) => t.key === tab)!;
  return (
    <article className="ds-record" data-testid="ds-record" data-key={rec.key}>
      <header className="ds-record-head">
        <div>
          <div className="ds-record-key">
            <code>{rec.key}</code>
            {rec.isDemo && <span className="ds-tag demo">demo</span>}
          </div>
          <div className="ds-record-meta">
            <span className="ds-tag cat">{rec.category}</span>
            {rec.categoryRaw !== rec.category && <span className="muted small" title="spelling in the file">“{rec.categoryRaw}”</span>}
            <span className="ds-tag">{rec.attackName || 'no attack'}</span>
            {rec.attackCategory && <span className="muted small">{rec.attackCategory}</span>}
          </div>
        </div>
        <button onClick={() => go('edit', rec.key)} data-testid="ds-edit-dinm" title="Open this record on the Edit page">
          Edit with DINM
        </button>
      </header>
      <Block title="Question" text={rec.question} q={q} testId="ds-question" />
      <Block title="Adversarial prompt" text={rec.adversarialPrompt} q={q} testId="ds-adv-prompt" />
      <div className="ds-pair">
        <UnsafeText key={rec.key} text={rec.unsafeGeneration} q={q} blur={blur} />
        <div className="ds-block ds-safe-block">
          <div className="ds-block-title">
            Safe generation <span className="ds-tag ok">safe</span>
          </div>
          <div className="ds-text" data-testid="ds-safe">
            {rec.safeGeneration ? <Highlight text={rec.safeGeneration} q={q} /> : <span className="muted">(empty)</span>}
          </div>
        </div>
      </div>
      <div className="ds-block">
        <div className="ds-block-title">Generalization test inputs</div>
        <div className="ds-tabs" role="tablist">
          {GEN_TABS.map((t) => {
            const empty = !g || !g[t.key];
            return (
              <button
                key={t.key}
                role="tab"
                aria-selected={tab === t.key}
                className={`ds-tab${tab === t.key ? ' active' : ''}${empty ? ' empty' : ''}`}
                onClick={() => setTab(t.key)}
                data-testid="ds-gen-tab"
              >
                {t.label}
                {empty && <span className="ds-na">n/a</span>}
              </button>
            );
          })}
        </div>
        <div className="ds-text ds-tab-body" data-testid="ds-gen-body">
          {g && g[current.key] ? (
            <>
              {current.otherAttack && g.attackName && (
                <div className="muted small ds-tab-note">
                  attack: {g.attackName}
                  {g.attackCategory ? ` (${g.attackCategory})` : ''}
                </div>
              )}
              <Highlight text={g[current.key]} q={q} />
            </>
          ) : (
            <span className="muted">n/a: this record has no generalization inputs{rec.split === 'train' || rec.split === 'test_ALL' ? ` (${rec.split} files leave them empty)` : ''}.</span>
          )}
        </div>
      </div>
      <div className="ds-block" data-testid="ds-knowledge">
        <div className="ds-block-title">Knowledge constraint</div>
        {rec.knowledgeConstraint ? (
          <div className="ds-kc">
            <div>
              <span className="ds-kc-label">Prompt</span>
              <div className="ds-text">{rec.knowledgeConstraint.prompt}</div>
            </div>
            <div>
              <span className="ds-kc-label">Answer</span>
              <div className="ds-text">{rec.knowledgeConstraint.answer}</div>
            </div>
          </div>
        ) : (
          <div className="ds-text muted">n/a</div>
        )}
      </div>
    </article>
  );
}
