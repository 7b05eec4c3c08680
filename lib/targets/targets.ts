import type { BackendModule, RequestSchema, TargetDefinition } from '../backends/backend.ts';
import { RequestValidationError } from '../request/validation-error.ts';
import type { ModuleLookup, TargetsConfig } from './targets-file.ts';

/** A target with its backend's module: what validating and submitting a request to it needs. */
export interface ResolvedTarget {
  target: TargetDefinition;
  module: BackendModule;
}

/** The named targets of a deployment, as loaded, with the rules that tie a request to one of them. */
export class Targets {
  readonly defaultName: string | undefined;
  readonly #targets: Map<string, TargetDefinition>;
  readonly #modules: ModuleLookup;

  constructor(config: TargetsConfig, modules: ModuleLookup) {
    this.#targets = config.targets;
    this.defaultName = config.default;
    this.#modules = modules;
  }

  names(): string[] {
    return [...this.#targets.keys()];
  }

  get(name: string): TargetDefinition | undefined {
    return this.#targets.get(name);
  }

  all(): TargetDefinition[] {
    return [...this.#targets.values()];
  }

  /** The module of a backend id, if this build has it. */
  module(backend: string): BackendModule | undefined {
    return this.#modules.get(backend);
  }

  /** The request schema of a target (tests and tools that validate for one backend). */
  schemaOf(name: string): RequestSchema | undefined {
    const target = this.#targets.get(name);
    return target ? this.#modules.get(target.backend)?.requests : undefined;
  }

  /**
   * The target a request goes to: the one it names, else the default. `backend`, when given, must be that
   * target's backend — a request is never routed by its backend alone, so adding a target cannot move it.
   */
  resolve(requested: { target?: unknown; backend?: unknown }): ResolvedTarget {
    if (requested.target !== undefined && typeof requested.target !== 'string') throw new RequestValidationError('target', 'must be a string (a target name)');
    if (requested.backend !== undefined && typeof requested.backend !== 'string')
      throw new RequestValidationError('backend', 'must be a string (a backend id)');
    const name = requested.target ?? this.defaultName;
    if (name === undefined) throw new RequestValidationError('target', `is required: there is no default target (targets: ${this.names().join(', ')})`);
    const target = this.#targets.get(name);
    if (!target) throw new RequestValidationError('target', `unknown target ${JSON.stringify(name)} (targets: ${this.names().join(', ')})`);
    if (requested.backend !== undefined && !this.#modules.get(requested.backend)) {
      throw new RequestValidationError('backend', `unknown backend ${JSON.stringify(requested.backend)} (known: ${this.#modules.ids().join(', ')})`);
    }
    if (requested.backend !== undefined && requested.backend !== target.backend) {
      const candidates = this.all()
        .filter((t) => t.backend === requested.backend)
        .map((t) => t.name);
      const hint = candidates.length
        ? `; targets of backend ${requested.backend}: ${candidates.join(', ')}`
        : `; no target has backend ${JSON.stringify(requested.backend)}`;
      throw new RequestValidationError(
        'backend',
        `must equal the backend of ${requested.target === undefined ? 'the default target' : 'target'} ${name} (${target.backend})${hint}`,
      );
    }
    const module = this.#modules.get(target.backend);
    if (!module) throw new RequestValidationError('backend', `backend ${target.backend} of target ${name} is not in this build`);
    return { target, module };
  }

  /**
   * The target of a stored task. Tasks written before targets existed carry only their backend id: they
   * belong to the default target when it has that backend, else to the only target that has it.
   */
  targetOf(task: { target?: string | undefined; backend: string }): string | undefined {
    if (task.target !== undefined) return task.target;
    if (this.defaultName !== undefined && this.#targets.get(this.defaultName)?.backend === task.backend) return this.defaultName;
    const candidates = this.all().filter((t) => t.backend === task.backend);
    return candidates.length === 1 ? candidates[0]!.name : undefined;
  }
}
