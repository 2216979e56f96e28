// Piscina's worker file. It loads the task module named in workerData.entry (a worker of the tests'), else the
// training worker: worker.js beside it (in dist/), or worker.ts (in src/) after registering tsx in the new thread,
// which starts without the parent's loader. Any .ts module is loaded through tsx.
import { existsSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

const compiled = new URL('./worker.js', import.meta.url);
let handler = null;

async function importModule(href) {
  if (href.endsWith('.ts')) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  return (await import(href)).default;
}

async function loadHandler() {
  if (typeof workerData?.entry === 'string') return importModule(workerData.entry);
  return importModule(existsSync(compiled) ? compiled.href : new URL('./worker.ts', import.meta.url).href);
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
