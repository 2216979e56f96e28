// Polling a JSON endpoint of the server with If-None-Match: an unchanged answer is a bodyless 304, so an open page
// costs the server a hash comparison until the sweep writes.

/** What a failed request tells: the server's message (a missing sweep, a run) or that it is not reachable. */
export interface PollFailure {
  status: number | null;
  message: string;
}

/** GETs JSON; throws a PollFailure. */
export async function getJson<T>(url: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch {
    throw { status: null, message: 'the dashboard server is not reachable' } satisfies PollFailure;
  }
  if (!response.ok) throw { status: response.status, message: await failureText(response) } satisfies PollFailure;
  return (await response.json()) as T;
}

async function failureText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: string };
    return body.error ?? `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

/**
 * Calls `onData` with the endpoint's JSON now and again whenever it changes, asking every `everyMs` (not while the
 * tab is hidden); a request starts only after the previous answer has been handled, so answers never overlap.
 */
export function poll<T>(url: string, everyMs: number, onData: (data: T) => void | Promise<void>, onFailure: (failure: PollFailure | null) => void): void {
  let etag: string | null = null;
  const tick = async (): Promise<void> => {
    if (!document.hidden) await ask();
    setTimeout(tick, everyMs);
  };
  const ask = async (): Promise<void> => {
    let response: Response;
    try {
      response = await fetch(url, { headers: { accept: 'application/json', ...(etag === null ? {} : { 'if-none-match': etag }) } });
    } catch {
      onFailure({ status: null, message: 'the dashboard server is not reachable; retrying' });
      return;
    }
    if (response.status === 304) {
      onFailure(null);
      return;
    }
    if (!response.ok) {
      onFailure({ status: response.status, message: await failureText(response) });
      return;
    }
    const data = (await response.json()) as T;
    etag = response.headers.get('etag');
    onFailure(null);
    try {
      await onData(data);
    } catch (error) {
      // A page bug, not the server's: shown in the console, and the next answer is drawn again from scratch.
      etag = null;
      console.error(error);
    }
  };
  void tick();
}
