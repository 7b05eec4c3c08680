import { JavaError, javaParseInt, javaSplit, javaSubstring } from './java.ts';

export const ENTRANCE_APP = 'linkis-cg-entrance';
const EXEC_ID = 'exec_id';
const SPLIT_LEN = 3;

/**
 * ZuulEntranceUtils.generateExecID: "exec_id" + %03d(len(app)) + %03d(len(instances)) + app + instances
 * + shortId. The instance (host:port) carries a ':', so clients must URL-encode the path segment.
 */
export function generateExecID(shortId: string | null, app: string, instances: readonly string[]): string {
  const instanceStr = instances.join('_');
  return `${EXEC_ID}${pad3(app.length)}${pad3(instanceStr.length)}${app}${instanceStr}${shortId}`;
}

/**
 * ZuulEntranceUtils.parseServiceInstanceByExecID, which the gateway runs on every /entrance/{id}/… path.
 * Ids that are not exec_id… go through the deprecated two-digit layout, so a numeric taskID fails here
 * with a StringIndexOutOfBoundsException or NumberFormatException instead of reaching an entrance.
 */
export function parseServiceInstanceByExecID(id: string): { app: string; instance: string } {
  if (id.startsWith(EXEC_ID)) {
    const content = id.slice(EXEC_ID.length);
    const appLength = javaParseInt(javaSubstring(content, 0, SPLIT_LEN));
    const instanceLength = javaParseInt(javaSubstring(content, SPLIT_LEN, SPLIT_LEN * 2));
    const app = javaSubstring(content, SPLIT_LEN * 2, SPLIT_LEN * 2 + appLength);
    const instances = javaSubstring(content, SPLIT_LEN * 2 + appLength, SPLIT_LEN * 2 + appLength + instanceLength);
    const first = javaSplit(instances, '_')[0];
    if (first === undefined) throw new JavaError('java.lang.ArrayIndexOutOfBoundsException', '0');
    return { app, instance: first };
  }
  const creatorLength = javaParseInt(javaSubstring(id, 0, 2));
  const executeLength = javaParseInt(javaSubstring(id, 2, 4));
  const instanceLength = javaParseInt(javaSubstring(id, 4, 6));
  const app = javaSubstring(id, 6 + creatorLength, 6 + creatorLength + executeLength);
  const instance = javaSubstring(id, 6 + creatorLength + executeLength, 6 + creatorLength + executeLength + instanceLength);
  return { app, instance };
}

/** ZuulEntranceUtils.parseExecID(id)(3): the scheduler's short id, as the entrance extracts it. */
export function parseShortExecID(id: string): string {
  if (id.startsWith(EXEC_ID)) {
    const content = id.slice(EXEC_ID.length);
    const appLength = javaParseInt(javaSubstring(content, 0, SPLIT_LEN));
    const instanceLength = javaParseInt(javaSubstring(content, SPLIT_LEN, SPLIT_LEN * 2));
    return javaSubstring(content, SPLIT_LEN * 2 + appLength + instanceLength, content.length);
  }
  const creatorLength = javaParseInt(javaSubstring(id, 0, 2));
  const executeLength = javaParseInt(javaSubstring(id, 2, 4));
  const instanceLength = javaParseInt(javaSubstring(id, 4, 6));
  return javaSubstring(id, 6 + creatorLength + executeLength + instanceLength, id.length);
}

export function isExecIdForm(id: string): boolean {
  return id.startsWith(EXEC_ID);
}

function pad3(n: number): string {
  return String(n).padStart(SPLIT_LEN, '0');
}
