/**
 * Helpers of the chart tests: a small synthetic store, and a PNG reader to check what was
 * drawn (the files' own pixels, not resvg's buffer).
 *
 * @module
 */
import { inflateSync } from "node:zlib";
import { Store } from "../store/mod.ts";
import { writeSyntheticData } from "../synthetic/generate.ts";
import type { Rect } from "./types.ts";

/** End of the synthetic data of the tests. */
export const TEST_END = Date.UTC(2026, 9, 31);

let shared: Store | undefined;

/**
 * A store with three days of synthetic data, one probe every 30 s, made once per test file.
 *
 * @returns The store (left open for the process).
 */
export function syntheticStore(): Store {
  if (shared === undefined) {
    shared = Store.open(":memory:");
    writeSyntheticData(shared, { days: 3, intervalMs: 30_000, end: TEST_END });
  }
  return shared;
}

/** A decoded PNG: 8-bit RGBA pixels, row after row. */
export interface DecodedPng {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Four bytes per pixel. */
  rgba: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads the size from a PNG's IHDR chunk.
 *
 * @param bytes The file.
 * @returns Width and height.
 * @throws {Error} When the bytes are not a PNG.
 */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (!SIGNATURE.every((byte, i) => bytes[i] === byte)) throw new Error("Not a PNG file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = new TextDecoder().decode(bytes.subarray(12, 16));
  if (type !== "IHDR") throw new Error(`First chunk is "${type}": expected "IHDR"`);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what resvg writes).
 *
 * @param bytes The file.
 * @returns Its pixels as RGBA.
 * @throws {Error} For other kinds of PNG.
 */
export function decodePng(bytes: Uint8Array): DecodedPng {
  const { width, height } = pngSize(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const depth = bytes[24];
  const colorType = bytes[25];
  const interlace = bytes[28];
  if (depth !== 8 || (colorType !== 6 && colorType !== 2) || interlace !== 0) {
    throw new Error(`Unsupported PNG: depth ${depth}, colour type ${colorType}`);
  }
  const channels = colorType === 6 ? 4 : 3;
  const data: Uint8Array[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    if (type === "IDAT") data.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const joined = new Uint8Array(data.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of data) {
    joined.set(part, offset);
    offset += part.length;
  }
  const raw = new Uint8Array(inflateSync(joined));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const above = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? out[x - channels]! : 0;
      const up = above[x]!;
      const upLeft = x >= channels ? above[x - channels]! : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) predicted = paeth(left, up, upLeft);
      out[x] = (line[x]! + predicted) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: pixels };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set(pixels.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * What data is drawn inside a rectangle: the share of coloured pixels (channels at least 40
 * apart, so white background, grey grid lines and black text do not count) and how many
 * distinct colours there are (channels rounded to 32 levels).
 *
 * @param png Decoded pixels.
 * @param area The rectangle.
 * @returns Share of coloured pixels (0 to 1) and colour count.
 */
export function drawnPixels(png: DecodedPng, area: Rect): { share: number; colors: number } {
  const colors = new Set<number>();
  let drawn = 0;
  let total = 0;
  const x0 = Math.max(0, Math.floor(area.x));
  const y0 = Math.max(0, Math.floor(area.y));
  const x1 = Math.min(png.width, Math.ceil(area.x + area.width));
  const y1 = Math.min(png.height, Math.ceil(area.y + area.height));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      const [r, g, b] = [png.rgba[i]!, png.rgba[i + 1]!, png.rgba[i + 2]!];
      total++;
      if (Math.max(r, g, b) - Math.min(r, g, b) < 40) continue;
      drawn++;
      colors.add(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3));
    }
  }
  return { share: total > 0 ? drawn / total : 0, colors: colors.size };
}
