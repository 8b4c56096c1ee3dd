// Command-line options: node:util parseArgs for the syntax, a TypeBox schema for the values.
// Any problem is a UsageError, which the CLI prints and turns into exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type Static, type TObject } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommand<S extends TObject> {
  options: Static<S>;
  positionals: string[];
}

/** Parse `args` with `spec`, then convert and check the values against `schema` (keys = option names). */
export function parseCommand<S extends TObject>(
  command: string,
  args: string[],
  spec: OptionSpec,
  schema: S,
  maxPositionals = 0,
): ParsedCommand<S> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: spec, strict: true, allowPositionals: maxPositionals > 0 });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[maxPositionals] ?? ''}"`);
  }
  const values = Object.fromEntries(Object.entries(parsed.values).filter(([, v]) => v !== undefined));
  // Convert works on a copy: the raw strings are quoted in error messages.
  const converted = Value.Convert(schema, structuredClone(values));
  const check = Compile(schema);
  if (!check.Check(converted)) {
    const problems: string[] = [];
    const reported = new Set<string>();
    for (const e of check.Errors(converted)) {
      const params = e.params as Record<string, unknown>;
      if (e.keyword === 'required' && Array.isArray(params.requiredProperties)) {
        for (const missing of params.requiredProperties) problems.push(`--${String(missing)} is required`);
        continue;
      }
      const name = e.instancePath.slice(1);
      if (reported.has(name)) continue; // one message per option: the first is the most general
      reported.add(name);
      const choices = literalChoices(schema.properties[name]);
      const reason = choices === null ? e.message : `must be one of ${choices.join(', ')}`;
      problems.push(`--${name} ${JSON.stringify(values[name])}: ${reason}`);
    }
    throw new UsageError(`${command}: ${problems.slice(0, 5).join('; ')}`);
  }
  return { options: converted, positionals: parsed.positionals };
}

/** The allowed values of an enum or a union of literals (e.g. a role), or null for any other schema. */
function literalChoices(schema: unknown): string[] | null {
  if (typeof schema !== 'object' || schema === null) return null;
  if ('enum' in schema && Array.isArray(schema.enum)) return schema.enum.map(String);
  if (!('anyOf' in schema) || !Array.isArray(schema.anyOf)) return null;
  const values = (schema.anyOf as unknown[]).map((s) =>
    typeof s === 'object' && s !== null && 'const' in s ? String(s.const) : null,
  );
  return values.every((v) => v !== null) ? (values as string[]) : null;
}
