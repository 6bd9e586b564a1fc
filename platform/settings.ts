// The settings engine: reads the one declaration of every environment variable (settings.json)
// and parses a variable's value by its declared type and rules. The Python package
// platform/python/petadota_platform/settings.py is the same engine for the Spark job, the Airflow
// bridge and the local stack; test/unit/settings.test.ts proves that both give the same value, or
// the same error, for every variable.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import declarationFile from './settings.json';

export type Reader = 'stack' | 'main-job' | 'platform' | 'spark' | 'airflow-bridge' | 'tests';
export type SettingValue = string | number | boolean | string[];

export interface Setting {
  name: string;
  type: string;
  default?: string;
  readers: string[];
  description: string;
  secret?: boolean;
  choices?: string[];
  min?: number;
  max?: number;
  exclusive_min?: number;
  used_when?: Record<string, string[]>;
  required_when?: Record<string, string[]>;
  implied_by?: string[];
  together_with?: string;
  generated?: Record<string, unknown>;
  /** What the local stack writes to local.env: a template, or a value derived from its settings. */
  local?: { service: string; value?: string; derived?: string };
}

export interface SettingsGroup {
  title: string;
  variables: Setting[];
}

export const SETTINGS_GROUPS: SettingsGroup[] = declarationFile.groups;
export const SETTINGS: ReadonlyMap<string, Setting> = new Map(
  SETTINGS_GROUPS.flatMap((group) => group.variables).map((setting) => [setting.name, setting]),
);

export const REPO_ROOT = join(__dirname, '..');

/** A variable whose value cannot be used: the message always starts with its name. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export function setting(name: string): Setting {
  const declared = SETTINGS.get(name);
  if (!declared) throw new Error(`${name} is not declared in platform/settings.json`);
  return declared;
}

/** `KEY=value` lines; `#` comments and blank lines are skipped; one pair of matching quotes is removed. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const equals = line.indexOf('=');
    if (line === '' || line.startsWith('#') || equals < 0) continue;
    let value = line.slice(equals + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
      value = value.slice(1, -1);
    }
    values[line.slice(0, equals).trim()] = value;
  }
  return values;
}

const isSet = (value: string | undefined): value is string => value !== undefined && value !== '';

/** Where the local stack's client file is, from the real environment alone. */
export function localEnvFilePath(env: Env = process.env): string {
  return String(readSetting(env, 'PETADOTA_ENV_FILE'));
}

/**
 * The real environment over the local stack's file (local.env). Naming a Temporal profile
 * (TEMPORAL_PROFILE or TEMPORAL_CONFIG_FILE) sets aside the file's TEMPORAL_* entries, so that the
 * profile, not the local stack, says where Temporal is.
 */
export function resolveEnv(env: Env = process.env): Env {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseEnvFile(readFileSync(localEnvFilePath(env), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (isSet(env.TEMPORAL_PROFILE) || isSet(env.TEMPORAL_CONFIG_FILE)) {
    for (const name of Object.keys(fromFile)) if (name.startsWith('TEMPORAL_')) delete fromFile[name];
  }
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [name, value] of Object.entries(env)) if (isSet(value)) merged[name] = value;
  return merged;
}

/** `${NAME}` is another variable's value, a leading `~/` the home directory, `./` the repository. */
export function expandTemplate(env: Env, template: string): string {
  const expanded = template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) =>
    String(readSetting(env, name)),
  );
  if (expanded.startsWith('~/')) return join(homedir(), expanded.slice(2));
  if (expanded.startsWith('./')) return join(REPO_ROOT, expanded.slice(2));
  return expanded;
}

/** Whether the condition's variable has one of the listed values. */
function holds(env: Env, condition: Record<string, string[]>): [boolean, string] {
  const [name, values] = Object.entries(condition)[0]!;
  const value = String(readSetting(env, name));
  return [values.includes(value), `${name}=${value}`];
}

/**
 * The value of `name` in `env`, parsed by its declared type and checked against its rules; the
 * default when it is unset; undefined when it has neither.
 */
export function readSetting(env: Env, name: string): SettingValue | undefined {
  const declared = setting(name);
  const raw = env[name];
  if (isSet(raw)) {
    if (declared.used_when) {
      const [used, actual] = holds(env, declared.used_when);
      if (!used) throw new ConfigError(name, `is not used with ${actual}`);
    }
    if (declared.together_with && !isSet(env[declared.together_with])) {
      throw new ConfigError(
        declared.together_with,
        `is not set, but ${name} is: they go together, set both or neither`,
      );
    }
    const value = parseValue(declared, raw);
    if (value === false && declared.implied_by) {
      const requiring = declared.implied_by.filter((other) => isSet(env[other]));
      if (requiring.length > 0) {
        throw new ConfigError(name, `is false, but it is required by ${requiring.join(', ')}`);
      }
    }
    return value;
  }
  if (declared.required_when) {
    const [required, actual] = holds(env, declared.required_when);
    if (required) throw new ConfigError(name, `is not set: ${actual} needs it`);
  }
  if (declared.implied_by?.some((other) => isSet(env[other]))) return true;
  if (declared.default === undefined) return undefined;
  return parseValue(declared, expandTemplate(env, declared.default));
}

