// Registers the ORT engine as the models registry's loader (models.load / models.eject go through it).
import { setModelLoader } from '../models/loader';
import { ejectModel, loadModel } from './service';

setModelLoader({
  async load(ctx, dir, opts) {
    await loadModel(ctx, dir, opts.provider);
  },
  async eject(ctx, dir) {
    await ejectModel(ctx, dir);
  },
});
export {};
