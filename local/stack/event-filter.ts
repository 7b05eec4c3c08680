// Lambda event filtering (the filterPatterns of an event source mapping) for the local stack, so a handler
// sees locally exactly the records it would see on AWS. Implements the content-filtering rules Lambda
// shares with EventBridge for the operators below. Anything else throws: a typo in serverless.yml must
// fail loudly rather than silently drop, or deliver, every record.

type Pattern = { [key: string]: unknown };
type Alternative = string | number | boolean | null | Pattern;

const numericOperators = new Set(['=', '!=', '<', '<=', '>', '>=']);

/** True when there are no patterns or any of them matches (Lambda ORs the filters of a mapping). */
export function matchesFilterPatterns(record: unknown, patterns: readonly unknown[]): boolean {
  if (patterns.length === 0) return true;
  return parseFilterPatterns(patterns).some((pattern) => matchesObject(pattern, [record]));
}

/**
 * Parses and validates patterns given as JSON strings, as objects (serverless.yml) or as CloudFormation's
 * `{Pattern: "<json>"}`; throws on anything Lambda would reject or this module does not implement.
 */
export function parseFilterPatterns(patterns: readonly unknown[]): Pattern[] {
  return patterns.map((raw, i) => {
    let pattern = raw;
    if (isObject(pattern) && Object.keys(pattern).length === 1 && typeof pattern.Pattern === 'string') pattern = pattern.Pattern;
    if (typeof pattern === 'string') {
      try {
        pattern = JSON.parse(pattern);
      } catch (error) {
        throw new Error(`filter pattern ${i}: not valid JSON (${(error as Error).message})`);
      }
    }
    if (!isObject(pattern)) throw new Error(`filter pattern ${i}: must be a JSON object`);
    validateObject(pattern, `filter pattern ${i}`);
    return pattern;
  });
}

/** The filterPatterns of a serverless.yml function event (`{ stream: { ..., filterPatterns } }`), or []. */
export function filterPatternsOf(event: Record<string, unknown>): unknown[] {
  for (const [type, definition] of Object.entries(event)) {
    if (!isObject(definition) || definition.filterPatterns === undefined) continue;
    if (!Array.isArray(definition.filterPatterns)) throw new Error(`serverless.yml: ${type}.filterPatterns must be a list`);
    return definition.filterPatterns;
  }
  return [];
}

function validateObject(pattern: Pattern, path: string): void {
  for (const [key, value] of Object.entries(pattern)) {
    const at = `${path}: ${key}`;
    if (isObject(value)) validateObject(value, `${path}.${key}`);
    else if (Array.isArray(value)) {
      if (value.length === 0) throw new Error(`${at}: an empty list matches nothing`);
      for (const alternative of value) validateAlternative(alternative, at);
    } else throw new Error(`${at}: expected a list of values or a nested object, got ${JSON.stringify(value)}`);
  }
}

function validateAlternative(alternative: unknown, at: string): void {
  if (alternative === null || ['string', 'number', 'boolean'].includes(typeof alternative)) return;
  if (!isObject(alternative)) throw new Error(`${at}: ${JSON.stringify(alternative)} is not a value or an operator`);
  const entries = Object.entries(alternative);
  const [operator, operand] = entries[0] ?? [];
  if (entries.length !== 1 || operator === undefined)
    throw new Error(`${at}: an operator object must have exactly one key, got ${JSON.stringify(alternative)}`);
  const fail = (expected: string) => new Error(`${at}: "${operator}" expects ${expected}, got ${JSON.stringify(operand)}`);
  switch (operator) {
    case 'anything-but': {
      const values = Array.isArray(operand) ? operand : [operand];
      if (values.length === 0 || !values.every((v) => typeof v === 'string' || typeof v === 'number')) throw fail('a string, a number or a list of them');
      return;
    }
    case 'exists':
      if (typeof operand !== 'boolean') throw fail('true or false');
      return;
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof operand !== 'string') throw fail('a string');
      return;
    case 'numeric': {
      if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) throw fail('pairs of operator and number');
      for (let i = 0; i < operand.length; i += 2) {
        if (!numericOperators.has(operand[i])) throw new Error(`${at}: unknown numeric operator ${JSON.stringify(operand[i])}`);
        if (typeof operand[i + 1] !== 'number' || !Number.isFinite(operand[i + 1])) throw fail('pairs of operator and number');
      }
      return;
    }
    default:
      throw new Error(`${at}: unknown filter operator "${operator}"`);
  }
}

// `nodes` are every value the path reaches: arrays in the record are flattened, as the filter engine
// flattens the event, so a key matches if any element of an array matches.
function matchesObject(pattern: Pattern, nodes: unknown[]): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    const children = nodes.flatMap((node) => (isObject(node) && Object.hasOwn(node, key) ? flatten(node[key]) : []));
    if (Array.isArray(sub)) {
      // Only leaves are matched by values and operators: an object (an intermediate node) counts as
      // absent, which is why Lambda's docs warn that `exists` on e.g. `NewImage.state` (not `.S`) misfires.
      const leaves = children.filter((child) => !isObject(child));
      return (sub as Alternative[]).some((alternative) => matchesLeaf(alternative, leaves));
    }
    return matchesObject(sub as Pattern, children);
  });
}

function matchesLeaf(alternative: Alternative, leaves: unknown[]): boolean {
  if (isObject(alternative) && 'exists' in alternative) return alternative.exists === leaves.length > 0;
  // Every other rule, anything-but included, needs the key to be present.
  return leaves.some((value) => matchesValue(alternative, value));
}

function matchesValue(alternative: Alternative, value: unknown): boolean {
  if (!isObject(alternative)) return value === alternative;
  const [operator, operand] = Object.entries(alternative)[0]!;
  switch (operator) {
    case 'anything-but':
      return !(Array.isArray(operand) ? operand : [operand]).includes(value);
    case 'prefix':
      return typeof value === 'string' && value.startsWith(operand as string);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(operand as string);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (operand as string).toLowerCase();
    case 'numeric':
      return typeof value === 'number' && compareAll(value, operand as unknown[]);
    default:
      throw new Error(`unknown filter operator "${operator}"`);
  }
}

function compareAll(value: number, conditions: unknown[]): boolean {
  for (let i = 0; i < conditions.length; i += 2) {
    const bound = conditions[i + 1] as number;
    const ok = { '=': value === bound, '!=': value !== bound, '<': value < bound, '<=': value <= bound, '>': value > bound, '>=': value >= bound }[
      conditions[i] as string
    ];
    if (!ok) return false;
  }
  return true;
}

function flatten(value: unknown): unknown[] {
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}

function isObject(value: unknown): value is Pattern {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
