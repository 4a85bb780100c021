import { estimator } from './estimator';
import type { ScoreReply, ScoreRequest } from './strength-protocol';

// zxcvbn off the main thread: building its dictionaries and each check take long enough on a slow
// device to hold up typing and the form's own requests.
self.addEventListener('message', (event: MessageEvent<ScoreRequest>) => {
  const { id, password, userInputs } = event.data;
  const reply: ScoreReply = { id, ...estimator.estimate(password, userInputs) };
  self.postMessage(reply);
});
