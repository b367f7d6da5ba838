// Experiment history and comparison over the evaluation runs (see docs/experiments.md).
export * from './runs';
export * from './report';
export * from './compare';
export * from './export';
export { parseEditInfo } from './edit-info';
