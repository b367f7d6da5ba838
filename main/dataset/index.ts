// The dataset domain's service API (for the handlers, the CLI, and the editing / evaluation domains).
export { CATEGORIES, normaliseCategory, validateRecord, toSafeEditJson, GENERALIZATION_INPUTS, type CategoryName, type ValidRecord } from './schema';
export { analyseFile, importFile, inferSplit, formatIssue, recordKey, MAX_REPORTED_ERRORS, type ImportOptions } from './importer';
export { listRecords, allRecords, getRecord, findRecords, facets, stats, listSources, removeSources, ftsQuery, searchTerms } from './records';
export { ensureDemo, removeDemo, restoreDemo, demoFilePath, demoRemoved, DEMO_SPLIT } from './demo';
