import type { HandlersFor } from './types';
import {
  compareRuns,
  compareSamples,
  deleteExperiment,
  exportRuns,
  getLayout,
  listExperiments,
  runReport,
  sampleDetail,
  setLayout,
  updateExperiment,
} from '../experiments/index';

export const experimentsHandlers: HandlersFor<
  | 'experiments.list'
  | 'experiments.update'
  | 'experiments.delete'
  | 'experiments.getLayout'
  | 'experiments.setLayout'
  | 'experiments.report'
  | 'experiments.compare'
  | 'experiments.compareSamples'
  | 'experiments.sample'
  | 'experiments.export'
> = {
  'experiments.list': (_input, ctx) => listExperiments(ctx.db),
  'experiments.update': (u, ctx) => updateExperiment(ctx.db, u),
  'experiments.delete': ({ id }, ctx) => deleteExperiment(ctx.db, id),
  'experiments.getLayout': (_input, ctx) => getLayout(ctx.db),
  'experiments.setLayout': (layout, ctx) => setLayout(ctx.db, layout),
  'experiments.report': ({ id }, ctx) => runReport(ctx.db, id),
  'experiments.compare': ({ ids, reference }, ctx) => compareRuns(ctx.db, ids, reference),
  'experiments.compareSamples': ({ ids, reference, ...q }, ctx) => compareSamples(ctx.db, ids, reference, q),
  'experiments.sample': ({ ids, reference, caseKey }, ctx) => sampleDetail(ctx.db, ids, reference, caseKey),
  'experiments.export': (o, ctx) => exportRuns(ctx.db, o),
};
