// Piscina's worker file: registers tsx in the new thread (it starts without the parent's loader), then trains.
import { register } from 'tsx/esm/api';

register();
let handler = null;

/** Loaded on the first task, after tsx is in place; code that does not load is fatal, not a failed run. */
export default async function trainTask(task) {
  try {
    handler ??= (await import('./worker.ts')).default;
  } catch (error) {
    task.port.close();
    return { fatal: `the training worker does not load: ${error instanceof Error ? error.message : String(error)}`, threadId: -1 };
  }
  return handler(task);
}
