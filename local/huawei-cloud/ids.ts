import { seededRandom } from '../../lib/random.ts';

const HEX = '0123456789abcdef';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Identifiers drawn from a seeded RNG, so a run with a given seed hands out the same request ids,
 * tokens and task ids every time. Each consumer gets its own stream (see `stream`), so adding a request
 * does not shift, say, which cluster a random create picks.
 */
export class IdSource {
  readonly #seed: number;
  #random: () => number;
  #draws = 0;

  constructor(seed: number) {
    this.#seed = seed >>> 0;
    this.#random = seededRandom(this.#seed);
  }

  reset(): void {
    this.#random = seededRandom(this.#seed);
    this.#draws = 0;
  }

  /** How far the stream has gone: saved with the state, so a restored simulator hands out no id twice. */
  get draws(): number {
    return this.#draws;
  }

  /** Goes on from where a saved stream stopped (the same seed gives the same stream; another seed another one anyway). */
  skipTo(draws: number): void {
    this.reset();
    while (this.#draws < draws) this.next();
  }

  /** 0..1, like Math.random. */
  next(): number {
    this.#draws += 1;
    return this.#random();
  }

  int(maxExclusive: number): number {
    return Math.min(maxExclusive - 1, Math.floor(this.next() * maxExclusive));
  }

  hex(length: number): string {
    return this.#pick(HEX, length);
  }

  alnum(length: number): string {
    return this.#pick(ALNUM, length);
  }

  base64(length: number): string {
    return this.#pick(BASE64, length);
  }

  digits(length: number): string {
    return this.#pick('0123456789', length);
  }

  #pick(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

/** Independent sources derived from one seed. */
export function idStreams(seed: number): { requests: IdSource; objects: IdSource; placement: IdSource } {
  return {
    requests: new IdSource(seed + 1),
    objects: new IdSource(seed + 2),
    placement: new IdSource(seed + 3),
  };
}
