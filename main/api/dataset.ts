import type { HandlersFor } from './types';
import { importFile, analyseFile, listRecords, facets, getRecord, findRecords, stats, listSources, removeSources, removeDemo, restoreDemo } from '../dataset/index';

export const datasetHandlers: HandlersFor<
  | 'dataset.inspect'
  | 'dataset.import'
  | 'dataset.list'
  | 'dataset.facets'
  | 'dataset.get'
  | 'dataset.find'
  | 'dataset.stats'
  | 'dataset.sources'
  | 'dataset.remove'
  | 'dataset.restoreDemo'
> = {
  'dataset.inspect': async (input, ctx) => (await analyseFile(ctx.db, input.path, input.name)).inspection,
  'dataset.import': async (input, ctx) => {
    const results = [];
    for (const f of input.files) results.push(await importFile(ctx.db, f.path, { split: f.split, skipBad: input.skipBad, displayName: f.name }));
    return { results };
  },
  'dataset.list': (input, ctx) => listRecords(ctx.db, input),
  'dataset.facets': (input, ctx) => facets(ctx.db, input),
  'dataset.get': (input, ctx) => getRecord(ctx.db, input.key),
  'dataset.find': (input, ctx) => findRecords(ctx.db, input.id),
  'dataset.stats': (input, ctx) => stats(ctx.db, input.split),
  'dataset.sources': (_input, ctx) => listSources(ctx.db),
  'dataset.remove': (input, ctx) => (input.demo ? removeDemo(ctx.db) : removeSources(ctx.db, { sourceId: input.sourceId! })),
  'dataset.restoreDemo': async (_input, ctx) => ({ records: await restoreDemo(ctx.db) }),
};
