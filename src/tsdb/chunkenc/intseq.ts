/**
 * The block chunk's integer-sequence section, used for timestamps and for decimal-scaled values:
 * first integer, then deltas divided by their GCD, minus their median, zigzagged and Rice-coded.
 * A constant step (timestamps, idle counters, constants) costs no bits per sample.
 * Inputs are integers with |x| ≤ 2^50 (checked by the caller).
 */
import type { BitReader, BitWriter } from './bitstream.js';
import { ALL_ZERO, chooseRiceParam, MAX_RICE_K, readRiceRun, writeRice, zigzag } from './rice.js';

let deltas = new Float64Array(1024);
let medianScratch = new Float64Array(1024);

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/**
 * Returns the k-th smallest of a[0..n) (0-based), reordering `a`: Hoare's selection, O(n) on average, where a full
 * sort was the encoder's largest cost.
 */
export function selectKth(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const x = a[i]!;
        a[i] = a[j]!;
        a[j] = x;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Writes x[from..from+n), n ≥ 1. */
export function writeIntSeq(w: BitWriter, x: Float64Array, from: number, n: number): void {
  w.writeVarint(x[from]!);
  if (n === 1) return;
  const nd = n - 1;
  if (deltas.length < nd) {
    let c = deltas.length;
    while (c < nd) c *= 2;
    deltas = new Float64Array(c);
    medianScratch = new Float64Array(c);
  }
  let g = 0;
  for (let i = 0; i < nd; i++) {
    const d = x[from + i + 1]! - x[from + i]!;
    deltas[i] = d;
    if (g !== 1) g = gcd(g, d < 0 ? -d : d); // once 1, always 1: skip the float modulo
  }
  w.writeUvarint(g);
  if (g === 0) return;
  if (g !== 1) for (let i = 0; i < nd; i++) deltas[i]! /= g;
  medianScratch.set(deltas.subarray(0, nd));
  const m = selectKth(medianScratch, nd, (nd - 1) >>> 1);
  w.writeVarint(m);
  for (let i = 0; i < nd; i++) deltas[i] = zigzag(deltas[i]! - m);
  const k = chooseRiceParam(deltas, nd);
  w.writeByte(k);
  if (k === ALL_ZERO) return;
  for (let i = 0; i < nd; i++) writeRice(w, deltas[i]!, k);
  w.align();
}

/** Reads n ≥ 1 integers written by writeIntSeq into dst[at..at+n). */
export function readIntSeq(r: BitReader, dst: Float64Array, at: number, n: number): void {
  let x = r.readVarint();
  dst[at] = x;
  if (n === 1) return;
  const end = at + n;
  const g = r.readUvarint();
  if (g === 0) {
    dst.fill(x, at + 1, end);
    return;
  }
  const m = r.readVarint();
  const k = r.readByte();
  if (k === ALL_ZERO) {
    const step = m * g;
    for (let i = at + 1; i < end; i++) dst[i] = x += step;
    return;
  }
  if (k > MAX_RICE_K) r.fail(`Rice parameter ${k} exceeds ${MAX_RICE_K}`);
  // Deltas first, then a prefix sum: keeping the running sum out of the decoding loop keeps V8 from boxing it.
  readRiceRun(r, dst, at + 1, end, k, m, g);
  for (let i = at + 1; i < end; i++) dst[i] = x += dst[i]!;
  r.align();
}
