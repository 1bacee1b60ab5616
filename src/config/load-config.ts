import { getHeapStatistics } from 'node:v8';
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { LucarneConfig } from './config';
import { configSchema, settingsSchema, type SettingName, type SettingSchema } from './config-schema';
import { deepFreeze } from './deep-freeze';

/** A setting that cannot be used. The message names the setting and the reason; no stack trace is shown. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Environment variables (default process.env). */
  env?: Record<string, string | undefined>;
  /** Path of a JSON config file (the --config option); LUCARNE_CONFIG is used when absent. */
  configFile?: string;
}

type Source = { kind: 'default' } | { kind: 'file'; path: string } | { kind: 'env'; name: string };

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false });
addFormats(ajv, ['uri']);
ajv.addKeyword({ keyword: 'x-env', schemaType: 'string' });
const validate = ajv.compile(configSchema);

/**
 * Builds the configuration from, in increasing priority: the schema's defaults, the optional JSON config
 * file, then the environment. Environment strings are converted to the schema's types. Throws ConfigError
 * naming every bad setting; the result is deep-frozen.
 */
/**
 * A body being processed can hold up to ~30 times its size (a 10,000-entry transaction: parsed tree, prepared
 * writes, index rows, responses; docs/benchmarks.md), so bodies in flight get 1/64 of the heap by default:
 * even at that multiplier they stay under half of it, on a small container as on a large server.
 */
export function defaultInFlightBodyBytes(): number {
  return Math.max(1024 * 1024, Math.floor(getHeapStatistics().heap_size_limit / 64));
}

export function loadConfig(options: LoadConfigOptions = {}): LucarneConfig {
  const env = options.env ?? process.env;
  const values: Record<string, unknown> = {};
  const sources = new Map<string, Source>();
  const problems: string[] = [];

  for (const [name, setting] of entries()) {
    if ('default' in setting) {
      values[name] = setting.default;
      sources.set(name, { kind: 'default' });
    }
  }

  values.maxInFlightBodyBytes = defaultInFlightBodyBytes();
  sources.set('maxInFlightBodyBytes', { kind: 'default' });

  const filePath = options.configFile ?? nonEmpty(env.LUCARNE_CONFIG);
  if (filePath) {
    const file = readConfigFile(filePath);
    if (typeof file === 'string') throw new ConfigError([file]);
    for (const [name, value] of Object.entries(file)) {
      values[name] = value;
      sources.set(name, { kind: 'file', path: filePath });
    }
  }

  for (const [name, setting] of entries()) {
    const raw = env[setting['x-env']];
    if (raw === undefined || raw.trim() === '') continue;
    values[name] = fromEnvString(raw, setting);
    sources.set(name, { kind: 'env', name: setting['x-env'] });
  }

  if (values.baseUrl === undefined && Number.isInteger(values.port)) {
    values.baseUrl = `http://localhost:${values.port}/fhir`;
    sources.set('baseUrl', { kind: 'default' });
  }

  if (!validate(values)) {
    for (const error of validate.errors ?? []) problems.push(describe(error, values, sources, filePath));
  } else {
    const config = values as unknown as LucarneConfig;
    if (config.defaultPageSize > config.maxPageSize) {
      problems.push(
        `${label('defaultPageSize', sources, filePath)}: must not exceed ${label('maxPageSize', sources, filePath)} (${config.maxPageSize})`,
      );
    }
    if (!/^https?:\/\//.test(config.baseUrl)) {
      problems.push(`${label('baseUrl', sources, filePath)}: must be an http or https URL (got "${config.baseUrl}")`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const config = values as unknown as LucarneConfig;
  config.baseUrl = config.baseUrl.replace(/\/+$/, '');
  return deepFreeze(config);
}

function entries(): [SettingName, SettingSchema][] {
  return Object.entries(settingsSchema) as [SettingName, SettingSchema][];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

function readConfigFile(path: string): Record<string, unknown> | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return `config file ${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `config file ${path}: is not valid JSON (${(e as Error).message})`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return `config file ${path}: must hold a JSON object of settings`;
  }
  return parsed as Record<string, unknown>;
}

/**
 * Converts an environment string to the setting's type. A string that does not convert is kept as is, so
 * that the schema rejects it with a message naming the variable.
 */
function fromEnvString(raw: string, setting: SettingSchema): unknown {
  const value = raw.trim();
  switch (setting.type) {
    case 'integer':
      return /^[+-]?\d+$/.test(value) ? Number(value) : value;
    case 'boolean': {
      const lower = value.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return true;
      if (['false', '0', 'no', 'off'].includes(lower)) return false;
      return value;
    }
    case 'array':
      return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    default:
      return value;
  }
}

function label(name: string, sources: Map<string, Source>, filePath: string | undefined): string {
  const source = sources.get(name);
  if (source?.kind === 'env') return source.name;
  if (source?.kind === 'file') return `"${name}" in config file ${source.path}`;
  const setting = (settingsSchema as Record<string, SettingSchema>)[name];
  if (setting) return `${setting['x-env']} (${name})`;
  return filePath ? `"${name}" in config file ${filePath}` : name;
}

function describe(error: ErrorObject, values: Record<string, unknown>, sources: Map<string, Source>, filePath?: string): string {
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return `${label(extra, sources, filePath)}: unknown setting (known: ${Object.keys(settingsSchema).join(', ')})`;
  }
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `${label(missing, sources, filePath)}: is required`;
  }
  const name = error.instancePath.split('/')[1] ?? '';
  const got = JSON.stringify(values[name]);
  const reason = error.keyword === 'enum' ? `must be one of ${(error.params as { allowedValues: string[] }).allowedValues.join(', ')}` : error.message;
  return `${label(name, sources, filePath)}: ${reason} (got ${got})`;
}
