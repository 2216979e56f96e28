// Piscina's worker file. Beside the compiled worker.js (in dist/) it loads that; beside worker.ts (in src/) it first
// registers tsx in the new thread, which starts without the parent's loader.
import { existsSync } from 'node:fs';

const compiled = new URL('./worker.js', import.meta.url);
let handler = null;

async function loadHandler() {
  if (existsSync(compiled)) return (await import(compiled.href)).default;
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('./worker.ts')).default;
}

/** Loaded on the first task; code that does not load is fatal, not a failed run. */
export default async function trainTask(task) {
  try {
    handler ??= await loadHandler();
  } catch (error) {
    task.port.close();
    return { fatal: `the training worker does not load: ${error instanceof Error ? error.message : String(error)}`, threadId: -1 };
  }
  return handler(task);
}
