import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';
import commonPasswords from './common-passwords.json';
import { commonPasswordKey } from './strength';
import type { Estimator } from './strength';

/**
 * zxcvbn with its English dictionaries, and the API's own list of common passwords. Large (about
 * 1.5 MB before compression), so pages load it with import() once a password field is used, never
 * with the page itself (see components/password-strength.tsx).
 */
const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...commonDictionary, ...englishDictionary },
  graphs: adjacencyGraphs,
  translations,
});

const common = new Set(commonPasswords.map(commonPasswordKey));

export const estimator: Estimator = {
  isCommon: (password) => common.has(commonPasswordKey(password)),
  estimate: (password, userInputs) => {
    const result = zxcvbn.check(password, [...userInputs]);
    return { score: result.score, warning: result.feedback.warning, suggestions: result.feedback.suggestions };
  },
};
