import type { Backend } from './backend.ts';

/** A stored task, as far as finding its backend goes. */
export interface TaskTargetRef {
  target?: string | undefined;
  backend: string;
}

/**
 * The connected targets of a process, by target name. Made once per container; a task finds its
 * connection by its target (tasks written before targets existed, by the rule the loader gives).
 */
export class BackendRegistry {
  readonly #backends = new Map<string, Backend>();
  readonly #targetOf: (task: TaskTargetRef) => string | undefined;

  constructor(backends: readonly Backend[], options: { targetOf?: (task: TaskTargetRef) => string | undefined } = {}) {
    for (const backend of backends) this.#backends.set(backend.target, backend);
    this.#targetOf = options.targetOf ?? ((task) => task.target ?? this.#onlyOf(task.backend));
  }

  get(target: string): Backend | undefined {
    return this.#backends.get(target);
  }

  /** The connection a task's calls go to; undefined when its target is not configured here. */
  forTask(task: TaskTargetRef): Backend | undefined {
    const target = this.#targetOf(task);
    const backend = target === undefined ? undefined : this.#backends.get(target);
    return backend && backend.id === task.backend ? backend : undefined;
  }

  targets(): string[] {
    return [...this.#backends.keys()];
  }

  all(): Backend[] {
    return [...this.#backends.values()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.#backends.values()].map((b) => b.close()));
  }

  #onlyOf(backendId: string): string | undefined {
    const matches = [...this.#backends.values()].filter((b) => b.id === backendId);
    return matches.length === 1 ? matches[0]!.target : undefined;
  }
}