const HOST_PORT = /^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\]):([0-9]{1,5})$/;
/** A scheme, a host, then anything; no space or control character anywhere. */
const URL_PATTERN = /^https?:\/\/[^/?#]+([/?#][\s\S]*)?$/;
const printable = (raw: string): boolean => [...raw].every((char) => char.codePointAt(0)! > 0x20);

function hostPort(raw: string): boolean {
  const match = HOST_PORT.exec(raw);
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}

function wholeNumber(raw: string, min: number, max: number): number | undefined {
  if (!/^[0-9]{1,16}$/.test(raw)) return undefined;
  const value = Number(raw);
  return value >= min && value <= max ? value : undefined;
}

/** A value of the variable's type, or a ConfigError saying what was expected. */
export function parseValue(declared: Setting, raw: string): SettingValue {
  const { name, type } = declared;
  const fail = (expected: string, separator = ','): never => {
    throw new ConfigError(name, declared.secret ? expected : `${expected}${separator} got '${raw}'`);
  };
  switch (type) {
    case 'string':
    case 'path':
      return raw;
    case 'integer': {
      const min = declared.min ?? 0;
      const max = declared.max ?? Number.MAX_SAFE_INTEGER;
      return wholeNumber(raw, min, max) ?? fail(`expected a whole number from ${min} to ${max}`);
    }
    case 'port':
      return wholeNumber(raw, 1, 65535) ?? fail('expected a port number from 1 to 65535');
    case 'seconds': {
      const value = /^[0-9]{1,9}(\.[0-9]{1,9})?$/.test(raw) ? Number(raw) : NaN;
      if (declared.exclusive_min !== undefined && value > declared.exclusive_min) return value;
      if (declared.min !== undefined && value >= declared.min) return value;
      return fail(
        declared.min !== undefined
          ? `expected a number of seconds of at least ${declared.min}`
          : `expected a number of seconds greater than ${declared.exclusive_min}`,
      );
    }
    case 'boolean':
      if (/^(1|true|yes)$/i.test(raw)) return true;
      if (/^(0|false|no)$/i.test(raw)) return false;
      return fail('expected true or false');
    case 'choice':
      return declared.choices!.includes(raw)
        ? raw
        : fail(`expected one of ${declared.choices!.join(', ')}`, ';');
    case 'url':
      return URL_PATTERN.test(raw) && printable(raw)
        ? raw.replace(/\/+$/, '')
        : fail('expected an http(s) URL');
    case 'host-port':
      return hostPort(raw) ? raw : fail('expected host:port');
    case 'host-port-list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      const bad = items.find((item) => !hostPort(item));
      if (bad !== undefined) throw new ConfigError(name, `expected host:port, got '${bad}'`);
      return items.length > 0 ? items : fail('expected a comma-separated list of host:port');
    }
    case 'identifier':
      return /^[A-Za-z0-9_]{1,64}$/.test(raw) ? raw : fail('expected 1 to 64 letters, digits or underscores');
    case 'topic':
      return /^[A-Za-z0-9._-]{1,249}$/.test(raw) && raw !== '.' && raw !== '..'
        ? raw
        : fail("expected a Kafka topic name (letters, digits, '.', '_', '-')");
    case 'bucket':
      return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(raw) &&
        !raw.includes('..') &&
        !/^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(raw)
        ? raw
        : fail("expected an S3 bucket name (3-63 lower-case letters, digits, '.', '-')");
    case 'memory':
      return /^[0-9]{1,9}[kmgtKMGT]$/.test(raw) ? raw : fail('expected a JVM memory size such as 512m or 2g');
    case 'pem-path':
      return pemPath(name, raw);
    default:
      throw new Error(`${name}: unknown type '${type}' in platform/settings.json`);
  }
}

/** Read now, so that a wrong path fails at start-up rather than at the first connection. */
function pemPath(name: string, path: string): string {
  let contents: Buffer;
  try {
    contents = readFileSync(path);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ConfigError(name, `cannot read '${path}' (${code ?? message})`);
  }
  if (!contents.includes('-----BEGIN ')) throw new ConfigError(name, `'${path}' is not a PEM file`);
  return path;
}

/** A reader's view of the settings: reading a variable the declaration does not give it is a bug. */
export function settingsFor(reader: Reader, env: Env) {
  const read = (name: string): SettingValue | undefined => {
    if (!setting(name).readers.includes(reader)) {
      throw new Error(`${name} is not declared as read by ${reader} in platform/settings.json`);
    }
    return readSetting(env, name);
  };
  return {
    env,
    string: (name: string): string => String(read(name) ?? ''),
    optional: (name: string): string | undefined => {
      const value = read(name);
      return value === undefined ? undefined : String(value);
    },
    number: (name: string): number => Number(read(name)),
    boolean: (name: string): boolean => read(name) === true,
    list: (name: string): string[] => (read(name) as string[] | undefined) ?? [],
  };
}
