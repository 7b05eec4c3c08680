import type { Backend } from './backend.ts';

/** The backends this deployment can talk to, by id. Built once per container from configuration. */
export class BackendRegistry {
  readonly #backends = new Map<string, Backend>();

  constructor(backends: Backend[]) {
    for (const backend of backends) this.#backends.set(backend.id, backend);
  }

  get(id: string): Backend | undefined {
    return this.#backends.get(id);
  }

  ids(): string[] {
    return [...this.#backends.keys()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.#backends.values()].map((b) => b.close()));
  }
}
