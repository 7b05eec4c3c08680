// The metric names bulkpilot's code publishes, read from the code itself (lib/ and functions/, parsed with the
// TypeScript compiler), so a dashboard or an alarm can be checked against what is really emitted.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { transitionMetric } from '../../lib/observability/metrics.ts';

export interface EmittedMetric {
  name: string;
  /** Published with a target too (a third argument to the sink), so also in the per-target dimension set. */
  perTarget: boolean;
  /** Where: path:line, for a failure that says who emits what. */
  at: string;
}

export interface EmittedMetrics {
  metrics: EmittedMetric[];
  /** Calls whose name is neither a literal nor a template this scan expands (path:line). */
  unresolved: string[];
}

const root = new URL('../../', import.meta.url).pathname;
const sinkMethods = new Set(['count', 'milliseconds']);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Every `….count(name, …)` and `….milliseconds(name, …)` in lib/ and functions/. A template name such as
 * metered-backend's `Backend${operation}Errors` is expanded with the literal first arguments of the calls to
 * the function whose parameter it interpolates (`measure('Status', …)`); the transition metrics, named by a
 * lookup in `transitionMetric`, count as emitted with a target where that lookup is what the call passes.
 */
export function emittedMetrics(): EmittedMetrics {
  const metrics: EmittedMetric[] = [];
  const unresolved: string[] = [];
  for (const file of [...sourceFiles('lib'), ...sourceFiles('functions')]) {
    const text = readFileSync(file, 'utf8');
    if (!/\.(count|milliseconds)\(/.test(text)) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) => `${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && sinkMethods.has(node.expression.name.text)) {
        const [first] = node.arguments;
        const perTarget = node.arguments.length >= 3;
        const names = first ? namesOf(first, source) : undefined;
        if (names) for (const name of names) metrics.push({ name, perTarget, at: where(node) });
        else unresolved.push(where(node));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { metrics, unresolved };
}

function namesOf(argument: ts.Expression, source: ts.SourceFile): string[] | undefined {
  if (ts.isStringLiteral(argument) || ts.isNoSubstitutionTemplateLiteral(argument)) return [argument.text];
  if (ts.isTemplateExpression(argument) && argument.templateSpans.length === 1) {
    const span = argument.templateSpans[0]!;
    if (!ts.isIdentifier(span.expression)) return undefined;
    const values = literalArgumentsFor(span.expression, source);
    return values?.map((value) => `${argument.head.text}${value}${span.literal.text}`);
  }
  if (ts.isIdentifier(argument) && isTransitionLookup(argument, source)) return Object.values(transitionMetric).filter((name) => name !== undefined);
  return undefined;
}

/** The literal arguments given for `parameter` in the calls to the function (a `const f = (…) => …`) that declares it. */
function literalArgumentsFor(parameter: ts.Identifier, source: ts.SourceFile): string[] | undefined {
  let node: ts.Node | undefined = parameter;
  while (node && !ts.isArrowFunction(node) && !ts.isFunctionExpression(node)) node = node.parent;
  if (!node || !ts.isVariableDeclaration(node.parent) || !ts.isIdentifier(node.parent.name)) return undefined;
  const position = (node as ts.ArrowFunction | ts.FunctionExpression).parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === parameter.text);
  if (position < 0) return undefined;
  const callee = node.parent.name.text;
  const values: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === callee) {
      const argument = n.arguments[position];
      if (argument && ts.isStringLiteral(argument)) values.push(argument.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return values.length > 0 ? values : undefined;
}

/** `metric` declared as `transitionMetric[…]` in the same file. */
function isTransitionLookup(identifier: ts.Identifier, source: ts.SourceFile): boolean {
  let found = false;
  const visit = (n: ts.Node) => {
    if (
      ts.isVariableDeclaration(n) &&
      ts.isIdentifier(n.name) &&
      n.name.text === identifier.text &&
      n.initializer &&
      ts.isElementAccessExpression(n.initializer) &&
      ts.isIdentifier(n.initializer.expression) &&
      n.initializer.expression.text === 'transitionMetric'
    )
      found = true;
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}
