/** Real-time waits that close() can cancel all at once, so a pending 'slow' fault never holds it up. */
export class Delays {
  readonly #pending = new Map<NodeJS.Timeout, (elapsed: boolean) => void>();
  #cancelled = false;

  /** Resolves true once ms have passed, or false if cancelAll() came first. */
  wait(ms: number): Promise<boolean> {
    if (this.#cancelled) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve(true);
      }, ms);
      this.#pending.set(timer, resolve);
    });
  }

  cancelAll(): void {
    this.#cancelled = true;
    for (const [timer, resolve] of this.#pending) {
      clearTimeout(timer);
      resolve(false);
    }
    this.#pending.clear();
  }
}
