import { vi } from 'vitest';

/**
 * Collects what the process writes to stdout and stderr, line by line, until `restore()`: Powertools writes
 * WARN and ERROR lines to stderr, the rest to stdout, and a check on log lines must see both.
 */
export function captureOutput(lines: string[]): { restore(): void } {
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}
