/**
 * Input guards that run before any handler: the validator compiler (strict JSON bodies, coerced
 * path and query strings), no NUL characters anywhere (Postgres text cannot store them), and query
 * numbers that are whole and finite.
 */
import fp from 'fastify-plugin';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { AppError } from '../lib/errors.js';

/** True when any string inside the value contains NUL. */
function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 8 || !value || typeof value !== 'object') return false;
  for (const v of Object.values(value)) if (containsNul(v, depth + 1)) return true;
  return false;
}

/**
 * Two validators: JSON bodies are checked strictly (a number is not a string, an array is not a
 * name), while path and query strings are coerced to the declared types, as they can only be text.
 */
function makeValidatorCompiler() {
  const make = (coerce: boolean) => {
    const ajv = new Ajv({ removeAdditional: 'all', useDefaults: true, coerceTypes: coerce ? 'array' : false, allErrors: false, strict: false });
    (ajvFormats as unknown as (a: Ajv) => void)(ajv);
    return ajv;
  };
  const strict = make(false);
  const coercing = make(true);
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema);
}

export default fp(
  async (app) => {
    app.setValidatorCompiler(makeValidatorCompiler());

    app.addHook('preValidation', async (request) => {
      if (containsNul(request.body) || containsNul(request.query) || containsNul(request.params)) {
        throw new AppError(400, 'VALIDATION', 'Text must not contain NUL characters');
      }
    });
    // Query coercion turns "1e400" into Infinity, which the schema check lets through.
    app.addHook('preHandler', async (request) => {
      for (const [key, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
        if (typeof value === 'number' && !Number.isSafeInteger(value)) {
          throw new AppError(400, 'VALIDATION', `querystring/${key} must be a whole number`);
        }
      }
    });
  },
  { name: 'input-guards' },
);
