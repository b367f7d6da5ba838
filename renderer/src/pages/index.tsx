import type { ComponentType } from 'react';
import type { Page } from '../state/store';
import { JobsPage } from './JobsPage';
import { SettingsPage } from './SettingsPage';
import { Placeholder } from './Placeholder';

/** One component per sidebar entry. */
export const pages: Record<Page, ComponentType> = {
  dataset: () => <Placeholder title="Dataset" what="SafeEdit records by category" />,
  models: () => <Placeholder title="Models" what="local Hugging Face model folders" />,
  edit: () => <Placeholder title="Edit" what="DINM edits" />,
  evaluate: () => <Placeholder title="Evaluate" what="evaluation runs" />,
  experiments: () => <Placeholder title="Experiments" what="run history and comparison" />,
  jobs: JobsPage,
  settings: SettingsPage,
};
