/**
 * `npm run postman` writes examples/postman/cityassist.postman_collection.json (Postman collection
 * v2.1) from what the API serves: every persisted operation in schema/operations/ (by its id in the
 * generated manifest, packages/client/src/generated/persisted-documents.json, with example
 * variables), the gateway's REST routes (gateway/src/rest/routes.ts) and its service endpoints.
 * Each request carries tests on its status and on the shape of its answer, derived from the
 * operation's selection and schema/public.graphql (every selected field present, non-null where the
 * schema says so, of its scalar's JSON type). `npm run postman:check` fails when the committed
 * collection is stale. docs/postman.md tells how to import and run it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  Kind,
  parse,
  print,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import prettier from 'prettier';
import { REST_ROUTES } from '../gateway/src/rest/routes.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
export const OUT_DIR = path.join(ROOT, 'examples/postman');
export const COLLECTION_FILE = path.join(OUT_DIR, 'cityassist.postman_collection.json');
/** The photo the multipart requests send (a synthetic street scene with a pothole). */
export const PHOTO_FILE = path.join(OUT_DIR, 'pothole.jpg');
const OPERATIONS_DIR = path.join(ROOT, 'schema/operations');
const MANIFEST = path.join(ROOT, 'packages/client/src/generated/persisted-documents.json');
const SCHEMA = path.join(ROOT, 'schema/public.graphql');

/** Folders of schema/operations/, in the order a run goes through them, and what each is for. */
const FOLDERS: Record<string, string> = {
  backend:
    'Operations for backend clients (the Java client): zones, a zone at a point, reports. CreateReport keeps the new report id in `{{reportId}}` for DashboardReport.',
  dashboard: 'The dashboard page’s operations (dashboard/): the city map, a zone’s panel, a report’s photo.',
  rest: 'The operations behind the REST routes, called as GraphQL.',
  live: 'Subscriptions over Server-Sent Events: each stays open and shows events as they come. Postman shows the stream; newman cannot run a request that never ends, so `test/postman.e2e.ts` runs this folder with fetch instead.',
};
const LIVE_FOLDER = 'live';

export const ZONE_ID = '260960005000001';
const AT = '2015-03-15T16:00:00Z';
const LOCATION = { lat: -7.9928, lon: -34.8617 };

/**
 * Example variables per operation. `{{…}}` are collection variables. An operation without an entry
 * here gets variables made up from its variable types (see exampleFor).
 */
const EXAMPLES: Record<string, Record<string, unknown>> = {
  ZonesPage: { first: 5 },
  ZoneAt: { ...LOCATION },
  CreateReport: {
    input: {
      zoneId: '{{zoneId}}',
      description: 'Deep pothole at the bus stop (Postman example)',
      category: 'POTHOLE',
    },
  },
  SubmitReport: {
    input: {
      location: LOCATION,
      description: 'Fallen tree across the road (Postman example)',
      category: 'FALLEN_TREE',
    },
    photo: null,
  },
  DashboardZone: { id: '{{zoneId}}' },
  DashboardReport: { id: '{{reportId}}' },
  ZoneOutlook: { id: '{{zoneId}}' },
  PredictFlood: {
    input: {
      zoneId: '{{zoneId}}',
      at: AT,
      features: [
        { name: 'rain_1h_mm', value: 40 },
        { name: 'rain_24h_mm', value: 120 },
      ],
    },
  },
  FloodAlerts: { minLevel: 'HIGH' },
  ReportSubmitted: { zoneId: '{{zoneId}}' },
  ReportTriaged: { zoneId: '{{zoneId}}' },
  DriftDetected: { model: 'flood' },
};

/** Operations that need a scope: they send `x-api-key: {{apiKey}}`. */
const SCOPES: Record<string, string> = {
  CreateReport: 'reports:write',
  SubmitReport: 'reports:write',
  ClassifyReportImage: 'reports:write',
  DashboardReport: 'reports:read',
};

/** Operations that send a file: a GraphQL multipart request with the photo at `variables.<name>`. */
const UPLOADS: Record<string, string> = { ClassifyReportImage: 'photo', SubmitReport: 'photo' };

/** Operations that file something: a fresh Idempotency-Key per request. */
const IDEMPOTENT = new Set(['CreateReport', 'SubmitReport']);

