// DomainError: the closed set of failures services report. Each carries the finished, polite Chinese sentence the
// user reads (`userMessage`, written where the rule is checked, with the values that explain it); the code lets
// callers react to the kind of failure (e.g. a card click on a closed request shows the current card). There is no
// separate message catalogue.
export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'AMBIGUOUS'
  | 'NOT_ALLOWED'
  | 'INVALID_INPUT'
  | 'STAGE_CRITERIA_UNMET'
  | 'ALREADY_DECIDED'
  | 'ALREADY_CLOSED'
  | 'NO_APPROVER'
  | 'DUPLICATE'
  | 'MERGED';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    /** A complete, user-facing Chinese sentence saying what is wrong and what to do. */
    readonly userMessage: string,
    readonly params: Record<string, unknown> = {},
  ) {
    super(`${code}: ${userMessage}`);
    this.name = 'DomainError';
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
