import fc from 'fast-check';

/**
 * A small JSON Schema (2020-12, as @asteasolutions/zod-to-openapi writes it) → fast-check mapper:
 * values that fit the schema, mostly. It knows what the careerfeed documents use: type (also
 * arrays of types, i.e. nullable), enum, const, properties/required/additionalProperties, items,
 * min/maxItems, min/maxLength, minimum/maximum, pattern, format, anyOf/oneOf/allOf and `$ref`
 * into `#/components/schemas`. Anything else is generated as any JSON value, which is fine for a
 * fuzzer: it only has to reach the validators, not satisfy them every time.
 */

export type JsonSchema = Record<string, unknown>;
export type Components = Record<string, JsonSchema>;

/** Strings are kept short unless the schema needs more: long ones come from the mutations. */
const MAX_GENERATED_LENGTH = 80;
const MAX_DEPTH = 6;

function refName(ref: string): string | undefined {
  const match = /^#\/components\/schemas\/(.+)$/.exec(ref);
  return match?.[1];
}

export function resolveSchema(schema: JsonSchema, components: Components): JsonSchema {
  let current = schema;
  for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
    const name = refName(current.$ref);
    const next = name ? components[name] : undefined;
    if (!next) return {};
    current = next;
  }
  return current;
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = Math.max(
    minLength,
    Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : MAX_GENERATED_LENGTH, MAX_GENERATED_LENGTH),
  );
  const fit = (s: string) => s.slice(0, maxLength).padEnd(minLength, 'a');
  switch (schema.format) {
    case 'date-time':
      return fc
        .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'email':
      return fc.emailAddress().map(fit);
    case 'uri':
    case 'url':
      return fc.webUrl().map(fit);
    case 'uuid':
      return fc.uuid();
    default:
      break;
  }
  if (typeof schema.pattern === 'string') {
    try {
      const pattern = new RegExp(schema.pattern);
      return fc.stringMatching(pattern).filter((s) => s.length >= minLength && s.length <= Math.max(maxLength, 64));
    } catch {
      // An ECMAScript-incompatible pattern: fall through to plain strings.
    }
  }
  return fc.string({
    minLength,
    maxLength,
    unit: fc.oneof(
      fc.constant('a'),
      fc.constantFrom('-', ' ', 'é', '<', '&', '"'),
      fc.string({ minLength: 1, maxLength: 1 }),
    ),
  });
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min =
    typeof schema.minimum === 'number'
      ? schema.minimum
      : typeof schema.exclusiveMinimum === 'number'
        ? schema.exclusiveMinimum + (integer ? 1 : Number.EPSILON)
        : -1_000_000;
  const max =
    typeof schema.maximum === 'number'
      ? schema.maximum
      : typeof schema.exclusiveMaximum === 'number'
        ? schema.exclusiveMaximum - (integer ? 1 : Number.EPSILON)
        : 1_000_000;
  if (integer)
    return fc.integer({
      min: Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER),
      max: Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER),
    });
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function typedArbitrary(
  type: string,
  schema: JsonSchema,
  components: Components,
  depth: number,
): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'string':
      return stringArbitrary(schema);
    case 'array': {
      const items = (schema.items as JsonSchema | undefined) ?? {};
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = Math.max(minLength, Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 4, 4));
      return fc.array(schemaArbitrary(items, components, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties))
        record[name] = schemaArbitrary(property, components, depth + 1);
      const known = fc.record(record, { requiredKeys: [...required].filter((name) => name in properties) });
      const additional = schema.additionalProperties;
      if (additional && typeof additional === 'object' && Object.keys(properties).length === 0) {
        return fc.dictionary(
          fc.string({ minLength: 1, maxLength: 12 }),
          schemaArbitrary(additional as JsonSchema, components, depth + 1),
          { maxKeys: 3 },
        );
      }
      return known;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values that (mostly) fit `schema`. */
export function schemaArbitrary(schema: JsonSchema, components: Components, depth = 0): fc.Arbitrary<unknown> {
  const resolved = resolveSchema(schema, components);
  if (depth > MAX_DEPTH) return fc.constant(null);
  if ('const' in resolved) return fc.constant(resolved.const);
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) return fc.constantFrom(...(resolved.enum as unknown[]));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = resolved[key];
    if (Array.isArray(options) && options.length > 0)
      return fc.oneof(...(options as JsonSchema[]).map((option) => schemaArbitrary(option, components, depth + 1)));
  }
  if (Array.isArray(resolved.allOf) && resolved.allOf.length > 0) {
    // Merge the parts' object keywords: enough for the documents' use (an object extended by another).
    const merged: JsonSchema = { type: 'object', properties: {}, required: [] };
    for (const part of resolved.allOf as JsonSchema[]) {
      const p = resolveSchema(part, components);
      Object.assign(merged.properties as object, p.properties ?? {});
      (merged.required as string[]).push(...((p.required as string[] | undefined) ?? []));
    }
    return schemaArbitrary(merged, components, depth + 1);
  }
  const type = resolved.type;
  if (Array.isArray(type) && type.length > 0)
    return fc.oneof(...(type as string[]).map((t) => typedArbitrary(t, resolved, components, depth)));
  if (typeof type === 'string') return typedArbitrary(type, resolved, components, depth);
  if (resolved.properties) return typedArbitrary('object', resolved, components, depth);
  return fc.jsonValue({ maxDepth: 2 });
}
