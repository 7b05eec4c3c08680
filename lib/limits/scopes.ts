import type { TargetLimits } from '../backends/backend.ts';
import { destinationScope, type SlotScope, targetScope } from './slots.ts';

/** The target scope of a limited target also lists every holder, so it is always taken (unbounded when only destinations are limited). */
const unbounded = 1_000_000;

/** The slots a task of a limited target must hold to run: none when its target has no limits. */
export function scopesOf(target: string, destinationKey: string | undefined, limits: TargetLimits | undefined): SlotScope[] {
  if (!limits || (limits.maxConcurrent === undefined && limits.maxConcurrentPerDestination === undefined)) return [];
  const scopes = [targetScope(target, limits.maxConcurrent ?? unbounded)];
  if (limits.maxConcurrentPerDestination !== undefined && destinationKey !== undefined)
    scopes.push(destinationScope(target, destinationKey, limits.maxConcurrentPerDestination));
  return scopes;
}
