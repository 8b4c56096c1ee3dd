// Everything that differs between SQLite and PostgreSQL column types lives here: the DDL type
// names used by migrations and the codecs repositories read values through.
import type { Kysely } from 'kysely';
import { PostgresAdapter } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

export interface ColumnTypes {
  json: 'jsonb' | 'text';
  timestamp: 'timestamptz' | 'text';
}

export function columnTypes(dialect: DialectName): ColumnTypes {
  return dialect === 'postgres' ? { json: 'jsonb', timestamp: 'timestamptz' } : { json: 'text', timestamp: 'text' };
}

/** Which dialect a Kysely instance speaks (read from its adapter). */
export function dialectOf<T>(db: Kysely<T>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Values are always written as JSON text: jsonb parses it, SQLite stores it. */
export function toDbJson(value: unknown): string {
  return JSON.stringify(value);
}

/** jsonb comes back parsed, SQLite text does not. */
export function fromDbJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** Timestamps are written as ISO-8601 UTC with milliseconds, so text ordering equals time ordering. */
export function toDbTime(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError(`Invalid timestamp: ${String(value)}`);
  return date.toISOString();
}

/** timestamptz comes back as a Date, SQLite text as the ISO string it was written as. */
export function fromDbTime(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString();
}

export function fromDbTimeOrNull(value: string | Date | null): string | null {
  return value === null ? null : fromDbTime(value);
}

/** A unique or primary-key violation, in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
