import { describe, expect, it } from 'vitest';
import { createScorer } from './scorer';
import type { Estimate, ScoreWorker } from './scorer';
import type { ScoreReply, ScoreRequest } from './strength-protocol';

/** A worker stand-in: it records what was posted, and the test answers or fails it. */
class FakeWorker implements ScoreWorker {
  readonly posted: ScoreRequest[] = [];
  terminated = false;
  private readonly onMessage: ((event: { readonly data: ScoreReply }) => void)[] = [];
  private readonly onError: (() => void)[] = [];

  postMessage(request: ScoreRequest): void {
    this.posted.push(request);
  }
  addEventListener(type: 'message' | 'error', listener: ((event: { readonly data: ScoreReply }) => void) | (() => void)): void {
    if (type === 'message') this.onMessage.push(listener as (event: { readonly data: ScoreReply }) => void);
    else this.onError.push(listener as () => void);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(reply: ScoreReply): void {
    for (const listener of this.onMessage) listener({ data: reply });
  }
  fail(): void {
    for (const listener of this.onError) listener();
  }
}

const strong: Estimate = { score: 4, warning: null, suggestions: [] };
const weak: Estimate = { score: 1, warning: 'This is similar to a commonly used password.', suggestions: ['Add more words.'] };
const notOnThisThread = () => Promise.reject(new Error('zxcvbn must not run on the page thread while a worker exists'));

describe('createScorer', () => {
  it('sends each password to the worker and gives each caller the answer to its own request', async () => {
    const worker = new FakeWorker();
    const score = createScorer(() => worker, notOnThisThread);

    const first = score('first password', ['violet-harbor']);
    const second = score('second password', []);
    expect(worker.posted).toEqual([
      { id: 1, password: 'first password', userInputs: ['violet-harbor'] },
      { id: 2, password: 'second password', userInputs: [] },
    ]);
    // Answered out of order: each promise still gets its own.
    worker.reply({ id: 2, ...weak });
    worker.reply({ id: 1, ...strong });

    expect(await first).toEqual(strong);
    expect(await second).toEqual(weak);
  });

  it('after the worker fails, answers null (the rules alone) and never scores on the page thread', async () => {
    const worker = new FakeWorker();
    let onThisThread = 0;
    const score = createScorer(
      () => worker,
      () => {
        onThisThread++;
        return Promise.resolve(strong);
      },
    );

    const waiting = score('typed before the failure', []);
    worker.fail();

    expect(await waiting).toBeNull();
    expect(await score('typed after the failure', [])).toBeNull();
    expect(worker.posted.map((request) => request.password)).toEqual(['typed before the failure']);
    expect(worker.terminated).toBe(true);
    expect(onThisThread).toBe(0);
  });

  it('where no worker can be made at all, scores on the page thread', async () => {
    const seen: string[] = [];
    const score = createScorer(
      () => {
        throw new Error('Worker is not defined');
      },
      (password) => {
        seen.push(password);
        return Promise.resolve(weak);
      },
    );

    expect(await score('no worker here', [])).toEqual(weak);
    expect(seen).toEqual(['no worker here']);
  });
});
