/** A fetch that answers from a queue and counts its calls. */
export function fakeFetch(...answers: (() => Response | Promise<Response>)[]) {
  const calls: string[] = [];
  const fetchImpl = (async (input: URL | RequestInfo) => {
    calls.push(String(input));
    const next = answers.shift();
    if (!next) throw new Error('no answer queued');
    return next();
  }) as typeof fetch;
  return { fetchImpl, calls };
}

/** An answer with this JSON body. */
export const json = (body: unknown, status = 200) => () => Response.json(body, { status });

/** No answer: what fetch does when the API is down. */
export const refused = () => {
  throw new TypeError('fetch failed');
};
