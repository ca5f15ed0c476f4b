import { describe, expect, it } from 'vitest';
import { apiTime, parseTimeArg } from './time.js';
import { UsageError } from './errors.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('parseTimeArg', () => {
  it('reads now and times relative to now', () => {
    expect(parseTimeArg('now', NOW)).toBe(NOW);
    expect(parseTimeArg('-1h', NOW)).toBe(Date.parse('2026-11-25T11:00:00Z'));
    expect(parseTimeArg('-1h30m', NOW)).toBe(Date.parse('2026-11-25T10:30:00Z'));
    expect(parseTimeArg('now-15m', NOW)).toBe(Date.parse('2026-11-25T11:45:00Z'));
    expect(parseTimeArg('+5m', NOW)).toBe(Date.parse('2026-11-25T12:05:00Z'));
    expect(parseTimeArg('-2d', NOW)).toBe(Date.parse('2026-11-23T12:00:00Z'));
  });

  it('reads unix seconds, with a fraction kept to the millisecond', () => {
    expect(parseTimeArg('1700000000', NOW)).toBe(1_700_000_000_000);
    expect(parseTimeArg('1700000000.25', NOW)).toBe(1_700_000_000_250);
    expect(parseTimeArg('0', NOW)).toBe(0);
  });

  it('reads RFC 3339 with a zone', () => {
    expect(parseTimeArg('2026-11-25T13:00:00+01:00', NOW)).toBe(NOW);
    expect(parseTimeArg('2026-11-25T12:00:00Z', NOW)).toBe(NOW);
    expect(parseTimeArg('2026-11-25T12:00:00.5Z', NOW)).toBe(NOW + 500);
  });

  it('rejects anything else as a usage error naming the accepted forms', () => {
    for (const bad of ['', 'yesterday', '-1x', '1h', '2026-11-25', '2026-11-25T12:00:00', '-', 'now-', '12e3']) {
      expect(() => parseTimeArg(bad, NOW), bad).toThrow(UsageError);
    }
    expect(() => parseTimeArg('soon', NOW)).toThrow(/cannot parse "soon" as a time: use RFC 3339/);
  });
});

describe('apiTime', () => {
  it('writes unix seconds with the milliseconds as decimals', () => {
    expect(apiTime(1_700_000_000_000)).toBe('1700000000');
    expect(apiTime(1_700_000_000_250)).toBe('1700000000.25');
  });
});