/** Test lines run after an operation's shape check (`body` is the parsed answer). */
const AFTER: Record<string, string[]> = {
  CreateReport: [
    "pm.test('keeps the report id for DashboardReport', function () {",
    "  pm.expect(body.data.createReport.id).to.be.a('string');",
    "  pm.collectionVariables.set('reportId', body.data.createReport.id);",
    '});',
  ],
  ZonesPage: [
    "pm.test('answers the page asked for', function () {",
    '  pm.expect(body.data.zones.edges.length).to.be.at.most(5);',
    '  pm.expect(body.data.zones.totalCount).to.be.at.least(body.data.zones.edges.length);',
    '});',
  ],
  AllZonesFloodRisk: [
    "pm.test('every zone of the city', function () {",
    '  pm.expect(body.data.zones.edges.length).to.equal(body.data.zones.totalCount);',
    '});',
  ],
  ClassifyReportImage: [
    "pm.test('sees the pothole', function () {",
    "  pm.expect(body.data.classifyReportImage.label).to.equal('pothole');",
    '});',
  ],
};

/** A JSON type descriptor the test scripts check an answer against (compact: it is in every test). */
export type Shape =
  | { k: 'obj'; nn?: 1; f: Record<string, Shape> }
  | { k: 'list'; nn?: 1; of: Shape }
  | { k: 'number' | 'string' | 'boolean' | 'any'; nn?: 1 };

const SCALAR_JSON: Record<string, 'number' | 'string' | 'boolean'> = {
  Int: 'number',
  Float: 'number',
  String: 'string',
  ID: 'string',
  Boolean: 'boolean',
};

/** What an operation's answer under `data` must look like, from its selection and the schema. */
export function shapeOf(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
): Shape {
  const root = schema.getRootType(operation.operation);
  if (!root) throw new Error(`the schema has no ${operation.operation} type`);
  const typeShape = (type: GraphQLOutputType, selections: SelectionSetNode | undefined): Shape => {
    const nn = isNonNullType(type) ? ({ nn: 1 } as const) : {};
    const inner: GraphQLOutputType = getNullableType(type);
    if (isListType(inner)) return { k: 'list', ...nn, of: typeShape(inner.ofType, selections) };
    const named = getNamedType(inner);
    if (isObjectType(named) || isInterfaceType(named) || isUnionType(named)) {
      return { k: 'obj', ...nn, f: fieldsOf(named.name, selections) };
    }
    if (isEnumType(named)) return { k: 'string', ...nn };
    return { k: SCALAR_JSON[named.name] ?? 'any', ...nn };
  };
  const fieldsOf = (typeName: string, selections: SelectionSetNode | undefined): Record<string, Shape> => {
    const type = schema.getType(typeName);
    const fields: Record<string, Shape> = {};
    for (const selection of selections?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        if (selection.name.value === '__typename') {
          fields[key] = { k: 'string', nn: 1 };
          continue;
        }
        if (!isObjectType(type) && !isInterfaceType(type)) continue;
        const field = type.getFields()[selection.name.value];
        if (!field) throw new Error(`${typeName}.${selection.name.value} is not in schema/public.graphql`);
        fields[key] = typeShape(field.type, selection.selectionSet);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment) throw new Error(`no fragment ${selection.name.value}`);
        Object.assign(fields, fieldsOf(fragment.typeCondition.name.value, fragment.selectionSet));
      } else {
        Object.assign(
          fields,
          fieldsOf(selection.typeCondition?.name.value ?? typeName, selection.selectionSet),
        );
      }
    }
    return fields;
  };
  return { k: 'obj', nn: 1, f: fieldsOf(root.name, operation.selectionSet) };
}

/** Example values for an operation without an entry in EXAMPLES: from its variables' types. */
function exampleFor(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const v of operation.variableDefinitions ?? []) {
    if (v.type.kind !== Kind.NON_NULL_TYPE) continue;
    const type = v.type.type;
    const name = type.kind === Kind.NAMED_TYPE ? type.name.value : 'list';
    const enumType = schema.getType(name);
    variables[v.variable.name.value] =
      /id$/i.test(v.variable.name.value) || name === 'ID'
        ? '{{zoneId}}'
        : name === 'Int'
          ? 10
          : name === 'Float'
            ? 0
            : name === 'Boolean'
              ? true
              : isEnumType(enumType)
                ? enumType.getValues()[0]!.value
                : name === 'list'
                  ? []
                  : 'example';
  }
  return variables;
}

