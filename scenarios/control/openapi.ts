/**
 * The OpenAPI 3.1 document of the control API, generated from the route table's zod schemas with
 * zod's own JSON Schema conversion (OpenAPI 3.1 schemas are JSON Schema 2020-12).
 */
import { z } from 'zod';
import { TOOL_NAME, TOOL_VERSION } from '../../emulator/src/version.ts';
import { streamQuerySchema, type AnyRoute } from './routes.ts';

type JsonSchema = Record<string, unknown>;

const schemaOf = (s: z.ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io: 'input' }) as JsonSchema;
  return rest;
};

function parameters(r: AnyRoute): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', r.params],
    ['query', r.query],
  ] as const) {
    const js = schemaOf(schema as z.ZodType);
    const props = (js['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = new Set((js['required'] ?? []) as string[]);
    for (const [name, p] of Object.entries(props))
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: p });
  }
  return out;
}

const errorSchema: JsonSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
};

const errorAnswer = (description: string): JsonSchema => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The document for `routes`. */
export function openApiDocument(routes: readonly AnyRoute[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const op: JsonSchema = {
      summary: r.summary,
      security: [{ bearer: [] }],
      parameters: parameters(r),
      responses: {
        [String(r.ok)]: { description: 'success' },
        '400': errorAnswer('bad input: the zod message says what is wrong'),
        '401': errorAnswer('missing or wrong token'),
        ...(r.path.includes(':id') ? { '404': errorAnswer('no such card, session or run') } : {}),
      },
    };
    if (r.body)
      op['requestBody'] = {
        required: !(r.body as z.ZodType).safeParse(undefined).success,
        content: { 'application/json': { schema: schemaOf(r.body as z.ZodType) } },
      };
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `${TOOL_NAME} control API`,
      version: TOOL_VERSION,
      description:
        'Cards, their in-process readers, reference-terminal sessions and journeys of a running bench. ' +
        'Every call needs `Authorization: Bearer <token>` (the token printed at start). ' +
        'Live events: WebSocket `/api/stream`, token offered as the subprotocol `bearer.<token>` ' +
        'next to `ciebench.v1` (or as `?token=`); messages are JSON `{type, data}` with type ' +
        '`snapshot`, `apdu`, `card`, `card-closed`, `session` or `journey`.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorSchema, StreamQuery: schemaOf(streamQuerySchema) },
    },
    paths,
  };
}
