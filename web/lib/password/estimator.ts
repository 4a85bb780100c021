import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';
import { isCommon } from './common-list';
import type { Estimator } from './strength';

/**
 * zxcvbn with its English dictionaries, and the API's own list of common passwords. Large (about
 * 1.7 MB, and a second or more to build its dictionaries on a slow device), so pages run it in a
 * Web Worker (strength-worker.ts), loaded once a password field is used, never with the page.
 */
const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...commonDictionary, ...englishDictionary },
  graphs: adjacencyGraphs,
  translations,
  // The API's own limit; zxcvbn's time grows with length.
  maxLength: 128,
});

export const estimator: Estimator = {
  isCommon,
  estimate: (password, userInputs) => {
    const result = zxcvbn.check(password, [...userInputs]);
    return { score: result.score, warning: result.feedback.warning, suggestions: result.feedback.suggestions };
  },
};