interface Operation {
  name: string;
  folder: string;
  file: string;
  kind: 'query' | 'mutation' | 'subscription';
  id: string;
  document: string;
  variables: Record<string, unknown>;
  shape: Shape;
}

/** Every persisted operation: its file, its id in the manifest, example variables and shape. */
export function persistedOperations(): Operation[] {
  const schema = buildSchema(readFileSync(SCHEMA, 'utf8'));
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
  const ids = new Map<string, string>();
  for (const [id, text] of Object.entries(manifest)) {
    for (const def of parse(text).definitions) {
      if (def.kind === Kind.OPERATION_DEFINITION && def.name) ids.set(def.name.value, id);
    }
  }
  const operations: Operation[] = [];
  for (const folder of readdirSync(OPERATIONS_DIR).sort()) {
    const dir = path.join(OPERATIONS_DIR, folder);
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .sort()) {
      const doc = parse(readFileSync(path.join(dir, file), 'utf8'));
      const fragments = new Map(
        doc.definitions
          .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
          .map((d) => [d.name.value, d] as const),
      );
      for (const def of doc.definitions) {
        if (def.kind !== Kind.OPERATION_DEFINITION || !def.name) continue;
        const name = def.name.value;
        const id = ids.get(name);
        if (!id) throw new Error(`${name} is not in the persisted-documents manifest: run npm run codegen`);
        operations.push({
          name,
          folder,
          file: path.relative(ROOT, path.join(dir, file)),
          kind: def.operation,
          id,
          document: print({ kind: Kind.DOCUMENT, definitions: [def, ...fragments.values()] }),
          variables: EXAMPLES[name] ?? exampleFor(schema, def),
          shape: shapeOf(schema, def, fragments),
        });
      }
    }
  }
  return operations;
}

/** The REST routes' examples and the shapes of their answers; a route without one fails the script. */
const REST_EXAMPLES: Record<
  string,
  {
    name: string;
    description: string;
    body: { json: unknown } | { file: string };
    shape: Shape;
  }
> = {
  '/api/v1/predict/flood': {
    name: 'POST /api/v1/predict/flood',
    description:
      'The brief’s flood contract, served from the persisted `PredictFlood`. `features` replaces stored values for this prediction only (what-if); `explain` is exact TreeSHAP in log-odds. Errors are `{"error": {"code", "message"}}` with 400, 404, 415, 422 or 429.',
    body: {
      json: {
        zone_id: '{{zoneId}}',
        timestamp: AT,
        features: { rain_1h_mm: 40 },
      },
    },
    shape: {
      k: 'obj',
      nn: 1,
      f: {
        prediction_id: { k: 'string', nn: 1 },
        risk_score: { k: 'number', nn: 1 },
        probability: { k: 'number', nn: 1 },
        explain: {
          k: 'list',
          nn: 1,
          of: { k: 'obj', nn: 1, f: { feature: { k: 'string', nn: 1 }, contrib: { k: 'number', nn: 1 } } },
        },
        meta: { k: 'obj', nn: 1, f: { model: { k: 'string', nn: 1 } } },
      },
    },
  },
  '/api/v1/classify/report-image': {
    name: 'POST /api/v1/classify/report-image',
    description:
      'The brief’s photo contract, served from the persisted `ClassifyReportImage` (scope reports:write): one JPEG, PNG or WebP in the multipart field `file`, at most 10 MiB; nothing is stored.',
    body: { file: 'file' },
    shape: {
      k: 'obj',
      nn: 1,
      f: {
        label: { k: 'string', nn: 1 },
        confidence: { k: 'number', nn: 1 },
        suggested_priority: { k: 'string', nn: 1 },
      },
    },
  },
};

const ERROR_SHAPE: Shape = {
  k: 'obj',
  nn: 1,
  f: { error: { k: 'obj', nn: 1, f: { code: { k: 'string', nn: 1 }, message: { k: 'string', nn: 1 } } } },
};

// ---------------------------------------------------------------------------------------------
// Postman collection v2.1 (https://schema.postman.com/collection/json/v2.1.0/draft-07/docs/index.html)

interface Header {
  key: string;
  value: string;
  description?: string;
}
type Body =
  | { mode: 'raw'; raw: string; options: { raw: { language: 'json' } } }
  | {
      mode: 'formdata';
      formdata: ({ key: string; type: 'text'; value: string } | { key: string; type: 'file'; src: string })[];
    };
