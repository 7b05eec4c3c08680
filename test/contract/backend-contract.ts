// The contract every backend module passes against its own simulator: what the generic code relies on.
// A backend's contract test supplies a subject (its module's connection, its simulator, how to put a job
// in each documented state) and runs `describeBackendContract` on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, RemotePhase, RemoteRef } from '../../lib/backends/backend.ts';
import { RemoteRefusedError, RemoteTaskNotFoundError } from '../../lib/backends/backend.ts';

export interface StateCase {
  /** The backend's own state name, as the status must report it verbatim. */
  state: string;
  phase: RemotePhase;
  /** Makes a job that is in this state now (on the subject's simulator); `via`: the connection that sees it, when not the subject's. */
  arrange(): Promise<RemoteRef | Observed>;
}

export interface Observed {
  ref: RemoteRef;
  via: Backend;
}

const observed = (subject: Backend, arranged: RemoteRef | Observed): Observed =>
  'via' in arranged && 'ref' in arranged ? (arranged as Observed) : { ref: arranged as RemoteRef, via: subject };

export interface ContractSubject<P = unknown> {
  backend: Backend<P>;
  /** A valid request of the backend (its parsed params): a new one each call where a request names its job (a CDM job, a DIS task). */
  request(): P;
  /** Every documented state, each with a job in it. */
  states: StateCase[];
  /** A job whose state the backend has never documented (kept verbatim, never terminal). */
  unknownState(): Promise<Observed & { state: string }>;
  /** A request the backend refuses for good (bad input only it can find out), with anything arranged for it. */
  refusedCreate(): P;
  /** The next create fails before the backend processed it (e.g. 503, connection refused). */
  failNextCreateBeforeProcessing(): void;
  /** The next create is processed but its answer lost (a reset after the work). */
  loseNextCreateAnswer(): void;
  /** Status calls answer only after `ms` (real time) until the returned function is called. */
  slowStatus(ms: number): () => void;
  /** A reference of the backend's form to a job it never had. */
  unknownRef(): RemoteRef;
  /** The next call of this side-effect operation fails with a transient error (5xx). */
  failNextCommand(op: 'abort' | 'rerun' | 'delete'): void;
  /** Requests the simulator received for an operation. */
  received(op: 'create' | 'status' | 'abort' | 'rerun' | 'delete'): number;
  /** A running job that can be aborted, and one finished that the backend refuses to abort (or undefined: it accepts). */
  runningJob(): Promise<RemoteRef>;
  /** A failed job, ready to be run again. */
  failedJob(): Promise<RemoteRef>;
  /** The backend of the same target on a port where nothing listens. */
  unreachable(): Promise<Backend<P>>;
  close(): Promise<void>;
}

