import type { Runtime } from './runtime.ts';

// TODO(#2): replaced by the demo institution loader.
export async function loadDemo(_runtime: Runtime, _isJson: boolean): Promise<void> {
  throw new Error('demo not yet available');
}
