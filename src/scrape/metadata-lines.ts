/**
 * The HELP, TYPE and UNIT lines of one target's last body, by position, with the strings decoded from them. A target
 * repeats the same metadata scrape after scrape, so a line whose raw bytes equal the line at the same position of
 * the previous body takes the strings decoded then: no string is made per scrape for metadata that did not change.
 */
import { Entry, type ExpositionParser } from './parse/index.js';
import { resized } from '../model/typed-arrays.js';

export class MetadataLines {
  /** Per position in the current body: the family name the line names. Valid for positions below `note`'s. */
  readonly family: string[] = [];
  /** Per position: the help text or unit (escapes resolved); '' for a TYPE line (its type is not a new string). */
  readonly text: string[] = [];

  /** Raw spans (family name to end of text) of the previous body's lines back to back, and of this body's. */
  private prevBytes = new Uint8Array(4096);
  private curBytes = new Uint8Array(4096);
  /** Per position: start of its span in the bytes above (plus the end as the next entry), and its kind tag. */
  private prevOff = new Int32Array(65);
  private curOff = new Int32Array(65);
  private prevTag = new Uint8Array(65);
  private curTag = new Uint8Array(65);
  private prevCount = 0;
  private count = 0;

  /** Starts a new body: the lines noted since the last call become the ones compared against. */
  begin(): void {
    let t = this.prevBytes;
    this.prevBytes = this.curBytes;
    this.curBytes = t;
    const o = this.prevOff;
    this.prevOff = this.curOff;
    this.curOff = o;
    t = this.prevTag;
    this.prevTag = this.curTag;
    this.curTag = t;
    this.prevCount = this.count;
    this.count = 0;
    this.curOff[0] = 0;
  }

  /**
   * Records the parser's current entry, a Help, Type or Unit line of `body` (`kind`; `openMetrics` for that
   * format, whose HELP escapes differ), as the next position, and returns that position. `family[pos]` and
   * `text[pos]` then hold its strings: the ones of the previous body's line at `pos` if the raw bytes, kind and
   * format are the same, else newly decoded.
   */
  note(p: ExpositionParser, body: Uint8Array, kind: Entry, openMetrics: boolean): number {
    const s = p.metadataStart(), e = p.metadataEnd(), len = e - s;
    const tag = kind | (openMetrics ? 8 : 0);
    const pos = this.count++;
    if (pos + 2 > this.curOff.length) {
      this.curOff = resized(this.curOff, 2 * this.curOff.length);
      this.curTag = resized(this.curTag, this.curOff.length);
    }
    const at = this.curOff[pos]!;
    if (at + len > this.curBytes.length) {
      let c = 2 * this.curBytes.length;
      while (at + len > c) c *= 2;
      this.curBytes = resized(this.curBytes, c);
    }
    this.curOff[pos + 1] = at + len;
    this.curTag[pos] = tag;
    // Copy the span, comparing it with the previous body's line at the same position on the way.
    const cur = this.curBytes, prev = this.prevBytes;
    let same = pos < this.prevCount && this.prevTag[pos] === tag && this.prevOff[pos + 1]! - this.prevOff[pos]! === len;
    const d = this.prevOff[pos]! - s, o = at - s;
    for (let i = s; i < e; i++) {
      const x = body[i]!;
      cur[o + i] = x;
      if (same && prev[d + i] !== x) same = false;
    }
    if (!same) {
      this.family[pos] = p.family();
      this.text[pos] = kind === Entry.Help ? p.help() : kind === Entry.Unit ? p.unit() : '';
    }
    return pos;
  }
}