interface Item {
  name: string;
  request: {
    method: 'GET' | 'POST';
    header: Header[];
    body?: Body;
    url: { raw: string; host: string[]; path: string[] };
    description?: string;
  };
  event: { listen: 'test'; script: { type: 'text/javascript'; exec: string[] } }[];
}
interface Folder {
  name: string;
  description: string;
  item: Item[];
}

const url = (pathname: string) => ({
  raw: `{{baseUrl}}${pathname}`,
  host: ['{{baseUrl}}'],
  path: pathname.split('/').filter(Boolean),
});

const json = (value: unknown): Body => ({
  mode: 'raw',
  raw: JSON.stringify(value, null, 2),
  options: { raw: { language: 'json' } },
});

const API_KEY: Header = {
  key: 'x-api-key',
  value: '{{apiKey}}',
  description: 'An API key with the scope named above',
};

/** The shape checker every test script starts with: a list of what does not match. */
const CHECKER = [
  'function shapeErrors(v, t, p, out) {',
  "  if (v === null || v === undefined) { if (t.nn) out.push(p + ' is null'); return out; }",
  "  if (t.k === 'list') {",
  "    if (!Array.isArray(v)) out.push(p + ' is not a list');",
  "    else v.forEach(function (x, i) { shapeErrors(x, t.of, p + '[' + i + ']', out); });",
  "  } else if (t.k === 'obj') {",
  "    if (typeof v !== 'object' || Array.isArray(v)) { out.push(p + ' is not an object'); return out; }",
  "    Object.keys(t.f).forEach(function (k) { if (!(k in v)) out.push(p + '.' + k + ' is missing'); else shapeErrors(v[k], t.f[k], p + '.' + k, out); });",
  "  } else if (t.k !== 'any' && typeof v !== t.k) {",
  "    out.push(p + ' is a ' + typeof v + ', not a ' + t.k);",
  '  }',
  '  return out;',
  '}',
];

const shapeTest = (what: string, shape: Shape, value: string) => [
  `pm.test(${JSON.stringify(what)}, function () {`,
  `  var errors = shapeErrors(${value}, ${JSON.stringify(shape)}, ${JSON.stringify(value)}, []);`,
  "  pm.expect(errors.slice(0, 5).join('; ')).to.equal('');",
  '});',
];

function graphqlItem(op: Operation): Item {
  const scope = SCOPES[op.name];
  const upload = UPLOADS[op.name];
  const headers: Header[] = [];
  if (scope) headers.push(API_KEY);
  if (IDEMPOTENT.has(op.name)) {
    headers.push({
      key: 'idempotency-key',
      value: '{{$guid}}',
      description: 'A random UUID per report, sent again on every retry of it',
    });
  }
  const payload = { documentId: op.id, variables: op.variables };
  let body: Body;
  if (op.kind === 'subscription') {
    headers.unshift(
      { key: 'content-type', value: 'application/json' },
      { key: 'accept', value: 'text/event-stream' },
    );
    body = json(payload);
  } else if (upload) {
    body = {
      mode: 'formdata',
      formdata: [
        {
          key: 'operations',
          type: 'text',
          value: JSON.stringify({ ...payload, variables: { ...op.variables, [upload]: null } }),
        },
        { key: 'map', type: 'text', value: JSON.stringify({ 0: [`variables.${upload}`] }) },
        { key: '0', type: 'file', src: path.basename(PHOTO_FILE) },
      ],
    };
  } else {
    headers.unshift({ key: 'content-type', value: 'application/json' });
    body = json(payload);
  }
  const description = [
    `\`${op.file}\`, persisted as \`${op.id}\`${scope ? `; needs scope \`${scope}\` (set \`apiKey\`)` : ''}.`,
    '',
    op.kind === 'subscription'
      ? 'Over Server-Sent Events: the answer stays open and each event is one `next` message. Over graphql-ws send the same `{documentId, variables}` as the subscribe payload.'
      : upload
        ? `A GraphQL multipart request: the photo (\`${path.basename(PHOTO_FILE)}\` next to this collection; choose another file in Postman) goes to \`variables.${upload}\`.`
        : 'The body names the operation by id, as production requires (`NODE_ENV=production` runs only persisted documents).',
    '',
    '```graphql',
    op.document.trim(),
    '```',
  ].join('\n');
  const exec =
    op.kind === 'subscription'
      ? [
          "pm.test('status 200', function () { pm.response.to.have.status(200); });",
          "pm.test('an event stream', function () {",
          "  pm.expect(pm.response.headers.get('content-type')).to.match(/^text\\/event-stream/);",
          '});',
        ]
      : [
          ...CHECKER,
          "pm.test('status 200', function () { pm.response.to.have.status(200); });",
          'var body = pm.response.json();',
          "pm.test('no errors', function () { pm.expect(JSON.stringify(body.errors || [])).to.equal('[]'); });",
          ...shapeTest(`data has the shape of ${op.name}`, op.shape, 'body.data'),
          ...(AFTER[op.name] ?? []),
        ];
  return {
    name: op.name,
    request: { method: 'POST', header: headers, body, url: url('/graphql'), description },
    event: [{ listen: 'test', script: { type: 'text/javascript', exec } }],
  };
}

