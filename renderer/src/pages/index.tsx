import type { ComponentType } from 'react';
import type { Page } from '../state/store';
import { JobsPage } from './JobsPage';
import { SettingsPage } from './SettingsPage';
import { DatasetPage } from './DatasetPage';
import { ModelsPage } from './ModelsPage';
import { EvaluatePage } from './EvaluatePage';
import { Placeholder } from './Placeholder';

/** One component per sidebar entry. */
export const pages: Record<Page, ComponentType> = {
  dataset: DatasetPage,
  models: ModelsPage,
  edit: () => <Placeholder title="Edit" what="DINM edits" />,
  evaluate: EvaluatePage,
  experiments: () => <Placeholder title="Experiments" what="run history and comparison" />,
  jobs: JobsPage,
  settings: SettingsPage,
};
