'use client';

import { useEffect, useState } from 'react';
import { createScorer } from '@/lib/password/scorer';
import type { Scorer } from '@/lib/password/scorer';
import { checkRules, scored as toAssessment } from '@/lib/password/strength';
import type { Assessment } from '@/lib/password/strength';

type IsCommon = (password: string) => boolean;

// The API's common-password list (about 100 KB): fetched on the first keystroke, once per page.
let listLoading: Promise<IsCommon> | undefined;
const loadList = () =>
  (listLoading ??= import('@/lib/password/common-list').then(
    (module) => module.isCommon,
    (error: unknown) => {
      listLoading = undefined; // a failed chunk load (offline) may succeed on the next keystroke
      throw error;
    },
  ));

/** The list check, once `wanted` (the visitor started typing a password); null until loaded. */
function useCommonList(wanted: boolean): IsCommon | null {
  const [isCommon, setIsCommon] = useState<IsCommon | null>(null);
  useEffect(() => {
    if (!wanted || isCommon) return;
    let live = true;
    loadList().then(
      (loaded) => live && setIsCommon(() => loaded),
      () => undefined, // the length rules still show; the API has the last word anyway
    );
    return () => {
      live = false;
    };
  }, [wanted, isCommon]);
  return isCommon;
}

const onThisThread = async (password: string, userInputs: readonly string[]) =>
  (await import('@/lib/password/estimator')).estimator.estimate(password, userInputs);

let scorer: Scorer | undefined;

/** One scorer per page, its worker started on the first password that the rules allow (lib/password/scorer.ts). */
const getScorer = (): Scorer =>
  (scorer ??= createScorer(() => new Worker(new URL('../lib/password/strength-worker.ts', import.meta.url), { type: 'module' }), onThisThread));

/** The ids a strength meter for field `name` uses; the input lists them in aria-describedby. */
export const strengthIds = (fieldId: string) => ({ verdict: `${fieldId}-strength`, advice: `${fieldId}-advice` });

interface PasswordStrengthProps {
  /** The id of the password input it describes. */
  readonly fieldId: string;
  readonly password: string;
  /** Words of the account that make a password guessable (its username, its email). */
  readonly userInputs: readonly string[];
  /** On a change, the current password, which the API refuses as the new one. */
  readonly current?: string;
}

const SCORE_DELAY_MS = 150;

/**
 * Live feedback as a password is typed: the API's rules (length, the common-password list, not
 * the current one), then zxcvbn's estimate. The verdict ("Too short", "Good") is a polite live
 * region; the advice under it is read with the field's description, not on every keystroke.
 */
export function PasswordStrength({ fieldId, password, userInputs, current = '' }: PasswordStrengthProps) {
  const isCommon = useCommonList(password.length > 0);
  // The rules at once, on every keystroke: a refused password is never shown with an old score.
  const ruled = checkRules(password, { current }, isCommon ? { isCommon } : null);
  const allowed = ruled === null;
  const inputs = userInputs.filter((input) => input.length > 0).join('\n');
  const [estimate, setEstimate] = useState<Assessment | null>(null);

  // zxcvbn once typing pauses, and never again on renders that change nothing (submit, busy...).
  useEffect(() => {
    if (!allowed) return;
    let live = true;
    const timer = setTimeout(() => {
      void getScorer()(password, inputs ? inputs.split('\n') : []).then((result) => live && setEstimate(result ? toAssessment(result) : { kind: 'unscored' }));
    }, SCORE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [password, inputs, allowed]);

  // While the next score is coming, the last one stands (it was of an allowed password, too).
  const assessment: Assessment = ruled ?? estimate ?? { kind: 'pending' };
  const ids = strengthIds(fieldId);
  const { verdict, advice, level } = describe(assessment);
  return (
    <div className="strength" data-level={level} data-empty={assessment.kind === 'empty' || undefined} data-refused={assessment.kind === 'refused' || undefined}>
      <div className="strength-bar" aria-hidden="true">
        {[1, 2, 3, 4].map((segment) => (
          <span key={segment} data-filled={segment <= level || undefined} />
        ))}
      </div>
      <p className="strength-verdict">
        <span id={ids.verdict} aria-live="polite">
          {verdict}
        </span>
      </p>
      <p id={ids.advice} className="strength-advice">
        {advice}
      </p>
    </div>
  );
}

/** What the meter shows: a verdict, a line of advice, and 0–4 filled segments. */
function describe(assessment: Assessment): { verdict: string; advice: string; level: number } {
  switch (assessment.kind) {
    case 'empty':
      return { verdict: '', advice: '', level: 0 };
    case 'pending':
      return { verdict: 'Checking strength…', advice: '', level: 0 };
    case 'refused':
      return { verdict: REFUSED_VERDICTS[assessment.reason], advice: assessment.message, level: 1 };
    case 'unscored':
      return { verdict: 'Meets the rules', advice: 'No strength estimate here: a long phrase of unrelated words is hard to guess.', level: 0 };
    case 'scored':
      // zxcvbn's 0 and 1 both fill one segment: an allowed password is never shown as nothing.
      return { verdict: `Strength: ${assessment.label}`, advice: assessment.advice ?? '', level: Math.max(1, assessment.score) };
  }
}

const REFUSED_VERDICTS = {
  'too-short': 'Too short',
  'too-long': 'Too long',
  common: 'Too common',
  unchanged: 'Same as the current password',
} as const;