function restItems(): Item[] {
  const items: Item[] = [];
  for (const route of REST_ROUTES) {
    const example = REST_EXAMPLES[route.path];
    if (!example) {
      throw new Error(`no Postman example for the REST route ${route.path}: add one to scripts/postman.ts`);
    }
    const scope = SCOPES[route.operation];
    const headers: Header[] = scope ? [API_KEY] : [];
    let body: Body;
    if ('json' in example.body) {
      headers.unshift({ key: 'content-type', value: route.contentType });
      body = json(example.body.json);
    } else {
      body = {
        mode: 'formdata',
        formdata: [{ key: example.body.file, type: 'file', src: path.basename(PHOTO_FILE) }],
      };
    }
    items.push({
      name: example.name,
      request: {
        method: 'POST',
        header: headers,
        body,
        url: url(route.path),
        description: `${example.description}${scope ? ` Needs scope \`${scope}\` (set \`apiKey\`).` : ''}`,
      },
      event: [
        {
          listen: 'test',
          script: {
            type: 'text/javascript',
            exec: [
              ...CHECKER,
              "pm.test('status 200', function () { pm.response.to.have.status(200); });",
              "pm.test('JSON', function () { pm.expect(pm.response.headers.get('content-type')).to.match(/^application\\/json/); });",
              ...shapeTest('the answer has the contract’s shape', example.shape, 'pm.response.json()'),
            ],
          },
        },
      ],
    });
  }
  // One refusal, to show the error shape every REST route shares.
  items.push({
    name: 'POST /api/v1/predict/flood: a bad body (400)',
    request: {
      method: 'POST',
      header: [{ key: 'content-type', value: 'application/json' }],
      body: json({ zone: '{{zoneId}}' }),
      url: url('/api/v1/predict/flood'),
      description:
        'A body the contract does not take: 400 with `{"error": {"code": "BAD_REQUEST", "message", "details"}}`, naming each field.',
    },
    event: [
      {
        listen: 'test',
        script: {
          type: 'text/javascript',
          exec: [
            ...CHECKER,
            "pm.test('status 400', function () { pm.response.to.have.status(400); });",
            ...shapeTest('an error with a code and a message', ERROR_SHAPE, 'pm.response.json()'),
            "pm.test('BAD_REQUEST', function () { pm.expect(pm.response.json().error.code).to.equal('BAD_REQUEST'); });",
          ],
        },
      },
    ],
  });
  return items;
}

function serviceItems(): Item[] {
  const get = (name: string, pathname: string, description: string, exec: string[]): Item => ({
    name,
    request: { method: 'GET', header: [], url: url(pathname), description },
    event: [{ listen: 'test', script: { type: 'text/javascript', exec } }],
  });
  return [
    get('GET /health', '/health', 'Liveness: 200 while the gateway process serves.', [
      "pm.test('status 200', function () { pm.response.to.have.status(200); });",
    ]),
    get('GET /ready', '/ready', 'Readiness: 200 when every subgraph’s own /ready answers; 503 otherwise.', [
      "pm.test('status 200', function () { pm.response.to.have.status(200); });",
      "pm.test('ready', function () { pm.expect(pm.response.json().ready).to.equal(true); });",
    ]),
    get(
      'GET /dashboard',
      '/dashboard',
      'The city dashboard page (docs/dashboard.md); open it in a browser. 404 with `DASHBOARD=false`.',
      [
        "pm.test('status 200', function () { pm.response.to.have.status(200); });",
        "pm.test('an HTML page', function () { pm.expect(pm.response.headers.get('content-type')).to.match(/^text\\/html/); });",
        "pm.test('under a self-only CSP', function () { pm.expect(pm.response.headers.get('content-security-policy')).to.include(\"default-src 'self'\"); });",
      ],
    ),
  ];
}

/** The whole collection as an object. */
export function buildCollection(): Record<string, unknown> {
  const operations = persistedOperations();
  const folders: Folder[] = [];
  const known = new Set(operations.map((o) => o.folder));
  for (const folder of [...Object.keys(FOLDERS), ...[...known].filter((f) => !(f in FOLDERS))]) {
    const items = operations.filter((o) => o.folder === folder).map(graphqlItem);
    if (items.length) {
      folders.push({
        name: `GraphQL: ${folder}`,
        description: FOLDERS[folder] ?? `schema/operations/${folder}/`,
        item: items,
      });
    }
  }
  // REST before the live folder, so a run that stops at the live folder has done everything else.
  const live = folders.findIndex((f) => f.name === `GraphQL: ${LIVE_FOLDER}`);
  const rest: Folder = {
    name: 'REST',
    description:
      'The brief’s REST contracts (gateway/src/rest/routes.ts), each a thin adapter over a persisted operation.',
    item: restItems(),
  };
  const service: Folder = {
    name: 'Service',
    description: 'Health, readiness and the dashboard page.',
    item: serviceItems(),
  };
  folders.splice(live < 0 ? folders.length : live, 0, rest, service);
  const digest = createHash('sha256').update('cityassist postman collection').digest('hex');
  return {
    info: {
      _postman_id: `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-8${digest.slice(17, 20)}-${digest.slice(20, 32)}`,
      name: 'CityAssist',
      description: [
        'The CityAssist API: every persisted GraphQL operation (`schema/operations/`), the REST routes and the service endpoints, with example payloads and tests on status and shape.',
        '',
        'Set the collection variables `baseUrl` (the gateway’s origin, e.g. `http://127.0.0.1:4000` for `npm start`) and `apiKey` (`npm run api-key -- --name postman --scopes reports:write,reports:read`; needed only by the requests that say so).',
        '',
        'Generated by `npm run postman` (scripts/postman.ts); do not edit by hand. docs/postman.md tells how to import it and run it with newman.',
      ].join('\n'),
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    item: folders,
    variable: [
      { key: 'baseUrl', value: 'http://127.0.0.1:4000', type: 'string', description: 'The gateway’s origin' },
      {
        key: 'apiKey',
        value: '',
        type: 'string',
        description: 'An API key (ca_…) with reports:write and reports:read',
      },
      { key: 'zoneId', value: ZONE_ID, type: 'string', description: 'A zone (census tract) of Olinda' },
      {
        key: 'reportId',
        value: '',
        type: 'string',
        description: 'Set by CreateReport; read by DashboardReport',
      },
    ],
  };
}

/** The collection file's text, formatted as Prettier formats it (the repository checks that). */
export async function collectionText(): Promise<string> {
  const options = (await prettier.resolveConfig(COLLECTION_FILE)) ?? {};
  return prettier.format(JSON.stringify(buildCollection()), { ...options, parser: 'json' });
}

/** The example photo: written once (its bytes depend on the image library's version). */
async function writePhoto(): Promise<void> {
  if (existsSync(PHOTO_FILE)) return;
  const { sceneImages } = await import('@cityassist/inference/testing');
  writeFileSync(PHOTO_FILE, await (await sceneImages()).pothole.jpeg({ quality: 85 }).toBuffer());
}

if (import.meta.main) {
  const text = await collectionText();
  const relative = path.relative(ROOT, COLLECTION_FILE);
  if (process.argv.includes('--check')) {
    const current = existsSync(COLLECTION_FILE) ? readFileSync(COLLECTION_FILE, 'utf8') : '';
    const problems = [
      current === text ? '' : `${relative} is stale: run npm run postman`,
      existsSync(PHOTO_FILE) ? '' : `${path.relative(ROOT, PHOTO_FILE)} is missing: run npm run postman`,
    ].filter(Boolean);
    if (problems.length) {
      console.error(problems.join('\n'));
      process.exit(1);
    }
    console.log(`${relative} is current`);
  } else {
    mkdirSync(OUT_DIR, { recursive: true });
    await writePhoto();
    writeFileSync(COLLECTION_FILE, text);
    console.log(`wrote ${relative}`);
  }
}
