// The CLI in-process, its output captured: what an operator's terminal would show, and the exit code.
import { type CliIo, runCli } from '../../lib/cli/main.ts';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `bulkpilot <args>` with this environment; `sleep` is what a wait between reads does (nothing, or a tick of a harness). */
export async function runCliCaptured(
  args: string[],
  options: { env: Record<string, string | undefined>; now: () => number; sleep?: (ms: number) => Promise<void>; stdin?: string },
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env: options.env,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readStdin: () => options.stdin ?? '',
    sleep: options.sleep ?? (async () => {}),
    now: options.now,
    isTty: false,
  };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
