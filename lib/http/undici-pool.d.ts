// undici publishes no exports map; its Pool and request modules are loaded directly so the bundles do not
// carry the fetch, WebSocket, cache and mock parts of the package (about 470 instead of 730 KiB). The
// version is pinned: a move of these files fails the build, never a running function.
declare module 'undici/lib/dispatcher/pool.js' {
  import { Pool } from 'undici';
  export default Pool;
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';
  /** Dispatcher.prototype.request, applied to any dispatcher. */
  export default function request(this: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
}
