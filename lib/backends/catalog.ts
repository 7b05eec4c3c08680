import type { BackendModule } from './backend.ts';
import { cdmModule } from './huawei-cdm/module.ts';
import { disModule } from './huawei-dis/module.ts';
import { lindormModule } from './lindorm/module.ts';
import { linkisModule } from './linkis/module.ts';

/**
 * Every backend this build can drive: the one place that names them. A new backend is one folder under
 * lib/backends/ and one line here. Each module's client is loaded only when a target of it is connected.
 */
const modules: readonly BackendModule[] = [
  lindormModule as BackendModule,
  linkisModule as BackendModule,
  cdmModule as BackendModule,
  disModule as BackendModule,
];

export const backendCatalog = {
  get: (id: string): BackendModule | undefined => modules.find((m) => m.id === id),
  ids: (): string[] => modules.map((m) => m.id),
  all: (): readonly BackendModule[] => modules,
};
