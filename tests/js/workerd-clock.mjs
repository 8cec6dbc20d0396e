// Imported first by workerd-worker.mjs: the clock before the package's module (and its
// initSync) is evaluated.
export const t0 = performance.now();
