/**
 * [I] No error catalogue is published: an unknown procId is recognised by the refusal's text. The pattern
 * is configurable (a target's `notFoundPattern`) because a LOST verdict rests on it.
 */
export const defaultNotFoundPattern = /not found|not exist|no such|unknown proc/i;
