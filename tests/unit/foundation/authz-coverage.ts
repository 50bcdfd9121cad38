import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type Violation = { file: string; problem: string };

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const PAGE_GUARDS = ['requirePageUser'];
const ROUTE_GUARDS = ['authorizeRoute', 'requireScope'];

export function listAppFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|tsx)$/.test(entry.name)) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

function callsAny(node: ts.Node, names: string[]): boolean {
  let found = false;
  const visit = (child: ts.Node) => {
    if (found) return;
    if (ts.isCallExpression(child)) {
      const callee = child.expression;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
      if (names.includes(name)) found = true;
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function isPublic(source: ts.SourceFile): boolean {
  return source.statements.some(
    (s) =>
      ts.isVariableStatement(s) &&
      isExported(s) &&
      s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === 'publicRoute' && d.initializer?.kind === ts.SyntaxKind.TrueKeyword),
  );
}

/** Exported functions (declarations or `export const x = …`) with their bodies. */
function exportedFunctions(source: ts.SourceFile): { name: string; node: ts.Node; initializer?: ts.Expression }[] {
  const out: { name: string; node: ts.Node; initializer?: ts.Expression }[] = [];
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && isExported(statement) && statement.name) out.push({ name: statement.name.text, node: statement });
    if (ts.isVariableStatement(statement) && isExported(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) out.push({ name: d.name.text, node: d, initializer: d.initializer });
    }
    if (ts.isExportDeclaration(statement)) out.push({ name: '(re-export)', node: statement });
  }
  return out;
}

/**
 * Every page (except those marked `export const publicRoute = true`) must call a page guard,
 * every route handler method a route guard, and every server action must be built with
 * `authorizedAction(scope, schema, handler)`.
 */
export function checkFile(file: string, text: string): Violation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const violations: Violation[] = [];
  const base = path.basename(file);
  const isServerActionFile = source.statements.some((s) => ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression) && s.expression.text === 'use server');

  if (/^page\.tsx?$/.test(base) && !isPublic(source)) {
    const defaultExport = source.statements.find((s) => ts.isFunctionDeclaration(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword));
    if (!defaultExport || !callsAny(defaultExport, PAGE_GUARDS)) violations.push({ file, problem: `page does not call ${PAGE_GUARDS.join('/')}` });
  }
  if (/^route\.ts$/.test(base) && !isPublic(source)) {
    for (const fn of exportedFunctions(source)) {
      if (fn.name === '(re-export)') violations.push({ file, problem: 'route re-exports handlers; define them here so the check can see them' });
      else if (HTTP_METHODS.has(fn.name) && !callsAny(fn.node, ROUTE_GUARDS)) violations.push({ file, problem: `${fn.name} handler does not call ${ROUTE_GUARDS.join('/')}` });
    }
  }
  if (isServerActionFile) {
    for (const fn of exportedFunctions(source)) {
      const built = fn.initializer && ts.isCallExpression(fn.initializer) && ts.isIdentifier(fn.initializer.expression) && fn.initializer.expression.text === 'authorizedAction';
      if (!built) violations.push({ file, problem: `server action ${fn.name} is not built with authorizedAction(scope, schema, handler)` });
    }
  }
  return violations;
}