export function describeBackendContract<P>(name: string, setup: () => Promise<ContractSubject<P>>): void {
  describe(`the backend contract: ${name}`, () => {
    let s: ContractSubject<P>;
    beforeAll(async () => {
      s = await setup();
    });
    afterAll(async () => {
      await s?.close();
    });

    it('creates a job whose reference the backend can describe, parse back and report on', async () => {
      const ref = await s.backend.create(s.request(), { marker: 'contract.c1', startedAt: Date.now() });
      const label = s.backend.describeRef(ref);
      expect(label).toMatch(/\S/);
      const status = await s.backend.status(s.backend.parseRef(label));
      expect(['pending', 'running']).toContain(status.phase);
      expect(() => s.backend.parseRef('')).toThrow(TypeError);
    });

    it('maps every documented state, keeping the state verbatim', async () => {
      expect(s.states.length).toBeGreaterThan(0);
      for (const c of s.states) {
        const { ref, via } = observed(s.backend as Backend, await c.arrange());
        const status = await via.status(ref);
        expect({ state: status.state, phase: status.phase }, c.state).toEqual({ state: c.state, phase: c.phase });
      }
    });

    it('keeps a state it does not know verbatim and never calls it terminal', async () => {
      const { ref, state, via } = await s.unknownState();
      const status = await via.status(ref);
      expect(status).toMatchObject({ state, phase: 'unknown' });
    });

    it('reports a progress between 0 and 1 only', async () => {
      for (const c of s.states) {
        const { ref, via } = observed(s.backend as Backend, await c.arrange());
        const { progress } = await via.status(ref);
        if (progress !== undefined) expect(progress >= 0 && progress <= 1, `${c.state}: ${progress}`).toBe(true);
      }
    });

    it('tells a refusal, a failure that created nothing and an answer lost after the work apart', async () => {
      const classify = async (arrange: () => P | void) => {
        const params = arrange() ?? s.request();
        const error = await s.backend.create(params, { marker: 'contract.c2', startedAt: Date.now() }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, 'the create should have failed').toBeDefined();
        return s.backend.classifyCreateFailure(error).kind;
      };
      expect(await classify(() => s.refusedCreate())).toBe('refused');
      expect(await classify(() => s.failNextCreateBeforeProcessing())).toBe('not-created');
      expect(await classify(() => s.loseNextCreateAnswer())).toBe('ambiguous');
      const unreachable = await s.unreachable();
      const error = await unreachable.create(s.request(), { marker: 'contract.c3', startedAt: Date.now() }).catch((e: unknown) => e);
      expect(unreachable.classifyCreateFailure(error).kind).toBe('not-created');
      await unreachable.close();
    });

    it('never sends a create twice', async () => {
      const before = s.received('create');
      s.failNextCreateBeforeProcessing();
      await s.backend.create(s.request(), { marker: 'contract.c4', startedAt: Date.now() }).catch(() => undefined);
      expect(s.received('create') - before).toBe(1);
    });

    it('never sends a call with side effects twice after a transient failure', async () => {
      const ref = await s.runningJob();
      const before = s.received('abort');
      s.failNextCommand('abort');
      await s.backend.abort(ref).catch(() => undefined);
      expect(s.received('abort') - before).toBe(1);
    });

    it('aborts a running job: the status then says aborted', async () => {
      const ref = await s.runningJob();
      await s.backend.abort(ref);
      expect((await s.backend.status(ref)).phase).toBe('aborted');
    });

    it('runs a failed job again as its capability says, or has no way to', async () => {
      const { rerun } = s.backend.capabilities;
      if (rerun === 'none') {
        expect(s.backend.rerun).toBeUndefined();
        return;
      }
      const ref = await s.failedJob();
      const next = await s.backend.rerun!(ref, s.request(), { marker: 'contract.r2', startedAt: Date.now() });
      if (rerun === 'in-place') expect(next).toEqual(ref);
      if (rerun === 'resubmit') expect(s.backend.describeRef(next)).not.toBe(s.backend.describeRef(ref));
      expect(['pending', 'running']).toContain((await s.backend.status(next)).phase);
    });

    it('deletes a job as its capability says: afterwards the backend no longer knows it', async () => {
      if (!s.backend.capabilities.delete) {
        expect(s.backend.delete).toBeUndefined();
        return;
      }
      const ref = await s.runningJob();
      await s.backend.abort(ref);
      await s.backend.delete!(ref);
      await expect(s.backend.status(ref)).rejects.toBeInstanceOf(RemoteTaskNotFoundError);
    });

    it('says a job it does not know is not found, and a refused operation is refused', async () => {
      await expect(s.backend.status(s.unknownRef())).rejects.toBeInstanceOf(RemoteTaskNotFoundError);
      // A continuous backend's jobs never succeed: there is no finished job to refuse.
      const finished = s.states.find((c) => c.phase === 'succeeded');
      if (!finished) return;
      const done = observed(s.backend as Backend, await finished.arrange());
      const error = await done.via.abort(done.ref).catch((e: unknown) => e);
      if (error !== undefined) expect(error).toBeInstanceOf(RemoteRefusedError);
    });

    it('gives up on a status call within its declared bound', async () => {
      const ref = await s.runningJob();
      const restore = s.slowStatus(s.backend.timing.statusMs + 5_000);
      const started = Date.now();
      try {
        await expect(s.backend.status(ref)).rejects.toThrow();
      } finally {
        restore();
      }
      expect(Date.now() - started).toBeLessThanOrEqual(s.backend.timing.statusMs + 1_500);
    });

    it('declares timing that bounds each kind of call', () => {
      const { createMs, statusMs, commandMs } = s.backend.timing;
      for (const ms of [createMs, statusMs, commandMs]) expect(ms).toBeGreaterThan(0);
      expect(statusMs).toBeLessThan(60_000); // a poll invocation must fit one
    });

    it('finds the job of a lost create by its marker, where it has a lookup', async () => {
      if (!s.backend.findCreated) return;
      s.loseNextCreateAnswer();
      const lost = s.request();
      await s.backend.create(lost, { marker: 'contract.c9', startedAt: Date.now() }).catch(() => undefined);
      const found = await s.backend.findCreated(lost, { marker: 'contract.c9', startedAt: Date.now() - 60_000 });
      expect('found' in found).toBe(true);
      const absent = await s.backend.findCreated(s.request(), { marker: 'contract.none', startedAt: Date.now() - 60_000 });
      expect('absent' in absent || 'unknown' in absent).toBe(true);
    });
  });
}
