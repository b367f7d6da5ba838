export * from './dtype';
export * from './reader';
export * from './writer';
