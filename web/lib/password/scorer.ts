import type { Estimator } from './strength';
import type { ScoreReply, ScoreRequest } from './strength-protocol';

export type Estimate = ReturnType<Estimator['estimate']>;

/**
 * zxcvbn's estimate of a password the rules allow, or null where none can be had without holding
 * up the page (the meter then shows the rules' verdict alone; the API has the last word anyway).
 */
export type Scorer = (password: string, userInputs: readonly string[]) => Promise<Estimate | null>;

/** What the scorer uses of a Worker: the DOM's in the browser, a stand-in in tests. */
export interface ScoreWorker {
  postMessage(request: ScoreRequest): void;
  addEventListener(type: 'message', listener: (event: { readonly data: ScoreReply }) => void): void;
  addEventListener(type: 'error', listener: () => void): void;
  terminate(): void;
}

/**
 * zxcvbn in a Web Worker (`startWorker`), whose 1.7 MB of dictionaries would take a second or more
 * to build on the page's own thread on a slow device, holding up typing and the form's requests.
 *
 * - Where no worker can be made at all (`startWorker` throws: an old browser), it runs on this
 *   thread instead (`onThisThread`): there is no other way to score, and no stall was promised.
 * - Where the worker was made but fails (its script or chunks refused, say by a policy a proxy in
 *   front of the site adds to `/_next/*`, or it throws), it does not: the requests waiting and every
 *   later one get null, so the page keeps to the rules instead of stalling without a word.
 */
export function createScorer(startWorker: () => ScoreWorker, onThisThread: (password: string, userInputs: readonly string[]) => Promise<Estimate>): Scorer {
  let worker: ScoreWorker;
  try {
    worker = startWorker();
  } catch {
    return onThisThread;
  }
  let failed = false;
  let lastId = 0;
  const waiting = new Map<number, (estimate: Estimate | null) => void>();
  worker.addEventListener('message', ({ data: { id, score, warning, suggestions } }) => {
    waiting.get(id)?.({ score, warning, suggestions });
    waiting.delete(id);
  });
  worker.addEventListener('error', () => {
    failed = true;
    worker.terminate();
    for (const resolve of waiting.values()) resolve(null);
    waiting.clear();
  });
  return (password, userInputs) =>
    failed
      ? Promise.resolve(null)
      : new Promise((resolve) => {
          const request: ScoreRequest = { id: ++lastId, password, userInputs };
          waiting.set(request.id, resolve);
          worker.postMessage(request);
        });
}
