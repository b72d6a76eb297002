/**
 * Deterministic random numbers for the synthetic data: mulberry32 streams seeded from a number
 * and a name, so each series draws from its own stream and its figures do not change when
 * other series are added or left out.
 *
 * @module
 */

/** A source of uniform numbers in `[0, 1)`. */
export type Random = () => number;

/**
 * mulberry32: a 32-bit generator, fast and good enough for test data.
 *
 * @param seed Any number; its low 32 bits are used.
 * @returns The stream.
 */
export function mulberry32(seed: number): Random {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stream for one named thing under a seed (FNV-1a of the name, mixed with the seed).
 *
 * @param seed The data set's seed.
 * @param name What the stream is for, e.g. `"icmp/vienna/eth0"`.
 * @returns The stream.
 */
export function streamFor(seed: number, name: string): Random {
  let hash = 0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1);
  for (let i = 0; i < name.length; i++) {
    hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  }
  return mulberry32(hash);
}

/**
 * An exponentially distributed number.
 *
 * @param random The stream.
 * @param mean The mean (also the mean absolute difference of two draws).
 * @returns The draw.
 */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}
