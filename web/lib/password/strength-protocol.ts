import type { Score } from './strength';

/** What a page asks the strength worker. */
export interface ScoreRequest {
  readonly id: number;
  readonly password: string;
  readonly userInputs: readonly string[];
}

/** The worker's answer to request `id`. */
export interface ScoreReply {
  readonly id: number;
  readonly score: Score;
  readonly warning: string | null;
  readonly suggestions: readonly string[];
}
