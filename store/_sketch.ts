/**
 * A mergeable quantile sketch with a bounded relative error (the DDSketch idea): values fall
 * into logarithmic bins `(γ^(k-1), γ^k]` with `γ = (1 + α) / (1 - α)`, and a bin stands for
 * `2γ^k / (γ + 1)`, which is within `α` (1 %) of every value in it. Negative values use the
 * same bins mirrored; values closer to zero than {@linkcode ZERO_LIMIT} count as zero. Merging
 * adds bin counts, so per-minute sketches combine into hours, days and periods with the same
 * error bound.
 *
 * Private to the store: the rollups keep one encoded sketch per series and bucket.
 *
 * @module
 */

/** The relative error of a bin's value: 1 %. */
export const RELATIVE_ACCURACY = 0.01;
/** Values with `|v|` below this count as zero. */
export const ZERO_LIMIT = 1e-9;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
/** Smallest and largest bin keys; values beyond 1e12 land in the last bin. */
const MIN_KEY = Math.ceil(Math.log(ZERO_LIMIT) / LN_GAMMA);
const MAX_KEY = Math.ceil(Math.log(1e12) / LN_GAMMA);
const SLOTS = MAX_KEY - MIN_KEY + 1;

/** One bin of a sketch: values in `[lower, upper]` (both 0 for the zero bin). */
export interface SketchBin {
  /** Smallest value of the bin (for a negative bin, its most negative end). */
  lower: number;
  /** Largest value of the bin. */
  upper: number;
  /** The value the bin stands for. */
  value: number;
  /** How many values fell into it. */
  count: number;
}

/** Bin key of a positive value. */
function keyOf(magnitude: number): number {
  const key = Math.ceil(Math.log(magnitude) / LN_GAMMA);
  return key < MIN_KEY ? MIN_KEY : key > MAX_KEY ? MAX_KEY : key;
}

/** The value bin `key` stands for (positive side). */
function valueOf(key: number): number {
  return 2 * GAMMA ** key / (GAMMA + 1);
}

/** Bin counts of one sign, dense over every key, with the touched key range tracked. */
class Side {
  counts = new Float64Array(SLOTS);
  low = SLOTS;
  high = -1;
  total = 0;

  add(slot: number, count: number): void {
    this.counts[slot]! += count;
    this.total += count;
    if (slot < this.low) this.low = slot;
    if (slot > this.high) this.high = slot;
  }

  clear(): void {
    if (this.high >= this.low) this.counts.fill(0, this.low, this.high + 1);
    this.low = SLOTS;
    this.high = -1;
    this.total = 0;
  }
}

/**
 * The sketch. `add` and `mergeEncoded` accumulate; `valueAtRank` reads; `encode` stores.
 */
export class LogSketch {
  #positive = new Side();
  #negative = new Side();
  #zero = 0;

  /** @returns How many values it holds. */
  get count(): number {
    return this.#positive.total + this.#negative.total + this.#zero;
  }

  /**
   * Adds one value.
   *
   * @param value A finite number.
   */
  add(value: number): void {
    if (value > ZERO_LIMIT) this.#positive.add(keyOf(value) - MIN_KEY, 1);
    else if (value < -ZERO_LIMIT) this.#negative.add(keyOf(-value) - MIN_KEY, 1);
    else this.#zero++;
  }

  /** Empties it, keeping its memory. */
  clear(): void {
    this.#positive.clear();
    this.#negative.clear();
    this.#zero = 0;
  }

  /**
   * The value standing for the `rank`-th smallest value (0-based), within 1 % of it.
   *
   * @param rank From 0 to `count - 1`.
   * @returns The bin value, `NaN` when the sketch is empty.
   */
  valueAtRank(rank: number): number {
    let seen = 0;
    const negative = this.#negative;
    for (let slot = negative.high; slot >= negative.low; slot--) {
      seen += negative.counts[slot]!;
      if (rank < seen) return -valueOf(slot + MIN_KEY);
    }
    seen += this.#zero;
    if (rank < seen) return 0;
    const positive = this.#positive;
    for (let slot = positive.low; slot <= positive.high; slot++) {
      seen += positive.counts[slot]!;
      if (rank < seen) return valueOf(slot + MIN_KEY);
    }
    return this.count === 0 ? Number.NaN : valueOf(positive.high + MIN_KEY);
  }

