import type { HandlersFor } from './types';
import { demoStatus, startDemo } from '../demo/service';

export const demoHandlers: HandlersFor<'demo.run' | 'demo.status'> = {
  'demo.run': (input, ctx) => startDemo(ctx, input),
  'demo.status': (_input, ctx) => demoStatus(ctx),
};
