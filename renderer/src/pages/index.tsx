import type { ComponentType } from 'react';
import type { Page } from '../state/store';
import { JobsPage } from './JobsPage';
import { SettingsPage } from './SettingsPage';
import { DatasetPage } from './DatasetPage';
import { ModelsPage } from './ModelsPage';
import { EvaluatePage } from './EvaluatePage';
import { ExperimentsPage } from './ExperimentsPage';
import { EditPage } from './EditPage';

/** One component per sidebar entry. */
export const pages: Record<Page, ComponentType> = {
  dataset: DatasetPage,
  models: ModelsPage,
  edit: EditPage,
  evaluate: EvaluatePage,
  experiments: ExperimentsPage,
  jobs: JobsPage,
  settings: SettingsPage,
};
