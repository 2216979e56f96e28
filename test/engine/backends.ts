// The backends the engine, model and training tests run on: wasm and cpu always, tensorflow where it is installed.
import { initBackend } from '../../src/engine/backend.ts';
import type { BackendName } from '../../src/core/types.ts';

/** Set (as .ci/run does) to make a tensorflow backend that does not load a failure instead of a skip. */
export const REQUIRE_TENSORFLOW = 'NETSPACE_REQUIRE_TENSORFLOW';

let probed: Promise<string | null> | null = null;

/**
 * Loads the tensorflow backend in this thread once; null when it loads, else why not. With NETSPACE_REQUIRE_TENSORFLOW=1
 * a backend that does not load throws, so the suite fails instead of skipping.
 */
export function tensorflowMissing(): Promise<string | null> {
  probed ??= initBackend('tensorflow').then(
    () => null,
    (error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      if (process.env[REQUIRE_TENSORFLOW] === '1') {
        throw new Error(`${REQUIRE_TENSORFLOW}=1 but the tensorflow backend does not load: ${reason}`);
      }
      return `tensorflow backend not installed here, skipping (${reason})`;
    },
  );
  return probed;
}

/** Training backends for parametrised tests, each with the reason it is skipped (false: it runs). */
export async function trainingBackends<B extends BackendName>(names: readonly B[]): Promise<{ backend: B; skip: string | false }[]> {
  const missing = names.includes('tensorflow' as B) ? await tensorflowMissing() : null;
  return names.map((backend) => ({ backend, skip: backend === 'tensorflow' && missing !== null ? missing : false }));
}
