// What a platform's mutation generator (mutations-<platform>.ts) gives the one mutation suite
// (mutations.security.test.ts): deterministic mutated requests that must all be refused, the pristine request they
// were made from, the signature headers / parameters sent twice, and the cases only that platform has.
import type { LightMyRequestResponse } from 'fastify';
import type { Db } from '../../src/db/client.js';
import type { FaultApp } from '../faults/harness.js';

type Injector = Pick<FaultApp, 'inject'>;

/** One request to send; `expect` lists the statuses it must get (any 4xx when not given). */
export interface FuzzCase {
  label: string;
  expect?: number[];
  send(app: Injector): Promise<LightMyRequestResponse>;
  /** The request as it went on the wire (shortened), for failure messages. */
  describe(): string;
}

export interface Fuzzer {
  /** The budget of the 10,000-mutation case, ms. */
  timeoutMs: number;
  /** Builds the unmutated requests (fresh timestamps and signatures): call once the app is up. */
  prepare(): void;
  /** `total` deterministic mutations (the same every run). */
  mutations(total: number): FuzzCase[];
  /** The first unmutated request, as it was built: it must still have its effect after its mutants. */
  pristine(): FuzzCase;
  /** What `duplicated()` sends, for the case's name. */
  duplicatedLabel: string;
  /** Each signature header or query parameter sent twice. */
  duplicated(): FuzzCase[];
  /** When the duplicates' answers are fixed exactly (`<label> → <status>`), not just "a 4xx". */
  duplicatedExact?: string[];
  /** Cases only this platform has: [name, body]. */
  own: Array<[string, (app: FaultApp, db: Db) => Promise<void>]>;
}
