// Checks shared by every reader of a spec document: space specs, AnyNet configs and sweep specs.
import { messages, specError } from '../messages.ts';

/** A JSON/YAML mapping (not null, not a list). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws on the first key of `value` (at `path`, '' for the top level) that is not in `allowed`. */
export function checkKeys(source: string, path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) specError(source, path === '' ? key : `${path}.${key}`, messages.spec.unknownKey(key, allowed));
  }
}