  /**
   * The non-empty bins, from the most negative to the largest value.
   *
   * @returns The bins.
   */
  bins(): SketchBin[] {
    const out: SketchBin[] = [];
    const negative = this.#negative;
    for (let slot = negative.high; slot >= negative.low; slot--) {
      const count = negative.counts[slot]!;
      const key = slot + MIN_KEY;
      if (count > 0) {
        out.push({
          lower: -(GAMMA ** key),
          upper: -(GAMMA ** (key - 1)),
          value: -valueOf(key),
          count,
        });
      }
    }
    if (this.#zero > 0) out.push({ lower: 0, upper: 0, value: 0, count: this.#zero });
    const positive = this.#positive;
    for (let slot = positive.low; slot <= positive.high; slot++) {
      const count = positive.counts[slot]!;
      const key = slot + MIN_KEY;
      if (count > 0) {
        out.push({ lower: GAMMA ** (key - 1), upper: GAMMA ** key, value: valueOf(key), count });
      }
    }
    return out;
  }

  /**
   * Encodes the bins compactly: unsigned LEB128 varints `zero, positives, negatives`, each
   * side as `bins, then (key delta, count)` pairs with zigzag key deltas.
   *
   * @returns The bytes.
   */
  encode(): Uint8Array {
    const out = new VarintWriter();
    out.write(this.#zero);
    for (const side of [this.#positive, this.#negative]) {
      let bins = 0;
      for (let slot = side.low; slot <= side.high; slot++) if (side.counts[slot]! > 0) bins++;
      out.write(bins);
      let previous = 0;
      for (let slot = side.low; slot <= side.high; slot++) {
        const count = side.counts[slot]!;
        if (count === 0) continue;
        const key = slot + MIN_KEY;
        out.write(zigzag(key - previous));
        out.write(count);
        previous = key;
      }
    }
    return out.bytes();
  }

  /**
   * Adds the bins of an encoded sketch to this one.
   *
   * @param bytes What {@linkcode encode} returned.
   * @throws {RangeError} When the bytes are cut short.
   */
  mergeEncoded(bytes: Uint8Array): void {
    const reader = new VarintReader(bytes);
    this.#zero += reader.read();
    for (const side of [this.#positive, this.#negative]) {
      const bins = reader.read();
      let key = 0;
      for (let i = 0; i < bins; i++) {
        key += unzigzag(reader.read());
        side.add(key - MIN_KEY, reader.read());
      }
    }
  }
}

function zigzag(value: number): number {
  return value < 0 ? -2 * value - 1 : 2 * value;
}

function unzigzag(value: number): number {
  return value % 2 === 1 ? -(value + 1) / 2 : value / 2;
}

/** Appends unsigned LEB128 varints (whole numbers up to 2^53) to a growing buffer. */
class VarintWriter {
  #buffer = new Uint8Array(64);
  #length = 0;

  write(value: number): void {
    if (this.#length + 8 > this.#buffer.length) {
      const grown = new Uint8Array(this.#buffer.length * 2);
      grown.set(this.#buffer);
      this.#buffer = grown;
    }
    let rest = value;
    while (rest >= 0x80) {
      this.#buffer[this.#length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#buffer[this.#length++] = rest;
  }

  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }
}

/** Reads what {@linkcode VarintWriter} wrote. */
class VarintReader {
  #bytes: Uint8Array;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  read(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.#bytes[this.#at++];
      if (byte === undefined) throw new RangeError("Sketch bytes end in the middle of a number");
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  }
}
